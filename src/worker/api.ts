// The worker's API: one typed map shared by both sides of comlink (STYLE.md 9). The worker
// implements LabWorkerApi (src/worker/service.ts, exposed by lab.worker.ts); the app calls it
// through `Remote<LabWorkerApi>` (client.ts), where every method returns a Promise. Everything
// that crosses is plain structured-clone data: no class instances, no functions. bigint is
// fine (trace events carry it); Value objects are sent as text.

import type { Position, StepRecord, StopReason } from '../engine/session';
import type { TraceEvent } from '../model/trace';
import type { ViewModels } from './models';
import type { TimelineGroup, TimelinePage, TimelineRow } from './timeline-api';
import type { BuiltinArgMeta, BuiltinMeta } from '../lang/builtins/meta';

export type { Position, StopReason, TraceEvent, ViewModels };
export type { TimelineGroup, TimelinePage, TimelineRow };
export type { BuiltinArgMeta, BuiltinMeta };

/** Options for `open`: the engine's budgets (src/engine/session.ts SessionOptions). */
export interface OpenOptions {
  /** Steps the program may execute in all (default 1,000,000). */
  stepBudget?: number;
  /** Milliseconds one call (run, seek, step) may spend executing (default 5000). */
  wallBudgetMs?: number;
}

/** A place in the source: 1-based line and column (UTF-16 code units, as Monaco counts them);
 *  the end is exclusive, and equals the start for a zero-width span (something missing). */
export interface SourceRange {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** A parser or checker diagnostic, ready for a Monaco marker. */
export interface DiagnosticView extends SourceRange {
  /** Stable code, LAB1xxx..LAB3xxx (docs/language.md). */
  code: string;
  severity: 'error' | 'warning';
  message: string;
  /** Other places that explain this one (the '(' a missing ')' should close). */
  related: ({ message: string } & SourceRange)[];
}

export interface OpenResult {
  diagnostics: DiagnosticView[];
  /** False when any diagnostic is an error: the program does not run and `view` is null. */
  ok: boolean;
  view: SessionView | null;
}

/** The statement a position is on (null at step 0, the machine as booted). */
export interface StepSummary {
  step: number;
  line: number;
  col: number;
  /** The part to highlight (an `if`'s or `for`'s header, else the whole statement). */
  head: SourceRange;
  kind: StepRecord['kind'];
  /** The statement's value as a student reads it (lang/values.ts `show`), if it has one. */
  value: string | null;
  expect: { ok: boolean; message: string } | null;
  /** SMMU reads (smmu.fetch events) in the whole step: the sub-steps of step into. */
  accesses: number;
}

/** Reads of the current step up to the position (at access 0: the whole step). */
export interface ReadCounters {
  /** Every SMMU read: STE, CD, L1STD, L1CD, S1 and S2 descriptors. */
  reads: number;
  /** The 2D walk alone: S1 reads, and S2 reads whose purpose is not CD (docs/trace.md). */
  walkReads: number;
}

/** Scrubber marks: one entry per executed step that has any flag, in step order. */
export interface StepMark {
  step: number;
  /** MARK_FAULT | MARK_TLB_MISS | MARK_EXPECT_FAILED | MARK_ERROR */
  flags: number;
}
/** A transaction failed (an smmu.done event with ok false). */
export const MARK_FAULT = 1;
/** A TLB lookup missed (an smmu.tlb event with hit false). */
export const MARK_TLB_MISS = 2;
/** An `expect` failed. */
export const MARK_EXPECT_FAILED = 4;
/** The program stopped on this step with a runtime error (or an exhausted budget). */
export const MARK_ERROR = 8;

export interface RuntimeErrorView extends SourceRange {
  message: string;
}

/** What the views need at one position. */
export interface SessionView {
  position: Position;
  /** Steps executed so far (the furthest the program has run). */
  executed: number;
  /** The program has run to its end, hit a runtime error or exhausted a budget. */
  finished: boolean;
  /** Why it finished (null while it can go on; a run that stops short of that hit a breakpoint). */
  stopReason: 'end' | 'error' | 'budget' | null;
  /** The runtime error or exhausted budget it finished with, at its statement. */
  error: RuntimeErrorView | null;
  step: StepSummary | null;
  /** The position's events: at step 0 the boot events, inside a walk those up to the
   *  access-th read. At most EVENT_LIMIT of them (`eventCount` says how many there are;
   *  the rest come from `events(start, count)`). */
  events: TraceEvent[];
  eventCount: number;
  counters: ReadCounters;
  failedExpects: { step: number; line: number; col: number; message: string }[];
  marks: StepMark[];
  /** The views' models at this position (src/worker/models/). */
  models: ViewModels;
}

/** Events sent with a view: a 1G stage-2 map writes 262,144 descriptors, and cloning that
 *  many events costs a third of a second, so views get the first ones and page for more. */
export const EVENT_LIMIT = 2000;

/** The worker's methods. Each rejects (with an Error and its message) rather than crash: with
 *  no program open, with bad arguments, or when the engine throws. */
export interface LabWorkerApi {
  /** Parse, check and (when there is no error) open a session, replacing any open one. A
   *  program with errors closes the previous session. A program that calls a host-side builtin
   *  first waits for the host side's chunk (lang/builtins/host-runtime.ts); if it cannot load,
   *  open rejects with a message saying so. */
  open(source: string, opts?: OpenOptions): Promise<OpenResult>;
  /** F10: the next statement, or the end of the walk the position is inside. */
  stepOver(): SessionView;
  /** F11: one SMMU read further inside a walk, or into the next statement. */
  stepInto(): SessionView;
  /** Shift+F10: one read back inside a walk, else one statement back. */
  back(): SessionView;
  /** Any position, running forward first if it lies beyond the furthest step executed. */
  seek(pos: Position): SessionView;
  /** F5: run to the end, an error, a budget, or the statement before a breakpoint line. */
  run(breakpointLines: number[]): SessionView;
  /** The view at the current position. */
  view(): SessionView;
  /** The current position's events from `start`, at most `count` (up to EVENT_LIMIT). */
  events(start: number, count: number): TraceEvent[];

  // ---- the editor ----
  /** The builtins registry as plain data (names, actors, arguments, results, docs, examples)
   *  for the editor's completion, hover and signature help. Needs no open program; the same
   *  answer every time, so ask once. */
  builtinsMeta(): BuiltinMeta[];

  // ---- the timeline ----
  /** Rows [start, start + count) of the timeline: every event of the session so far (the boot,
   *  then each executed step's statement, events and expect), one row each but for runs of
   *  memory accesses by one writer, folded into one row with a count (timeline.ts). `filter`
   *  keeps only those groups (null or absent: all). At most TIMELINE_PAGE_LIMIT rows. */
  timeline(start: number, count: number, filter?: TimelineGroup[] | null): TimelinePage;
}
