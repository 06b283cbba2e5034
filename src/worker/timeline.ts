// The timeline: every event of the session so far as one list of rows (the boot, then each
// executed step: a row for the statement, rows for its events, a row for its expect), each row
// a one-line summary in the words of docs/trace.md. Pure and incremental: records are
// append-only, so the row index grows step by step and is never rebuilt; a page of rows gets its
// text only when asked for. Runs of memory accesses by the same writer are folded into one row
// with a count (a 1G stage-2 map writes 262,144 descriptors: one row, not 262,144).
//
// The index is a few typed arrays (about 17 bytes a row); each filter keeps its own list of row
// numbers, extended as the session grows.

import { describeItsEvent } from '../model/its/describe';
import { describeHostCall } from '../model/vfio/describe';
import { describeHostDevEvent } from '../model/host/describe';
import type { Position, StepRecord } from '../engine/session';
import { hexGrouped } from '../model/bits';
import type { EventRecord } from '../model/smmuv3/events';
import { fetchValue, type FetchEvent, type TraceEvent } from '../model/trace';
import { show } from '../lang/values';
import { MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS } from './api';
import { TIMELINE_GROUPS, TIMELINE_PAGE_LIMIT, type TimelineGroup, type TimelinePage, type TimelineRow } from './timeline-api';

export { TIMELINE_GROUP_INFO, TIMELINE_GROUPS, TIMELINE_PAGE_LIMIT } from './timeline-api';
export type { TimelineGroup, TimelineKind, TimelinePage, TimelineRow } from './timeline-api';

/** What the timeline reads from a session (engine/session.ts Session has it). */
export interface TimelineSource {
  readonly source: string;
  readonly bootEvents: readonly TraceEvent[];
  readonly records: readonly StepRecord[];
  readonly position: Position;
}

// ---- the index --------------------------------------------------------------------------------

const EV_STEP = -1;
const EV_EXPECT = -2;
const EV_ERROR = -3;

const GROUP_ID = new Map<TimelineGroup, number>(TIMELINE_GROUPS.map((g, i) => [g, i]));

function groupOf(e: TraceEvent): TimelineGroup {
  switch (e.type) {
    case 'smmu.txn': case 'smmu.done': return 'dma';
    case 'smmu.fetch': return e.what === 'S1' || e.what === 'S2' ? 'walk' : 'config';
    case 'smmu.tlb': return 'tlb';
    case 'smmu.cfg': return 'config';
    case 'smmu.inv': return e.cache === 'tlb' ? 'tlb' : 'config';
    case 'smmu.cmd': return 'commands';
    case 'smmu.evtq': return 'events';
    case 'smmu.reg': return 'registers';
    case 'mem.read': case 'mem.write': return 'memory';
    case 'its.reg': return 'registers';
    case 'its.cmd': return 'commands';
    case 'its.table': return 'memory';
    case 'its.msi': case 'its.lpi': case 'its.done': return 'events';
    case 'host.call': return 'commands';
    case 'dev.dma': case 'dev.msi': return 'dma';
    case 'msi.signal': case 'ir.msi': return 'events';
  }
}

function eventFlags(e: TraceEvent): number {
  if (e.type === 'smmu.done' && !e.ok) return MARK_FAULT;
  if (e.type === 'smmu.tlb' && !e.hit) return MARK_TLB_MISS;
  if (e.type === 'smmu.cmd' && e.error !== undefined) return MARK_ERROR;
  return 0;
}

/** A step's flags, as the scrubber marks it (view.ts stepFlags). */
function recordFlags(r: StepRecord): number {
  let f = (r.expect && !r.expect.ok ? MARK_EXPECT_FAILED : 0) | (r.error ? MARK_ERROR : 0);
  for (const e of r.events) f |= eventFlags(e) & (MARK_FAULT | MARK_TLB_MISS);
  return f;
}

