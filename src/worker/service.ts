// The object the worker exposes (lab.worker.ts): one open session at a time, every answer a
// plain view (view.ts). It has no comlink and no worker globals, so Node tests call it directly.
// Anything wrong throws an Error with a message a student or developer can act on; comlink
// turns it into a rejected promise on the app's side and the worker carries on.

import { checkLab, type CheckedLab, openChecked, type LabSession } from '../engine/lab';
import type { Position } from '../engine/session';
import type { LabWorkerApi, OpenOptions, OpenResult, SessionView } from './api';
import { EVENT_LIMIT } from './api';
import { buildView, diagnosticView, eventPage, LineIndex, SessionViewCache } from './view';
import type { TraceEvent } from '../model/trace';
import { TIMELINE_GROUPS, TIMELINE_PAGE_LIMIT, TimelineIndex, type TimelineGroup, type TimelinePage } from './timeline';
import { BUILTINS } from '../lang/builtins';
import { buildBuiltinsMeta, type BuiltinMeta } from '../lang/builtins/meta';
import { hostRuntimeLoaded, loadHostRuntime } from '../lang/builtins/host-runtime';

export class LabService implements LabWorkerApi {
  private session: LabSession | null = null;
  private cache: SessionViewCache | null = null;
  /** Opens so far: an open that waited for the host side gives way to any open after it. */
  private opens = 0;

  /** `loadHost` loads the host side (a test passes one that fails). */
  constructor(private readonly loadHost: () => Promise<void> = loadHostRuntime) {}

  /** What the app calls. It waits only for a program that calls a host-side builtin while the
   *  host side is not loaded yet: that side (VFIO, iommufd, the ITS) is a chunk of its own, loaded
   *  then (lang/builtins/host-runtime.ts). */
  async open(source: string, opts: OpenOptions = {}): Promise<OpenResult> {
    const { checked, options } = this.begin(source, opts);
    if (checked.ok && checked.hostSide && !hostRuntimeLoaded()) {
      const opening = this.opens;
      try {
        await this.loadHost();
      } catch (e) {
        throw new Error(`open: ${e instanceof Error ? e.message : String(e)}. Reload the page to try again.`);
      }
      if (opening !== this.opens) throw new Error('open: another program was opened meanwhile');
    }
    return this.finish(checked, options);
  }

  /** `open` without waiting, for Node (tests, tools), where the host side is loaded up front
   *  (host-runtime-eager.ts). A program that needs the host side when it is not loaded is refused. */
  openNow(source: string, opts: OpenOptions = {}): OpenResult {
    const { checked, options } = this.begin(source, opts);
    if (checked.ok && checked.hostSide && !hostRuntimeLoaded()) {
      throw new Error('open: the program calls the host side (VFIO, iommufd, the ITS), which is not loaded: use open');
    }
    return this.finish(checked, options);
  }

  /** Check the arguments, close the old session (a new program replaces it, even one that does
   *  not compile) and check the program. */
  private begin(source: string, opts: OpenOptions): { checked: CheckedLab; options: OpenOptions } {
    if (typeof source !== 'string') throw new Error(`open: the program must be a string, not ${describe(source)}`);
    const options = checkOptions(opts);
    this.session = null;
    this.cache = null;
    this.opens++;
    return { checked: guard('open', () => checkLab(source)), options };
  }

  private finish(checked: CheckedLab, options: OpenOptions): OpenResult {
    const opened = guard('open', () => openChecked(checked, options));
    const lines = new LineIndex(checked.source);
    const diagnostics = opened.diagnostics.map((d) => diagnosticView(d, lines));
    if (opened.session === null) return { diagnostics, ok: false, view: null };
    this.session = opened.session;
    this.cache = new SessionViewCache(checked.source);
    return { diagnostics, ok: true, view: this.view() };
  }

  stepOver(): SessionView {
    return this.move('stepOver', (s) => s.stepOver());
  }

  stepInto(): SessionView {
    return this.move('stepInto', (s) => s.stepInto());
  }

