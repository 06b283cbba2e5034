// Markers from the language's diagnostics (the worker's DiagnosticView: parser and checker,
// LAB1xxx-LAB3xxx): squiggles, the hover message with its code, F8 to the next one, and the
// places that explain it ("the call started here") as related information.

import type { editor } from 'monaco-editor/editor';
import type { DiagnosticView, SourceRange } from '../../worker/api';
import type { EditorContext, EditorPlugin } from './plugin';

export const MARKER_OWNER = 'lab';

export interface LineRange {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

/** A diagnostic's range in a model with `lineCount` lines, `maxColumn(line)` the column after each
 *  line's end: clamped into the text (it may be older than the text), and never empty — a
 *  zero-width span (something missing) marks the character after it, or before it at a line end. */
export function markerRange(r: SourceRange, lineCount: number, maxColumn: (line: number) => number): LineRange {
  const clampLine = (l: number) => Math.min(Math.max(1, l), Math.max(1, lineCount));
  const sl = clampLine(r.line), el = clampLine(r.endLine);
  let sc = Math.min(Math.max(1, r.col), maxColumn(sl));
  let ec = Math.min(Math.max(1, r.endCol), maxColumn(el));
  if (el < sl || (el === sl && ec <= sc)) {
    const max = maxColumn(sl);
    if (sc < max) ec = sc + 1;
    else if (sc > 1) { ec = sc; sc -= 1; }
    else ec = sc;
    return { startLineNumber: sl, startColumn: sc, endLineNumber: sl, endColumn: ec };
  }
  return { startLineNumber: sl, startColumn: sc, endLineNumber: el, endColumn: ec };
}

export function markersPlugin(): EditorPlugin<{ diagnostics: readonly DiagnosticView[] }> {
  let ctx: EditorContext | null = null;
  return {
    name: 'markers',
    mount(c) {
      ctx = c;
    },
    update({ diagnostics }) {
      if (ctx === null) return;
      const { monaco, model } = ctx;
      const lines = model.getLineCount();
      const max = (l: number) => model.getLineMaxColumn(l);
      const markers: editor.IMarkerData[] = diagnostics.map((d) => ({
        ...markerRange(d, lines, max),
        severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
        message: d.message,
        code: d.code,
        source: 'lab',
        relatedInformation: d.related.map((r) => ({ resource: model.uri, message: r.message, ...markerRange(r, lines, max) })),
      }));
      monaco.editor.setModelMarkers(model, MARKER_OWNER, markers);
    },
    unmount() {
      if (ctx !== null && !ctx.model.isDisposed()) ctx.monaco.editor.setModelMarkers(ctx.model, MARKER_OWNER, []);
      ctx = null;
    },
  };
}
