// The two-stage walk grid's view-model (shared/VIEWS.md "The two-stage walk grid"): the latest
// SMMU transaction of the position's step, as a grid. Columns are the addresses stage 2 must
// translate, in walk order (STE, CD, each stage-1 descriptor, the output IPA); rows are the
// stage-2 levels, then the read the column exists for. The whole expected shape comes from the
// configuration (the STE's S2T0SZ/S2SL0/S2TG, the CD's T0SZ/TG0), decoded here from the trace's
// STE and CD words, the configuration cache, or memory; cells light as the trace's smmu.fetch
// events arrive. Pure: reads the machine, never changes it. Everything in the model is plain
// JSON (hex strings, no bigint), so the app and a test harness can keep it as is.

import {
  CD_A, CD_AA64, CD_AFFD, CD_ASET, CD_ASID, CD_EPD0, CD_EPD1, CD_IPS, CD_MAIR0, CD_MAIR1, CD_R, CD_T0SZ, CD_TBI0,
  CD_TG0, CD_TTB0, CD_V, CD_WORDS, decodeCd, type CdConfig,
} from '../../model/smmuv3/cd';
import { hexGrouped } from '../../model/bits';
import { cdSplit, l1cdL2Ptr, l1cdValid, l1stdL2Ptr, l1stdSpan } from '../../model/smmuv3/config';
import type { EventRecord } from '../../model/smmuv3/events';
import {
  decodeSte, STE_Config, STE_S1CDMax, STE_S1ContextPtr, STE_S1DSS, STE_S1Fmt, STE_S2AA64, STE_S2AFFD, STE_S2PS,
  STE_S2PTW, STE_S2R, STE_S2SL0, STE_S2T0SZ, STE_S2TG, STE_S2TTB, STE_S2VMID, STE_V, STE_WORDS, tg0Granule,
  type SteConfig,
} from '../../model/smmuv3/ste';
import { covers, tlbVa, type TlbEntry } from '../../model/smmuv3/tlb';
import type { FetchEvent, TlbEvent, TraceEvent, TxnEvent } from '../../model/trace';
import { descAddr, descKind, type DescKind } from '../../model/vmsa/descriptor';
import { blockAllowed, granuleName, levelShift, PS_BITS, s2StartLevel } from '../../model/vmsa/geometry';
import { walk, WalkOut, type Regime, type WalkEnv } from '../../model/vmsa/walk';
import type { LabMachine } from '../../model/lab/machine';
import type { ModelInput } from './index';

// ---- the model ------------------------------------------------------------------------------

/** Who owns what a cell reads (the first thing colour says): the guest (its stage-1 tables and
 *  CD), the host (the STE, stage 2, and a host stage-1 domain's tables and CD), or hardware
 *  (the TLB, the result). */
export type WalkOwner = 'guest' | 'host' | 'hw';

/** done: read; current: the latest read (or, once the transaction is over, its result or fault);
 *  pending: part of the expected shape, not read yet; skipped: not needed after all (a block
 *  leaf, a stage-2 TLB hit); unreached: after a fault, never read. */
export type WalkCellState = 'done' | 'current' | 'pending' | 'skipped' | 'unreached';

export type WalkCellKind = 'L1STD' | 'STE' | 'L1CD' | 'CD' | 'S1' | 'S2' | 'result' | 'tlb';

/** One decoded field, named as in the Arm ARM / SMMUv3 spec, with its bits. */
export interface WalkField {
  name: string;
  /** Bit range in the descriptor or structure ("47:12", "0"); empty for a TLB entry's tags. */
  bits: string;
  /** The field's raw bits: binary up to 8 bits ("0b11"), hex above. */
  raw: string;
  meaning: string;
}

/** A transaction's event record, as the grid writes it out. */
export interface WalkFault {
  name: string;
  /** S2: 2 when stage 2 faulted, 1 for a stage-1 fault, null for configuration events. */
  stage: 1 | 2 | null;
  cls: 'CD' | 'TT' | 'IN' | null;
  /** InputAddr (the IOVA), hex. */
  input: string;
  /** The IPA stage 2 failed on (stage-2 faults), hex. */
  ipa: string | null;
  /** Configuration errors: the field that made the STE or CD ILLEGAL. */
  why: string | null;
  /** False where CD.R or STE.S2R suppressed the record (the transaction still fails). */
  recorded: boolean;
  /** One line: "F_TRANSLATION · S2 · CLASS TT · InputAddr 0x10000040 · IPA 0x7fffd400". */
  text: string;
}

export interface WalkCell {
  /** `${column}:${row}`: stable across positions, the key of the view's data join. */
  id: string;
  col: string;
  row: string;
  kind: WalkCellKind;
  owner: WalkOwner;
  state: WalkCellState;
  /** The read's number in the transaction (1-based; predicted for pending cells); null for
   *  the result, the TLB and cells that will not be read. */
  read: number | null;
  /** Where it was read (a PA), and the descriptor's IPA when that was translated first. */
  pa: string | null;
  ipa: string | null;
  /** Stage-1 or stage-2 level of a descriptor. */
  level: number | null;
  /** The 64-bit value read (the first word for an STE or CD), hex; null until read. */
  value: string | null;
  /** STE and CD: all eight words. */
  words: string[] | null;
  /** A word or two for inside the cell: "table", "page", "invalid", "ASID 7", "PA 0x8_0010_0040". */
  label: string;
  /** What the read is, in a sentence fragment: "stage-2 level-0 descriptor for the IPA of the
   *  guest's level-1 descriptor (0x7fffe000)". */
  what: string;
  /** The decoded descriptor or structure (empty until read). */
  fields: WalkField[];
  fault: WalkFault | null;
}

export interface WalkColumn {
  id: string;
  /** "STE", "CD", "gL0 table" (a guest's), "L0 table" (the host's), "output IPA", "TLB". */
  label: string;
  /** The address this column's reads are about, with its space ("IPA 0x7fffb000"); null
   *  while it is not known yet. */
  addr: string | null;
  owner: WalkOwner;
  /** Stage 2's TLB lookup for this column's address, when there was one. */
  s2Tlb: 'hit' | 'miss' | null;
}

export interface WalkRow {
  /** "s2L0".."s2L3", then "read". */
  id: string;
  /** "S2 level 0", ..., "stage-1 read" (or "output" without stage 1). */
  label: string;
}

export interface WalkCounters {
  /** The 2D walk's reads so far: stage-1 descriptors and stage-2 reads not for the CD. */
  walkReads: number;
  /** (n+1)(m+1)-1 for n stage-1 and m stage-2 levels: a cold walk's cost. */
  walkExpected: number;
  /** Every SMMU read so far (STE and CD too). */
  reads: number;
  /** All reads of the expected shape. */
  readsExpected: number;
}

export interface WalkGridVM {
  /** A walk (possibly cold, possibly faulting), or a TLB hit (one cell). */
  mode: 'walk' | 'tlb-hit';
  sid: number;
  /** SubstreamID, or null without one. */
  ssid: number | null;
  /** "IOVA 0x10000040" */
  input: string;
  access: 'read' | 'write';
  /** STE.Config as a word. */
  config: 'nested' | 's1' | 's2' | 'bypass' | 'abort' | 'unknown';
  /** Stage-1 levels (n) and stage-2 levels (m) of the expected shape, and where they start. */
  n: number;
  m: number;
  s1Start: number | null;
  s2Start: number | null;
  /** Configuration-cache lookups: hit, miss, or null where none was made. */
  cfg: { ste: 'hit' | 'miss' | null; cd: 'hit' | 'miss' | null };
  /** The TLB lookup of the input (combined stage-1+2, or stage 2 alone without stage 1). */
  tlb: { hit: boolean; vmid: number; asid: number | null } | null;
  columns: WalkColumn[];
  rows: WalkRow[];
  cells: WalkCell[];
  counters: WalkCounters;
  /** walking: the position is inside the walk; ok / fault: the transaction is over; aborted:
   *  it failed with no event (STE.Config = abort). */
  outcome: { status: 'walking' | 'ok' | 'fault' | 'aborted'; pa: string | null; ipa: string | null; fault: WalkFault | null };
  /** The emphasised cell (the latest read, or the result, or the fault). */
  currentId: string | null;
  /** One sentence about the latest read or the outcome. */
  narration: string;
}

