// The SMMU-state view's model (shared/VIEWS.md "SMMU state"): the STE and CD of the current
// stream as eight 64-bit words with every field decoded (smmu-fields.ts), the configuration
// cache's copy of them, the TLB with each entry checked against the tables in memory now (a
// STALE entry is one whose walk would no longer give what it caches), and the Command and Event
// queues with PROD, CONS and the entries around them decoded. Pure: it reads the machine at the
// position (never changes it) and the position's events.
//
// Staleness is a software re-walk: each entry's input address through the tables its
// VMID/ASID names today (the STE and CD read from memory; the configuration cache's copy when
// no stream's STE carries that tag any more), compared with the leaf descriptors the entry
// cached. A TLBI removes the entry; remapping without one leaves it STALE (scenario 03).

import { hexGrouped } from '../../model/bits';
import type { LabMachine } from '../../model/lab/machine';
import type { PhysMem } from '../../model/mem';
import { decodeCd, type CdConfig, CD_WORDS } from '../../model/smmuv3/cd';
import { CERROR, CMD_LAYOUT, cmdField, cmdName, type CmdFieldName, type CmdName, type CmdWords } from '../../model/smmuv3/commands';
import { decodeEvent, type EventRecord } from '../../model/smmuv3/events';
import { baseAddr, CMDQ_ENT_BYTES, EVTQ_ENT_BYTES, qEmpty, qFull, qIndex, qWrap } from '../../model/smmuv3/queues';
import { decodeSte, type SteConfig, STE_WORDS } from '../../model/smmuv3/ste';
import { covers, TLB_CAPACITY, type TlbEntry } from '../../model/smmuv3/tlb';
import type { TraceEvent } from '../../model/trace';
import { walk, WalkOut, type Regime, type WalkEnv } from '../../model/vmsa/walk';
import { sizeName } from './walk';
import { CD_FIELDS, type FieldCtx, type FieldDef, fieldValue, showFieldValue, STE_FIELDS } from './smmu-fields';
import type { ModelInput } from './index';

// ---- the model ------------------------------------------------------------------------------

export interface SmmuStateVM {
  /** The stream shown, and why that one; null before any device is assigned. */
  stream: StreamVM | null;
  ste: StructVM | null;
  /** The CD the STE points at (CD 0, or the transaction's SubstreamID); null with `cdNote`. */
  cd: StructVM | null;
  cdNote: string | null;
  tlb: TlbVM;
  cmdq: QueueVM;
  evtq: QueueVM;
  /** SMMU_GERROR and SMMU_GERRORN (§6.3.19-20): an error is active while their bits differ. */
  gerror: { gerror: string; gerrorn: string; active: string[] };
}

export interface StreamVM {
  sid: number;
  /** 0x10 */
  sidText: string;
  /** The assigned device with this StreamID (its BDF), if the lab made one. */
  device: string | null;
  chosen: 'transaction' | 'last-assigned';
  /** The STE's PA. */
  steAddr: string;
}

export interface StructVM {
  kind: 'STE' | 'CD';
  /** Who wrote it: the STE is always the host's; a CD in guest RAM is the guest's. */
  owner: 'host' | 'guest';
  /** Its PA, and for a nested CD the IPA the STE holds (S1ContextPtr). */
  pa: string;
  ipa: string | null;
  words: WordVM[];
  fields: FieldVM[];
  /** One line: what it configures ("nested: VMID 1, S2TTB 0x1040_2000, CD at IPA 0x7fff_b000"). */
  summary: string;
  /** Why the SMMU would reject it (C_BAD_STE / C_BAD_CD), or null. */
  illegal: string | null;
  /** The configuration cache: not holding it, holding the same words, or holding older ones
   *  (memory changed without a CMD_CFGI_*). */
  cache: 'absent' | 'cached' | 'stale';
  cacheText: string;
}

export interface WordVM {
  index: number;
  /** 0x0000_0000_4000_0e0f: all 16 digits, grouped. */
  hex: string;
  /** Whether any field this SMMU implements lies in the word. */
  used: boolean;
}

export interface FieldVM {
  name: string;
  word: number;
  /** Bits within the word, 0..63. */
  hi: number;
  lo: number;
  /** The spec's numbering within the whole structure: "143:128", "0". */
  bits: string;
  /** As the view shows it: 0b111, 16, 0x7fff_b000. */
  value: string;
  /** The raw bits in binary (address fields: only the field's own bits). */
  raw: string;
  meaning: string;
  /** Why the SMMU ignores it for this configuration, or null. */
  ignored: string | null;
  /** Non-zero (drawn filled). */
  set: boolean;
}

