// The page-table view's model (shared/VIEWS.md "Page tables"): for the stream of the position's
// transaction, its stage-1 tables (a guest's, at IPAs, when nested) and stage-2 tables (the
// host's, at PAs), read from memory as they are at the position. The tables the walk went
// through are given whole, entry by entry, with runs folded (invalid entries; valid entries
// mapping consecutive addresses with the same attributes); the rest of each tree is counted per
// level. The walk's path comes from the step's smmu.fetch events (docs/trace.md): a descriptor
// at table base + 8 * index, the index taken from the input address as the walker takes it.
//
// Size: a table gives at most 2p + 1 rows beyond its p path entries once folded, and at most
// MAX_ROWS in all, so a 1 GiB stage 2 of 4K pages (515 tables, 262,144 leaves) stays a few
// kilobytes (tables.test.ts asserts a bound).

import type { TxnEvent, DoneEvent, FetchEvent, TraceEvent } from '../../model/trace';
import { hexGrouped, POW2 } from '../../model/bits';
import type { LabMachine, LabVm } from '../../model/lab/machine';
import { decodeCd } from '../../model/smmuv3/cd';
import { decodeSte, STE_WORDS, type SteConfig } from '../../model/smmuv3/ste';
import { descAddr, descAP, descKind, descPXN, descUXN, descAPTable, descPXNTable, descUXNTable, descContiguous, descMemAttr, type DescKind } from '../../model/vmsa/descriptor';
import { blockAllowed, granuleName, levelShift } from '../../model/vmsa/geometry';
import type { Regime } from '../../model/vmsa/walk';
import type { ModelInput } from './index';

// ---- the model ------------------------------------------------------------------------------

export type AddrSpace = 'IPA' | 'PA';
export type Owner = 'guest' | 'host';

export interface PageTablesVM {
  /** The stream whose tables are shown, its device (if the lab made one) and its STE's PA. */
  sid: number;
  device: string | null;
  steAddr: number;
  /** STE.Config: 'abort', 'bypass', 's1', 's2', 'nested', or 'illegal' (with `note` saying why). */
  config: SteConfig['kind'] | 'illegal';
  /** Why this stream: the position's transaction, or (no transaction) the device last attached. */
  chosen: 'transaction' | 'last-attached';
  /** The position's transaction: its input address (hex) and access; null when there is none. */
  txn: { iova: string; access: 'read' | 'write' } | null;
  /** How the transaction stands at the position: walking (not done yet), a TLB hit, translated
   *  (with its PA), or a fault (the event's name, S2 and CLASS). null without a transaction. */
  outcome: Outcome | null;
  stage1: StageVM | null;
  stage2: StageVM | null;
  /** Every descriptor read of the transaction's walk, in order (the STE and CD reads are not
   *  table reads, but count in `n`). */
  path: PathRead[];
  /** The step's SMMU reads so far (the position's access; all of them after the step) and in all,
   *  and what the position's own read fetches (inside a walk; else null). */
  readsDone: number;
  readsTotal: number;
  currentWhat: FetchEvent['what'] | null;
  /** One sentence when something is not shown: no walk at this position, a TLB hit, no STE. */
  note: string | null;
}

export type Outcome =
  | { kind: 'walking' }
  | { kind: 'tlb-hit'; pa: number | null }
  | { kind: 'ok'; pa: number }
  | { kind: 'fault'; event: string; s2: boolean | null; cls: string | null };

export interface StageVM {
  stage: 1 | 2;
  owner: Owner;
  /** Where its tables sit, and so the space of its table addresses and next-table pointers. */
  tableSpace: AddrSpace;
  inputSpace: 'IOVA' | 'IPA';
  outputSpace: AddrSpace;
  granule: string;
  inputBits: number;
  startLevel: number;
  /** Concatenated start tables (stage 2; 1 otherwise). */
  concatenated: number;
  /** TTB0 (TTB1 for an upper-half IOVA) or S2TTB: the start table, in `tableSpace`. */
  root: number;
  /** Stage 1: the CD (its address as S1ContextPtr holds it, in `cdSpace`) and ASID; stage 2: the VMID. */
  cd: { addr: number; space: AddrSpace; asid: number; ttbr: 0 | 1 } | null;
  vmid: number | null;
  /** The tables drawn whole: those the walk read from (in level order, then first use), or the
   *  start table when there is no walk. */
  tables: TableVM[];
  /** Tables of the whole tree per level; `shown` of them are in `tables`. `partial`: there may be
   *  more at this level (a table above it is not guest RAM, or the tree is far larger than any
   *  lesson's and counting stopped). */
  counts: { level: number; tables: number; shown: number; partial: boolean }[];
  /** Why the stage cannot be shown (its CD is not readable, ILLEGAL, ...), else null. */
  note: string | null;
}

