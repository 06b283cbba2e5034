// The STE and CD field tables the SMMU-state view draws: every field once, by its SMMUv3 name
// (§5.2 STE, §5.4 CD), with its word, bit range and what a value means. Positions agree with the
// decode accessors (src/model/smmuv3/ste.ts STE_*, cd.ts CD_*) and the primer's tables
// (shared/domain/smmuv3-nested-msi.md §2.3, §2.5); fields the primer does not place are left
// out rather than guessed, so their bits show as unnamed.

import { PS_BITS, s2StartLevel } from '../../model/vmsa/geometry';
import { tg0Granule } from '../../model/smmuv3/ste';
import { tg1Granule } from '../../model/smmuv3/cd';
import { hexGrouped } from '../../model/bits';

/** What a field's meaning may depend on besides its own value. */
export interface FieldCtx {
  /** All eight words of the structure. */
  words: readonly bigint[];
  /** STE: Config[0] and Config[1] (stage 1, stage 2 translate); CD: whether its addresses are IPAs. */
  s1: boolean;
  s2: boolean;
}

export interface FieldDef {
  name: string;
  word: number;
  hi: number;
  lo: number;
  /** How to show the value: an address (the field's bits in place, low bits zero), binary for
   *  small encodings, decimal for sizes and tags, hex for attribute bytes. */
  fmt: 'addr' | 'bin' | 'dec' | 'hex';
  /** Ignored (the spec's IGNORED) under these conditions; null when it always counts. */
  ignoredWhen?: (c: FieldCtx) => string | null;
  meaning: (v: bigint, c: FieldCtx) => string;
}

const bitOf = (w: bigint, n: number) => Number((w >> BigInt(n)) & 1n);
const fld = (w: bigint, hi: number, lo: number) => Number((w >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n));
const n = (v: bigint) => Number(v);

const CACHE = ['Non-cacheable', 'Write-Back, Read- and Write-Allocate', 'Write-Through, Read-Allocate', 'Write-Back, Read-Allocate'];
const SHARE = ['Non-shareable', 'reserved (behaves as Non-shareable)', 'Outer Shareable', 'Inner Shareable'];
const granuleName = (g: number | null) => (g === null ? 'reserved' : `${2 ** (g - 10)}KB granule`);
const psName = (v: number) => (v < PS_BITS.length ? `${PS_BITS[v]} bits` : 'reserved (treated as 52 bits)');
const onOff = (v: bigint, on: string, off: string) => (v !== 0n ? on : off);

// ---- STE (SMMUv3 §5.2) ------------------------------------------------------------------------

const STE_CONFIG: Record<number, string> = {
  0: 'abort: every transaction is terminated, no event recorded',
  1: 'reserved: behaves as abort', 2: 'reserved: behaves as abort', 3: 'reserved: behaves as abort',
  4: 'bypass: no translation, the input address is the PA',
  5: 'stage 1 only (S1_TRANS): the CD\'s tables translate IOVA -> PA',
  6: 'stage 2 only (S2_TRANS): the S2 tables translate IPA -> PA',
  7: 'nested: stage 1 (the guest\'s CD and tables, at IPAs) then stage 2 (the host\'s)',
};

const steConfig = (c: FieldCtx) => fld(c.words[0], 3, 1);
const steAbortOrBypass = (c: FieldCtx) => (steConfig(c) & 4) === 0 || steConfig(c) === 4;
const s1Ignored = (c: FieldCtx) => (steAbortOrBypass(c) ? 'IGNORED: Config does not translate' : !c.s1 ? 'IGNORED: stage 1 is off (Config[0] = 0)' : null);
const s2Ignored = (c: FieldCtx) => (steAbortOrBypass(c) ? 'IGNORED: Config does not translate' : !c.s2 ? 'IGNORED: stage 2 is off (Config[1] = 0)' : null);
const transIgnored = (c: FieldCtx) => (steAbortOrBypass(c) ? 'IGNORED: Config does not translate' : null);
const steGranule = (c: FieldCtx) => tg0Granule(fld(c.words[2], 47, 46));

