// The timeline view: every event of the session so far, one row each (memory-write runs folded),
// from the worker's `timeline(start, count, filter)` (src/worker/timeline.ts). A virtualised list:
// fixed-height rows in a scroll container, only the visible ones (plus an overscan) rendered,
// fetched a page at a time. Filter chips keep groups of event types; the current step's rows are
// highlighted and later ones faded; clicking a row (or Enter on it) jumps to its step.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS } from '../../worker/api';
import { TIMELINE_GROUP_INFO, TIMELINE_GROUPS, type TimelineGroup, type TimelinePage, type TimelineRow } from '../../worker/timeline-api';
import './timeline.css';

/** What the view needs from the worker: `Remote<LabWorkerApi>` (src/worker/client.ts) is one. */
export interface TimelineApi {
  timeline(start: number, count: number, filter?: TimelineGroup[] | null): Promise<TimelinePage>;
}

export interface TimelineProps {
  api: TimelineApi;
  /** The position's step: its rows are highlighted, later ones faded. */
  currentStep: number;
  /** Called with a row's step when the row is clicked (or Enter is pressed on it). */
  onJump(step: number): void;
  /** Anything that changes when the session runs further (the executed step count, say): the
   *  list is fetched again. Without it the list refreshes when currentStep changes. */
  revision?: unknown;
}

export const ROW_H = 22;
const OVERSCAN = 12;
const PAGE = 200;

interface Pages {
  key: string;
  rows: Map<number, TimelineRow[]>;
}

export default function Timeline({ api, currentStep, onJump, revision }: TimelineProps) {
  const [on, setOn] = useState<ReadonlySet<TimelineGroup>>(() => new Set(TIMELINE_GROUPS));
  const filter = useMemo(() => (on.size === TIMELINE_GROUPS.length ? null : TIMELINE_GROUPS.filter((g) => on.has(g))), [on]);
  const key = filter === null ? 'all' : filter.join(',');
  const [total, setTotal] = useState(0);
  const [current, setCurrent] = useState(-1);
  const [pages, setPages] = useState<Pages>({ key, rows: new Map() });
  const [error, setError] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [cursor, setCursor] = useState(-1);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const pending = useRef(new Set<string>());
  const executed = useRef(-1);

  // The list's size, and where the current step starts, whenever the filter, the position or
  // the session changes. Rows never change once made; only a partial last page goes stale.
  useEffect(() => {
    let live = true;
    api.timeline(0, 0, filter).then((p) => {
      if (!live) return;
      setError(null);
      setTotal(p.total);
      setCurrent(p.current);
      setPages((old) => {
        if (old.key !== key) return { key, rows: new Map() };
        if (p.executed === executed.current) return old;
        const rows = new Map([...old.rows].filter(([, r]) => r.length === PAGE));
        return { key, rows };
      });
      executed.current = p.executed;
    }, (e: unknown) => { if (live) setError(e instanceof Error ? e.message : String(e)); });
    return () => { live = false; };
  }, [api, filter, key, currentStep, revision]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el === null) return;
    const set = () => setHeight(el.clientHeight || 400);
    set();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(set);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Follow the position: bring its first row into view (a third of the way down).
  useEffect(() => {
    const el = box.current;
    if (!follow || el === null || current < 0) return;
    const y = current * ROW_H;
    if (y < el.scrollTop || y > el.scrollTop + el.clientHeight - 2 * ROW_H) el.scrollTop = Math.max(0, y - el.clientHeight / 3);
  }, [current, follow]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);

  // Fetch the pages the window needs.
  useEffect(() => {
    if (pages.key !== key) return;
    for (let p = Math.floor(first / PAGE); p * PAGE < last; p++) {
      const tag = `${key}:${p}:${executed.current}`;
      if (pages.rows.has(p) || pending.current.has(tag)) continue;
      pending.current.add(tag);
      api.timeline(p * PAGE, PAGE, filter).then((page) => {
        pending.current.delete(tag);
        setPages((old) => (old.key !== key ? old : { key, rows: new Map(old.rows).set(p, page.rows) }));
      }, (e: unknown) => { pending.current.delete(tag); setError(e instanceof Error ? e.message : String(e)); });
    }
  }, [api, filter, key, first, last, pages]);

  const rowAt = useCallback((i: number): TimelineRow | undefined => pages.rows.get(Math.floor(i / PAGE))?.[i % PAGE], [pages]);

  const toggle = (g: TimelineGroup, solo: boolean) => {
    setOn((old) => {
      if (solo) return new Set([g]);
      const n = new Set(old);
      if (n.has(g)) n.delete(g); else n.add(g);
      return n;
    });
    setCursor(-1);
  };

  const jump = (i: number) => {
    const r = rowAt(i);
    if (r) onJump(r.step);
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = box.current;
    if (el === null || total === 0) return;
    const page = Math.max(1, Math.floor(el.clientHeight / ROW_H) - 1);
    const move: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -total, End: total };
    if (e.key in move) {
      e.preventDefault();
      const c = Math.max(0, Math.min(total - 1, (cursor < 0 ? Math.floor(el.scrollTop / ROW_H) : cursor) + move[e.key]));
      setCursor(c);
      setFollow(false);
      if (c * ROW_H < el.scrollTop) el.scrollTop = c * ROW_H;
      else if ((c + 1) * ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = (c + 1) * ROW_H - el.clientHeight;
    } else if (e.key === 'Enter' && cursor >= 0) {
      e.preventDefault();
      jump(cursor);
    }
  };

  const rows = [];
  for (let i = first; i < last; i++) {
    const r = rowAt(i);
    rows.push(r === undefined
      ? <div key={i} className="tl-row loading" style={{ top: i * ROW_H }} aria-hidden="true">…</div>
      : <Row key={i} r={r} top={i * ROW_H} now={currentStep} cursor={i === cursor} onClick={() => { setCursor(i); jump(i); }} />);
  }

  return (
    <div className="timeline" data-testid="timeline">
      <div className="tl-chips" role="group" aria-label="Show these kinds of events (Shift+click: only this one)">
        {TIMELINE_GROUPS.map((g) => (
          <button
            key={g} type="button" className={`tl-chip ${g}`} aria-pressed={on.has(g)}
            title={`${TIMELINE_GROUP_INFO[g].about} (Shift+click: only these)`}
            onClick={(e) => toggle(g, e.shiftKey)}
          >{TIMELINE_GROUP_INFO[g].label}</button>
        ))}
      </div>
      <div className="tl-status" aria-live="polite">
        <span className="tl-status-text">
          {error ? <span className="fault">{error}</span> : (
            <>{total.toLocaleString('en-US')} rows · step {currentStep}{current >= 0 ? ` starts at row ${(current + 1).toLocaleString('en-US')}` : ''}
              <span className="muted"> · later steps faded · click a row to go to its step</span></>
          )}
        </span>
        <button type="button" className="tl-chip all" onClick={() => setOn(new Set(TIMELINE_GROUPS))} disabled={on.size === TIMELINE_GROUPS.length}>show all</button>
        <label className="tl-follow" title="Scroll to the current step whenever it changes">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
      </div>
      <div
        ref={box} className="tl-scroll" tabIndex={0} role="list" aria-label="Timeline" onKeyDown={onKey}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div className="tl-spacer" style={{ height: total * ROW_H }}>{rows}</div>
      </div>
    </div>
  );
}