/** A growable Int32Array. */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export class TimelineIndex {
  private readonly step = new IntList();
  /** Index of the (first) event in its step's events, or EV_*. */
  private readonly ev = new IntList();
  private readonly count = new IntList();
  /** group id | flags << 8 */
  private readonly meta = new IntList();
  /** Steps indexed: 0 = nothing yet, 1 = the boot, k + 1 = the boot and k records. */
  private built = 0;
  private readonly filtered = new Map<number, { rows: IntList; scanned: number }>();

  get rows(): number {
    return this.step.n;
  }

  private add(step: number, ev: number, count: number, group: TimelineGroup, flags: number): void {
    this.step.push(step);
    this.ev.push(ev);
    this.count.push(count);
    this.meta.push((GROUP_ID.get(group) as number) | (flags << 8));
  }

  private addEvents(step: number, events: readonly TraceEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.type === 'mem.write' || e.type === 'mem.read') {
        let j = i;
        while (j + 1 < events.length) {
          const n = events[j + 1];
          if (n.type !== e.type || n.who !== e.who) break;
          j++;
        }
        this.add(step, i, j - i + 1, 'memory', 0);
        i = j;
        continue;
      }
      this.add(step, i, 1, groupOf(e), eventFlags(e));
    }
  }

  /** Index the steps executed since the last call. */
  update(s: TimelineSource): void {
    if (this.built === 0) {
      this.add(0, EV_STEP, 1, 'step', 0);
      this.addEvents(0, s.bootEvents);
      this.built = 1;
    }
    for (; this.built <= s.records.length; this.built++) {
      const r = s.records[this.built - 1];
      this.add(r.step, EV_STEP, 1, 'step', recordFlags(r));
      this.addEvents(r.step, r.events);
      if (r.expect) this.add(r.step, EV_EXPECT, 1, 'expect', r.expect.ok ? 0 : MARK_EXPECT_FAILED);
      if (r.error) this.add(r.step, EV_ERROR, 1, 'step', MARK_ERROR);
    }
  }

  /** The row numbers a filter keeps, brought up to date. */
  private list(mask: number): IntList {
    let f = this.filtered.get(mask);
    if (f === undefined) this.filtered.set(mask, (f = { rows: new IntList(), scanned: 0 }));
    const meta = this.meta.a;
    for (; f.scanned < this.meta.n; f.scanned++) if ((mask >>> (meta[f.scanned] & 0xff)) & 1) f.rows.push(f.scanned);
    return f.rows;
  }

  /** Rows [start, start + count) of the list `filter` keeps (null: every group). */
  page(s: TimelineSource, start: number, count: number, filter: readonly TimelineGroup[] | null): TimelinePage {
    this.update(s);
    const mask = filter === null ? (1 << TIMELINE_GROUPS.length) - 1 : filter.reduce((m, g) => m | (1 << (GROUP_ID.get(g) as number)), 0);
    const list = this.list(mask);
    const total = list.n;
    const from = Math.max(0, Math.min(start, total));
    const to = Math.min(total, from + Math.max(0, Math.min(count, TIMELINE_PAGE_LIMIT)));
    const rows: TimelineRow[] = [];
    for (let k = from; k < to; k++) rows.push(this.row(s, k, list.a[k]));
    return { total, start: from, rows, executed: s.records.length, current: this.firstAtOrAfter(list, s.position.step) };
  }

  private firstAtOrAfter(list: IntList, step: number): number {
    let lo = 0, hi = list.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.step.a[list.a[mid]] < step) lo = mid + 1; else hi = mid;
    }
    return lo < list.n ? lo : -1;
  }

  private row(s: TimelineSource, index: number, r: number): TimelineRow {
    const step = this.step.a[r];
    const ev = this.ev.a[r];
    const count = this.count.a[r];
    const meta = this.meta.a[r];
    const group = TIMELINE_GROUPS[meta & 0xff];
    const flags = meta >>> 8;
    const rec = step === 0 ? undefined : s.records[step - 1];
    const line = rec ? rec.line : 0;
    const base = { index, step, line, group, flags, count };
    if (ev === EV_STEP) return { ...base, kind: 'step', owner: null, text: rec ? stepText(s.source, rec) : bootText(s.bootEvents) };
    if (ev === EV_EXPECT) {
      const x = rec?.expect as { ok: boolean; message: string };
      return { ...base, kind: 'expect', owner: null, text: x.ok ? `expect holds: ${x.message.replace(/^ok: /, '')}` : `expect FAILED: ${x.message.replace(/^expect failed: /, '')}` };
    }
    if (ev === EV_ERROR) return { ...base, kind: 'error', owner: null, text: `runtime error: ${rec?.error?.message ?? ''}` };
    const events = rec ? rec.events : s.bootEvents;
    const e = events[ev];
    return { ...base, kind: e.type, owner: ownerOf(e), text: count > 1 ? runText(events, ev, count) : eventText(events, ev) };
  }
}

/** Whose structure or memory an event is about. */
function ownerOf(e: TraceEvent): TimelineRow['owner'] {
  switch (e.type) {
    case 'smmu.fetch':
      if (e.what === 'S1') return 'guest';
      if (e.what === 'CD' || e.what === 'L1CD') return e.ipa !== undefined ? 'guest' : 'host';
      return 'host';
    case 'mem.read': case 'mem.write':
      return e.who === 'guest' ? 'guest' : e.who === 'host' || e.who === 'driver' ? 'host' : 'hw';
    default:
      return 'hw';
  }
}