export const STE_FIELDS: readonly FieldDef[] = [
  { name: 'V', word: 0, hi: 0, lo: 0, fmt: 'bin', meaning: (v) => onOff(v, 'valid', 'not valid: every transaction raises C_BAD_STE') },
  { name: 'Config', word: 0, hi: 3, lo: 1, fmt: 'bin', meaning: (v) => STE_CONFIG[n(v)] },
  {
    name: 'S1Fmt', word: 0, hi: 5, lo: 4, fmt: 'bin', ignoredWhen: s1Ignored,
    meaning: (v) => ['linear CD table', '2-level CD table, 4KB leaf tables (64 CDs each)', '2-level CD table, 64KB leaf tables (1024 CDs each)', 'reserved: behaves as linear'][n(v)],
  },
  {
    name: 'S1ContextPtr', word: 0, hi: 55, lo: 6, fmt: 'addr', ignoredWhen: s1Ignored,
    meaning: (v, c) => c.s2 ? `the CD table's IPA ${hexGrouped(v)}: stage 2 translates it before the CD is read` : `the CD table's PA ${hexGrouped(v)}`,
  },
  {
    name: 'S1CDMax', word: 0, hi: 63, lo: 59, fmt: 'dec', ignoredWhen: s1Ignored,
    meaning: (v) => (v === 0n ? 'one CD: substreams disabled, a SubstreamID is C_BAD_SUBSTREAMID' : `2^${v} = ${2 ** n(v)} CDs, indexed by SubstreamID`),
  },
  {
    name: 'S1DSS', word: 1, hi: 1, lo: 0, fmt: 'bin', ignoredWhen: s1Ignored,
    meaning: (v) => ['with S1CDMax > 0, no SubstreamID: terminate (F_STREAM_DISABLED)', 'with S1CDMax > 0, no SubstreamID: bypass stage 1',
      'with S1CDMax > 0, no SubstreamID: use CD 0 (SubstreamID 0 is then reserved)', 'reserved: behaves as 0b00'][n(v)],
  },
  { name: 'S1CIR', word: 1, hi: 3, lo: 2, fmt: 'bin', ignoredWhen: s1Ignored, meaning: (v) => `CD and stage-1 table fetches, inner: ${CACHE[n(v)]}` },
  { name: 'S1COR', word: 1, hi: 5, lo: 4, fmt: 'bin', ignoredWhen: s1Ignored, meaning: (v) => `CD and stage-1 table fetches, outer: ${CACHE[n(v)]}` },
  { name: 'S1CSH', word: 1, hi: 7, lo: 6, fmt: 'bin', ignoredWhen: s1Ignored, meaning: (v) => `CD and stage-1 table fetches: ${SHARE[n(v)]}` },
  { name: 'MEV', word: 1, hi: 19, lo: 19, fmt: 'bin', ignoredWhen: transIgnored, meaning: (v) => onOff(v, 'similar events may be merged (Linux sets it on nested STEs)', 'events are not merged') },
  { name: 'S2FWB', word: 1, hi: 25, lo: 25, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'stage 2 forces Write-Back', 'stage-1 and stage-2 memory types combine') },
  {
    name: 'S1STALLD', word: 1, hi: 27, lo: 27, fmt: 'bin', ignoredWhen: s1Ignored,
    meaning: (v) => onOff(v, 'stalls disallowed: ILLEGAL on this SMMU (STALL_MODEL = 0b01)', 'stalls not disallowed (this SMMU never stalls)'),
  },
  { name: 'EATS', word: 1, hi: 29, lo: 28, fmt: 'bin', meaning: (v) => `${['ATS not allowed', 'full ATS', 'split-stage ATS', 'reserved'][n(v)]}: IGNORED here (SMMU_IDR0.ATS = 0)` },
  { name: 'STRW', word: 1, hi: 31, lo: 30, fmt: 'bin', meaning: (v) => `StreamWorld ${['NS-EL1', 'reserved', 'EL2', 'EL2-E2H'][n(v)]}: RES0 here (SMMU_IDR0.Hyp = 0), always NS-EL1` },
  { name: 'MemAttr', word: 1, hi: 35, lo: 32, fmt: 'bin', meaning: () => 'memory type override, used with MTCFG = 1 (not modelled)' },
  { name: 'MTCFG', word: 1, hi: 36, lo: 36, fmt: 'bin', meaning: (v) => onOff(v, 'replace the incoming memory type with MemAttr', 'use the incoming memory type') },
  { name: 'ALLOCCFG', word: 1, hi: 40, lo: 37, fmt: 'bin', meaning: (v) => (v === 0n ? 'use the incoming allocation hints' : 'allocation hints override (not modelled)') },
  { name: 'SHCFG', word: 1, hi: 45, lo: 44, fmt: 'bin', meaning: (v) => ['Non-shareable', 'use the incoming shareability', 'Outer Shareable', 'Inner Shareable'][n(v)] },
  { name: 'NSCFG', word: 1, hi: 47, lo: 46, fmt: 'bin', meaning: () => 'Secure streams only: IGNORED for this Non-secure stream' },
  { name: 'PRIVCFG', word: 1, hi: 49, lo: 48, fmt: 'bin', meaning: (v) => ['use the incoming PnU', 'reserved: use the incoming PnU', 'treat as unprivileged', 'treat as privileged'][n(v)] },
  { name: 'INSTCFG', word: 1, hi: 51, lo: 50, fmt: 'bin', meaning: (v) => ['use the incoming InD', 'reserved: use the incoming InD', 'reads are data', 'reads are instruction fetches'][n(v)] },
  {
    name: 'S2VMID', word: 2, hi: 15, lo: 0, fmt: 'dec', ignoredWhen: (c) => (steAbortOrBypass(c) ? 'IGNORED: Config does not translate' : null),
    meaning: (v) => `VMID ${v}: tags every TLB entry this stream makes`,
  },
  { name: 'S2T0SZ', word: 2, hi: 37, lo: 32, fmt: 'dec', ignoredWhen: s2Ignored, meaning: (v) => `a ${64 - n(v)}-bit IPA space (64 - ${v})` },
  {
    name: 'S2SL0', word: 2, hi: 39, lo: 38, fmt: 'bin', ignoredWhen: s2Ignored,
    meaning: (v, c) => {
      const g = steGranule(c);
      const l = g === null ? null : s2StartLevel(g, n(v));
      return l === null ? 'reserved with this granule' : `stage 2 starts at level ${l}`;
    },
  },
  { name: 'S2IR0', word: 2, hi: 41, lo: 40, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => `stage-2 table fetches, inner: ${CACHE[n(v)]}` },
  { name: 'S2OR0', word: 2, hi: 43, lo: 42, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => `stage-2 table fetches, outer: ${CACHE[n(v)]}` },
  { name: 'S2SH0', word: 2, hi: 45, lo: 44, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => `stage-2 table fetches: ${SHARE[n(v)]}` },
  { name: 'S2TG', word: 2, hi: 47, lo: 46, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => `stage 2 uses a ${granuleName(tg0Granule(n(v)))}` },
  { name: 'S2PS', word: 2, hi: 50, lo: 48, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => `stage-2 output (PA) size: ${psName(n(v))}, capped at the OAS` },
  { name: 'S2AA64', word: 2, hi: 51, lo: 51, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'VMSAv8-64 tables', 'VMSAv8-32 LPAE: ILLEGAL on this SMMU') },
  { name: 'S2ENDI', word: 2, hi: 52, lo: 52, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'big-endian tables: ILLEGAL on this SMMU', 'little-endian tables') },
  { name: 'S2AFFD', word: 2, hi: 53, lo: 53, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'AF = 0 is treated as 1 (no Access fault)', 'AF = 0 gives a stage-2 Access fault') },
  {
    name: 'S2PTW', word: 2, hi: 54, lo: 54, fmt: 'bin', ignoredWhen: s2Ignored,
    meaning: (v) => onOff(v, 'a CD fetch or stage-1 walk that stage 2 maps as Device memory faults (stage-2 Permission)', 'no Device-memory check on walks'),
  },
  { name: 'S2HD', word: 2, hi: 55, lo: 55, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'hardware dirty-state update: ILLEGAL here (no HTTU)', 'no hardware dirty-state update') },
  { name: 'S2HA', word: 2, hi: 56, lo: 56, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'hardware Access-flag update: ILLEGAL here (no HTTU)', 'no hardware Access-flag update') },
  { name: 'S2S', word: 2, hi: 57, lo: 57, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'stall stage-2 faults: ILLEGAL here (no stalls)', 'stage-2 faults terminate the transaction') },
  { name: 'S2R', word: 2, hi: 58, lo: 58, fmt: 'bin', ignoredWhen: s2Ignored, meaning: (v) => onOff(v, 'stage-2 faults are recorded in the Event queue', 'stage-2 faults are not recorded') },
  { name: 'S2TTB', word: 3, hi: 51, lo: 4, fmt: 'addr', ignoredWhen: s2Ignored, meaning: (v) => `the stage-2 start table, at PA ${hexGrouped(v)}` },
];

