// A plain page that drives the lab worker until the app lands: a program, the session's
// controls, and a readout of the view the worker sends back. It talks to the worker only.
import { useCallback, useEffect, useRef, useState } from 'react';
import { createLabWorker, type LabWorker } from '../worker/client';
import {
  MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS,
  type DiagnosticView, type SessionView, type TraceEvent,
} from '../worker/api';
import { DEFAULT_PROGRAM } from './default-program';

type FetchEvent = Extract<TraceEvent, { type: 'smmu.fetch' }>;

/** One SMMU read in a student's words: "S2 L1 for the S1 L0 descriptor". */
function describeFetch(e: FetchEvent): string {
  if (e.what === 'S2') {
    const why = e.purpose === 'CD' ? 'the CD' : e.purpose === 'TT' ? `the S1 L${e.s1Level} descriptor` : 'the output IPA';
    return `S2 L${e.level} for ${why}`;
  }
  if (e.what === 'S1') return `S1 L${e.level}`;
  return e.what;
}

const hex = (n: number) => '0x' + n.toString(16);

function positionText(v: SessionView): string {
  const { step, access } = v.position;
  return access > 0 ? `step ${step}, read ${access}/${v.step?.accesses ?? 0}` : `step ${step}`;
}

/** The statement's value or expect, once it is done (inside a walk it is still running). */
function valueText(v: SessionView): string {
  if (!v.step) return '—';
  if (v.position.access > 0) return '(inside the walk)';
  return v.step.value ?? v.step.expect?.message ?? '—';
}

function statusText(v: SessionView): string {
  if (v.finished) return `finished (${v.stopReason})`;
  return `can go on (${v.executed} steps run)`;
}

// A cell per step run, coloured by its worst mark; a long run would need a real scrubber.
const MAX_MARKS = 400;

function markCells(view: SessionView) {
  const flags = new Map(view.marks.map((m) => [m.step, m.flags]));
  return Array.from({ length: view.executed }, (_, i) => {
    const f = flags.get(i + 1) ?? 0;
    const cls = f & (MARK_FAULT | MARK_ERROR) ? 'fault' : f & MARK_EXPECT_FAILED ? 'failed' : f & MARK_TLB_MISS ? 'miss' : '';
    return <span key={i} className={`mark ${cls} ${view.position.step === i + 1 ? 'here' : ''}`} title={`step ${i + 1}`} />;
  });
}

function parseLines(text: string): number[] {
  return text.split(/[\s,]+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n >= 1);
}