// ---- text ---------------------------------------------------------------------------------------

const h = hexGrouped;
const num = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

function bootText(events: readonly TraceEvent[]): string {
  let regs = 0, cmds = 0;
  for (const e of events) {
    if (e.type === 'smmu.reg') regs++;
    else if (e.type === 'smmu.cmd') cmds++;
  }
  return `boot: the host driver probes, resets and enables the SMMU (${plural(regs, 'register access', 'register accesses')}, ${plural(cmds, 'command')})`;
}

function stepText(source: string, r: StepRecord): string {
  let t = source.slice(r.head.start, r.head.end).replace(/\s*(\r\n|\r|\n)\s*/g, ' ').trim();
  if (r.value !== undefined && r.value !== null && r.kind !== 'expect') {
    const v = show(r.value);
    t += `  -> ${v.length > 60 ? `${v.slice(0, 59)}…` : v}`;
  }
  return t;
}

function runText(events: readonly TraceEvent[], i: number, n: number): string {
  const first = events[i] as Extract<TraceEvent, { type: 'mem.write' | 'mem.read' }>;
  const last = events[i + n - 1] as typeof first;
  const verb = first.type === 'mem.write' ? 'wrote' : 'read';
  const arrow = first.type === 'mem.write' ? '<-' : '->';
  if (n <= 4) {
    const items: string[] = [];
    for (let k = i; k < i + n; k++) {
      const e = events[k] as typeof first;
      items.push(`${h(e.pa)} ${arrow} ${h(e.value)}`);
    }
    return `${first.who} ${verb} ${n} words: ${items.join(', ')}`;
  }
  return `${first.who} ${verb} ${num(n)} words (${num(n)} ${first.type} events folded into this row): ` +
    `first ${h(first.pa)} ${arrow} ${h(first.value)}, last ${h(last.pa)} ${arrow} ${h(last.value)}`;
}

/** A descriptor at `level` as the walker reads it. */
function descKindText(v: bigint, level: number | undefined): string {
  if ((v & 1n) === 0n) return 'invalid';
  if (level === 3) return (v & 2n) !== 0n ? 'page' : 'reserved';
  return (v & 2n) !== 0n ? 'table' : 'block';
}

/** Whether the stage-2 read at `i` (purpose IN) follows a stage-1 walk of the same transaction:
 *  then it translates the output IPA, else the input address of a stage-2-only stream. */
function afterStage1(events: readonly TraceEvent[], i: number): boolean {
  for (let k = i - 1; k >= 0; k--) {
    const e = events[k];
    if (e.type === 'smmu.txn') return false;
    if ((e.type === 'smmu.fetch' && (e.what === 'S1' || e.what === 'CD')) || (e.type === 'smmu.tlb' && e.kind === 'S1S2') ||
      (e.type === 'smmu.cfg' && e.what === 'CD')) return true;
  }
  return false;
}

function fetchText(events: readonly TraceEvent[], i: number, e: FetchEvent): string {
  const v = fetchValue(e);
  const w = e.words;
  switch (e.what) {
    case 'STE': {
      const cfg = Number((v >> 1n) & 7n);
      const name = ['abort', 'reserved', 'reserved', 'reserved', 'bypass', 'stage 1 only', 'stage 2 only', 'nested'][cfg];
      return `STE read at PA ${h(e.addr)}: V ${v & 1n}, Config 0b${cfg.toString(2).padStart(3, '0')} (${name})` +
        (w && cfg >= 6 ? `, S2VMID ${Number(w[2] & 0xffffn)}` : '');
    }
    case 'CD': {
      const at = e.ipa !== undefined ? `IPA ${h(e.ipa)} (PA ${h(e.addr)})` : `PA ${h(e.addr)}`;
      const ttb0 = w ? ((w[1] >> 4n) & ((1n << 52n) - 1n)) << 4n : 0n;
      return `CD read at ${at}: V ${(v >> 31n) & 1n}, ASID ${Number(v >> 48n)}${w ? `, TTB0 ${h(ttb0)}` : ''}`;
    }
    case 'L1STD': case 'L1CD':
      return `${e.what} read at ${e.ipa !== undefined ? `IPA ${h(e.ipa)} (PA ${h(e.addr)})` : `PA ${h(e.addr)}`}: ${h(v)}`;
    case 'S1': {
      const at = e.ipa !== undefined ? `the gL${e.level} descriptor at IPA ${h(e.ipa)} (PA ${h(e.addr)})` : `PA ${h(e.addr)}`;
      return `S1 L${e.level} read: ${at}: ${h(v)} ${descKindText(v, e.level)}`;
    }
    case 'S2': {
      let what: string;
      if (e.purpose === 'TT') what = `the gL${e.s1Level ?? '?'} descriptor's IPA ${h(e.ipa ?? 0)}`;
      else if (e.purpose === 'CD') what = `the CD's IPA ${h(e.ipa ?? 0)}`;
      else what = `the ${afterStage1(events, i) ? 'output' : 'input'} IPA ${h(e.ipa ?? 0)}`;
      return `S2 L${e.level} read for ${what} (PA ${h(e.addr)}): ${h(v)} ${descKindText(v, e.level)}`;
    }
  }
}