export interface TlbVM {
  count: number;
  capacity: number;
  /** Entries whose tables in memory no longer say what they cached (among all, not only shown). */
  stale: number;
  /** In order: combined/stage-1 entries by VMID, ASID, input; then stage-2 entries. At most
   *  TLB_SHOWN, this step's hits and insertions always among them. */
  entries: TlbEntryVM[];
  /** Entries left out of `entries`. */
  hidden: number;
  /** This step's invalidations of the TLB: "CMD_TLBI_NH_VA removed 1". */
  removed: { by: string; removed: number }[];
}

export const TLB_SHOWN = 200;

export interface TlbEntryVM {
  /** S1S2: stage 1 then stage 2 (nested); S1: stage 1 only; S2: an IPA -> PA entry. */
  kind: 'S1S2' | 'S1' | 'S2';
  vmid: number;
  /** "7", "global" (nG = 0), or "" for a stage-2 entry (tagged by VMID alone). */
  asid: string;
  inSpace: 'IOVA' | 'IPA';
  inBase: string;
  inLast: string;
  /** The IPA a combined entry went through (stage 1's output), else null. */
  ipa: string | null;
  out: string;
  /** 4K, 2M, 1G... */
  size: string;
  /** The leaf's level: "3", or "3·3" (stage 1 · stage 2) for a combined entry; "?" if unknown. */
  level: string;
  /** Short permissions: "rw-" per stage, "rw-·rw-" for a combined entry. */
  perm: string;
  /** The cached leaves, decoded, for hover. */
  permText: string;
  state: 'ok' | 'stale' | 'unknown';
  /** STALE: what the tables say now; unknown: why it could not be checked. */
  why: string | null;
  /** What this step did with it. */
  current: 'hit' | 'inserted' | null;
}

export interface QueuePtrVM {
  /** The register's index and wrap bits, hex: 0x0e. */
  value: string;
  index: number;
  wrap: number;
}

export interface QueueEntryVM {
  slot: number;
  /** pending: between CONS and PROD; consumed: behind CONS; error: CONS stopped on it. */
  state: 'pending' | 'consumed' | 'error';
  name: string;
  fields: { name: string; value: string }[];
  /** The raw words, hex. */
  words: string[];
  /** Written or consumed in this step. */
  current: boolean;
}

export interface QueueVM {
  kind: 'cmdq' | 'evtq';
  title: string;
  /** The queue's PA (from its base register) and size. */
  base: string;
  log2size: number;
  size: number;
  entryBytes: number;
  /** SMMU_CR0.CMDQEN / EVENTQEN. */
  enabled: boolean;
  prod: QueuePtrVM;
  cons: QueuePtrVM;
  /** How many entries lie between CONS and PROD; empty and full follow the wrap bits. */
  pending: number;
  state: 'empty' | 'full' | 'pending';
  /** CMDQ_CONS.ERR (CERROR_ILL...) when not NONE. */
  err: string | null;
  /** Event queue overflow not acknowledged (OVFLG != OVACKFLG). */
  overflow: string | null;
  /** The pending entries and the last few consumed, in ring order. */
  entries: QueueEntryVM[];
  /** Slots this step wrote or consumed (for the ring). */
  touched: number[];
}

// ---- building -------------------------------------------------------------------------------

export function buildSmmuState(input: ModelInput): SmmuStateVM {
  const m = input.machine;
  const stream = chooseStream(m, input.events);
  const oas = m.smmu.oas;
  let ste: StructVM | null = null;
  let cd: StructVM | null = null;
  let cdNote: string | null = null;
  if (stream !== null) {
    const steWords = load(m.mem, m.steAddr(stream.sid), STE_WORDS);
    const steDec = decodeSte(steWords, oas);
    ste = structVM('STE', 'host', steWords, steDec.ok ? steCtx(steDec.ste) : rawSteCtx(steWords), m.steAddr(stream.sid), null);
    ste.illegal = steDec.ok ? null : `C_BAD_STE: ${steDec.why}`;
    ste.summary = steSummary(steWords, steDec.ok ? steDec.ste : null);
    const cached = m.smmu.cfgCache.get(stream.sid);
    setCache(ste, cached ? cached.ste.words : null, steWords);
    if (steDec.ok && steDec.ste.s1) {
      const index = txnSsid(input.events, stream.sid) ?? 0;
      const r = readCd(m, steDec.ste, index);
      if (typeof r === 'string') cdNote = r;
      else {
        // A nested STE's CD is the guest's (in its RAM, at an IPA); a stage-1-only STE's is the host's.
        cd = structVM('CD', steDec.ste.s2 ? 'guest' : 'host', r.words, { words: r.words, s1: true, s2: steDec.ste.s2 }, r.pa, r.ipa);
        const d = decodeCd(r.words, oas);
        cd.illegal = d.ok ? null : `C_BAD_CD: ${d.why}`;
        cd.summary = cdSummary(d.ok ? d.cd : null, steDec.ste.s2, index);
        setCache(cd, cached?.cds.get(index)?.words ?? null, r.words);
      }
    } else if (steDec.ok) {
      cdNote = `no CD: ${steDec.ste.kind === 's2' ? 'stage 1 is off (Config = 0b110, stage 2 only)' : steDec.ste.kind === 'bypass' ? 'Config = bypass' : 'Config = abort'}`;
    } else {
      cdNote = 'no CD: the STE is not valid';
    }
  }
  const regs = m.regs;
  const active: string[] = [];
  for (const [bit, name] of GERROR_BITS) if (((regs.gerror ^ regs.gerrorn) >>> bit) & 1) active.push(name);
  return {
    stream, ste, cd, cdNote,
    tlb: buildTlb(m, input),
    cmdq: buildCmdq(m, input.events),
    evtq: buildEvtq(m, input.events),
    gerror: { gerror: hex32(regs.gerror), gerrorn: hex32(regs.gerrorn), active },
  };
}