export interface TableVM {
  /** Unique within the VM: `s1:` or `s2:` + the table's address in hex. */
  key: string;
  level: number;
  /** Its address in the stage's table space, and where that is in memory (null: the IPA is not
   *  guest RAM, so the table cannot be read). */
  addr: number;
  pa: number | null;
  /** Descriptors in the table: 2^(granule - 3), times the concatenated start tables. */
  entries: number;
  root: boolean;
  rows: RowVM[];
}

export type RowKind = DescKind | 'mixed';

/** One entry, or a folded run of them. */
export interface RowVM {
  first: number;
  count: number;
  kind: RowKind;
  /** The first entry's next-level table (table space) or output address (output space); null for
   *  invalid and mixed rows. A run's entries step by the table size or the block/page size. */
  addr: number | null;
  /** Bytes from one entry's address to the next in a run (the mapping size for leaves). */
  step: number | null;
  /** Leaves at a glance: stage 1 'r', 'w' (AP[2] = 0) and 'u' (AP[1]: EL0 access), '-' where
   *  not granted, then ' XN' (PXN and UXN), ' PXN' or ' UXN'; stage 2 S2AP's 'r' and 'w', then
   *  ' XN'. '' for tables and invalid entries. */
  perm: string;
  af: boolean | null;
  ng: boolean | null;
  /** The first entry's raw value (hex) and decoded fields, named as in the Arm ARM. */
  raw: string;
  fields: [string, string][];
  /** The reads of the path that used this entry (their `n`); only ever on a one-entry row. */
  reads: number[];
  /** Mixed rows: how many of `count` are valid. */
  valid?: number;
}

export interface PathRead {
  /** The read's number among the step's SMMU reads (what a position's `access` counts). */
  n: number;
  stage: 1 | 2;
  level: number;
  /** The table's key and the entry's index in it. */
  table: string;
  index: number;
  /** The descriptor's address in the stage's table space, and its PA. */
  addr: number;
  pa: number;
  /** Stage 2: what its walk translates (CD, TT: a stage-1 descriptor at `s1Level`, IN: the
   *  output or input address), and that IPA. */
  purpose?: 'CD' | 'TT' | 'IN';
  s1Level?: number;
  ipa?: number;
  /** Stage 2 for TT: the stage-1 read the walk makes possible. */
  serves?: number;
  /** Read before the position, the position's own read, or still to come. */
  state: 'read' | 'current' | 'unread';
  /** The transaction's fault, on the read it stopped at (once visible). */
  fault?: string;
}

// ---- bounds -----------------------------------------------------------------------------------

/** A table longer than this after folding has its stretches between path entries merged. */
export const MAX_ROWS = 24;
/** Tables read to count a tree (never the last level's: leaves need no reading to count). */
const COUNT_BUDGET = 4096;

// ---- building -----------------------------------------------------------------------------------

