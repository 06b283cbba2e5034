// The one-sentence narration under the views (VIEWS.md "Conventions"): what the current position
// shows, in a student's words, generated from the position's trace events alone. Pure: no DOM, no
// store; the shell renders it in an aria-live region.

import type { SessionView, TraceEvent } from '../worker/api';
import { hexGrouped } from '../model/bits';

type FetchEvent = Extract<TraceEvent, { type: 'smmu.fetch' }>;
type DoneEvent = Extract<TraceEvent, { type: 'smmu.done' }>;
type TxnEvent = Extract<TraceEvent, { type: 'smmu.txn' }>;

/** What narrate reads from a SessionView. */
export type NarrationInput = Pick<
  SessionView, 'position' | 'step' | 'events' | 'eventCount' | 'executed' | 'finished' | 'error' | 'stopReason'
>;

/** A number or bigint as hex, grouped by 4 digits past 8 (0x8_0010_0040). */
export function hex(n: number | bigint): string {
  return hexGrouped(n);
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = one + 's') => `${count(n)} ${n === 1 ? one : many}`;

/** The sentence for a position. */
export function narrate(v: NarrationInput): string {
  const { step, access } = v.position;
  if (step === 0) {
    return 'Step 0: the machine as booted, with the host driver\'s SMMU set up; F10 runs the program a line at a time, F11 steps into each DMA read by read.';
  }
  if (access > 0) return narrateRead(v);
  return narrateStep(v);
}

// ---- one read inside a walk ----------------------------------------------------------------

function narrateRead(v: NarrationInput): string {
  // The transaction the read belongs to: the events since the last smmu.txn.
  let from = 0;
  v.events.forEach((x, i) => { if (x.type === 'smmu.txn') from = i; });
  const txn = v.events[from]?.type === 'smmu.txn' ? v.events[from] as TxnEvent : undefined;
  const fetches = v.events.slice(from).filter((e): e is FetchEvent => e.type === 'smmu.fetch');
  const e = fetches[fetches.length - 1];
  const total = v.step?.accesses ?? fetches.length;
  const lead = `Read ${v.position.access} of ${total}: `;
  if (e === undefined) return `${lead}the SMMU reads memory.`;
  return lead + describeFetch(e, fetches, txn) + '.';
}

/** "level 0 of 4" for a walk from level 0; "level 2 of 3 (levels 1-3)" for one that starts lower:
 *  every VMSAv8-64 walk ends at level 3, whatever the granule. */
function levelOf(level: number, startLevel: number): string {
  const n = 4 - startLevel;
  return startLevel === 0 ? `level ${level} of ${n}` : `level ${level} of ${n} (levels ${startLevel}–3)`;
}

/** The first level of the walk `e` belongs to: the start of the run of fetches like it. */
function startLevel(e: FetchEvent, fetches: FetchEvent[]): number {
  let start = e.level ?? 0;
  for (let i = fetches.length - 2; i >= 0; i--) {
    const f = fetches[i];
    const same = e.what === 'S2'
      ? f.what === 'S2' && f.purpose === e.purpose && f.ipa === e.ipa
      : f.what === 'S1';
    if (e.what === 'S2' && !same) break;
    if (same && f.level !== undefined && f.level < start) start = f.level;
  }
  return start;
}

function describeFetch(e: FetchEvent, fetches: FetchEvent[], txn: TxnEvent | undefined): string {
  const at = `PA ${hex(e.addr)}`;
  switch (e.what) {
    case 'L1STD':
      return `the SMMU reads the level-1 stream table descriptor at ${at} (host-owned)`;
    case 'STE':
      return `the SMMU reads the STE${txn ? ` for StreamID ${hex(txn.sid)}` : ''} at ${at}: host-owned, a PA, no stage 2`;
    case 'L1CD':
      return e.ipa !== undefined
        ? `the SMMU reads the guest's level-1 CD table descriptor at IPA ${hex(e.ipa)} (${at})`
        : `the SMMU reads the level-1 CD table descriptor at ${at}`;
    case 'CD':
      return e.ipa !== undefined
        ? `the SMMU reads the guest's CD at IPA ${hex(e.ipa)}, which stage 2 sent to ${at}`
        : `the SMMU reads the CD at ${at}`;
    case 'S1': {
      const lvl = levelOf(e.level ?? 0, startLevel(e, fetches));
      return e.ipa !== undefined
        ? `stage 1 reads the guest's descriptor at IPA ${hex(e.ipa)} (${at}): ${lvl}`
        : `stage 1 reads the descriptor at ${at}: ${lvl}`;
    }
    case 'S2': {
      const lvl = levelOf(e.level ?? 0, startLevel(e, fetches));
      const ipa = e.ipa !== undefined ? hex(e.ipa) : '?';
      if (e.purpose === 'CD') return `stage 2 translates the IPA of the guest's CD (${ipa}): ${lvl}`;
      if (e.purpose === 'TT') {
        const which = e.s1Level !== undefined ? `level-${e.s1Level} descriptor` : 'stage-1 descriptor';
        return `stage 2 translates the IPA of the guest's ${which} (${ipa}): ${lvl}`;
      }
      return `stage 2 translates the output IPA ${ipa}: ${lvl}`;
    }
  }
}