const GERROR_BITS: [number, string][] = [
  [0, 'CMDQ_ERR'], [2, 'EVENTQ_ABT_ERR'], [4, 'MSI_CMDQ_ABT_ERR'], [5, 'MSI_EVENTQ_ABT_ERR'], [7, 'MSI_GERROR_ABT_ERR'], [8, 'SFM_ERR'],
];

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function load(mem: PhysMem, pa: number, n: number): bigint[] {
  const w: bigint[] = [];
  for (let i = 0; i < n; i++) w.push(mem.load64(BigInt(pa + 8 * i)));
  return w;
}

/** The position's transaction's StreamID (the last smmu.txn visible), else the device assigned last. */
function chooseStream(m: LabMachine, events: readonly TraceEvent[]): StreamVM | null {
  let sid: number | null = null;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'smmu.txn') { sid = e.sid; break; }
  }
  const chosen: StreamVM['chosen'] = sid === null ? 'last-assigned' : 'transaction';
  if (sid === null) {
    const devs = m.streams();
    if (devs.length === 0) return null;
    sid = devs[devs.length - 1].sid;
  }
  const s = sid;
  if (s < 0 || s >= 2 ** m.smmu.strtab.log2size) return null;
  const dev = m.streams().find((d) => d.sid === s);
  return { sid: s, sidText: `0x${s.toString(16)}`, device: dev ? dev.bdf : null, chosen, steAddr: hexGrouped(m.steAddr(s)) };
}

function txnSsid(events: readonly TraceEvent[], sid: number): number | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'smmu.txn' && e.sid === sid) return e.ssid;
  }
  return undefined;
}

function steCtx(s: SteConfig): FieldCtx {
  return { words: s.words, s1: s.s1, s2: s.s2 };
}
function rawSteCtx(w: bigint[]): FieldCtx {
  const cfg = Number((w[0] >> 1n) & 7n);
  return { words: w, s1: (cfg & 4) !== 0 && (cfg & 1) !== 0, s2: (cfg & 4) !== 0 && (cfg & 2) !== 0 };
}

function structVM(kind: 'STE' | 'CD', owner: 'host' | 'guest', words: bigint[], ctx: FieldCtx, pa: number, ipa: number | null): StructVM {
  const defs = kind === 'STE' ? STE_FIELDS : CD_FIELDS;
  const used = new Set(defs.map((f) => f.word));
  return {
    kind, owner, pa: hexGrouped(pa), ipa: ipa === null ? null : hexGrouped(ipa),
    words: words.map((w, i) => ({ index: i, hex: hex64(w), used: used.has(i) })),
    fields: defs.map((f) => fieldVM(f, ctx)),
    summary: '', illegal: null, cache: 'absent', cacheText: '',
  };
}

function fieldVM(f: FieldDef, ctx: FieldCtx): FieldVM {
  const v = fieldValue(f, ctx.words);
  const width = f.hi - f.lo + 1;
  const rawBits = (ctx.words[f.word] >> BigInt(f.lo)) & ((1n << BigInt(width)) - 1n);
  const base = 64 * f.word;
  return {
    name: f.name, word: f.word, hi: f.hi, lo: f.lo,
    bits: f.hi === f.lo ? `${base + f.lo}` : `${base + f.hi}:${base + f.lo}`,
    value: showFieldValue(f, v), raw: `0b${rawBits.toString(2).padStart(width, '0')}`,
    meaning: f.meaning(v, ctx), ignored: f.ignoredWhen?.(ctx) ?? null, set: v !== 0n,
  };
}

/** 0x0000_0000_4000_0e0f */
export function hex64(v: bigint): string {
  const s = BigInt.asUintN(64, v).toString(16).padStart(16, '0');
  return `0x${s.slice(0, 4)}_${s.slice(4, 8)}_${s.slice(8, 12)}_${s.slice(12)}`;
}