// ---- CD (SMMUv3 §5.4) -------------------------------------------------------------------------

const epd = (c: FieldCtx, x: 0 | 1) => bitOf(c.words[0], x === 0 ? 14 : 30) === 1;
const tt0Ignored = (c: FieldCtx) => (epd(c, 0) ? 'IGNORED: TTB0 walks are disabled (EPD0 = 1)' : null);
const tt1Ignored = (c: FieldCtx) => (epd(c, 1) ? 'IGNORED: TTB1 walks are disabled (EPD1 = 1)' : null);
const space = (c: FieldCtx) => (c.s2 ? 'IPA' : 'PA');

export const CD_FIELDS: readonly FieldDef[] = [
  { name: 'T0SZ', word: 0, hi: 5, lo: 0, fmt: 'dec', ignoredWhen: tt0Ignored, meaning: (v) => `TTB0 translates a ${64 - n(v)}-bit input (IOVA) range (64 - ${v})` },
  { name: 'TG0', word: 0, hi: 7, lo: 6, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: (v) => `TTB0's tables use a ${granuleName(tg0Granule(n(v)))}` },
  { name: 'IR0', word: 0, hi: 9, lo: 8, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: (v) => `TTB0 table fetches, inner: ${CACHE[n(v)]}` },
  { name: 'OR0', word: 0, hi: 11, lo: 10, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: (v) => `TTB0 table fetches, outer: ${CACHE[n(v)]}` },
  { name: 'SH0', word: 0, hi: 13, lo: 12, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: (v) => `TTB0 table fetches: ${SHARE[n(v)]}` },
  { name: 'EPD0', word: 0, hi: 14, lo: 14, fmt: 'bin', meaning: (v) => onOff(v, 'TTB0 walks disabled: a TLB miss in the low half faults', 'TTB0 walks enabled') },
  { name: 'ENDI', word: 0, hi: 15, lo: 15, fmt: 'bin', meaning: (v) => onOff(v, 'big-endian tables: ILLEGAL on this SMMU', 'little-endian tables') },
  { name: 'T1SZ', word: 0, hi: 21, lo: 16, fmt: 'dec', ignoredWhen: tt1Ignored, meaning: (v) => `TTB1 translates a ${64 - n(v)}-bit range at the top of the input space` },
  { name: 'TG1', word: 0, hi: 23, lo: 22, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: (v) => `TTB1's tables use a ${granuleName(tg1Granule(n(v)))} (TG1's own encoding)` },
  { name: 'IR1', word: 0, hi: 25, lo: 24, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: (v) => `TTB1 table fetches, inner: ${CACHE[n(v)]}` },
  { name: 'OR1', word: 0, hi: 27, lo: 26, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: (v) => `TTB1 table fetches, outer: ${CACHE[n(v)]}` },
  { name: 'SH1', word: 0, hi: 29, lo: 28, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: (v) => `TTB1 table fetches: ${SHARE[n(v)]}` },
  { name: 'EPD1', word: 0, hi: 30, lo: 30, fmt: 'bin', meaning: (v) => onOff(v, 'TTB1 walks disabled (Linux uses TTB0 only)', 'TTB1 walks enabled') },
  { name: 'V', word: 0, hi: 31, lo: 31, fmt: 'bin', meaning: (v) => onOff(v, 'valid', 'not valid: the transaction raises C_BAD_CD') },
  { name: 'IPS', word: 0, hi: 34, lo: 32, fmt: 'bin', meaning: (v, c) => `stage-1 output (${space(c)}) size: ${psName(n(v))}, capped at the OAS` },
  { name: 'AFFD', word: 0, hi: 35, lo: 35, fmt: 'bin', meaning: (v) => onOff(v, 'AF = 0 is treated as 1 (no Access fault)', 'AF = 0 gives a stage-1 Access fault') },
  { name: 'WXN', word: 0, hi: 36, lo: 36, fmt: 'bin', meaning: (v) => onOff(v, 'writable means execute-never', 'writable pages may be executable') },
  { name: 'UWXN', word: 0, hi: 37, lo: 37, fmt: 'bin', meaning: (v) => onOff(v, 'unprivileged-writable means privileged execute-never', 'no extra execute-never rule') },
  { name: 'TBI0', word: 0, hi: 38, lo: 38, fmt: 'bin', meaning: (v) => onOff(v, 'top byte ignored in the TTB0 half', 'the top byte of TTB0 addresses is checked') },
  { name: 'TBI1', word: 0, hi: 39, lo: 39, fmt: 'bin', meaning: (v) => onOff(v, 'top byte ignored in the TTB1 half', 'the top byte of TTB1 addresses is checked') },
  { name: 'PAN', word: 0, hi: 40, lo: 40, fmt: 'bin', meaning: (v) => onOff(v, 'privileged data access to EL0 pages faults', 'no Privileged Access Never') },
  { name: 'AA64', word: 0, hi: 41, lo: 41, fmt: 'bin', meaning: (v) => onOff(v, 'VMSAv8-64 tables', 'VMSAv8-32 LPAE: ILLEGAL on this SMMU') },
  { name: 'HD', word: 0, hi: 42, lo: 42, fmt: 'bin', meaning: (v) => onOff(v, 'hardware dirty-state update: ILLEGAL here (no HTTU)', 'no hardware dirty-state update') },
  { name: 'HA', word: 0, hi: 43, lo: 43, fmt: 'bin', meaning: (v) => onOff(v, 'hardware Access-flag update: ILLEGAL here (no HTTU)', 'no hardware Access-flag update') },
  { name: 'S', word: 0, hi: 44, lo: 44, fmt: 'bin', meaning: (v) => onOff(v, 'stall stage-1 faults: ILLEGAL here (no stalls)', 'stage-1 faults terminate') },
  { name: 'R', word: 0, hi: 45, lo: 45, fmt: 'bin', meaning: (v) => onOff(v, 'stage-1 faults are recorded in the Event queue', 'stage-1 faults are not recorded') },
  { name: 'A', word: 0, hi: 46, lo: 46, fmt: 'bin', meaning: (v) => onOff(v, 'a terminated transaction is aborted', 'RAZ/WI on termination: ILLEGAL here (TERM_MODEL = 1)') },
  {
    name: 'ASET', word: 0, hi: 47, lo: 47, fmt: 'bin',
    meaning: (v) => onOff(v, 'an SMMU-private ASID: broadcast TLB invalidation does not apply', 'the ASID is shared with the PEs: broadcast TLBI applies'),
  },
  { name: 'ASID', word: 0, hi: 63, lo: 48, fmt: 'dec', meaning: (v) => `ASID ${v}: tags this context's non-global (nG = 1) TLB entries` },
  { name: 'NSCFG0', word: 1, hi: 0, lo: 0, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: () => 'Secure streams only: IGNORED for this Non-secure stream' },
  { name: 'HAD0', word: 1, hi: 1, lo: 1, fmt: 'bin', ignoredWhen: tt0Ignored, meaning: (v) => onOff(v, 'hierarchical attributes (APTable, XNTable) disabled for TTB0', 'APTable/XNTable apply in TTB0 walks') },
  {
    name: 'TTB0', word: 1, hi: 55, lo: 4, fmt: 'addr', ignoredWhen: tt0Ignored,
    meaning: (v, c) => `the stage-1 start table for the low half, at ${space(c)} ${hexGrouped(v)}${c.s2 ? ' (stage 2 translates it on every walk)' : ''}`,
  },
  { name: 'NSCFG1', word: 2, hi: 0, lo: 0, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: () => 'Secure streams only: IGNORED for this Non-secure stream' },
  { name: 'HAD1', word: 2, hi: 1, lo: 1, fmt: 'bin', ignoredWhen: tt1Ignored, meaning: (v) => onOff(v, 'hierarchical attributes disabled for TTB1', 'APTable/XNTable apply in TTB1 walks') },
  { name: 'TTB1', word: 2, hi: 55, lo: 4, fmt: 'addr', ignoredWhen: tt1Ignored, meaning: (v, c) => `the stage-1 start table for the high half, at ${space(c)} ${hexGrouped(v)}` },
  { name: 'MAIR0', word: 3, hi: 31, lo: 0, fmt: 'hex', meaning: (v) => `memory attributes 0-3 for AttrIndx: ${mairBytes(v)}` },
  { name: 'MAIR1', word: 3, hi: 63, lo: 32, fmt: 'hex', meaning: (v) => `memory attributes 4-7 for AttrIndx: ${mairBytes(v)}` },
];

function mairBytes(v: bigint): string {
  const out: string[] = [];
  for (let i = 0; i < 4; i++) out.push(`0x${fld(v, 8 * i + 7, 8 * i).toString(16).padStart(2, '0')}`);
  return out.join(', ');
}

/** A field's raw value, right-aligned (an address field: the address, low bits zero). */
export function fieldValue(f: FieldDef, words: readonly bigint[]): bigint {
  const w = words[f.word] ?? 0n;
  const v = (w >> BigInt(f.lo)) & ((1n << BigInt(f.hi - f.lo + 1)) - 1n);
  return f.fmt === 'addr' ? v << BigInt(f.lo) : v;
}

/** The value as the view shows it: 0b111, 16, 0x7fff_b000, 0xf404ff44. */
export function showFieldValue(f: FieldDef, v: bigint): string {
  const width = f.hi - f.lo + 1;
  switch (f.fmt) {
    case 'addr': return hexGrouped(v);
    case 'hex': return `0x${v.toString(16)}`;
    case 'dec': return v.toString(10);
    case 'bin': return width === 1 ? v.toString(10) : `0b${v.toString(2).padStart(width, '0')}`;
  }
}
