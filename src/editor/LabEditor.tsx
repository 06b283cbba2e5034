// The lab program editor: the one public entry of src/editor/. The app loads it lazily,
//   const LabEditor = React.lazy(() => import('../editor/LabEditor'));
// so the first paint never waits for Monaco (about 1 MB gzip), which only this module pulls in.
//
// Inside: a Monaco core (core/: the lab language's grammar, themes, and completion, hover and
// signature help generated from the registry data the worker sends, `meta`) and shell features as
// plugins with a mount/update/unmount lifecycle (plugins/: markers from the worker's diagnostics,
// the current step, breakpoints). The component is controlled: `value` in, `onChange` out.

import { type CSSProperties, useEffect, useRef } from 'react';
import type { editor } from 'monaco-editor/editor';
import type { BuiltinMeta, DiagnosticView, SourceRange } from '../worker/api';
import { registerLabLanguage, setLabMeta } from './core/language';
import { Echoes } from './echoes';
import { monaco } from './core/monaco';
import { LANGUAGE_ID } from './core/monarch';
import { MONACO_THEME, PALETTE } from './core/theme';
import { breakpointsPlugin } from './plugins/breakpoints';
import { currentLinePlugin } from './plugins/currentLine';
import { markersPlugin } from './plugins/markers';
import { type PluginSlot, slot, syncPlugins } from './plugins/plugin';
import './editor.css';

export interface LabEditorProps {
  /** The program text. */
  value: string;
  /** Every edit by the user, with the whole new text (not called when `value` changes). */
  onChange(text: string): void;
  /** The worker's parser and checker diagnostics for the text, shown as markers. */
  diagnostics: DiagnosticView[];
  /** The current step's line (1-based), highlighted whole; null: none. */
  currentLine: number | null;
  /** The current step's statement head, highlighted precisely (StepSummary.head). */
  head?: SourceRange | null;
  /** Lines with a breakpoint (1-based), shown as red dots in the glyph margin. */
  breakpoints: number[];
  /** A click in the glyph margin (or the context menu's Toggle Breakpoint): the app adds or
   *  removes the line's breakpoint. */
  onToggleBreakpoint(line: number): void;
  /** The registry as data (the worker's builtinsMeta(), asked once); null until it arrives:
   *  completion, hover and signature help need it. */
  meta: BuiltinMeta[] | null;
  theme: 'light' | 'dark';
  /** Pixels (default 14). */
  fontSize?: number;
  readOnly?: boolean;
  /** Called once the editor exists with what the app's keys need (F9's line, F6's focus);
   *  the function it returns, if any, is called when the editor goes. */
  register?: (handle: LabEditorHandle) => (() => void) | void;
}

/** What the app may ask of a mounted editor (the shape of src/app/editor-bridge.ts). */
export interface LabEditorHandle {
  /** The line of the caret, or null. */
  caretLine(): number | null;
  focus(): void;
  /** The focus is in the editor or one of its widgets (find, rename...). */
  hasFocus(): boolean;
}

const FONT_FAMILY = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

const OPTIONS: editor.IStandaloneEditorConstructionOptions = {
  automaticLayout: true,
  glyphMargin: true,
  lineNumbersMinChars: 3,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  fontFamily: FONT_FAMILY,
  tabSize: 2,
  insertSpaces: true,
  detectIndentation: false,
  folding: false,
  wordBasedSuggestions: 'off',
  quickSuggestions: { other: true, comments: false, strings: false },
  suggest: { showWords: false, preview: false, snippetsPreventQuickSuggestions: false },
  parameterHints: { enabled: true, cycle: false },
  hover: { delay: 350 },
  fixedOverflowWidgets: true,
  renderLineHighlight: 'line',
  overviewRulerLanes: 2,
  bracketPairColorization: { enabled: false },
  'semanticHighlighting.enabled': false,
  ariaLabel: 'Lab program',
  padding: { top: 4 },
};

function pluginSlots(props: () => LabEditorProps): PluginSlot<LabEditorProps>[] {
  return [
    slot(markersPlugin(), (p) => ({ diagnostics: p.diagnostics })),
    slot(currentLinePlugin(), (p) => ({ line: p.currentLine, head: p.head ?? null, color: PALETTE[p.theme].current })),
    slot(breakpointsPlugin((line) => props().onToggleBreakpoint(line)), (p) => ({ lines: p.breakpoints })),
  ];
}

export default function LabEditor(props: LabEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  latest.current = props;
  const live = useRef<{ editor: editor.IStandaloneCodeEditor; model: editor.ITextModel; slots: PluginSlot<LabEditorProps>[] } | null>(null);
  /** Set while `value` is written into the model, so that is not reported as an edit. */
  const applying = useRef(false);
  /** Texts reported through onChange that `value` has not echoed back yet (echoes.ts). */
  const echoes = useRef(new Echoes());

  // The editor, its model and plugins live as long as the component.
  useEffect(() => {
    const p = latest.current;
    registerLabLanguage(monaco);
    setLabMeta(monaco, p.meta);
    const model = monaco.editor.createModel(p.value, LANGUAGE_ID);
    const ed = monaco.editor.create(host.current as HTMLDivElement, {
      ...OPTIONS, model, theme: MONACO_THEME[p.theme], fontSize: p.fontSize ?? 14, readOnly: p.readOnly ?? false,
    });
    const changes = model.onDidChangeContent(() => {
      if (applying.current) return;
      const text = model.getValue();
      echoes.current.sent(text);
      latest.current.onChange(text);
    });
    const slots = pluginSlots(() => latest.current);
    for (const s of slots) s.plugin.mount({ monaco, editor: ed, model });
    live.current = { editor: ed, model, slots };
    const unregister = p.register?.({
      caretLine: () => ed.getPosition()?.lineNumber ?? null,
      focus: () => ed.focus(),
      hasFocus: () => ed.hasWidgetFocus(),
    });
    return () => {
      if (typeof unregister === 'function') unregister();
      live.current = null;
      for (const s of slots) s.plugin.unmount();
      changes.dispose();
      ed.dispose();
      model.dispose();
    };
  }, []);

  useEffect(() => {
    const l = live.current;
    if (l === null || echoes.current.isEcho(props.value) || l.model.getValue() === props.value) return;
    applying.current = true;
    try {
      // An edit rather than setValue, in an undo step of its own: Ctrl+Z after the app loads a
      // program brings back exactly the text before it.
      l.model.pushStackElement();
      l.model.pushEditOperations([], [{ range: l.model.getFullModelRange(), text: props.value }], () => null);
      l.model.pushStackElement();
    } finally {
      applying.current = false;
    }
  }, [props.value]);

  useEffect(() => setLabMeta(monaco, props.meta), [props.meta]);
  useEffect(() => monaco.editor.setTheme(MONACO_THEME[props.theme]), [props.theme]);
  useEffect(() => {
    live.current?.editor.updateOptions({ fontSize: props.fontSize ?? 14, readOnly: props.readOnly ?? false });
  }, [props.fontSize, props.readOnly]);

  // Plugins: each updated when its slice of the props changed (after the value is in the model).
  useEffect(() => {
    if (live.current !== null) syncPlugins(live.current.slots, props);
  });

  const palette = PALETTE[props.theme];
  const style = { '--lab-current': palette.current, '--lab-fault': palette.fault } as CSSProperties;
  return <div ref={host} className="lab-editor" data-editor="" data-theme={props.theme} style={style} data-testid="lab-editor" />;
}