function setCache(s: StructVM, cached: readonly bigint[] | null, mem: readonly bigint[]): void {
  const what = s.kind === 'STE' ? 'STE' : 'CD';
  if (cached === null) {
    s.cache = 'absent';
    s.cacheText = `not in the configuration cache: the next transaction reads the ${what} from memory`;
  } else if (cached.every((w, i) => w === mem[i])) {
    s.cache = 'cached';
    s.cacheText = `in the configuration cache, the same as memory: the next transaction does not read it`;
  } else {
    const diff = cached.map((w, i) => (w === mem[i] ? -1 : i)).filter((i) => i >= 0);
    s.cache = 'stale';
    s.cacheText = `STALE in the configuration cache: word${diff.length > 1 ? 's' : ''} ${diff.join(', ')} changed in memory ` +
      `without a ${what === 'STE' ? 'CMD_CFGI_STE' : 'CMD_CFGI_CD'}, so the SMMU still uses the old ${what}`;
  }
}

function steSummary(w: bigint[], s: SteConfig | null): string {
  const cfg = Number((w[0] >> 1n) & 7n);
  if (s === null) return `Config 0b${cfg.toString(2).padStart(3, '0')}, not valid`;
  const parts: string[] = [`${s.kind === 'nested' ? 'nested' : s.kind === 's1' ? 'stage 1 only' : s.kind === 's2' ? 'stage 2 only' : s.kind} (Config 0b${cfg.toString(2).padStart(3, '0')})`];
  if (s.s1 || s.s2) parts.push(`VMID ${s.vmid}`);
  if (s.s2Regime) parts.push(`stage 2 from PA ${hexGrouped(s.s2Regime.ttb)}, ${s.s2Regime.inputBits}-bit IPA, starts at level ${s.s2Regime.startLevel}`);
  if (s.s1) parts.push(`CD table at ${s.s2 ? 'IPA' : 'PA'} ${hexGrouped(s.s1ContextPtr)}`);
  return parts.join('; ');
}

function cdSummary(c: CdConfig | null, nested: boolean, index: number): string {
  if (c === null) return `CD ${index}, not valid`;
  const tt = c.tt[0];
  const parts = [`CD ${index}`, `ASID ${c.asid}${c.aset ? ' (SMMU-private)' : ''}`];
  if (tt) parts.push(`TTB0 at ${nested ? 'IPA' : 'PA'} ${hexGrouped(tt.ttb)}: ${tt.inputBits}-bit IOVAs, ${2 ** (tt.g - 10)}K granule, starts at level ${tt.startLevel}`);
  else parts.push('TTB0 walks disabled');
  return parts.join('; ');
}

/** The CD `index` of a (linear) CD table, through stage 2 when the STE is nested. */
function readCd(m: LabMachine, ste: SteConfig, index: number): { words: bigint[]; pa: number; ipa: number | null } | string {
  if (ste.s1Fmt !== 0 && ste.s1CdMax !== 0) return 'a 2-level CD table: this view shows linear CD tables only';
  if (index >= 2 ** ste.s1CdMax) return `SubstreamID ${index} is beyond S1CDMax (${2 ** ste.s1CdMax} CDs)`;
  const at = ste.s1ContextPtr + 64 * index;
  if (!ste.s2Regime) return { words: load(m.mem, at, CD_WORDS), pa: at, ipa: null };
  const pa = new SoftWalker(m.mem, ste.s2Regime).s2(at);
  if (pa === null) return `the CD's IPA ${hexGrouped(at)} is not mapped in stage 2 (a stage-2 fault, CLASS = CD)`;
  return { words: load(m.mem, pa.oa, CD_WORDS), pa: pa.oa, ipa: at };
}

// ---- the software walker (no trace, no counts) ----------------------------------------------

interface Leaf { oa: number; level: number; lo: number; hi: number; shift: number }

/** Walks the tables as the SMMU would, reading memory silently. */
class SoftWalker implements WalkEnv {
  private readonly o1 = new WalkOut();
  private readonly o2 = new WalkOut();
  /** Where the last walk stopped, when it failed. */
  fail = '';

  constructor(readonly mem: PhysMem, private readonly s2Regime: Regime | null) {}

  descToPa(ipa: number): number {
    const r = this.s2(ipa);
    return r === null ? -1 : r.oa;
  }

  onFetch(): void {}