export function buildPageTables(input: ModelInput): PageTablesVM | null {
  const { machine, events, record, position } = input;
  const all: readonly TraceEvent[] = record?.events ?? events;
  const txn = findTxn(events, all);
  const sid = txn !== null ? txn.event.sid : lastAttachedSid(machine);
  if (sid === null) return null;
  const dev = machine.devices.find((d) => d.sid === sid) ?? null;
  const steAddr = machine.steAddr(sid);

  const fetches = txn === null ? [] : txnFetches(all, txn.index);
  const readsTotal = countFetches(all);
  const readsDone = position.access > 0 ? position.access : readsTotal;
  const vm: PageTablesVM = {
    sid, device: dev?.bdf ?? null, steAddr, config: 'illegal', chosen: txn !== null ? 'transaction' : 'last-attached',
    txn: txn === null ? null : { iova: hexGrouped(txn.event.iova), access: txn.event.rnw ? 'read' : 'write' },
    outcome: txn === null ? null : outcomeOf(all, txn.index, position.access > 0 ? events.length : all.length),
    stage1: null, stage2: null, path: [], readsDone, readsTotal, note: null,
    currentWhat: position.access > 0 ? (fetches.find((f) => f.n === position.access)?.e.what ?? null) : null,
  };

  const words: bigint[] = [];
  for (let i = 0; i < STE_WORDS; i++) words.push(machine.mem.load64(BigInt(steAddr + 8 * i)));
  const d = decodeSte(words, machine.smmu.oas);
  if (!d.ok) {
    vm.note = `StreamID ${hexGrouped(sid)}'s STE is ILLEGAL: ${d.why}.`;
    return vm;
  }
  const ste = d.ste;
  vm.config = ste.kind;
  if (!ste.s1 && !ste.s2) {
    vm.note = ste.kind === 'abort'
      ? `StreamID ${hexGrouped(sid)}'s STE says abort: no tables translate it.`
      : `StreamID ${hexGrouped(sid)}'s STE says bypass: its addresses are used as PAs, no tables.`;
    return vm;
  }

  const s2r = ste.s2Regime;
  const guestVm = s2r === null ? null : machine.vms.find((v) => v.s2Root === s2r.ttb) ?? (dev?.vm != null ? machine.vm(dev.vm) : null);
  const ipaToPa = (a: number): number | null => {
    if (s2r === null) return a;
    if (guestVm === null) return null;
    try { return machine.ipaToPa(guestVm, a); } catch { return null; }
  };
  const iova = txn?.event.iova ?? 0n;

  // Stage 1: the CD (linear CD table; the transaction's SubstreamID, else CD 0), then TTB0/1.
  let r1: Regime | null = null;
  if (ste.s1) {
    const s = stage1Of(machine, ste, txn?.event ?? null, iova, ipaToPa, guestVm);
    vm.stage1 = s.stage;
    r1 = s.regime;
  }
  if (s2r !== null) vm.stage2 = stageVm(2, s2r, 'host', 'PA', 'PA', null, ste.vmid);

  // The path, from the transaction's fetches.
  const access = position.access;
  const path: PathRead[] = [];
  for (const f of fetches) {
    if (f.e.what !== 'S1' && f.e.what !== 'S2') continue;
    const r = f.e.what === 'S1' ? r1 : s2r;
    if (r === null) continue;
    const level = f.e.level ?? r.startLevel;
    const ia = f.e.what === 'S1' ? va48(iova) : (f.e.ipa ?? 0);
    const index = indexAt(r, ia, level);
    const addr = f.e.what === 'S1' ? (f.e.ipa ?? f.e.addr) : f.e.addr;
    const base = addr - 8 * index;
    const p: PathRead = {
      n: f.n, stage: f.e.what === 'S1' ? 1 : 2, level, table: key(f.e.what === 'S1' ? 1 : 2, base), index, addr, pa: f.e.addr,
      state: access === 0 || f.n < access ? 'read' : f.n === access ? 'current' : 'unread',
    };
    if (f.e.what === 'S2') {
      p.purpose = f.e.purpose;
      p.ipa = f.e.ipa;
      if (f.e.s1Level !== undefined) p.s1Level = f.e.s1Level;
    }
    path.push(p);
  }
  // A stage-2 walk for a stage-1 descriptor serves the next stage-1 read.
  for (let i = 0; i < path.length; i++) {
    if (path[i].purpose !== 'TT') continue;
    const next = path.slice(i + 1).find((q) => q.stage === 1);
    if (next) path[i].serves = next.n;
  }
  if (vm.outcome?.kind === 'fault' && path.length > 0) {
    const last = path[path.length - 1];
    if (last.state === 'read') last.fault = vm.outcome.event;
  }
  vm.path = path;

  // Tables: those on the path, else the start table.
  if (vm.stage1 !== null && r1 !== null) fillTables(vm.stage1, r1, path.filter((p) => p.stage === 1), machine, ipaToPa);
  if (vm.stage2 !== null && s2r !== null) fillTables(vm.stage2, s2r, path.filter((p) => p.stage === 2), machine, (a) => a);

  if (txn === null) {
    vm.note = 'No transaction at this step: the start tables as they are now.';
  } else if (vm.outcome?.kind === 'tlb-hit') {
    vm.note = 'A TLB hit: the SMMU read no tables; the start tables as they are now.';
  } else if (path.length === 0 && vm.outcome?.kind !== 'walking') {
    vm.note = 'The transaction read no tables.';
  }
  return vm;
}

