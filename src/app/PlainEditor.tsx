// The plain editor: a textarea with a gutter (line numbers, breakpoints on click, the current
// line, lines with problems) and the current statement highlighted behind the text. It stands in
// for Monaco (src/editor) wherever that is not loaded, with the same role and test id.

import { useEffect, useRef, type UIEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { registerEditor } from './editor-bridge';
import { useLab } from './StoreContext';

/** `readOnly`: shown while Monaco loads (typing there would be lost when Monaco takes over). */
export function PlainEditor({ readOnly = false }: { readOnly?: boolean }) {
  const source = useLab((s) => s.source);
  const setSource = useLab((s) => s.setSource);
  const breakpoints = useLab((s) => s.breakpoints);
  const toggleBreakpoint = useLab((s) => s.toggleBreakpoint);
  const head = useLab((s) => (s.view?.step ? s.view.step.head : null));
  const errorLine = useLab((s) => s.view?.error?.line ?? null);
  const problemLines = useLab(useShallow((s) => s.diagnostics.map((d) => d.line)));
  const ta = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);

  const lineCount = source.split('\n').length;
  const current = head ? { from: head.line, to: Math.max(head.line, head.endCol === 1 && head.endLine > head.line ? head.endLine - 1 : head.endLine) } : null;

  useEffect(() => (readOnly ? undefined : registerEditor({
    caretLine: () => {
      const t = ta.current;
      return t ? t.value.slice(0, t.selectionStart).split('\n').length : null;
    },
    focus: () => ta.current?.focus(),
    hasFocus: () => document.activeElement === ta.current,
  })), [readOnly]);

  // Keep the current statement in sight as the position moves.
  useEffect(() => {
    const t = ta.current;
    if (!t || !current) return;
    const lh = parseFloat(getComputedStyle(t).lineHeight) || 20;
    const top = (current.from - 1) * lh;
    if (top < t.scrollTop || top + lh > t.scrollTop + t.clientHeight) t.scrollTop = Math.max(0, top - t.clientHeight / 3);
    syncScroll(t);
  }, [current?.from]); // eslint-disable-line react-hooks/exhaustive-deps

  function syncScroll(t: HTMLTextAreaElement) {
    if (gutter.current) gutter.current.scrollTop = t.scrollTop;
    if (backdrop.current) { backdrop.current.scrollTop = t.scrollTop; backdrop.current.scrollLeft = t.scrollLeft; }
  }

  const lines = [];
  for (let i = 1; i <= lineCount; i++) {
    const cls = ['ln'];
    if (breakpoints.includes(i)) cls.push('bp');
    if (current && i >= current.from && i <= current.to) cls.push('cur');
    if (problemLines.includes(i) || errorLine === i) cls.push('problem');
    lines.push(
      <div key={i} className={cls.join(' ')} onClick={() => toggleBreakpoint(i)} title={`Line ${i}: click for a breakpoint`}>
        {i}
      </div>,
    );
  }

  return (
    <div className="plain-editor" data-plain-editor="">
      <div className="gutter" ref={gutter} aria-hidden="true"><div className="gutter-inner">{lines}</div></div>
      <div className="code">
        <div className="backdrop" ref={backdrop} aria-hidden="true">
          <div className="backdrop-inner" style={{ height: `${lineCount + 2}lh` }}>
            {current && (
              <div className="cur-line" style={{ top: `${current.from - 1}lh`, height: `${current.to - current.from + 1}lh` }} />
            )}
          </div>
        </div>
        <textarea
          ref={ta}
          data-testid={readOnly ? 'editor-loading' : 'editor'}
          aria-label={readOnly ? 'Lab program (the editor is loading)' : 'Lab program'}
          readOnly={readOnly}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          wrap="off"
          value={source}
          onChange={(e) => setSource(e.target.value)}
          onScroll={(e: UIEvent<HTMLTextAreaElement>) => syncScroll(e.currentTarget)}
        />
      </div>
    </div>
  );
}