  s2(ipa: number): Leaf | null {
    const r = this.s2Regime;
    if (r === null) return null;
    if (ipa >= 2 ** r.inputBits) { this.fail = `IPA ${hexGrouped(ipa)} is beyond stage 2's ${r.inputBits}-bit input`; return null; }
    const o = this.o2;
    if (!walk(this, r, ipa, false, o)) { this.fail = `stage 2 has no mapping for IPA ${hexGrouped(ipa)} (level ${o.level})`; return null; }
    return { oa: o.oa, level: o.level, lo: o.lo, hi: o.hi, shift: o.blockShift };
  }

  s1(r: Regime, va: number): Leaf | null {
    const o = this.o1;
    this.fail = '';
    if (!walk(this, r, va, this.s2Regime !== null, o)) {
      if (this.fail === '') this.fail = `stage 1 has no mapping (level ${o.level})`;
      else this.fail = `a stage-1 table is unreachable: ${this.fail}`;
      return null;
    }
    return { oa: o.oa, level: o.level, lo: o.lo, hi: o.hi, shift: o.blockShift };
  }
}

// ---- the TLB --------------------------------------------------------------------------------

/** A stream's translation context as memory (or the configuration cache) holds it now. */
interface Ctx { vmid: number; s2: Regime | null; cd: CdConfig | null }

function contexts(m: LabMachine): Ctx[] {
  const out: Ctx[] = [];
  const add = (ste: SteConfig, cd: CdConfig | null) => {
    if (ste.kind === 'abort' || ste.kind === 'bypass') return;
    out.push({ vmid: ste.vmid, s2: ste.s2Regime, cd });
  };
  for (const d of m.streams()) {
    const dec = decodeSte(load(m.mem, m.steAddr(d.sid), STE_WORDS), m.smmu.oas);
    if (!dec.ok) continue;
    let cd: CdConfig | null = null;
    if (dec.ste.s1) {
      const r = readCd(m, dec.ste, 0);
      if (typeof r !== 'string') {
        const c = decodeCd(r.words, m.smmu.oas);
        if (c.ok) cd = c.cd;
      }
    }
    add(dec.ste, cd);
  }
  // The configuration cache's contexts, for tags no STE in memory carries any more.
  for (const c of m.smmu.cfgCache.values()) for (const cd of [null, ...c.cds.values()]) add(c.ste, cd);
  return out;
}

/** Stage-1 leaf permissions: AP[2:1] with APTable, UXN/PXN with the table bits. */
function s1Perm(e: TlbEntry): [string, string] {
  const ap = (e.s1lo >>> 6) & 3;
  const ro = (ap & 2) !== 0 || (e.apTable & 2) !== 0;
  const el0 = (ap & 1) !== 0 && (e.apTable & 1) === 0;
  const uxn = ((e.s1hi >>> 22) & 1) | e.uxnTable;
  const pxn = ((e.s1hi >>> 21) & 1) | e.pxnTable;
  const x = el0 ? !uxn : !pxn;
  const short = `r${ro ? '-' : 'w'}${x ? 'x' : '-'}`;
  const ng = (e.s1lo >>> 11) & 1;
  return [short, `stage 1: AP[2:1] = 0b${ap.toString(2).padStart(2, '0')} (${ro ? 'read-only' : 'read/write'}, ${el0 ? 'EL0 and EL1' : 'EL1 only'}), ` +
    `UXN ${uxn}, PXN ${pxn}, nG ${ng}${e.apTable ? `, APTable 0b${e.apTable.toString(2)}` : ''}`];
}

function s2Perm(lo: number, hi: number): [string, string] {
  const s2ap = (lo >>> 6) & 3;
  const xn = (hi >>> 22) & 1;
  return [`${s2ap & 1 ? 'r' : '-'}${s2ap & 2 ? 'w' : '-'}${xn ? '-' : 'x'}`, `stage 2: S2AP = 0b${s2ap.toString(2).padStart(2, '0')} (${['no access', 'read', 'write', 'read/write'][s2ap]}), XN ${xn}`];
}

/** Which entries this step's lookups hit, and which its misses inserted. */
function currentOf(entries: TlbEntry[], events: readonly TraceEvent[]): Map<TlbEntry, 'hit' | 'inserted'> {
  const out = new Map<TlbEntry, 'hit' | 'inserted'>();
  for (const ev of events) {
    if (ev.type !== 'smmu.tlb') continue;
    for (const e of entries) {
      if (e.kind !== ev.kind || e.vmid !== ev.vmid) continue;
      if (ev.kind === 'S1S2' && e.asid !== ev.asid && e.asid !== -1) continue;
      if (!covers(e, ev.addr) && !(ev.kind === 'S1S2' && covers(e, ev.addr + 2 ** 48))) continue;
      if (ev.hit) out.set(e, 'hit');
      else if (!out.has(e)) out.set(e, 'inserted');
    }
  }
  return out;
}