// ---- the transaction and its reads ------------------------------------------------------------

/** The position's transaction: the last smmu.txn among the visible events, with its index
 *  (visible events are a prefix of the step's). */
function findTxn(visible: readonly TraceEvent[], all: readonly TraceEvent[]): { event: TxnEvent; index: number } | null {
  for (let i = visible.length - 1; i >= 0; i--) {
    const e = visible[i];
    if (e.type === 'smmu.txn') return { event: e, index: all[i] === e ? i : all.indexOf(e) };
  }
  return null;
}

/** The device that was attached last (a translating STE), else the last one assigned. */
function lastAttachedSid(m: LabMachine): number | null {
  for (let i = m.devices.length - 1; i >= 0; i--) {
    const d = m.devices[i];
    if (d.vm !== null || d.cd !== null) return d.sid;
  }
  return m.devices.length > 0 ? m.devices[m.devices.length - 1].sid : null;
}

function countFetches(all: readonly TraceEvent[]): number {
  let n = 0;
  for (const e of all) if (e.type === 'smmu.fetch') n++;
  return n;
}

/** The transaction's fetches, numbered among the step's reads. */
function txnFetches(all: readonly TraceEvent[], txnIndex: number): { e: FetchEvent; n: number }[] {
  let n = 0;
  for (let i = 0; i < txnIndex; i++) if (all[i].type === 'smmu.fetch') n++;
  const out: { e: FetchEvent; n: number }[] = [];
  for (let i = txnIndex + 1; i < all.length; i++) {
    const e = all[i];
    if (e.type === 'smmu.txn') break;
    if (e.type === 'smmu.fetch') out.push({ e, n: ++n });
  }
  return out;
}

/** The transaction's outcome among the first `visible` events. */
function outcomeOf(all: readonly TraceEvent[], txnIndex: number, visible: number): Outcome {
  let hit = false;
  for (let i = txnIndex + 1; i < Math.min(all.length, visible); i++) {
    const e = all[i];
    if (e.type === 'smmu.txn') break;
    if (e.type === 'smmu.tlb' && e.hit && e.kind === 'S1S2') hit = true;
    if (e.type === 'smmu.done') return doneOutcome(e, hit);
  }
  return { kind: 'walking' };
}

function doneOutcome(e: DoneEvent, hit: boolean): Outcome {
  if (!e.ok) {
    const ev = e.event ?? null;
    return { kind: 'fault', event: ev === null ? 'aborted (no event)' : ev.name, s2: ev?.s2 ?? null, cls: ev?.cls ?? null };
  }
  if (hit || e.reads === 0) return { kind: 'tlb-hit', pa: e.pa ?? null };
  return { kind: 'ok', pa: e.pa ?? 0 };
}

// ---- stages -----------------------------------------------------------------------------------

function stageVm(stage: 1 | 2, r: Regime, owner: Owner, tableSpace: AddrSpace, outputSpace: AddrSpace,
  cd: StageVM['cd'], vmid: number | null): StageVM {
  return {
    stage, owner, tableSpace, inputSpace: stage === 1 ? 'IOVA' : 'IPA', outputSpace, granule: granuleName(r.g),
    inputBits: r.inputBits, startLevel: r.startLevel, concatenated: Math.max(1, (r.startIdxMask + 1) / POW2[r.g - 3]),
    root: r.ttb, cd, vmid, tables: [], counts: [], note: null,
  };
}

