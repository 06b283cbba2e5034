// A session: a program, a machine, and the trace of every step, with time travel.
//
// A position is (step, access). `step` counts executed statements (0: the machine as booted,
// before the first statement). With access = 0 the step is complete; with access = a > 0 the
// user is inside step `step`'s walk, after its first `a` SMMU reads (reads change nothing, so
// the machine there is the one after step - 1). Stepping over moves by statements, stepping
// into moves read by read through a walk, back moves the other way.
//
// Time travel comes from determinism: the session runs forward once, recording each step's
// trace events, and snapshots the machine and interpreter every K steps (and sooner after steps
// that made many events). Looking at an earlier position restores the nearest snapshot and
// replays at most K - 1 steps - except once the machine refuses snapshots (a lab program's host
// side, adapter.canSnapshot): from then on it replays from the last snapshot before that.

import type { Diagnostic } from '../lang/diagnostics';
import { Interpreter, type InterpState, type RuntimeError, type StepOutcome } from '../lang/interp';
import { compile, type Compiled } from '../lang/compile';
import type { Builtin } from '../lang/registry-types';
import type { Span } from '../lang/ast';
import type { Value } from '../lang/values';
import type { Trace, TraceEvent } from '../model/trace';

/** How a session creates, snapshots and restores its machine (LabMachine in the app). */
export interface MachineAdapter<M, S> {
  create(): M;
  snapshot(m: M): S;
  restore(s: S): M;
  /** The machine's trace array; the session empties it after each step. */
  trace(m: M): Trace;
  /** A deterministic fingerprint of the whole state (tests). */
  digest(m: M): string;
  /** Whether `snapshot` can take this machine now (absent: always). A LabMachine with a host side
   *  cannot; the session then skips snapshots and replays from the last one it has. */
  canSnapshot?(m: M): boolean;
}

export interface SessionOptions {
  /** Steps a session may execute in all (default 1,000,000). */
  stepBudget?: number;
  /** Wall-clock milliseconds one call (run, seek, step) may spend executing (default 5000). */
  wallBudgetMs?: number;
  /** Snapshot every K steps (default 256). */
  snapshotEvery?: number;
  /** The clock, injectable for tests. */
  now?: () => number;
}

export interface Position {
  step: number;
  access: number;
}

/** One executed step, as the timeline, the CLI and the views see it. */
export interface StepRecord {
  /** 1-based step number. */
  step: number;
  /** 1-based line and column of the statement. */
  line: number;
  col: number;
  span: Span;
  head: Span;
  kind: StepOutcome['kind'];
  value?: Value;
  expect?: { ok: boolean; message: string };
  error?: RuntimeError;
  events: TraceEvent[];
  /** SMMU reads (smmu.fetch events) in this step: its sub-steps. */
  accesses: number;
}

interface Snapshot<S> {
  step: number;
  machine: S;
  interp: InterpState;
}

interface Live<M> {
  interp: Interpreter<M>;
  machine: M;
  /** Steps executed by this interpreter. */
  at: number;
}

export type StopReason = 'end' | 'breakpoint' | 'error' | 'budget' | 'position';

/** Besides every K steps, a snapshot is taken as soon as the steps since the last one made this
 *  many trace events: replaying costs what running did, about 1 us an event, and one step can
 *  make hundreds of thousands (host.s2.map of 1G in 4K pages: 262,000 writes, 0.1-0.3 s), more than
 *  K ordinary steps. So no seek replays such a step, and a replay stays near 10 ms of events. */
const SNAPSHOT_EVENTS = 8192;

export class Session<M, S> {
  readonly compiled: Compiled;
  readonly records: StepRecord[] = [];
  /** Events of booting the machine (step 0). */
  readonly bootEvents: TraceEvent[];
  position: Position = { step: 0, access: 0 };
  /** Set when the program has run to its end, hit a runtime error or exhausted a budget. */
  finished = false;
  /** A runtime error or an exhausted budget, with the statement it stopped at. */
  error: RuntimeError | null = null;
  stopReason: 'end' | 'error' | 'budget' | null = null;

  private readonly live: Live<M>;
  private scratch: Live<M> | null = null;
  private readonly snapshots: Snapshot<S>[] = [];
  /** Trace events of the steps since the last snapshot. */
  private eventsSinceSnapshot = 0;
  private readonly opts: Required<SessionOptions>;
  private readonly lineStarts: number[];