function buildTlb(m: LabMachine, input: ModelInput): TlbVM {
  const all = m.smmu.tlb.entries();
  const ctxs = all.length > 0 ? contexts(m) : [];
  const current = currentOf(all, input.events);
  const vms = all.map((e) => tlbEntryVM(m, e, ctxs, current.get(e) ?? null));
  const order = all.map((_, i) => i).sort((a, b) => {
    const x = all[a], y = all[b];
    return (x.kind === 'S2' ? 1 : 0) - (y.kind === 'S2' ? 1 : 0) || x.vmid - y.vmid || x.asid - y.asid || x.base - y.base;
  });
  let shown = order;
  if (order.length > TLB_SHOWN) {
    const cur = order.filter((i) => vms[i].current !== null || vms[i].state === 'stale');
    const rest = order.filter((i) => vms[i].current === null && vms[i].state !== 'stale');
    const keep = new Set([...cur, ...rest].slice(0, TLB_SHOWN));
    shown = order.filter((i) => keep.has(i));
  }
  const removed: TlbVM['removed'] = [];
  for (const e of input.events) if (e.type === 'smmu.inv' && e.cache === 'tlb') removed.push({ by: e.by, removed: e.removed });
  return {
    count: all.length, capacity: TLB_CAPACITY, stale: vms.filter((v) => v.state === 'stale').length,
    entries: shown.map((i) => vms[i]), hidden: all.length - shown.length, removed,
  };
}

function tlbEntryVM(m: LabMachine, e: TlbEntry, ctxs: Ctx[], current: 'hit' | 'inserted' | null): TlbEntryVM {
  const size = 2 ** e.shift;
  const combined = e.kind === 'S1S2';
  const kind: TlbEntryVM['kind'] = combined ? (e.s2 ? 'S1S2' : 'S1') : 'S2';
  const ttb1 = combined && e.base >= 2 ** 48;
  const inBase = ttb1 ? e.base - 2 ** 48 : e.base;
  const perms: [string, string][] = [];
  if (e.s1) perms.push(s1Perm(e));
  if (e.s2) perms.push(s2Perm(e.s2lo, e.s2hi));
  const vm: TlbEntryVM = {
    kind, vmid: e.vmid, asid: combined ? (e.asid < 0 ? 'global' : String(e.asid)) : '',
    inSpace: combined ? 'IOVA' : 'IPA',
    inBase: ttb1 ? `0xffff_${hexGrouped(inBase).slice(2)}` : hexGrouped(inBase), inLast: hexGrouped(inBase + size - 1),
    ipa: kind === 'S1S2' ? hexGrouped(e.ipa) : null, out: hexGrouped(e.out), size: sizeName(e.shift), level: '?',
    perm: perms.map((p) => p[0]).join('·'), permText: perms.map((p) => p[1]).join('; '),
    state: 'unknown', why: null, current,
  };
  checkEntry(m, e, ctxs, vm, ttb1 ? 1 : 0, inBase);
  if (vm.level === '?') vm.level = cachedLevel(e);
  return vm;
}

/** The leaf levels the cached descriptors tell without a walk: a page descriptor (bit 1 set) is
 *  level 3; a block's level is known only when one stage made the entry. */
function cachedLevel(e: TlbEntry): string {
  const one = (lo: number) => ((lo & 2) !== 0 ? '3' : '?');
  if (e.kind === 'S2' || !e.s2) return one(e.kind === 'S2' ? e.s2lo : e.s1lo);
  return `${one(e.s1lo)}·${one(e.s2lo)}`;
}