function stage1Of(m: LabMachine, ste: SteConfig, txn: TxnEvent | null, iova: bigint, ipaToPa: (a: number) => number | null,
  guestVm: LabVm | null): { stage: StageVM | null; regime: Regime | null } {
  const nested = ste.s2;
  const owner: Owner = nested ? 'guest' : 'host';
  const space: AddrSpace = nested ? 'IPA' : 'PA';
  const empty = (note: string): { stage: StageVM; regime: null } => ({
    stage: {
      stage: 1, owner, tableSpace: space, inputSpace: 'IOVA', outputSpace: space, granule: '', inputBits: 0, startLevel: 0,
      concatenated: 1, root: 0, cd: null, vmid: null, tables: [], counts: [], note,
    },
    regime: null,
  });
  if (ste.s1Fmt !== 0 && ste.s1CdMax !== 0) return empty('a 2-level CD table: not drawn here.');
  const ssid = txn?.ssid !== undefined && ste.s1CdMax > 0 ? txn.ssid : 0;
  const cdAddr = ste.s1ContextPtr + 64 * ssid;
  const cdPa = ipaToPa(cdAddr);
  if (cdPa === null) {
    return empty(`the CD at IPA ${hexGrouped(cdAddr)} is not in ${guestVm ? `VM ${guestVm.vmid}'s` : 'the guest\'s'} RAM.`);
  }
  const w: bigint[] = [];
  for (let i = 0; i < 8; i++) w.push(m.mem.load64(BigInt(cdPa + 8 * i)));
  const d = decodeCd(w, m.smmu.oas);
  if (!d.ok) return empty(`the CD at ${space} ${hexGrouped(cdAddr)} is ILLEGAL: ${d.why}.`);
  const x = Number((iova >> 55n) & 1n) as 0 | 1;
  const r = d.cd.tt[x];
  if (r === null) return empty(`the CD has EPD${x} = 1: no TTB${x} walk.`);
  return { stage: stageVm(1, r, owner, space, space, { addr: cdAddr, space, asid: d.cd.asid, ttbr: x }, null), regime: r };
}

// ---- tables -----------------------------------------------------------------------------------

function key(stage: 1 | 2, addr: number): string {
  return `s${stage}:${addr.toString(16)}`;
}

function va48(iova: bigint): number {
  return Number(iova & 0xffff_ffff_ffffn);
}

/** The entry the walker takes at `level` for input address `ia`. */
function indexAt(r: Regime, ia: number, level: number): number {
  const mask = level === r.startLevel ? r.startIdxMask : POW2[r.g - 3] - 1;
  return Math.floor(ia / POW2[levelShift(r.g, level)]) % (mask + 1);
}

function tableEntries(r: Regime, level: number): number {
  return level === r.startLevel ? r.startIdxMask + 1 : POW2[r.g - 3];
}

/** A table's descriptors as (lo, hi) halves, through `toPa` page by page; null if any page of it
 *  has no PA. */
function readTable(m: LabMachine, toPa: (a: number) => number | null, addr: number, n: number): { lo: Uint32Array; hi: Uint32Array } | null {
  const lo = new Uint32Array(n), hi = new Uint32Array(n);
  let page: Uint32Array | undefined;
  let pa = 0;
  for (let i = 0; i < n; i++) {
    const a = addr + 8 * i;
    if (i === 0 || a % 4096 === 0) {
      const p = toPa(a);
      if (p === null) return null;
      pa = p;
      page = m.mem.pageOf(pa);
    } else {
      pa += 8;
    }
    if (page === undefined) continue;
    const w = (pa & 0xff8) >>> 2;
    lo[i] = page[w];
    hi[i] = page[w + 1];
  }
  return { lo, hi };
}

function fillTables(s: StageVM, r: Regime, path: PathRead[], m: LabMachine, toPa: (a: number) => number | null): void {
  // Which tables, in level order then first use: the path's, else the start table.
  const wanted = new Map<string, { addr: number; level: number }>();
  for (const p of [...path].sort((a, b) => a.level - b.level || a.n - b.n)) {
    if (!wanted.has(p.table)) wanted.set(p.table, { addr: p.addr - 8 * p.index, level: p.level });
  }
  if (wanted.size === 0) wanted.set(key(s.stage, r.ttb), { addr: r.ttb, level: r.startLevel });
  for (const [k, t] of wanted) {
    const n = tableEntries(r, t.level);
    const pa = toPa(t.addr);
    const words = pa === null ? null : readTable(m, toPa, t.addr, n);
    const uses = new Map<number, number[]>();
    for (const p of path) if (p.table === k) uses.set(p.index, [...(uses.get(p.index) ?? []), p.n]);
    s.tables.push({
      key: k, level: t.level, addr: t.addr, pa, entries: n, root: t.addr === r.ttb && t.level === r.startLevel,
      rows: words === null ? [] : foldRows(r, t.level, words.lo, words.hi, uses),
    });
  }
  const c = countTables(r, m, toPa);
  s.counts = c.perLevel.map((tables, i) => {
    const level = r.startLevel + i;
    return { level, tables, shown: s.tables.filter((t) => t.level === level).length, partial: level >= c.partialFrom };
  });
}

/** Tables per level of the tree under the start table, reading only tables above level 3, and
 *  the first level whose count may be short (5: none). */
function countTables(r: Regime, m: LabMachine, toPa: (a: number) => number | null): { perLevel: number[]; partialFrom: number } {
  const perLevel = new Array<number>(4 - r.startLevel).fill(0);
  const seen = new Set<number>();
  let frontier = [r.ttb];
  let budget = COUNT_BUDGET;
  let partialFrom = 5;
  for (let level = r.startLevel; level <= 3 && frontier.length > 0; level++) {
    perLevel[level - r.startLevel] = frontier.length;
    if (level === 3) break;
    const next: number[] = [];
    for (const t of frontier) {
      if (budget-- <= 0) { partialFrom = Math.min(partialFrom, level + 1); break; }
      const w = readTable(m, toPa, t, tableEntries(r, level));
      // Not readable (not guest RAM): what is below it is unknown.
      if (w === null) { partialFrom = Math.min(partialFrom, level + 1); continue; }
      for (let i = 0; i < w.lo.length; i++) {
        if ((w.lo[i] & 3) !== 3) continue;
        const a = descAddr(w.lo[i], w.hi[i], r.g);
        if (!seen.has(a)) { seen.add(a); next.push(a); }
      }
    }
    frontier = next;
  }
  return { perLevel, partialFrom };
}

/** Bits of a descriptor that are not its address: two entries with equal attributes. */
function sameAttrs(shift: number, lo0: number, hi0: number, lo1: number, hi1: number): boolean {
  const addrLo = (~(POW2[shift] - 1)) >>> 0;
  return ((lo0 ^ lo1) & ~addrLo) === 0 && ((hi0 ^ hi1) & 0xffff0000) === 0;
}

function foldRows(r: Regime, level: number, lo: Uint32Array, hi: Uint32Array, uses: Map<number, number[]>): RowVM[] {
  const n = lo.length;
  const blockOk = blockAllowed(r.g, level);
  const kinds: DescKind[] = [];
  for (let i = 0; i < n; i++) kinds.push(descKind(lo[i], level, blockOk));
  const shiftOf = (k: DescKind): number => (k === 'table' ? r.g : levelShift(r.g, level));
  const rows: RowVM[] = [];
  for (let i = 0; i < n;) {
    const k = kinds[i];
    let j = i + 1;
    if (!uses.has(i)) {
      if (k === 'invalid') {
        while (j < n && !uses.has(j) && kinds[j] === 'invalid') j++;
      } else {
        const shift = shiftOf(k);
        while (j < n && !uses.has(j) && kinds[j] === k && sameAttrs(shift, lo[i], hi[i], lo[j], hi[j]) &&
          descAddr(lo[j], hi[j], shift) === descAddr(lo[j - 1], hi[j - 1], shift) + POW2[shift]) j++;
      }
    }
    rows.push(rowOf(r, level, k, i, j - i, lo[i], hi[i], uses.get(i) ?? []));
    i = j;
  }
  if (rows.length <= MAX_ROWS) return rows;
  // Too many stretches: keep the path's rows and merge each stretch between them into one.
  const out: RowVM[] = [];
  let pending: RowVM[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    if (pending.length === 1) out.push(pending[0]);
    else {
      const first = pending[0].first;
      const count = pending.reduce((a, x) => a + x.count, 0);
      const valid = pending.reduce((a, x) => a + (x.kind === 'invalid' ? 0 : x.count), 0);
      out.push({ first, count, kind: 'mixed', addr: null, step: null, perm: '', af: null, ng: null, raw: '', fields: [], reads: [], valid });
    }
    pending = [];
  };
  for (const row of rows) {
    if (row.reads.length > 0) { flush(); out.push(row); } else pending.push(row);
  }
  flush();
  return out;
}

function rowOf(r: Regime, level: number, kind: DescKind, first: number, count: number, lo: number, hi: number, reads: number[]): RowVM {
  const raw = hexGrouped((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  const row: RowVM = { first, count, kind, addr: null, step: null, perm: '', af: null, ng: null, raw, fields: [], reads };
  if (kind === 'invalid') {
    row.fields = [['V', '0: invalid (the walk stops with a Translation fault)']];
    return row;
  }
  const shift = kind === 'table' ? r.g : levelShift(r.g, level);
  row.addr = descAddr(lo, hi, shift);
  row.step = POW2[shift];
  const f: [string, string][] = [['V', '1'], ['type', descType(kind, level)]];
  if (kind === 'table') {
    f.push(['next-level table', hexGrouped(row.addr)]);
    if (r.stage === 1) {
      f.push(['NSTable', String((hi >>> 31) & 1)], ['APTable', bin2(descAPTable(hi))], ['UXNTable', String(descUXNTable(hi))],
        ['PXNTable', String(descPXNTable(hi))]);
    }
    row.fields = f;
    return row;
  }
  if (kind === 'reserved') {
    f.push(['note', level === 3 ? 'bit[1] = 0 at level 3 is reserved: a Translation fault' : `no block at level ${level} with this granule: a Translation fault`]);
    row.fields = f;
    return row;
  }
  const ap = descAP(lo);
  row.af = ((lo >>> 10) & 1) === 1;
  f.push(['output address', hexGrouped(row.addr)], ['mapping size', sizeName(POW2[shift])]);
  if (r.stage === 1) {
    const pxn = descPXN(hi), uxn = descUXN(hi);
    row.ng = ((lo >>> 11) & 1) === 1;
    row.perm = `r${ap & 2 ? '-' : 'w'}${ap & 1 ? 'u' : '-'}${pxn && uxn ? ' XN' : pxn ? ' PXN' : uxn ? ' UXN' : ''}`;
    f.push(['AP[2:1]', `${bin2(ap)}: ${ap & 2 ? 'read-only' : 'read/write'}, ${ap & 1 ? 'EL0 and EL1' : 'EL1 only'}`],
      ['PXN', String(pxn)], ['UXN', String(uxn)], ['AttrIndx', String((lo >>> 2) & 7)], ['SH', bin2((lo >>> 8) & 3)],
      ['AF', String(row.af ? 1 : 0)], ['nG', `${row.ng ? 1 : 0}: ${row.ng ? 'tagged with the ASID' : 'global'}`]);
  } else {
    const xn = descUXN(hi);
    row.perm = `${ap & 1 ? 'r' : '-'}${ap & 2 ? 'w' : '-'}${xn ? ' XN' : ''}`;
    f.push(['S2AP', `${bin2(ap)}: ${ap === 3 ? 'read/write' : ap === 1 ? 'read-only' : ap === 2 ? 'write-only' : 'no access'}`],
      ['XN[1:0]', bin2((hi >>> 21) & 3)], ['MemAttr', `0b${descMemAttr(lo).toString(2).padStart(4, '0')}`], ['SH', bin2((lo >>> 8) & 3)],
      ['AF', String(row.af ? 1 : 0)]);
  }
  if (descContiguous(hi)) f.push(['Contiguous', '1']);
  row.fields = f;
  return row;
}

function descType(kind: DescKind, level: number): string {
  return kind === 'table' ? 'table (bits[1:0] = 0b11)' : kind === 'page' ? 'page (level 3, bits[1:0] = 0b11)'
    : kind === 'block' ? `block (level ${level}, bits[1:0] = 0b01)` : 'reserved';
}

function bin2(v: number): string {
  return `0b${v.toString(2).padStart(2, '0')}`;
}

function sizeName(bytes: number): string {
  if (bytes >= 2 ** 30) return `${bytes / 2 ** 30}G`;
  if (bytes >= 2 ** 20) return `${bytes / 2 ** 20}M`;
  return `${bytes / 1024}K`;
}