const FLAG_TEXT: [number, string, string][] = [
  [MARK_FAULT, 'FAULT', 'fault'], [MARK_ERROR, 'ERROR', 'fault'], [MARK_EXPECT_FAILED, 'FAILED', 'fault'], [MARK_TLB_MISS, 'miss', 'miss'],
];

/** A short kind label for the row's badge. */
function kindLabel(r: TimelineRow): string {
  switch (r.kind) {
    case 'step': return r.step === 0 ? 'boot' : 'step';
    case 'smmu.fetch': return r.group === 'walk' ? 'read' : 'fetch';
    default: return r.kind.replace(/^smmu\.|^mem\./, (m) => (m === 'mem.' ? 'mem ' : ''));
  }
}

function Row({ r, top, now, cursor, onClick }: { r: TimelineRow; top: number; now: number; cursor: boolean; onClick: () => void }) {
  const when = r.step === now ? ' now' : r.step > now ? ' later' : '';
  const flags = FLAG_TEXT.filter(([bit]) => (r.flags & bit) !== 0);
  return (
    <div
      className={`tl-row ${r.group}${r.kind === 'step' ? ' head' : ''}${when}${cursor ? ' cursor' : ''}${flags.some((f) => f[2] === 'fault') ? ' bad' : ''}`}
      style={{ top }} role="listitem" onClick={onClick} title={`step ${r.step}, line ${r.line}: ${r.text}`}
    >
      <span className="tl-step">{r.kind === 'step' ? r.step : ''}</span>
      <span className="tl-line">{r.kind === 'step' && r.line > 0 ? `L${r.line}` : ''}</span>
      <span className={`tl-kind ${r.owner ?? 'none'}`}>{kindLabel(r)}</span>
      <span className="tl-text">{r.text}</span>
      {r.count > 1 && <span className="tl-count" title={`${r.count.toLocaleString('en-US')} events in this row`}>×{r.count.toLocaleString('en-US')}</span>}
      {flags.map(([bit, text, cls]) => <span key={bit} className={`tl-flag ${cls}`}>{text}</span>)}
    </div>
  );
}