export function SessionPage() {
  const worker = useRef<LabWorker | null>(null);
  const [source, setSource] = useState(DEFAULT_PROGRAM);
  const [openedSource, setOpenedSource] = useState<string | null>(null);
  const [breakpoints, setBreakpoints] = useState('');
  const [diagnostics, setDiagnostics] = useState<DiagnosticView[] | null>(null);
  const [view, setView] = useState<SessionView | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const lastRead = useRef<HTMLTableRowElement | null>(null);

  // Keep the read just made in sight while stepping into a long walk.
  useEffect(() => { lastRead.current?.scrollIntoView({ block: 'nearest' }); }, [view]);

  useEffect(() => {
    const w = createLabWorker((m) => setFailure(`the worker stopped: ${m}`));
    worker.current = w;
    return () => { w.terminate(); worker.current = null; };
  }, []);

  /** One call to the worker at a time; a rejection is shown, and the page carries on. */
  const call = useCallback(async (f: (w: LabWorker) => Promise<void>) => {
    const w = worker.current;
    if (!w) return;
    setBusy(true);
    setFailure(null);
    try {
      await f(w);
    } catch (e) {
      setFailure(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }, []);

  const open = () => call(async (w) => {
    const r = await w.api.open(source);
    setOpenedSource(source);
    setDiagnostics(r.diagnostics);
    setView(r.view);
  });
  const move = (f: (w: LabWorker) => Promise<SessionView>) => call(async (w) => setView(await f(w)));

  const canMove = view !== null && !busy;
  const fetches = (view?.events ?? []).filter((e): e is FetchEvent => e.type === 'smmu.fetch');

  return (
    <main className="session">
      <section className="program">
        <h1>IOMMU Lab: session</h1>
        <label htmlFor="source">Lab program</label>
        <textarea id="source" data-testid="source" spellCheck={false} value={source} onChange={(e) => setSource(e.target.value)} />
        <div className="controls">
          <button type="button" onClick={open} disabled={busy}>Open</button>
          <button type="button" onClick={() => move((w) => w.api.run(parseLines(breakpoints)))} disabled={!canMove}>Run</button>
          <button type="button" onClick={() => move((w) => w.api.stepOver())} disabled={!canMove}>Step over</button>
          <button type="button" onClick={() => move((w) => w.api.stepInto())} disabled={!canMove}>Step into</button>
          <button type="button" onClick={() => move((w) => w.api.back())} disabled={!canMove}>Back</button>
          <label className="bp">
            breakpoints <input value={breakpoints} onChange={(e) => setBreakpoints(e.target.value)} placeholder="lines, e.g. 10" size={10} />
          </label>
        </div>
        {openedSource !== null && openedSource !== source && <p className="hint">Edited since Open: press Open to run this text.</p>}
      </section>

      <section className="readout" aria-live="polite">
        <dl>
          <dt>position</dt><dd data-testid="position">{view ? positionText(view) : '—'}</dd>
          <dt>line</dt><dd data-testid="line">{view?.step ? String(view.step.line) : '—'}</dd>
          <dt>status</dt><dd data-testid="status">{view ? statusText(view) : 'not open'}</dd>
          <dt>walk reads</dt><dd data-testid="walk-reads">{view ? view.counters.walkReads : '—'}</dd>
          <dt>reads</dt><dd data-testid="reads">{view ? view.counters.reads : '—'}</dd>
          <dt>value</dt><dd className="value" data-testid="value">{view ? valueText(view) : '—'}</dd>
          <dt>error</dt>
          <dd data-testid="error" className={view?.error ? 'bad' : ''}>
            {view === null ? '—' : view.error ? `${view.error.line}:${view.error.col} ${view.error.message}` : 'none'}
          </dd>
          <dt>failed expects</dt>
          <dd data-testid="failed-expects" className={view?.failedExpects.length ? 'bad' : ''}>
            {view === null ? '—' : view.failedExpects.length === 0 ? 'none' : (
              <ul>{view.failedExpects.map((f) => <li key={f.step}>{f.line}:{f.col} {f.message}</li>)}</ul>
            )}
          </dd>
          <dt>diagnostics</dt>
          <dd data-testid="diagnostics" className={diagnostics?.length ? 'bad' : ''}>
            {diagnostics === null ? '—' : diagnostics.length === 0 ? 'none' : (
              <ul>{diagnostics.map((d, i) => <li key={i}>{d.line}:{d.col} {d.code} {d.message}</li>)}</ul>
            )}
          </dd>
          {failure && (<><dt>worker</dt><dd data-testid="failure" className="bad">{failure}</dd></>)}
        </dl>

        {view && view.executed > 0 && view.executed <= MAX_MARKS && (
          <div className="marks" aria-label="steps run: faults, TLB misses, failed expects">
            {markCells(view)}
          </div>
        )}

        {fetches.length > 0 && (
          <div className="reads-scroll">
            <table className="reads">
              <thead><tr><th>#</th><th>read</th><th>address</th></tr></thead>
              <tbody>
                {fetches.map((e, i) => {
                  const last = i === fetches.length - 1 && !!view?.position.access;
                  return (
                    <tr key={i} className={last ? 'last' : ''} ref={last ? lastRead : undefined}>
                      <td>{i + 1}</td><td>{describeFetch(e)}</td><td>{hex(e.addr)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {view && <p className="events">{view.eventCount} trace events at this position</p>}
      </section>
    </main>
  );
}