function recordText(r: EventRecord): string {
  const parts = [r.name];
  if (r.s2 !== undefined) parts.push(`S2 ${r.s2 ? 1 : 0}`);
  if (r.cls !== undefined) parts.push(`CLASS ${r.cls}`);
  parts.push(`StreamID 0x${r.sid.toString(16)}`, `InputAddr ${h(r.input)}`);
  if (r.ipa !== undefined) parts.push(`IPA ${h(r.ipa)}`);
  if (r.fetchAddr !== undefined) parts.push(`FetchAddr ${h(r.fetchAddr)}`);
  const why = r.why;
  if (why) parts.push(why);
  return parts.join(', ');
}

/** One event's line. */
export function eventText(events: readonly TraceEvent[], i: number): string {
  const e = events[i];
  switch (e.type) {
    case 'mem.read': return `${e.who} read ${h(e.pa)} -> ${h(e.value)}`;
    case 'mem.write': return `${e.who} wrote ${h(e.pa)} <- ${h(e.value)}`;
    case 'smmu.txn': {
      const attrs = [e.pnu ? 'privileged' : '', e.ind ? 'instruction' : ''].filter((x) => x !== '');
      return `DMA ${e.rnw ? 'read' : 'write'} from StreamID 0x${e.sid.toString(16)}${e.ssid === undefined ? '' : `, SubstreamID ${e.ssid}`} ` +
        `at IOVA ${h(e.iova)}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
    }
    case 'smmu.cfg':
      return `config cache ${e.hit ? 'hit' : 'miss'}: the ${e.what}${e.what === 'CD' ? ` (SubstreamID ${e.ssid ?? 'none'})` : ''} of StreamID 0x${e.sid.toString(16)}`;
    case 'smmu.tlb':
      return `TLB ${e.hit ? 'hit' : 'miss'}: ${e.kind} ${e.kind === 'S2' ? 'IPA' : 'IOVA'} ${h(e.addr)}, VMID ${e.vmid}${e.asid >= 0 ? `, ASID ${e.asid}` : ''}`;
    case 'smmu.fetch': return fetchText(events, i, e);
    case 'smmu.done': {
      const reads = `${plural(e.reads, 'read')}, ${num(e.walkReads)} in the walk`;
      if (e.ok) return `translated: PA ${h(e.pa ?? 0)} (${reads})`;
      if (!e.event) return `aborted without an event (${reads})`;
      return `FAULT ${recordText(e.event)}${e.event.recorded ? '' : ' (record suppressed)'} (${reads})`;
    }
    case 'smmu.cmd': {
      let t = `${e.name} from slot ${e.index}`;
      if (e.error) t += `: ${e.error}`;
      if (e.note) t += `; ${e.note}`;
      if (e.msi) t += `; MSI ${h(e.msi.data)} to ${h(e.msi.addr)}`;
      return t;
    }
    case 'smmu.inv':
      return `${e.by} removed ${plural(e.removed, 'entry', 'entries')} from the ${e.cache === 'tlb' ? 'TLB' : 'configuration cache'}`;
    case 'smmu.evtq':
      return e.written
        ? `Event queue slot ${e.index}: ${recordText(e.record)}`
        : `Event queue: ${e.record.name} not written: ${e.why ?? 'dropped'}`;
    case 'smmu.reg':
      return `MMIO ${e.write ? 'write' : 'read'} ${e.name} ${e.write ? '<-' : '->'} ${h(e.value)}${e.note ? ` (${e.note})` : ''}`;
    case 'its.reg': case 'its.cmd': case 'its.table': case 'its.msi': case 'its.lpi': case 'its.done':
      return describeItsEvent(e);
    case 'host.call': return describeHostCall(e.record);
    case 'dev.dma': case 'dev.msi': case 'msi.signal': case 'ir.msi': return describeHostDevEvent(e);
  }
}
