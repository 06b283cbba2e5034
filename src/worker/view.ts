// Session -> plain data for the app (api.ts): pure functions, no worker, no DOM, tested in Node.
// The worker keeps one SessionViewCache per open session; records are append-only, so the
// scrubber marks and failed expects are computed once per step, however often views are built.

import type { LabMachine } from '../model/lab/machine';
import { buildModels } from './models';
import type { MsiSlice } from './models/msi';
import type { Span } from '../lang/ast';
import type { Diagnostic } from '../lang/diagnostics';
import { show } from '../lang/values';
import type { Position, StepRecord } from '../engine/session';
import type { RuntimeError } from '../lang/interp';
import type { TraceEvent } from '../model/trace';
import {
  EVENT_LIMIT, MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS,
  type DiagnosticView, type ReadCounters, type RuntimeErrorView, type SessionView, type SourceRange,
  type StepMark, type StepSummary,
} from './api';

// ---- source positions ---------------------------------------------------------------------

/** Offsets -> 1-based line:col, with the line breaks the lexer knows (\n, \r\n, lone \r). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) { if (text.charCodeAt(i + 1) === 10) i++; this.starts.push(i + 1); }
    }
  }

  at(offset: number): { line: number; col: number } {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }

  range(span: Span): SourceRange {
    const a = this.at(span.start);
    const b = this.at(Math.max(span.start, span.end));
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  }
}

export function diagnosticView(d: Diagnostic, lines: LineIndex): DiagnosticView {
  return {
    code: d.code, severity: d.severity, message: d.message, ...lines.range(d.span),
    related: (d.related ?? []).map((r) => ({ message: r.message, ...lines.range(r.span) })),
  };
}

export function errorView(e: RuntimeError, lines: LineIndex): RuntimeErrorView {
  return { message: e.message, ...lines.range(e.span) };
}

// ---- per-step facts -----------------------------------------------------------------------

/** A step's scrubber flags: a failed transaction, a TLB miss, a failed expect, a runtime error. */
export function stepFlags(r: StepRecord): number {
  let f = (r.expect && !r.expect.ok ? MARK_EXPECT_FAILED : 0) | (r.error ? MARK_ERROR : 0);
  for (const e of r.events) {
    if (e.type === 'smmu.done' && !e.ok) f |= MARK_FAULT;
    else if (e.type === 'smmu.tlb' && !e.hit) f |= MARK_TLB_MISS;
  }
  return f;
}

/** SMMU reads among `events`, and how many of them belong to the 2D walk: S1 descriptors and
 *  S2 descriptors fetched for a stage-1 table or the output address, not for the CD. */
export function readCounters(events: readonly TraceEvent[]): ReadCounters {
  let reads = 0, walkReads = 0;
  for (const e of events) {
    if (e.type !== 'smmu.fetch') continue;
    reads++;
    if (e.what === 'S1' || (e.what === 'S2' && e.purpose !== 'CD')) walkReads++;
  }
  return { reads, walkReads };
}

export function stepSummary(r: StepRecord, lines: LineIndex): StepSummary {
  return {
    step: r.step, line: r.line, col: r.col, head: lines.range(r.head), kind: r.kind,
    value: r.value === undefined ? null : show(r.value),
    expect: r.expect ? { ok: r.expect.ok, message: r.expect.message } : null,
    accesses: r.accesses,
  };
}

// ---- the view -----------------------------------------------------------------------------

/** What buildView reads from a session (engine/session.ts Session has it all). */
export interface ViewableSession {
  readonly source: string;
  readonly position: Position;
  readonly records: readonly StepRecord[];
  readonly finished: boolean;
  readonly error: RuntimeError | null;
  readonly stopReason: 'end' | 'error' | 'budget' | null;
  visibleEvents(p: Position): TraceEvent[];
  machineAt(p: Position): LabMachine;
}

/** Facts of the executed steps, scanned once each: records never change once made. */
export class SessionViewCache {
  readonly lines: LineIndex;
  readonly marks: StepMark[] = [];
  readonly failedExpects: SessionView['failedExpects'] = [];
  /** Steps whose events hold a `dev.msi` (an MSI raised), ascending: the MSI journey's slices. */
  readonly msiSteps: number[] = [];
  private scanned = 0;

  constructor(source: string) {
    this.lines = new LineIndex(source);
  }

  update(records: readonly StepRecord[]): void {
    for (; this.scanned < records.length; this.scanned++) {
      const r = records[this.scanned];
      const flags = stepFlags(r);
      if (flags !== 0) this.marks.push({ step: r.step, flags });
      if (r.expect && !r.expect.ok) this.failedExpects.push({ step: r.step, line: r.line, col: r.col, message: r.expect.message });
      if (r.events.some(isDevMsi)) this.msiSteps.push(r.step);
    }
  }
}

export function buildView(s: ViewableSession, cache: SessionViewCache): SessionView {
  cache.update(s.records);
  const position = { step: s.position.step, access: s.position.access };
  const rec = position.step > 0 ? s.records[position.step - 1] : undefined;
  const visible = s.visibleEvents(position);
  return {
    position,
    executed: s.records.length,
    finished: s.finished,
    stopReason: s.stopReason,
    error: s.error ? errorView(s.error, cache.lines) : null,
    step: rec ? stepSummary(rec, cache.lines) : null,
    events: visible.length > EVENT_LIMIT ? visible.slice(0, EVENT_LIMIT) : visible.slice(),
    eventCount: visible.length,
    counters: readCounters(visible),
    failedExpects: cache.failedExpects.slice(),
    marks: cache.marks.slice(),
    models: buildModels({
      machine: s.machineAt(position), position, events: visible, record: rec, lastMsi: lastMsiSlice(s, cache, position.step, visible),
    }),
  };
}

/** `dev.msi`: a device raised an MSI (docs/trace.md). Compared as a string: the event may not be
 *  in TraceEvent's union yet. */
function isDevMsi(e: TraceEvent): boolean {
  return (e.type as string) === 'dev.msi';
}

/** The last MSI up to the position: in the position's visible events, else the latest earlier
 *  step that raised one (all of that step's events). */
export function lastMsiSlice(s: ViewableSession, cache: SessionViewCache, step: number, visible: readonly TraceEvent[]): MsiSlice | null {
  if (step > 0 && visible.some(isDevMsi)) return { step, events: visible, current: true };
  const steps = cache.msiSteps;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i] < step) return { step: steps[i], events: s.records[steps[i] - 1].events, current: false };
  }
  return null;
}

/** A page of the position's events (the ones past EVENT_LIMIT). */
export function eventPage(s: ViewableSession, start: number, count: number): TraceEvent[] {
  const from = Math.max(0, Math.floor(start));
  const n = Math.max(0, Math.min(Math.floor(count), EVENT_LIMIT));
  return s.visibleEvents(s.position).slice(from, from + n);
}
