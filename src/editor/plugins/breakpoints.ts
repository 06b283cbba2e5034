// Breakpoints: a red dot in the glyph margin on each breakpoint line; a click in the glyph margin
// (or "Toggle Breakpoint" in the context menu) asks the app to toggle one, and a faint dot shows
// where a click would put one. The app owns the list: the dots always show its line numbers, also while the
// text is being edited.

import type { editor, IDisposable } from 'monaco-editor/editor';
import type { EditorContext, EditorPlugin } from './plugin';

export interface BreakpointsProps {
  lines: readonly number[];
}

export function breakpointsPlugin(onToggle: (line: number) => void): EditorPlugin<BreakpointsProps> {
  let ctx: EditorContext | null = null;
  let dots: editor.IEditorDecorationsCollection | null = null;
  let hint: editor.IEditorDecorationsCollection | null = null;
  let lines: readonly number[] = [];
  const subs: IDisposable[] = [];

  const render = () => {
    if (ctx === null || dots === null) return;
    const { monaco, model } = ctx;
    const count = model.getLineCount();
    dots.set([...new Set(lines)].filter((l) => Number.isInteger(l) && l >= 1 && l <= count).map((l) => ({
      range: new monaco.Range(l, 1, l, 1),
      options: {
        glyphMarginClassName: 'lab-breakpoint',
        glyphMarginHoverMessage: { value: `Breakpoint on line ${l}: click to remove` },
        stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
      },
    })));
  };

  return {
    name: 'breakpoints',
    mount(c) {
      ctx = c;
      const { monaco, editor: ed } = c;
      dots = ed.createDecorationsCollection();
      hint = ed.createDecorationsCollection();
      const glyph = monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN;
      subs.push(
        ed.onMouseDown((e) => {
          if (e.target.type !== glyph || e.target.position === null) return;
          e.event.preventDefault();
          hint?.clear();
          onToggle(e.target.position.lineNumber);
        }),
        ed.onMouseMove((e) => {
          const l = e.target.type === glyph ? e.target.position?.lineNumber : undefined;
          hint?.set(l === undefined || lines.includes(l) ? [] : [{
            range: new monaco.Range(l, 1, l, 1),
            options: { glyphMarginClassName: 'lab-breakpoint-hint' },
          }]);
        }),
        ed.onMouseLeave(() => hint?.clear()),
        // Decorations follow edits; the app's list does not: show its lines again.
        c.model.onDidChangeContent(() => render()),
        // F9 is the app's key (it reads the caret's line through LabEditor's `register`); the
        // context menu offers the same.
        ed.addAction({
          id: 'lab.toggleBreakpoint',
          label: 'Toggle Breakpoint',
          contextMenuGroupId: 'navigation',
          run: (editor) => {
            const p = editor.getPosition();
            if (p !== null) onToggle(p.lineNumber);
          },
        }),
      );
    },
    update(props) {
      lines = props.lines;
      hint?.clear();
      render();
    },
    unmount() {
      for (const s of subs.splice(0)) s.dispose();
      dots?.clear();
      hint?.clear();
      dots = hint = null;
      ctx = null;
    },
  };
}