/** Re-walk the entry's input address through today's tables and compare with what it cached. */
function checkEntry(m: LabMachine, e: TlbEntry, ctxs: Ctx[], vm: TlbEntryVM, x: 0 | 1, va: number): void {
  if (e.kind === 'S2') {
    const ctx = ctxs.find((c) => c.s2 !== null && c.vmid === e.vmid);
    if (!ctx) { vm.why = `no stream's STE has stage 2 with VMID ${e.vmid} now: nothing to compare with`; return; }
    const w = new SoftWalker(m.mem, ctx.s2);
    const l = w.s2(e.base);
    if (l === null) return stale(vm, `${w.fail}: the entry still translates it`);
    vm.level = String(l.level);
    if (l.lo !== e.s2lo || l.hi !== e.s2hi) return stale(vm, `stage 2 now maps IPA ${hexGrouped(e.base)} to PA ${hexGrouped(l.oa)} (${s2Perm(l.lo, l.hi)[0]})`);
    vm.state = 'ok';
    return;
  }
  const ctx = ctxs.find((c) => c.cd !== null && c.vmid === e.vmid && (e.s2 === (c.s2 !== null)) && (e.asid === -1 || c.cd.asid === e.asid));
  if (!ctx || !ctx.cd) {
    vm.why = `no stream uses VMID ${e.vmid}${e.asid >= 0 ? `, ASID ${e.asid}` : ''} now: nothing to compare with`;
    return;
  }
  const r1 = ctx.cd.tt[x];
  if (r1 === null) return stale(vm, `TTB${x} walks are disabled now (EPD${x} = 1)`);
  const w = new SoftWalker(m.mem, e.s2 ? ctx.s2 : null);
  const l1 = w.s1(r1, va);
  if (l1 === null) return stale(vm, `the tables no longer map IOVA ${hexGrouped(va)}: ${w.fail}`);
  const ipa = l1.oa;
  const now: string[] = [`IOVA ${hexGrouped(va)} -> ${e.s2 ? 'IPA' : 'PA'} ${hexGrouped(ipa)}`];
  let l2: Leaf | null = null;
  if (e.s2) {
    l2 = w.s2(ipa);
    if (l2 === null) return stale(vm, `the tables now map ${now[0]}, and ${w.fail}`);
    now.push(`PA ${hexGrouped(l2.oa)}`);
  }
  vm.level = l2 === null ? String(l1.level) : `${l1.level}·${l2.level}`;
  const same = l1.lo === e.s1lo && l1.hi === e.s1hi && (l2 === null || (l2.lo === e.s2lo && l2.hi === e.s2hi));
  if (!same) {
    const outChanged = (l2 === null ? ipa : l2.oa) !== e.out;
    return stale(vm, `the tables now map ${now.join(' -> ')}${outChanged ? '' : ' with other attributes'}`);
  }
  vm.state = 'ok';
}

function stale(vm: TlbEntryVM, why: string): void {
  vm.state = 'stale';
  vm.why = why;
}

// ---- the queues -----------------------------------------------------------------------------

/** Consumed entries shown behind CONS (more when this step consumed more). */
const BEHIND = 4;
/** Pending entries shown ahead of CONS. */
const AHEAD = 12;

function ptr(v: number, qs: number): QueuePtrVM {
  return { value: `0x${(v & (2 ** (qs + 1) - 1)).toString(16).padStart(2, '0')}`, index: qIndex(v, qs), wrap: qWrap(v, qs) };
}

function ringCount(prod: number, cons: number, qs: number): number {
  const size = 2 ** qs;
  return (((prod & (2 * size - 1)) - (cons & (2 * size - 1))) + 2 * size) % (2 * size);
}

interface RingIn {
  kind: 'cmdq' | 'evtq';
  title: string;
  base: bigint;
  qs: number;
  entryBytes: number;
  enabled: boolean;
  prod: number;
  cons: number;
  touched: number[];
  errAtCons: boolean;
  decode: (words: bigint[]) => { name: string; fields: { name: string; value: string }[] };
}

function buildRing(m: LabMachine, q: RingIn): Omit<QueueVM, 'err' | 'overflow'> {
  const size = 2 ** q.qs;
  const at = baseAddr(q.base, q.qs, q.entryBytes);
  const pending = ringCount(q.prod, q.cons, q.qs);
  const words = q.entryBytes / 8;
  const slotWords = (slot: number) => load(m.mem, at + q.entryBytes * slot, words);
  const touched = new Set(q.touched);
  const entries: QueueEntryVM[] = [];
  const consIdx = qIndex(q.cons, q.qs);
  // Behind CONS: the last few consumed (never-written slots, all zero, end the run).
  const behind = Math.max(BEHIND, q.touched.length);
  const back: QueueEntryVM[] = [];
  for (let k = 1; k <= Math.min(behind, size - pending); k++) {
    const slot = (consIdx - k + size) % size;
    const w = slotWords(slot);
    if (w.every((x) => x === 0n)) break;
    back.unshift(entryVM(slot, 'consumed', w, q.decode, touched.has(slot)));
  }
  entries.push(...back);
  for (let k = 0; k < Math.min(pending, AHEAD); k++) {
    const slot = (consIdx + k) % size;
    entries.push(entryVM(slot, k === 0 && q.errAtCons ? 'error' : 'pending', slotWords(slot), q.decode, touched.has(slot)));
  }
  return {
    kind: q.kind, title: q.title, base: hexGrouped(at), log2size: q.qs, size, entryBytes: q.entryBytes, enabled: q.enabled,
    prod: ptr(q.prod, q.qs), cons: ptr(q.cons, q.qs), pending,
    state: qEmpty(q.prod, q.cons, q.qs) ? 'empty' : qFull(q.prod, q.cons, q.qs) ? 'full' : 'pending',
    entries, touched: [...touched].sort((a, b) => a - b),
  };
}

function entryVM(slot: number, state: QueueEntryVM['state'], w: bigint[], decode: RingIn['decode'], current: boolean): QueueEntryVM {
  const d = decode(w);
  return { slot, state, name: d.name, fields: d.fields, words: w.map(hex64), current };
}