// ---- a whole step --------------------------------------------------------------------------

function narrateStep(v: NarrationInput): string {
  const s = v.step;
  const line = s ? `Line ${s.line}` : `Step ${v.position.step}`;
  const last = v.position.step === v.executed;
  if (last && v.finished && v.error && (v.stopReason === 'error' || v.stopReason === 'budget')) {
    return `${line} stopped the program: ${v.error.message}`;
  }
  if (s?.expect) {
    return s.expect.ok ? `${line}: the expect holds (${s.expect.message.replace(/^ok: /, '')}).` : `${line}: ${s.expect.message}.`;
  }

  const dones = v.events.filter((e): e is DoneEvent => e.type === 'smmu.done');
  const txns = v.events.filter((e): e is TxnEvent => e.type === 'smmu.txn');
  if (dones.length === 1) return `${line}: ${describeDone(dones[0], txns[0])}.`;
  if (dones.length > 1) {
    const faulted = dones.filter((d) => !d.ok);
    const names = [...new Set(faulted.map((d) => d.event?.name ?? 'aborted'))].join(', ');
    return `${line}: ${count(dones.length)} DMA transactions, ${count(dones.length - faulted.length)} reached memory` +
      (faulted.length ? `, ${count(faulted.length)} faulted (${names})` : '') + '.';
  }

  const parts: string[] = [];
  const writes = writesBy(v.events);
  const truncated = v.eventCount > v.events.length;
  for (const [who, n] of writes) parts.push(`${whoName(who)} wrote ${truncated ? 'over ' : ''}${plural(n, 'word')} of memory`);
  const cmds = commandList(v.events);
  if (cmds) parts.push(`the SMMU consumed ${cmds}`);
  const removed = invalidated(v.events);
  if (removed) parts.push(removed);
  // A statement without a value shows as 'nothing' (lang/values.ts show).
  const value = s?.value && s.value !== 'nothing' ? s.value : null;
  if (parts.length === 0) return value ? `${line} gives ${value}.` : `${line} ran.`;
  return `${line}: ${parts.join('; ')}${value ? `; it gives ${value}` : ''}.`;
}

function describeDone(d: DoneEvent, txn: TxnEvent | undefined): string {
  const what = txn ? `the DMA ${txn.rnw ? 'read' : 'write'} at IOVA ${hex(txn.iova)} from StreamID ${hex(txn.sid)}` : 'the DMA';
  const reads = d.reads === 0 ? 'with no reads (TLB hit)'
    : `after ${plural(d.reads, 'SMMU read')}${d.walkReads > 0 && d.walkReads !== d.reads ? `, ${count(d.walkReads)} of them the walk` : ''}`;
  if (d.ok) return `${what} reached PA ${d.pa !== undefined ? hex(d.pa) : '?'} ${reads}`;
  const ev = d.event;
  if (!ev) return `${what} was aborted silently (STE.Config = abort) ${reads}`;
  const detail: string[] = [];
  if (ev.s2 !== undefined) detail.push(ev.s2 ? 'stage 2' : 'stage 1');
  if (ev.cls) detail.push(`CLASS ${ev.cls}`);
  if (ev.ipa !== undefined && ev.s2) detail.push(`IPA ${hex(ev.ipa)}`);
  if (ev.why) detail.push(ev.why);
  return `${what} faulted: ${ev.name}${detail.length ? ` (${detail.join(', ')})` : ''} ${reads}`;
}

function writesBy(events: readonly TraceEvent[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.type === 'mem.write') m.set(e.who, (m.get(e.who) ?? 0) + 1);
  return m;
}

function whoName(who: string): string {
  if (who === 'host' || who === 'guest') return `the ${who}`;
  if (who === 'driver') return 'the host driver';
  return 'the program';
}

/** "CMD_CFGI_STE ×2, CMD_SYNC ×2", in first-seen order. */
function commandList(events: readonly TraceEvent[]): string {
  const m = new Map<string, number>();
  for (const e of events) if (e.type === 'smmu.cmd') m.set(e.name, (m.get(e.name) ?? 0) + 1);
  return [...m].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
}

function invalidated(events: readonly TraceEvent[]): string {
  let tlb = 0, cfg = 0;
  for (const e of events) {
    if (e.type !== 'smmu.inv') continue;
    if (e.cache === 'tlb') tlb += e.removed; else cfg += e.removed;
  }
  const parts: string[] = [];
  if (tlb) parts.push(`${plural(tlb, 'TLB entry', 'TLB entries')} removed`);
  if (cfg) parts.push(`${plural(cfg, 'cached STE or CD', 'cached STEs and CDs')} removed`);
  return parts.join(', ');
}
