// The current step: its whole line tinted, a bar in the gutter and a mark in the overview ruler,
// and the statement's head (an `if`'s or `for`'s header, else the statement) tinted more
// strongly when given. The line is scrolled into view when it changes.

import type { editor } from 'monaco-editor/editor';
import type { SourceRange } from '../../worker/api';
import type { EditorContext, EditorPlugin } from './plugin';

export interface CurrentLineProps {
  line: number | null;
  head: SourceRange | null;
  /** The overview ruler's mark (theme.css --current). */
  color: string;
}

export function currentLinePlugin(): EditorPlugin<CurrentLineProps> {
  let ctx: EditorContext | null = null;
  let decorations: editor.IEditorDecorationsCollection | null = null;
  let shown: number | null = null;
  return {
    name: 'currentLine',
    mount(c) {
      ctx = c;
      decorations = c.editor.createDecorationsCollection();
    },
    update({ line, head, color }) {
      if (ctx === null || decorations === null) return;
      const { monaco, model, editor: ed } = ctx;
      const count = model.getLineCount();
      const list: editor.IModelDeltaDecoration[] = [];
      const valid = line !== null && line >= 1 && line <= count;
      if (valid) {
        list.push({
          range: new monaco.Range(line, 1, line, 1),
          options: {
            isWholeLine: true,
            className: 'lab-current-line',
            linesDecorationsClassName: 'lab-current-gutter',
            overviewRuler: { color, position: monaco.editor.OverviewRulerLane.Full },
            stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
          },
        });
      }
      if (head !== null && head.line >= 1 && head.line <= count) {
        const endLine = Math.min(Math.max(head.endLine, head.line), count);
        list.push({
          range: new monaco.Range(head.line, head.col, endLine, head.endCol),
          options: { className: 'lab-current-head', stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges },
        });
      }
      decorations.set(list);
      if (valid && line !== shown) ed.revealLineInCenterIfOutsideViewport(line, monaco.editor.ScrollType.Smooth);
      shown = valid ? line : null;
    },
    unmount() {
      decorations?.clear();
      decorations = null;
      ctx = null;
      shown = null;
    },
  };
}