const CERROR_NAME: Record<number, string> = { [CERROR.ILL]: 'CERROR_ILL', [CERROR.ABT]: 'CERROR_ABT', [CERROR.ATC_INV_SYNC]: 'CERROR_ATC_INV_SYNC' };

function buildCmdq(m: LabMachine, events: readonly TraceEvent[]): QueueVM {
  const q = m.regs.cmdq;
  const touched: number[] = [];
  for (const e of events) if (e.type === 'smmu.cmd') touched.push(e.index);
  const ring = buildRing(m, {
    kind: 'cmdq', title: 'Command queue', base: q.base, qs: q.qs, entryBytes: CMDQ_ENT_BYTES,
    enabled: (m.regs.cr0 & (1 << 3)) !== 0, prod: q.prod, cons: q.rd, touched, errAtCons: q.err !== CERROR.NONE,
    decode: (w) => decodeCmd([w[0], w[1]]),
  });
  return { ...ring, err: q.err === CERROR.NONE ? null : CERROR_NAME[q.err] ?? `ERR 0x${q.err.toString(16)}`, overflow: null };
}

/** Fields a command shows only when they are not zero (RES0 here, or defaults). */
const QUIET = new Set<CmdFieldName>(['SSec', 'SSV', 'NUM', 'SCALE', 'TTL', 'TG', 'MSH', 'MSIAttr', 'MSIData', 'MSIAddress']);

export function decodeCmd(c: CmdWords): { name: string; fields: { name: string; value: string }[] } {
  const name = cmdName(c);
  const key = (name === 'CMD_CFGI_ALL' ? 'CMD_CFGI_STE_RANGE' : name) as CmdName;
  const fields: { name: string; value: string }[] = [];
  for (const f of CMD_LAYOUT[key] ?? []) {
    const v = cmdField(c, f);
    if (QUIET.has(f) && v === 0n) continue;
    if (name === 'CMD_CFGI_ALL' && (f === 'StreamID' || f === 'Range')) continue;
    if (f === 'SubstreamID' && cmdField(c, 'SSV') === 0n && key !== 'CMD_CFGI_CD') continue;
    fields.push({ name: f, value: showCmdField(f, v) });
  }
  return { name, fields };
}

function showCmdField(f: CmdFieldName, v: bigint): string {
  switch (f) {
    case 'StreamID': return `0x${v.toString(16)}`;
    case 'Address': case 'IPA': case 'MSIAddress': return hexGrouped(v);
    case 'CS': return ['SIG_NONE', 'SIG_IRQ', 'SIG_SEV', 'reserved'][Number(v)];
    default: return v.toString(10);
  }
}

function buildEvtq(m: LabMachine, events: readonly TraceEvent[]): QueueVM {
  const q = m.regs.evtq;
  const touched: number[] = [];
  for (const e of events) if (e.type === 'smmu.evtq' && e.written && e.index !== undefined) touched.push(e.index);
  const ring = buildRing(m, {
    kind: 'evtq', title: 'Event queue', base: q.base, qs: q.qs, entryBytes: EVTQ_ENT_BYTES,
    enabled: (m.regs.cr0 & (1 << 2)) !== 0, prod: q.wr, cons: q.rd, touched, errAtCons: false,
    decode: (w) => decodeEventFields(decodeEvent(w)),
  });
  return {
    ...ring, err: null,
    overflow: q.ovflg !== q.ovackflg ? `OVFLG ${q.ovflg} != OVACKFLG ${q.ovackflg}: records were lost, not yet acknowledged` : null,
  };
}

export function decodeEventFields(e: EventRecord): { name: string; fields: { name: string; value: string }[] } {
  const f: { name: string; value: string }[] = [{ name: 'StreamID', value: `0x${e.sid.toString(16)}` }];
  if (e.ssv) f.push({ name: 'SubstreamID', value: String(e.ssid) });
  if (e.s2 !== undefined) f.push({ name: 'S2', value: e.s2 ? '1' : '0' });
  if (e.cls !== undefined) f.push({ name: 'CLASS', value: e.cls });
  f.push({ name: 'RnW', value: e.rnw ? '1' : '0' });
  f.push({ name: 'InputAddr', value: hexGrouped(e.input) });
  if (e.ipa !== undefined) f.push({ name: 'IPA', value: hexGrouped(e.ipa) });
  if (e.fetchAddr !== undefined) f.push({ name: 'FetchAddr', value: hexGrouped(e.fetchAddr) });
  if (e.pnu) f.push({ name: 'PnU', value: '1' });
  if (e.ind) f.push({ name: 'InD', value: '1' });
  if (e.ttrnw) f.push({ name: 'TTRnW', value: '1' });
  return { name: e.name, fields: f };
}