  back(): SessionView {
    return this.move('back', (s) => s.back());
  }

  seek(pos: Position): SessionView {
    const p = pos as Partial<Position> | null;
    if (p === null || typeof p !== 'object' || !isCount(p.step) || !isCount(p.access)) {
      throw new Error(`seek: a position is { step, access }, two whole numbers from 0, not ${describe(pos)}`);
    }
    return this.move('seek', (s) => s.seek({ step: p.step as number, access: p.access as number }));
  }

  run(breakpointLines: number[]): SessionView {
    if (!Array.isArray(breakpointLines) || !breakpointLines.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new Error(`run: breakpoints are a list of line numbers from 1, not ${describe(breakpointLines)}`);
    }
    return this.move('run', (s) => s.run(new Set(breakpointLines)));
  }

  view(): SessionView {
    const s = this.need('view');
    return guard('view', () => buildView(s, this.cache as SessionViewCache));
  }

  events(start: number, count: number): TraceEvent[] {
    const s = this.need('events');
    if (!isCount(start) || !isCount(count)) throw new Error(`events: start and count are whole numbers from 0, not ${describe(start)} and ${describe(count)}`);
    if (count > EVENT_LIMIT) throw new Error(`events: at most ${EVENT_LIMIT} events at a time, not ${count}`);
    return guard('events', () => eventPage(s, start, count));
  }

  // ---- the editor ----

  builtinsMeta(): BuiltinMeta[] {
    metaCache ??= buildBuiltinsMeta(BUILTINS);
    return metaCache;
  }

  // ---- the timeline ----

  /** The timeline's row index of the open session (rebuilt when another session opens). */
  private timelineOf: { session: LabSession; index: TimelineIndex } | null = null;

  timeline(start: number, count: number, filter: TimelineGroup[] | null = null): TimelinePage {
    const s = this.need('timeline');
    if (!isCount(start) || !isCount(count)) throw new Error(`timeline: start and count are whole numbers from 0, not ${describe(start)} and ${describe(count)}`);
    if (count > TIMELINE_PAGE_LIMIT) throw new Error(`timeline: at most ${TIMELINE_PAGE_LIMIT} rows at a time, not ${count}`);
    if (filter !== null && (!Array.isArray(filter) || !filter.every((g) => (TIMELINE_GROUPS as readonly string[]).includes(g)))) {
      throw new Error(`timeline: a filter is a list of groups (${TIMELINE_GROUPS.join(', ')}) or null, not ${describe(filter)}`);
    }
    if (this.timelineOf?.session !== s) this.timelineOf = { session: s, index: new TimelineIndex() };
    const index = this.timelineOf.index;
    return guard('timeline', () => index.page(s, start, count, filter));
  }

  private move(what: string, f: (s: LabSession) => unknown): SessionView {
    const s = this.need(what);
    guard(what, () => f(s));
    return this.view();
  }

  private need(what: string): LabSession {
    if (this.session === null) throw new Error(`${what}: no program is running: open one without errors first`);
    return this.session;
  }
}

/** The registry never changes while the worker lives: built on the first ask. */
let metaCache: BuiltinMeta[] | null = null;

function checkOptions(opts: OpenOptions | undefined): OpenOptions {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') throw new Error(`open: options are an object, not ${describe(opts)}`);
  const out: OpenOptions = {};
  for (const key of ['stepBudget', 'wallBudgetMs'] as const) {
    const v = opts[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`open: ${key} must be a positive number, not ${describe(v)}`);
    out[key] = v;
  }
  return out;
}

/** Run engine code; whatever it throws comes out as an Error whose message says where. */
function guard<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const err = new Error(`${what}: the engine failed: ${message}`);
    if (e instanceof Error && e.stack) err.stack = e.stack;
    throw err;
  }
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'that list';
  if (typeof v === 'object') return 'that object';
  if (typeof v === 'bigint') return `${v}n`;
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v) : String(v);
}