  constructor(
    readonly source: string,
    program: Parameters<typeof compile>[0],
    private readonly registry: readonly Builtin<M>[],
    private readonly adapter: MachineAdapter<M, S>,
    opts: SessionOptions = {},
  ) {
    this.opts = {
      stepBudget: opts.stepBudget ?? 1_000_000, wallBudgetMs: opts.wallBudgetMs ?? 5000,
      snapshotEvery: opts.snapshotEvery ?? 256, now: opts.now ?? (() => Date.now()),
    };
    this.lineStarts = lineStarts(source);
    this.compiled = compile(program);
    const machine = adapter.create();
    this.bootEvents = adapter.trace(machine).splice(0);
    this.live = { interp: new Interpreter(this.compiled, registry, machine), machine, at: 0 };
    this.takeSnapshot(this.live);
  }

  /** Steps executed so far (the furthest position reached). */
  get executed(): number {
    return this.records.length;
  }

  record(step: number): StepRecord | undefined {
    return this.records[step - 1];
  }

  // ---- running forward -------------------------------------------------------------------

  /** Execute one more step at the frontier; false when there is none. */
  private advance(): boolean {
    if (this.finished) return false;
    const live = this.live;
    if (live.at >= this.opts.stepBudget) {
      const next = live.interp.peek();
      this.stop({ message: `the program ran for more than ${this.opts.stepBudget} steps and was stopped here`, span: next && 'head' in next ? next.head : { start: 0, end: 0 } }, 'budget');
      return false;
    }
    const out = live.interp.step();
    if (out === null) { this.finished = true; this.stopReason = 'end'; return false; }
    live.at++;
    const events = this.adapter.trace(live.machine).splice(0);
    const rec = this.toRecord(live.at, out, events);
    this.records.push(rec);
    this.eventsSinceSnapshot += events.length;
    if (out.error) this.stop(out.error, 'error');
    else if ((live.at % this.opts.snapshotEvery === 0 || this.eventsSinceSnapshot >= SNAPSHOT_EVENTS) && this.canSnapshot(live)) {
      this.takeSnapshot(live);
    }
    return true;
  }

  private stop(err: RuntimeError, reason: 'error' | 'budget'): void {
    this.error = err;
    this.finished = true;
    this.stopReason = reason;
  }

  private toRecord(step: number, out: StepOutcome, events: TraceEvent[]): StepRecord {
    const { line, col } = this.lineCol(out.head.start);
    let accesses = 0;
    for (const e of events) if (e.type === 'smmu.fetch') accesses++;
    const r: StepRecord = { step, line, col, span: out.span, head: out.head, kind: out.kind, events, accesses };
    if (out.value !== undefined) r.value = out.value;
    if (out.expect) r.expect = out.expect;
    if (out.error) r.error = out.error;
    return r;
  }

  /** A machine that refuses snapshots (a LabMachine once its VFIO host exists) is replayed from the
   *  last snapshot taken before that: back and seek re-execute the steps since. Programs with a host
   *  are short (tens of system calls, no 1G maps), so that replay stays cheap. */
  private canSnapshot(l: Live<M>): boolean {
    return this.adapter.canSnapshot?.(l.machine) ?? true;
  }

  private takeSnapshot(l: Live<M>): void {
    this.eventsSinceSnapshot = 0;
    this.snapshots.push({ step: l.at, machine: this.adapter.snapshot(l.machine), interp: structuredClone(l.interp.state) });
  }

  /** Make sure step `n` has been executed (if the program gets that far), within the budgets. */
  private ensure(n: number): void {
    const deadline = this.opts.now() + this.opts.wallBudgetMs;
    let k = 0;
    while (this.records.length < n && this.advance()) {
      if ((++k & 255) === 0 && this.opts.now() > deadline) {
        const next = this.live.interp.peek();
        this.stop({ message: `the program ran for more than ${this.opts.wallBudgetMs} ms and was stopped here (an endless loop?)`, span: next && 'head' in next ? next.head : { start: 0, end: 0 } }, 'budget');
        return;
      }
    }
  }

  // ---- moving ------------------------------------------------------------------------------

  /** F10: the next statement, or the end of the walk we are inside. */
  stepOver(): Position {
    const { step, access } = this.position;
    if (access > 0) return this.go({ step, access: 0 });
    this.ensure(step + 1);
    return this.go({ step: Math.min(step + 1, this.records.length), access: 0 });
  }

  /** F11: one read further inside a walk, or into the next statement's walk. */
  stepInto(): Position {
    const { step, access } = this.position;
    if (access > 0) {
      const n = this.records[step - 1].accesses;
      return this.go(access < n ? { step, access: access + 1 } : { step, access: 0 });
    }
    this.ensure(step + 1);
    const next = this.records[step];
    if (next === undefined) return this.position;
    return this.go({ step: step + 1, access: next.accesses > 0 ? 1 : 0 });
  }