// ---- formatting -----------------------------------------------------------------------------

/** Hex grouped by 4 digits with `_` when longer than 8 (0x7fffe003, 0x8_0010_0040): VIEWS.md's rule. */
const hx = hexGrouped;

function rawBits(v: bigint, width: number): string {
  return width <= 8 ? '0b' + v.toString(2).padStart(width, '0') : hx(v);
}

function bitsOf(v: bigint, hi: number, lo: number): bigint {
  return (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
}

/** A field of one 64-bit word (bits relative to the word), numbered `base + bit` in the
 *  structure (the SMMUv3 spec numbers STE and CD bits across all eight words). */
function fld(name: string, w: bigint, hi: number, lo: number, meaning: string, base = 0): WalkField {
  const raw = bitsOf(w, hi, lo);
  return { name, bits: hi === lo ? `${base + hi}` : `${base + hi}:${base + lo}`, raw: rawBits(raw, hi - lo + 1), meaning };
}

const yesNo = (b: bigint | number, yes: string, no: string): string => (Number(b) !== 0 ? yes : no);

// ---- descriptor decodes (ARM ARM D8.3; names as there) --------------------------------------

const AP_S1 = [
  'privileged read/write, unprivileged none',
  'read/write at both privileges',
  'privileged read-only, unprivileged none',
  'read-only at both privileges',
];
const S2AP = ['no access', 'read-only', 'write-only', 'read/write'];
const SH = ['Non-shareable', 'reserved', 'Outer Shareable', 'Inner Shareable'];
const AP_TABLE = [
  'no effect',
  'no unprivileged access below',
  'no write access below',
  'no write, no unprivileged access below',
];

function mairMeaning(attr: number): string {
  if (attr === 0x00) return 'Device-nGnRnE';
  if (attr === 0x04) return 'Device-nGnRE';
  if (attr === 0x08) return 'Device-nGRE';
  if (attr === 0x0c) return 'Device-GRE';
  const part = (x: number): string =>
    x === 0x4 ? 'Non-cacheable' : (x & 0xc) === 0xc ? 'Write-Back' : (x & 0xc) === 0x8 ? 'Write-Through' : 'transient';
  const o = attr >> 4, i = attr & 0xf;
  return o === i ? `Normal ${part(o)}` : `Normal, outer ${part(o)}, inner ${part(i)}`;
}

function memAttrMeaning(m: number): string {
  // Stage-2 MemAttr[3:0] (S2FWB = 0): [3:2] = 00 Device (type by [1:0]), else Normal, outer [3:2], inner [1:0].
  if ((m & 0xc) === 0) return ['Device-nGnRnE', 'Device-nGnRE', 'Device-nGRE', 'Device-GRE'][m & 3];
  const c = (x: number): string => (x === 1 ? 'Non-cacheable' : x === 2 ? 'Write-Through' : 'Write-Back');
  const o = (m >> 2) & 3, i = m & 3;
  return i === 0 ? `Normal, outer ${c(o)}, inner reserved` : o === i ? `Normal ${c(o)}` : `Normal, outer ${c(o)}, inner ${c(i)}`;
}

function kindWord(k: DescKind): string {
  return k === 'reserved' ? 'reserved' : k;
}

interface DescCtx {
  stage: 1 | 2;
  level: number;
  g: number;
  /** Address space of what a table descriptor points at and of a leaf's output. */
  nextSpace: 'IPA' | 'PA';
  outSpace: 'IPA' | 'PA';
  /** MAIR (CD.MAIR0 | MAIR1 << 32) for stage 1's AttrIndx. */
  mair: bigint | null;
}

function descFields(v: bigint, c: DescCtx): { kind: DescKind; fields: WalkField[]; label: string; next: number | null; leafShift: number | null } {
  const lo = Number(v & 0xffffffffn), hi = Number(v >> 32n);
  const kind = descKind(lo, c.level, blockAllowed(c.g, c.level));
  const fields: WalkField[] = [];
  fields.push(fld('valid', v, 0, 0, (lo & 1) === 1 ? 'valid' : 'invalid: a translation fault'));
  if (kind === 'invalid') return { kind, fields, label: 'invalid', next: null, leafShift: null };
  fields.push(fld('type', v, 1, 1, c.level === 3
    ? ((lo & 2) !== 0 ? 'page' : 'reserved at level 3: a translation fault')
    : ((lo & 2) !== 0 ? 'table' : kind === 'block' ? 'block' : 'block, not allowed at this level: a translation fault')));
  if (kind === 'reserved') return { kind, fields, label: 'reserved', next: null, leafShift: null };
  if (kind === 'table') {
    const next = descAddr(lo, hi, c.g);
    fields.push(fld('Next-level table address', v, 47, c.g, `${c.nextSpace} ${hx(next)}`));
    if (c.stage === 1) {
      fields.push(fld('PXNTable', v, 59, 59, yesNo(bitsOf(v, 59, 59), 'privileged execute-never below', 'no effect')));
      fields.push(fld('UXNTable', v, 60, 60, yesNo(bitsOf(v, 60, 60), 'unprivileged execute-never below', 'no effect')));
      fields.push(fld('APTable', v, 62, 61, AP_TABLE[Number(bitsOf(v, 62, 61))]));
      fields.push(fld('NSTable', v, 63, 63, yesNo(bitsOf(v, 63, 63), 'Non-secure below', 'no effect (Non-secure stream)')));
    }
    return { kind, fields, label: 'table', next, leafShift: null };
  }
  const shift = c.level === 3 ? c.g : levelShift(c.g, c.level);
  const oa = descAddr(lo, hi, shift);
  fields.push(fld('Output address', v, 47, shift, `${c.outSpace} ${hx(oa)} (${sizeName(shift)} ${kind})`));
  if (c.stage === 1) {
    const idx = Number(bitsOf(v, 4, 2));
    const attr = c.mair === null ? null : Number((c.mair >> BigInt(8 * idx)) & 0xffn);
    fields.push(fld('AttrIndx', v, 4, 2, attr === null ? `MAIR index ${idx}` : `MAIR[${idx}] = 0x${attr.toString(16).padStart(2, '0')}: ${mairMeaning(attr)}`));
    fields.push(fld('NS', v, 5, 5, yesNo(bitsOf(v, 5, 5), 'Non-secure output', 'output in the stream\'s security state')));
    fields.push(fld('AP[2:1]', v, 7, 6, AP_S1[Number(bitsOf(v, 7, 6))]));
  } else {
    fields.push(fld('MemAttr', v, 5, 2, memAttrMeaning(Number(bitsOf(v, 5, 2)))));
    fields.push(fld('S2AP', v, 7, 6, S2AP[Number(bitsOf(v, 7, 6))]));
  }
  fields.push(fld('SH', v, 9, 8, SH[Number(bitsOf(v, 9, 8))]));
  fields.push(fld('AF', v, 10, 10, yesNo(bitsOf(v, 10, 10), 'accessed', 'not accessed: an Access flag fault unless AFFD')));
  if (c.stage === 1) fields.push(fld('nG', v, 11, 11, yesNo(bitsOf(v, 11, 11), 'not global: TLB entry tagged with the ASID', 'global: any ASID')));
  fields.push(fld('Contiguous', v, 52, 52, yesNo(bitsOf(v, 52, 52), 'one of a contiguous run of entries', 'no')));
  if (c.stage === 1) {
    fields.push(fld('PXN', v, 53, 53, yesNo(bitsOf(v, 53, 53), 'privileged execute-never', 'privileged execution allowed')));
    fields.push(fld('UXN', v, 54, 54, yesNo(bitsOf(v, 54, 54), 'unprivileged execute-never', 'unprivileged execution allowed')));
  } else {
    fields.push(fld('XN', v, 54, 53, yesNo(bitsOf(v, 54, 54), 'execute-never', 'executable')));
  }
  return { kind, fields, label: kind === 'block' ? `${sizeName(shift)} block` : 'page', next: oa, leafShift: shift };
}

/** A mapping of 2^shift bytes as "4K", "2M", "1G". */
export function sizeName(shift: number): string {
  return shift >= 30 ? `${2 ** (shift - 30)}G` : shift >= 20 ? `${2 ** (shift - 20)}M` : `${2 ** (shift - 10)}K`;
}

// ---- STE and CD decodes (SMMUv3 §5.2, §5.4; bit numbers across the eight words) ------------

const CONFIG = ['abort', 'abort (reserved)', 'abort (reserved)', 'abort (reserved)', 'bypass',
  'stage 1 translates, stage 2 bypassed', 'stage 1 bypassed, stage 2 translates', 'nested: stage 1, then stage 2'];

const STE_KIND: Record<SteConfig['kind'], string> = {
  abort: 'abort', bypass: 'bypass', s1: 'stage 1 only', s2: 'stage 2 only', nested: 'nested',
};

function configMeaning(c: number): string {
  return CONFIG[c] ?? 'reserved';
}

function steFields(w: bigint[]): WalkField[] {
  const config = STE_Config(w);
  const s2 = (config & 6) === 6;
  const s1 = (config & 5) === 5;
  const tg = STE_S2TG(w);
  const g = tg0Granule(tg);
  const sl0 = STE_S2SL0(w);
  const start = g === null ? null : s2StartLevel(g, sl0);
  const ps = STE_S2PS(w);
  const f: WalkField[] = [
    fld('V', w[0], 0, 0, yesNo(STE_V(w), 'valid', 'invalid: C_BAD_STE')),
    fld('Config', w[0], 3, 1, configMeaning(config)),
    fld('S1Fmt', w[0], 5, 4, ['linear CD table', '2-level CD table, 4K leaves', '2-level CD table, 64K leaves', 'reserved (linear)'][STE_S1Fmt(w)]),
    fld('S1ContextPtr', w[0], 55, 6, `${s2 ? 'IPA' : 'PA'} ${hx(STE_S1ContextPtr(w))}${s1 ? '' : ' (unused: stage 1 off)'}`),
    fld('S1CDMax', w[0], 63, 59, STE_S1CDMax(w) === 0 ? 'one CD, no substreams' : `2^${STE_S1CDMax(w)} CDs`),
    fld('S1DSS', w[1], 1, 0, ['terminate without a SubstreamID', 'bypass stage 1 without a SubstreamID', 'CD 0 without a SubstreamID', 'reserved'][STE_S1DSS(w)], 64),
  ];
  if (s2 || (w[2] | w[3]) !== 0n) {
    const t0sz = STE_S2T0SZ(w);
    f.push(
      fld('S2VMID', w[2], 15, 0, `VMID ${STE_S2VMID(w)}`, 128),
      fld('S2T0SZ', w[2], 37, 32, `${64 - t0sz}-bit IPA space`, 128),
      fld('S2SL0', w[2], 39, 38, start === null ? 'reserved' : `start at level ${start}`, 128),
      fld('S2TG', w[2], 47, 46, g === null ? 'reserved' : `${granuleName(g)} granule`, 128),
      fld('S2PS', w[2], 50, 48, `${PS_BITS[ps] ?? 52}-bit output`, 128),
      fld('S2AA64', w[2], 51, 51, yesNo(STE_S2AA64(w), 'VMSAv8-64 tables', 'VMSAv8-32 LPAE (unsupported)'), 128),
      fld('S2AFFD', w[2], 53, 53, yesNo(STE_S2AFFD(w), 'AF = 0 is not a fault', 'AF = 0 faults (F_ACCESS)'), 128),
      fld('S2PTW', w[2], 54, 54, yesNo(STE_S2PTW(w), 'walks to Device memory fault', 'no walk-to-Device check'), 128),
      fld('S2R', w[2], 58, 58, yesNo(STE_S2R(w), 'stage-2 faults are recorded', 'stage-2 faults are not recorded'), 128),
      fld('S2TTB', w[3], 51, 4, `PA ${hx(STE_S2TTB(w))}`, 192),
    );
  }
  return f;
}

function cdFields(w: bigint[], ttbSpace: 'IPA' | 'PA'): WalkField[] {
  const tg = CD_TG0(w);
  const g = tg0Granule(tg);
  const ips = CD_IPS(w);
  return [
    fld('T0SZ', w[0], 5, 0, `${64 - CD_T0SZ(w)}-bit input (IOVA) range`),
    fld('TG0', w[0], 7, 6, g === null ? 'reserved' : `${granuleName(g)} granule`),
    fld('EPD0', w[0], 14, 14, yesNo(CD_EPD0(w), 'TTB0 walks disabled', 'TTB0 walks enabled')),
    fld('EPD1', w[0], 30, 30, yesNo(CD_EPD1(w), 'TTB1 walks disabled', 'TTB1 walks enabled')),
    fld('V', w[0], 31, 31, yesNo(CD_V(w), 'valid', 'invalid: C_BAD_CD')),
    fld('IPS', w[0], 34, 32, `${PS_BITS[ips] ?? 52}-bit output (${ttbSpace === 'IPA' ? 'IPA' : 'PA'})`),
    fld('AFFD', w[0], 35, 35, yesNo(CD_AFFD(w), 'AF = 0 is not a fault', 'AF = 0 faults (F_ACCESS)')),
    fld('TBI0', w[0], 38, 38, yesNo(CD_TBI0(w), 'top byte ignored', 'top byte used')),
    fld('AA64', w[0], 41, 41, yesNo(CD_AA64(w), 'VMSAv8-64 tables', 'VMSAv8-32 LPAE (unsupported)')),
    fld('R', w[0], 45, 45, yesNo(CD_R(w), 'stage-1 faults are recorded', 'stage-1 faults are not recorded')),
    fld('A', w[0], 46, 46, yesNo(CD_A(w), 'faulting transactions abort', 'terminate with RAZ/WI (unsupported)')),
    fld('ASET', w[0], 47, 47, yesNo(CD_ASET(w), 'ASID private to the SMMU', 'ASID shared with the PEs')),
    fld('ASID', w[0], 63, 48, `ASID ${CD_ASID(w)}`),
    fld('TTB0', w[1], 55, 4, `${ttbSpace} ${hx(CD_TTB0(w))}: the start-level table`, 64),
    fld('MAIR0', w[3], 31, 0, `attributes 0-3: ${[0, 1, 2, 3].map((i) => '0x' + ((CD_MAIR0(w) >>> (8 * i)) & 0xff).toString(16).padStart(2, '0')).join(' ')}`, 192),
    fld('MAIR1', w[3], 63, 32, `attributes 4-7: ${[0, 1, 2, 3].map((i) => '0x' + ((CD_MAIR1(w) >>> (8 * i)) & 0xff).toString(16).padStart(2, '0')).join(' ')}`, 192),
  ];
}

// ---- reading the configuration without tracing ----------------------------------------------

const quietEnv = (m: LabMachine): WalkEnv => ({ mem: m.mem, descToPa: (ipa) => ipa, onFetch: () => {} });

/** An IPA through stage 2 as the SMMU would walk it, silently; null where it would fault. */
function quietS2(m: LabMachine, r: Regime, ipa: number): number | null {
  if (ipa < 0 || ipa >= 2 ** r.inputBits) return null;
  const out = new WalkOut();
  return walk(quietEnv(m), r, ipa, false, out) ? out.oa : null;
}

function load(m: LabMachine, pa: number, n: number): bigint[] {
  const w: bigint[] = [];
  for (let i = 0; i < n; i++) w.push(m.mem.load64(BigInt(pa + 8 * i)));
  return w;
}

/** The STE's words as memory holds them (linear or 2-level stream table). */
function steFromMemory(m: LabMachine, sid: number): bigint[] | null {
  const st = m.smmu.strtab;
  if (sid >= 2 ** st.log2size) return null;
  if (st.fmt === 'linear') return load(m, st.base + 64 * sid, STE_WORDS);
  const l1 = m.mem.load64(BigInt(st.base + 8 * Math.floor(sid / 2 ** st.split)));
  const lo = Number(l1 & 0xffffffffn), hi = Number(l1 >> 32n);
  const span = l1stdSpan(lo);
  const low = sid % 2 ** st.split;
  if (span === 0 || low >= 2 ** (span - 1)) return null;
  const l2 = l1stdL2Ptr(lo, hi);
  return load(m, l2 - (l2 % 2 ** (5 + span)) + 64 * low, STE_WORDS);
}

/** The CD's address (an IPA when stage 2 is on) and words, as memory holds them. */
function cdFromMemory(m: LabMachine, ste: SteConfig, index: number): { addr: number; words: bigint[] } | null {
  const toPa = (a: number): number | null => (ste.s2Regime ? quietS2(m, ste.s2Regime, a) : a);
  let addr: number;
  if (ste.s1Fmt === 0 || ste.s1CdMax === 0) {
    addr = ste.s1ContextPtr + 64 * index;
  } else {
    const split = cdSplit(ste.s1Fmt);
    const l1Pa = toPa(ste.s1ContextPtr + 8 * Math.floor(index / 2 ** split));
    if (l1Pa === null) return null;
    const l1 = m.mem.load64(BigInt(l1Pa));
    const lo = Number(l1 & 0xffffffffn), hi = Number(l1 >> 32n);
    if (!l1cdValid(lo)) return null;
    addr = l1cdL2Ptr(lo, hi) + 64 * (index % 2 ** split);
  }
  const pa = toPa(addr);
  return pa === null ? null : { addr, words: load(m, pa, CD_WORDS) };
}

// ---- building -------------------------------------------------------------------------------

interface ColB {
  id: string;
  order: number;
  label: string;
  owner: WalkOwner;
  /** Whether stage 2 walks this column's address (S2 rows). */
  s2: boolean;
  /** The bottom cell's kind. */
  bottom: WalkCellKind;
  bottomOwner: WalkOwner;
  /** Stage-1 level of a descriptor column. */
  s1Level: number | null;
  addr: number | null;
  space: 'IOVA' | 'IPA' | 'PA';
  s2Tlb: 'hit' | 'miss' | null;
  /** S2 levels read so far in this column (in order), and whether the last was a leaf. */
  s2Reads: number;
  s2Leaf: boolean;
}

interface CellB {
  col: string;
  row: string;
  kind: WalkCellKind;
  owner: WalkOwner;
  state: WalkCellState;
  read: number | null;
  fetch: FetchEvent | null;
  level: number | null;
  label: string;
  fields: WalkField[];
  fault: WalkFault | null;
}

const ROW_READ = 'read';
const s2Row = (level: number): string => `s2L${level}`;
const cellId = (col: string, row: string): string => `${col}:${row}`;

/** The walk grid at this position, or null when the step made no SMMU transaction. */
export function buildWalkGrid(input: ModelInput): WalkGridVM | null {
  const ev = input.events;
  let start = -1;
  for (let i = ev.length - 1; i >= 0; i--) if (ev[i].type === 'smmu.txn') { start = i; break; }
  if (start < 0) return null;
  return new GridBuilder(input.machine, ev[start] as TxnEvent, ev.slice(start + 1)).build();
}

class GridBuilder {
  private readonly oas: number;
  private ste: SteConfig | null = null;
  private steWords: bigint[] | null = null;
  private cd: CdConfig | null = null;
  private cdWords: bigint[] | null = null;
  private r1: Regime | null = null;
  private readonly va48: number;
  private readonly ttb1: 0 | 1;
  private readonly cols = new Map<string, ColB>();
  private readonly cells = new Map<string, CellB>();
  private readonly s2Levels = new Set<number>();
  private cfgSte: 'hit' | 'miss' | null = null;
  private cfgCd: 'hit' | 'miss' | null = null;
  private tlbMain: TlbEvent | null = null;
  private reads = 0;
  private walkReads = 0;
  private lastCell: CellB | null = null;
  private lastFetch: FetchEvent | null = null;
  private done: Extract<TraceEvent, { type: 'smmu.done' }> | null = null;
  private tlbCell: CellB | null = null;

  constructor(private readonly m: LabMachine, private readonly txn: TxnEvent, private readonly events: readonly TraceEvent[]) {
    this.oas = m.smmu.oas;
    const iova = BigInt.asUintN(64, txn.iova);
    this.va48 = Number(iova & 0xffff_ffff_ffffn);
    this.ttb1 = ((iova >> 55n) & 1n) === 1n ? 1 : 0;
  }

  /** Whether the transaction's smmu.done is among the events. */
  private get finished(): boolean {
    return this.events.some((e) => e.type === 'smmu.done');
  }

  private get nested(): boolean {
    return this.ste !== null && this.ste.s1 && this.ste.s2;
  }

  /** Stage-1 tables and CDs: the guest's when stage 2 is on, else the host's own domain. */
  private get s1Owner(): WalkOwner {
    return this.ste !== null && this.ste.s2 ? 'guest' : 'host';
  }

  build(): WalkGridVM {
    this.resolveConfig();
    this.makeShape();
    for (const e of this.events) this.take(e);
    const tlbMode = this.tlbHit();
    if (tlbMode) this.collapse();
    this.settle();
    const fault = this.placeFault();
    const currentId = this.pickCurrent(fault);
    this.predictReads();
    return this.emit(tlbMode, fault, currentId);
  }

  // -- configuration: what the SMMU used (trace words, configuration cache), else memory --

  private resolveConfig(): void {
    const sid = this.txn.sid;
    for (const e of this.events) {
      if (e.type === 'smmu.cfg') {
        if (e.what === 'STE') this.cfgSte = e.hit ? 'hit' : 'miss';
        else this.cfgCd = e.hit ? 'hit' : 'miss';
      } else if (e.type === 'smmu.fetch' && e.words) {
        if (e.what === 'STE') this.steWords = e.words;
        else if (e.what === 'CD') this.cdWords = e.words;
      }
    }
    const cached = this.m.smmu.cfgCache.get(sid);
    if (this.steWords === null && this.cfgSte === 'hit' && cached) this.ste = cached.ste;
    else {
      this.steWords ??= steFromMemory(this.m, sid);
      const d = this.steWords ? decodeSte(this.steWords, this.oas) : null;
      this.ste = d && d.ok ? d.ste : null;
    }
    if (this.ste === null || !this.ste.s1) return;
    const index = this.txn.ssid ?? 0;
    const cachedCd = cached?.cds.get(index);
    if (this.cdWords === null && this.cfgCd === 'hit' && cachedCd) this.cd = cachedCd;
    else {
      this.cdWords ??= cdFromMemory(this.m, this.ste, index)?.words ?? null;
      const d = this.cdWords ? decodeCd(this.cdWords, this.oas) : null;
      this.cd = d && d.ok ? d.cd : null;
    }
    this.r1 = this.cd?.tt[this.ttb1] ?? null;
  }

  // -- the expected shape --------------------------------------------------------------------

  private addCol(c: Omit<ColB, 'addr' | 's2Tlb' | 's2Reads' | 's2Leaf'> & { addr?: number | null }): ColB {
    const col: ColB = { addr: null, s2Tlb: null, s2Reads: 0, s2Leaf: false, ...c };
    this.cols.set(col.id, col);
    if (col.s2) for (const l of this.s2Levels) this.cell(col, s2Row(l));
    this.cell(col, ROW_READ);
    return col;
  }

  private cell(col: ColB, row: string): CellB {
    const id = cellId(col.id, row);
    let c = this.cells.get(id);
    if (c === undefined) {
      const bottom = row === ROW_READ;
      c = {
        col: col.id, row, kind: bottom ? col.bottom : 'S2', owner: bottom ? col.bottomOwner : 'host', state: 'pending',
        read: null, fetch: null, level: bottom ? col.s1Level : Number(row.slice(3)), label: '', fields: [], fault: null,
      };
      this.cells.set(id, c);
    }
    return c;
  }

  private makeShape(): void {
    const ste = this.ste;
    const r2 = ste?.s2Regime ?? null;
    if (r2) for (let l = r2.startLevel; l <= 3; l++) this.s2Levels.add(l);
    const s2 = r2 !== null;
    // The STE: read unless the configuration cache had it.
    const hasStFetch = this.events.some((e) => e.type === 'smmu.fetch' && (e.what === 'STE' || e.what === 'L1STD'));
    if (this.cfgSte === 'miss' || hasStFetch) {
      if (this.m.smmu.strtab.fmt === '2lvl' || this.events.some((e) => e.type === 'smmu.fetch' && e.what === 'L1STD')) {
        this.addCol({ id: 'L1STD', order: 0, label: 'L1STD', owner: 'host', s2: false, bottom: 'L1STD', bottomOwner: 'host', s1Level: null, space: 'PA' });
      }
      this.addCol({ id: 'STE', order: 1, label: 'STE', owner: 'host', s2: false, bottom: 'STE', bottomOwner: 'host', s1Level: null, space: 'PA', addr: this.steAddr() });
    }
    if (ste === null) {
      this.addOut();
      return;
    }
    if (ste.s1) {
      // The CD: fetched unless the configuration cache had it (a fresh STE entry has no CDs).
      const hasCdFetch = this.events.some((e) => e.type === 'smmu.fetch' && (e.what === 'CD' || e.what === 'L1CD'));
      // Not looked up yet (the STE was just read): a fresh configuration-cache entry has no CD.
      const cdComing = this.cfgCd === null && this.cfgSte === 'miss' && !this.finished;
      if (this.cfgCd === 'miss' || hasCdFetch || cdComing) {
        const space = s2 ? 'IPA' : 'PA';
        const index = this.txn.ssid ?? 0;
        if ((ste.s1Fmt !== 0 && ste.s1CdMax !== 0) || this.events.some((e) => e.type === 'smmu.fetch' && e.what === 'L1CD')) {
          const l1 = ste.s1ContextPtr + 8 * Math.floor(index / 2 ** cdSplit(ste.s1Fmt));
          this.addCol({ id: 'L1CD', order: 2, label: 'L1CD', owner: this.s1Owner, s2, bottom: 'L1CD', bottomOwner: this.s1Owner, s1Level: null, space, addr: l1 });
          this.addCol({ id: 'CD', order: 3, label: 'CD', owner: this.s1Owner, s2, bottom: 'CD', bottomOwner: this.s1Owner, s1Level: null, space });
        } else {
          this.addCol({ id: 'CD', order: 3, label: 'CD', owner: this.s1Owner, s2, bottom: 'CD', bottomOwner: this.s1Owner, s1Level: null, space, addr: ste.s1ContextPtr + 64 * index });
        }
      }
      if (this.r1) for (let l = this.r1.startLevel; l <= 3; l++) this.s1Col(l);
    }
    this.addOut();
  }

  private steAddr(): number | null {
    const st = this.m.smmu.strtab;
    return st.fmt === 'linear' ? st.base + 64 * this.txn.sid : null;
  }

  private s1Col(level: number): ColB {
    const id = `gL${level}`;
    return this.cols.get(id) ?? this.addCol({
      id, order: 10 + level, label: this.nested ? `gL${level} table` : `L${level} table`, owner: this.s1Owner,
      s2: this.ste?.s2Regime != null, bottom: 'S1', bottomOwner: this.s1Owner, s1Level: level, space: this.nested ? 'IPA' : 'PA',
      // The first descriptor's address once the CD is known: from the cache now, else at its read.
      addr: level === this.r1?.startLevel && this.cfgCd === 'hit' ? this.descAddrAt(this.r1.ttb, level) : null,
    });
  }

  private addOut(): void {
    const ste = this.ste;
    const s2 = ste?.s2Regime != null;
    const s1 = ste?.s1 === true;
    const label = s2 ? (s1 ? 'output IPA' : 'input IPA') : 'output PA';
    this.addCol({
      id: 'out', order: 20, label, owner: s2 ? 'host' : 'hw', s2, bottom: 'result', bottomOwner: 'hw', s1Level: null,
      space: s2 ? 'IPA' : 'PA', addr: s1 ? null : this.va48,
    });
  }

  /** The descriptor's address at `level` in the table at `base`, for this IOVA. */
  private descAddrAt(base: number, level: number): number | null {
    const r = this.r1;
    if (r === null) return null;
    const mask = level === r.startLevel ? r.startIdxMask : 2 ** (r.g - 3) - 1;
    return base + (Math.floor(this.va48 / 2 ** levelShift(r.g, level)) & mask) * 8;
  }

  // -- events ---------------------------------------------------------------------------------

  private col(id: string): ColB | undefined {
    return this.cols.get(id);
  }

  private take(e: TraceEvent): void {
    if (e.type === 'smmu.tlb') {
      if (e.kind === 'S1S2') { this.tlbMain = e; return; }
      // A stage-2 lookup belongs to the next column stage 2 has not walked yet.
      const c = this.ordered().find((x) => x.s2 && x.s2Reads === 0 && x.s2Tlb === null && this.cell(x, ROW_READ).state === 'pending');
      if (c) c.s2Tlb = e.hit ? 'hit' : 'miss';
      if (c && c.addr === null) c.addr = e.addr;
      if (c && c.id === 'out' && this.ste && !this.ste.s1) this.tlbMain = e;
      return;
    }
    if (e.type === 'smmu.done') { this.done = e; return; }
    if (e.type !== 'smmu.fetch') return;
    this.reads++;
    if (e.what === 'S1' || (e.what === 'S2' && e.purpose !== 'CD')) this.walkReads++;
    let col: ColB | undefined;
    let row = ROW_READ;
    switch (e.what) {
      case 'L1STD': case 'STE': col = this.col(e.what); break;
      case 'L1CD': case 'CD': col = this.col(e.what); if (col) col.addr = e.ipa ?? e.addr; break;
      case 'S1': col = this.s1Col(e.level ?? 0); col.addr = e.ipa ?? e.addr; break;
      case 'S2': {
        row = s2Row(e.level ?? 0);
        if (e.purpose === 'CD') {
          const l1 = this.col('L1CD');
          col = l1 && this.cell(l1, ROW_READ).state === 'pending' ? l1 : this.col('CD');
        } else if (e.purpose === 'TT') {
          col = this.s1Col(e.s1Level ?? 0);
        } else {
          col = this.col('out');
        }
        if (col) { col.addr = e.ipa ?? col.addr; col.s2 = true; }
        this.s2Levels.add(e.level ?? 0);
        break;
      }
    }
    if (col === undefined) return;                   // a structure the shape did not expect: counted only
    // Anything still pending before this read will not be read any more.
    for (const c of this.cells.values()) if (c.state === 'current') c.state = 'done';
    const cell = this.cell(col, row);
    cell.state = 'current';
    cell.read = this.reads;
    cell.fetch = e;
    this.decodeInto(cell, e);
    if (e.what === 'S2') { col.s2Reads++; col.s2Leaf = cell.label === 'page' || cell.label.endsWith('block'); }
    this.lastCell = cell;
    this.lastFetch = e;
  }

  private decodeInto(cell: CellB, e: FetchEvent): void {
    const v = (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
    if (e.what === 'STE') {
      cell.fields = steFields(e.words ?? [v]);
      const d = e.words ? decodeSte(e.words, this.oas) : null;
      cell.label = d === null ? 'STE' : d.ok ? STE_KIND[d.ste.kind] : 'ILLEGAL';
      return;
    }
    if (e.what === 'CD') {
      const w = e.words ?? [v, 0n, 0n, 0n];
      cell.fields = cdFields(w, this.ste?.s2 ? 'IPA' : 'PA');
      const d = decodeCd(w, this.oas);
      cell.label = d.ok ? `ASID ${d.cd.asid}` : 'ILLEGAL';
      // The first stage-1 descriptor's address follows from TTB0 and the IOVA.
      const r1 = d.ok ? d.cd.tt[this.ttb1] : null;
      if (r1) { const c0 = this.cols.get(`gL${r1.startLevel}`); if (c0 && c0.addr === null) c0.addr = this.descAddrAt(r1.ttb, r1.startLevel); }
      return;
    }
    if (e.what === 'L1STD') {
      cell.fields = [fld('Span', v, 4, 0, `${2 ** Math.max(0, l1stdSpan(e.lo) - 1)} STEs`), fld('L2Ptr', v, 51, 6, `PA ${hx(l1stdL2Ptr(e.lo, e.hi))}`)];
      cell.label = l1stdSpan(e.lo) === 0 ? 'invalid' : 'table';
      return;
    }
    if (e.what === 'L1CD') {
      cell.fields = [fld('V', v, 0, 0, l1cdValid(e.lo) ? 'valid' : 'invalid'), fld('L2Ptr', v, 55, 12, `${this.ste?.s2 ? 'IPA' : 'PA'} ${hx(l1cdL2Ptr(e.lo, e.hi))}`)];
      cell.label = l1cdValid(e.lo) ? 'table' : 'invalid';
      return;
    }
    const level = e.level ?? 0;
    if (e.what === 'S1') {
      const g = this.r1?.g ?? 12;
      const mair = this.cdWords ? this.cdWords[3] : this.cd ? this.cd.words[3] : null;
      const space = this.nested ? 'IPA' : 'PA';
      const d = descFields(v, { stage: 1, level, g, nextSpace: space, outSpace: space, mair });
      cell.fields = d.fields;
      cell.label = d.label;
      if (d.kind === 'table' && d.next !== null) {
        const next = this.cols.get(`gL${level + 1}`);
        if (next && next.addr === null) next.addr = this.descAddrAt(d.next, level + 1);
      } else if ((d.kind === 'page' || d.kind === 'block') && d.next !== null && d.leafShift !== null) {
        const out = this.cols.get('out');
        if (out && out.addr === null) out.addr = d.next + (this.va48 % 2 ** d.leafShift);
      }
      return;
    }
    const g = this.ste?.s2Regime?.g ?? 12;
    const d = descFields(v, { stage: 2, level, g, nextSpace: 'PA', outSpace: 'PA', mair: null });
    cell.fields = d.fields;
    cell.label = d.label;
  }

  private ordered(): ColB[] {
    return [...this.cols.values()].sort((a, b) => a.order - b.order);
  }

  // -- TLB hit: the grid collapses to one cell --------------------------------------------------

  private tlbHit(): boolean {
    return this.tlbMain !== null && this.tlbMain.hit;
  }

  private collapse(): void {
    // Keep what was read (the STE and CD on a configuration-cache miss), drop the walk.
    for (const c of this.ordered()) {
      const read = [...this.cells.values()].some((x) => x.col === c.id && x.read !== null);
      if (!read) {
        this.cols.delete(c.id);
        for (const [id, x] of this.cells) if (x.col === c.id) this.cells.delete(id);
      }
    }
    const t = this.tlbMain as TlbEvent;
    const col: ColB = {
      id: 'tlb', order: 30, label: 'TLB', owner: 'hw', s2: false, bottom: 'tlb', bottomOwner: 'hw', s1Level: null,
      addr: t.addr, space: t.kind === 'S1S2' ? 'IOVA' : 'IPA', s2Tlb: null, s2Reads: 0, s2Leaf: false,
    };
    this.cols.set('tlb', col);
    const cell = this.cell(col, ROW_READ);
    cell.state = 'done';
    cell.label = 'TLB hit';
    cell.fields = this.tlbFields(t);
    this.tlbCell = cell;
    if (!this.events.some((e) => e.type === 'smmu.fetch')) this.s2Levels.clear();
  }

  private tlbEntry(t: TlbEvent): TlbEntry | undefined {
    const addr = t.kind === 'S1S2' ? tlbVa(t.addr, this.ttb1) : t.addr;
    return this.m.smmu.tlb.entries().find((e) => e.kind === t.kind && e.vmid === t.vmid &&
      (t.kind === 'S2' || e.asid === t.asid || e.asid === -1) && covers(e, addr));
  }

  private tlbFields(t: TlbEvent): WalkField[] {
    const tag = (name: string, meaning: string): WalkField => ({ name, bits: '', raw: '', meaning });
    const f: WalkField[] = [tag('Kind', t.kind === 'S1S2' ? (this.nested ? 'combined stage 1 + stage 2' : 'stage 1') : 'stage 2 (IPA -> PA)'), tag('VMID', `${t.vmid}`)];
    const e = this.tlbEntry(t);
    if (e === undefined) {
      if (t.kind === 'S1S2') f.push(tag('ASID', `${t.asid}`));
      f.push(tag('Input', `${t.kind === 'S1S2' ? 'IOVA' : 'IPA'} ${hx(t.addr)}`));
      return f;
    }
    const base = e.kind === 'S1S2' && e.base >= 2 ** 48 ? e.base - 2 ** 48 : e.base;
    if (e.kind === 'S1S2') f.push(tag('ASID', e.asid < 0 ? 'global (nG = 0): any ASID' : `${e.asid} (nG = 1)`));
    f.push(tag('Input', `${e.kind === 'S1S2' ? 'IOVA' : 'IPA'} ${hx(base)}..${hx(base + 2 ** e.shift - 1)} (${sizeName(e.shift)})`));
    if (e.kind === 'S1S2' && e.s2) f.push(tag('IPA', hx(e.ipa)));
    f.push(tag('Output', `PA ${hx(e.out)}`));
    if (e.s1) f.push(tag('AP[2:1]', AP_S1[(e.s1lo >>> 6) & 3]));
    if (e.s2) f.push(tag('S2AP', S2AP[(e.s2lo >>> 6) & 3]));
    return f;
  }

  // -- after the events: what will not be read, the fault, the current cell --------------------

  private settle(): void {
    const cols = this.ordered();
    // A stage-1 leaf ends the stage-1 walk: later descriptor columns are not needed.
    let leafLevel: number | null = null;
    for (const c of cols) {
      if (c.s1Level === null) continue;
      const b = this.cells.get(cellId(c.id, ROW_READ));
      if (b && b.read !== null && b.label !== 'table' && b.label !== 'invalid' && b.label !== 'reserved') leafLevel = c.s1Level;
    }
    const lastOrder = this.lastCell ? (this.cols.get(this.lastCell.col)?.order ?? -1) : -1;
    for (const c of cols) {
      const mine = [...this.cells.values()].filter((x) => x.col === c.id);
      const bottom = mine.find((x) => x.row === ROW_READ);
      const bottomRead = bottom !== undefined && bottom.read !== null;
      for (const x of mine) {
        if (x.state !== 'pending') continue;
        const s2cell = x.row !== ROW_READ;
        if (c.s1Level !== null && leafLevel !== null && c.s1Level > leafLevel) x.state = 'skipped';
        else if (s2cell && (bottomRead || c.s2Tlb === 'hit' || c.s2Leaf)) x.state = 'skipped';
        else if (c.order < lastOrder && x.kind !== 'result') x.state = 'skipped';
      }
    }
    if (this.done === null) return;
    for (const x of this.cells.values()) {
      if (x.state === 'current') x.state = 'done';
      if (x.state === 'pending' && x.kind !== 'result') x.state = this.done.ok ? 'skipped' : 'unreached';
    }
    const res = this.cells.get(cellId('out', ROW_READ));
    if (res) {
      res.state = 'done';
      if (this.done.ok && this.done.pa !== undefined) res.label = `PA ${hx(this.done.pa)}`;
      else res.label = this.done.event ? `✕ ${this.done.event.name}` : '✕ aborted';
    }
  }

  private faultInfo(e: EventRecord): WalkFault {
    const stage = e.s2 === undefined ? null : e.s2 ? 2 : 1;
    const cls = e.cls ?? null;
    const input = hx(BigInt.asUintN(64, e.input));
    const ipa = e.ipa === undefined ? null : hx(e.ipa);
    const parts = [e.name];
    if (stage !== null) parts.push(stage === 2 ? 'S2' : 'stage 1');
    if (cls !== null) parts.push(`CLASS ${cls}`);
    parts.push(`InputAddr ${input}`);
    if (ipa !== null) parts.push(`IPA ${ipa}`);
    return { name: e.name, stage, cls, input, ipa, why: e.why ?? null, recorded: e.recorded, text: parts.join(' · ') };
  }

  /** Mark the cell where the walk failed; returns the fault. */
  private placeFault(): { fault: WalkFault; cell: CellB | null } | null {
    const d = this.done;
    if (d === null || d.ok || !d.event) return null;
    const e = d.event;
    const fault = this.faultInfo(e);
    const cells = [...this.cells.values()];
    const inCol = (id: string): CellB[] => cells.filter((x) => x.col === id);
    const lastRead = (xs: CellB[]): CellB | undefined =>
      xs.filter((x) => x.read !== null).sort((a, b) => (b.read as number) - (a.read as number))[0];
    let cell: CellB | undefined;
    if (this.tlbCell) cell = this.tlbCell;
    else if (e.s2 === true) {
      let col: ColB | undefined;
      if (e.cls === 'IN') col = this.col('out');
      else {
        const kinds = e.cls === 'CD' ? ['L1CD', 'CD'] : ['S1'];
        col = this.ordered().find((c) => kinds.includes(c.bottom) && this.cell(c, ROW_READ).read === null);
      }
      if (col) {
        const s2cells = inCol(col.id).filter((x) => x.row !== ROW_READ);
        cell = lastRead(s2cells) ?? s2cells.sort((a, b) => (a.level ?? 0) - (b.level ?? 0))[0];
      }
    } else if (e.s2 === false) {
      cell = lastRead(cells.filter((x) => x.kind === 'S1')) ??
        cells.filter((x) => x.kind === 'S1').sort((a, b) => (a.level ?? 0) - (b.level ?? 0))[0];
    } else {
      cell = this.lastCell ?? cells.find((x) => x.kind === 'STE');
    }
    cell ??= this.cells.get(cellId('out', ROW_READ));
    if (cell) {
      cell.fault = fault;
      if (cell.state === 'unreached' || cell.state === 'pending') cell.state = 'done';
    }
    return { fault, cell: cell ?? null };
  }

  private pickCurrent(f: { fault: WalkFault; cell: CellB | null } | null): string | null {
    const cur = [...this.cells.values()].find((x) => x.state === 'current');
    if (cur) return cellId(cur.col, cur.row);
    if (this.done === null) return null;
    const c = f?.cell ?? this.tlbCell ?? this.cells.get(cellId('out', ROW_READ)) ?? null;
    if (c === null) return null;
    c.state = 'current';
    return cellId(c.col, c.row);
  }

  /** Number the reads still to come, in walk order (a full walk: no TLB hits, no blocks). */
  private predictReads(): void {
    let n = this.reads;
    for (const c of this.ordered()) {
      const mine = [...this.cells.values()].filter((x) => x.col === c.id);
      const s2 = mine.filter((x) => x.row !== ROW_READ).sort((a, b) => (a.level ?? 0) - (b.level ?? 0));
      for (const x of [...s2, ...mine.filter((x) => x.row === ROW_READ)]) {
        if (x.state === 'pending' && x.kind !== 'result' && x.kind !== 'tlb') x.read = ++n;
      }
    }
  }

  // -- words -------------------------------------------------------------------------------------

  private levelText(level: number, start: number): string {
    return start === 0 ? `level ${level} of 4` : `level ${level} (${level - start + 1} of ${4 - start})`;
  }

  private addrText(c: ColB): string | null {
    if (c.addr === null) return null;
    const space = c.id === 'STE' || c.id === 'L1STD' ? 'PA' : c.id === 'out' && !(this.ste?.s1) ? (this.ste?.s2 ? 'IPA' : 'PA') : c.space;
    return `${space} ${hx(c.addr)}`;
  }

  /** "the guest's level-1 descriptor (0x7fffe000)" and the like: what a column's address is. */
  private colNoun(c: ColB): string {
    const a = c.addr === null ? '' : ` (${hx(c.addr)})`;
    const whose = this.nested ? 'the guest\'s ' : 'the ';
    if (c.id === 'CD') return `the IPA of ${whose}CD${a}`;
    if (c.id === 'L1CD') return `the IPA of ${whose}L1CD${a}`;
    if (c.s1Level !== null) return `the IPA of ${whose}level-${c.s1Level} descriptor${a}`;
    if (c.id === 'out') return this.ste?.s1 ? `the output IPA${a}` : `the input IPA${a}`;
    return c.label;
  }

  private whatOf(x: CellB, c: ColB): string {
    if (x.kind === 'S2') return `stage-2 level-${x.level} descriptor for ${this.colNoun(c)}`;
    if (x.kind === 'STE') return `the STE of StreamID 0x${this.txn.sid.toString(16)} (host memory, a PA)`;
    if (x.kind === 'L1STD') return `the level-1 stream table descriptor for StreamID 0x${this.txn.sid.toString(16)}`;
    if (x.kind === 'CD') return `${this.nested ? 'the guest\'s' : 'the host\'s'} Context Descriptor${c.addr !== null ? ` at ${c.space} ${hx(c.addr)}` : ''}`;
    if (x.kind === 'L1CD') return `the level-1 CD table descriptor${c.addr !== null ? ` at ${c.space} ${hx(c.addr)}` : ''}`;
    if (x.kind === 'S1') return `${this.nested ? 'the guest\'s' : 'the'} stage-1 level-${x.level} descriptor${c.addr !== null ? ` at ${c.space} ${hx(c.addr)}` : ''}`;
    if (x.kind === 'tlb') return 'a TLB entry: the whole translation, cached';
    return this.ste?.s2 ? 'the output: the PA stage 2 gives the output IPA' : 'the output PA';
  }

  private narrate(fault: WalkFault | null): string {
    const d = this.done;
    const iova = `IOVA ${hx(this.va48)}`;
    if (d !== null) {
      if (this.tlbCell && d.ok) {
        const t = this.tlbMain as TlbEvent;
        const asid = t.kind === 'S1S2' ? `, ASID ${t.asid}` : '';
        return `TLB hit (VMID ${t.vmid}${asid}): ${iova} → PA ${hx(d.pa ?? 0)} with no table reads.`;
      }
      if (d.ok) {
        const out = this.col('out');
        const ipa = this.nested && out?.addr != null ? ` → IPA ${hx(out.addr)}` : '';
        return `Done: ${iova}${ipa} → PA ${hx(d.pa ?? 0)}, in ${d.reads} read${d.reads === 1 ? '' : 's'} (${d.walkReads} in the walk).`;
      }
      if (!d.event) return this.ste?.kind === 'abort' ? 'STE.Config = abort: the transaction is aborted, with no event.' : 'The transaction is aborted, with no event.';
      const f = fault as WalkFault;
      if (f.why) return `${f.name}: ${f.why}; the transaction is aborted.`;
      if (f.stage === 2) {
        const what = f.cls === 'TT' ? `IPA ${f.ipa}, ${this.ttNoun()}` : f.cls === 'CD' ? `IPA ${f.ipa}, the CD's address` : `the output IPA ${f.ipa}`;
        return `${f.name} at stage 2 (CLASS ${f.cls}): stage 2 could not translate ${what}; the transaction is aborted.`;
      }
      if (f.stage === 1) {
        const l = this.lastFetch?.what === 'S1' && !this.tlbCell ? this.lastFetch.level : null;
        const acc = this.txn.rnw ? 'read' : 'write';
        const why = l === null
          ? (f.name === 'F_PERMISSION' ? `the cached entry does not allow this ${acc}` : `${iova} is outside the CD's input range`)
          : f.name === 'F_PERMISSION' ? `the level-${l} descriptor does not allow this ${acc}`
            : f.name === 'F_ACCESS' ? `the level-${l} descriptor has AF = 0`
              : f.name === 'F_ADDR_SIZE' ? `the level-${l} descriptor's address is beyond the output size`
                : `the level-${l} descriptor is not valid`;
        return `${f.name} at stage 1 for ${iova}: ${why}; the transaction is aborted.`;
      }
      return `${f.name} for ${iova}; the transaction is aborted.`;
    }
    const e = this.lastFetch;
    const x = this.lastCell;
    if (e === null || x === null) return `The SMMU takes a ${this.txn.rnw ? 'read' : 'write'} of ${iova} from StreamID 0x${this.txn.sid.toString(16)}.`;
    const c = this.cols.get(x.col) as ColB;
    const val = `0x${((BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0)).toString(16)}`;
    switch (e.what) {
      case 'STE': {
        const cfg = e.words ? STE_Config(e.words) : 0;
        return `The SMMU reads StreamID 0x${this.txn.sid.toString(16)}'s STE at PA ${hx(e.addr)}: Config = 0b${cfg.toString(2).padStart(3, '0')}, ${configMeaning(cfg)}.`;
      }
      case 'L1STD': return `The SMMU reads the level-1 stream table descriptor for StreamID 0x${this.txn.sid.toString(16)} at PA ${hx(e.addr)}.`;
      case 'L1CD':
      case 'CD': {
        const where = e.ipa !== undefined ? `IPA ${hx(e.ipa)} (PA ${hx(e.addr)})` : `PA ${hx(e.addr)}`;
        const whose = this.nested ? 'the guest\'s' : 'the';
        if (e.what === 'L1CD') return `The SMMU reads ${whose} L1CD at ${where}.`;
        const d = e.words ? decodeCd(e.words, this.oas) : null;
        if (d === null || !d.ok) return `The SMMU reads ${whose} CD at ${where}${d && !d.ok ? `: ILLEGAL, ${d.why}` : ''}.`;
        const r1 = d.cd.tt[this.ttb1];
        return `The SMMU reads ${whose} CD at ${where}: ASID ${d.cd.asid}${r1 ? `, TTB0 = ${this.nested ? 'IPA' : 'PA'} ${hx(r1.ttb)}` : ''}.`;
      }
      case 'S2': {
        const start = this.ste?.s2Regime?.startLevel ?? 0;
        const tail = x.label === 'invalid' ? ': invalid, a translation fault' : '';
        return `Stage 2 translates ${this.colNoun(c)}: ${this.levelText(e.level ?? 0, start)}${tail}.`;
      }
      case 'S1': {
        const whose = this.nested ? 'the guest\'s' : 'the';
        const where = e.ipa !== undefined ? `IPA ${hx(e.ipa)} (PA ${hx(e.addr)})` : `PA ${hx(e.addr)}`;
        const f = x.fields.find((y) => y.name === 'Next-level table address' || y.name === 'Output address');
        const what = x.label === 'table' ? `a table at ${f?.meaning ?? ''}` : x.label === 'invalid' ? 'invalid (V = 0), a translation fault'
          : x.label === 'reserved' ? 'reserved, a translation fault' : `a ${x.label}, output ${f?.meaning.replace(/ \(.*\)$/, '') ?? val}`;
        return `The SMMU reads ${whose} level-${e.level} descriptor at ${where}: ${what}.`;
      }
    }
    return '';
  }

  private ttNoun(): string {
    const col = this.ordered().find((c) => c.s1Level !== null && this.cell(c, ROW_READ).read === null);
    return col ? `${this.nested ? 'the guest\'s' : 'the'} level-${col.s1Level} descriptor` : 'a stage-1 descriptor';
  }

  // -- the model ---------------------------------------------------------------------------------

  private emit(tlbMode: boolean, f: { fault: WalkFault; cell: CellB | null } | null, currentId: string | null): WalkGridVM {
    const cols = this.ordered();
    const ste = this.ste;
    const r2 = ste?.s2Regime ?? null;
    const levels = [...this.s2Levels].sort((a, b) => a - b);
    const hasS2Rows = cols.some((c) => c.s2) && levels.length > 0;
    const rows: WalkRow[] = hasS2Rows ? levels.map((l) => ({ id: s2Row(l), label: `S2 level ${l}` })) : [];
    rows.push({ id: ROW_READ, label: ste?.s1 ? 'stage-1 read' : 'output' });
    const n = this.r1 ? 4 - this.r1.startLevel : 0;
    const m = r2 ? 4 - r2.startLevel : 0;
    const walkExpected = (n + 1) * (m + 1) - 1;
    let readsExpected = walkExpected;
    for (const c of cols) {
      if (c.id === 'STE' || c.id === 'L1STD') readsExpected += 1;
      if (c.id === 'CD' || c.id === 'L1CD') readsExpected += c.s2 ? m + 1 : 1;
    }
    const order = new Map(cols.map((c, i) => [c.id, i]));
    const rowOrder = new Map(rows.map((r, i) => [r.id, i]));
    const cells: WalkCell[] = [...this.cells.values()]
      .filter((x) => order.has(x.col) && rowOrder.has(x.row))
      .sort((a, b) => (order.get(a.col) as number) - (order.get(b.col) as number) || (rowOrder.get(a.row) as number) - (rowOrder.get(b.row) as number))
      .map((x) => {
        const c = this.cols.get(x.col) as ColB;
        const e = x.fetch;
        const value = e ? (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0) : null;
        return {
          id: cellId(x.col, x.row), col: x.col, row: x.row, kind: x.kind, owner: x.owner, state: x.state,
          read: x.read, pa: e ? hx(e.addr) : null, ipa: e && e.ipa !== undefined ? hx(e.ipa) : null, level: x.level,
          value: value === null ? null : hx(value), words: e?.words ? e.words.map(hx) : null,
          label: x.label, what: this.whatOf(x, c), fields: x.fields, fault: x.fault,
        };
      });
    const d = this.done;
    const outCol = this.cols.get('out');
    const status: WalkGridVM['outcome']['status'] = d === null ? 'walking' : d.ok ? 'ok' : d.event ? 'fault' : 'aborted';
    return {
      mode: tlbMode ? 'tlb-hit' : 'walk',
      sid: this.txn.sid,
      ssid: this.txn.ssid ?? null,
      input: `IOVA ${hx(this.va48)}`,
      access: this.txn.rnw ? 'read' : 'write',
      config: ste === null ? 'unknown' : ste.kind,
      n, m,
      s1Start: this.r1?.startLevel ?? null,
      s2Start: r2?.startLevel ?? null,
      cfg: { ste: this.cfgSte, cd: this.cfgCd },
      tlb: this.tlbMain ? { hit: this.tlbMain.hit, vmid: this.tlbMain.vmid, asid: this.tlbMain.asid < 0 ? null : this.tlbMain.asid } : null,
      columns: cols.map((c) => ({ id: c.id, label: c.label, addr: this.addrText(c), owner: c.owner, s2Tlb: c.s2Tlb })),
      rows,
      cells,
      counters: { walkReads: this.walkReads, walkExpected, reads: this.reads, readsExpected },
      outcome: {
        status,
        pa: d?.ok && d.pa !== undefined ? `PA ${hx(d.pa)}` : null,
        ipa: d?.ok && this.nested && outCol?.addr != null ? `IPA ${hx(outCol.addr)}` : null,
        fault: f?.fault ?? null,
      },
      currentId,
      narration: this.narrate(f?.fault ?? null),
    };
  }
}