  /** Shift+F10: one read back inside a walk, else one statement back. */
  back(): Position {
    const { step, access } = this.position;
    if (access > 1) return this.go({ step, access: access - 1 });
    if (access === 1) return this.go({ step: step - 1, access: 0 });
    return this.go({ step: Math.max(0, step - 1), access: 0 });
  }

  /** Go to any position, running forward first if it lies beyond the frontier. */
  seek(p: Position): Position {
    const step = Math.max(0, Math.floor(p.step));
    this.ensure(step);
    const s = Math.min(step, this.records.length);
    const n = s === 0 ? 0 : this.records[s - 1].accesses;
    return this.go({ step: s, access: s === step ? Math.max(0, Math.min(Math.floor(p.access), n)) : 0 });
  }

  /** F5: run until the end, a runtime error, a budget, or the statement before a breakpoint
   *  line (it stops with that line's statement next). */
  run(breakpoints: ReadonlySet<number> = new Set()): { position: Position; reason: StopReason } {
    let s = this.position.step;
    const deadline = this.opts.now() + this.opts.wallBudgetMs;
    for (let k = 1; ; k++) {
      this.ensure(s + 1);
      const next = this.records[s];
      if (next === undefined) return { position: this.go({ step: s, access: 0 }), reason: this.stopReason ?? 'end' };
      if (k > 1 && breakpoints.has(next.line)) return { position: this.go({ step: s, access: 0 }), reason: 'breakpoint' };
      s++;
      if ((k & 1023) === 0 && this.opts.now() > deadline) {
        this.stop({ message: `the program ran for more than ${this.opts.wallBudgetMs} ms and was stopped here`, span: next.head }, 'budget');
        return { position: this.go({ step: s, access: 0 }), reason: 'budget' };
      }
    }
  }

  private go(p: Position): Position {
    this.position = p;
    return p;
  }

  // ---- what a position shows -----------------------------------------------------------------

  /** The events of the position's step that have happened: all of them at access 0, up to and
   *  including the `access`-th SMMU read inside a walk. */
  visibleEvents(p: Position = this.position): TraceEvent[] {
    if (p.step === 0) return this.bootEvents;
    const rec = this.records[p.step - 1];
    if (p.access === 0) return rec.events;
    // Up to and including the access-th read: what follows it (the next TLB lookup, the
    // result) has not happened yet.
    let seen = 0;
    const out: TraceEvent[] = [];
    for (const e of rec.events) {
      out.push(e);
      if (e.type === 'smmu.fetch' && ++seen === p.access) break;
    }
    return out;
  }

  /** The machine at a position (after step `step`, or after step - 1 inside a walk). Views
   *  read it; they must not change it. */
  machineAt(p: Position = this.position): M {
    const target = p.access > 0 ? p.step - 1 : p.step;
    if (target === this.live.at) return this.live.machine;
    return this.replayTo(target).machine;
  }

  /** Restore the nearest snapshot at or before `target` (or reuse the scratch copy when it is
   *  already on the way) and replay to it. */
  private replayTo(target: number): Live<M> {
    let sc = this.scratch;
    const snap = this.snapshotBefore(target);
    if (sc === null || sc.at > target || sc.at < snap.step) {
      const machine = this.adapter.restore(snap.machine);
      const interp = new Interpreter(this.compiled, this.registry, machine);
      interp.state = structuredClone(snap.interp);
      sc = this.scratch = { interp, machine, at: snap.step };
    }
    while (sc.at < target) {
      sc.interp.step();
      sc.at++;
      this.adapter.trace(sc.machine).length = 0;
    }
    return sc;
  }

  private snapshotBefore(step: number): Snapshot<S> {
    let lo = 0, hi = this.snapshots.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.snapshots[mid].step <= step) lo = mid; else hi = mid - 1;
    }
    return this.snapshots[lo];
  }

  /** A fingerprint of the machine and interpreter at a position (tests). */
  digestAt(p: Position = this.position): string {
    const target = p.access > 0 ? p.step - 1 : p.step;
    const l = target === this.live.at ? this.live : this.replayTo(target);
    return this.adapter.digest(l.machine) + '|' + JSON.stringify(l.interp.state, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  }

  /** Failed expects so far (the CLI's exit status, a lesson's check). */
  failedExpects(): StepRecord[] {
    return this.records.filter((r) => r.expect && !r.expect.ok);
  }

  lineCol(offset: number): { line: number; col: number } {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo] + 1 };
  }
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) out.push(i + 1);
    else if (c === 13) { if (text.charCodeAt(i + 1) === 10) i++; out.push(i + 1); }
  }
  return out;
}

export type { Diagnostic };
