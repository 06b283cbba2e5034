// CD decode (SMMUv3 §5.4 and its CdIllegal() pseudocode; primer §2.5; Linux CTXDESC_CD_*).
// Returns the decoded stage-1 configuration or why the CD is ILLEGAL (C_BAD_CD).

import { bit, field, fieldBig } from '../bits';
import { PS_BITS, s1StartLevel, type GranuleShift } from '../vmsa/geometry';
import type { Regime } from '../vmsa/walk';
import { tg0Granule } from './ste';

export const CD_WORDS = 8;

export const CD_T0SZ = (w: bigint[]) => field(w[0], 5, 0);
export const CD_TG0 = (w: bigint[]) => field(w[0], 7, 6);
export const CD_EPD0 = (w: bigint[]) => bit(w[0], 14);
export const CD_ENDI = (w: bigint[]) => bit(w[0], 15);
export const CD_T1SZ = (w: bigint[]) => field(w[0], 21, 16);
export const CD_TG1 = (w: bigint[]) => field(w[0], 23, 22);
export const CD_EPD1 = (w: bigint[]) => bit(w[0], 30);
export const CD_V = (w: bigint[]) => bit(w[0], 31);
export const CD_IPS = (w: bigint[]) => field(w[0], 34, 32);
export const CD_AFFD = (w: bigint[]) => bit(w[0], 35);
export const CD_WXN = (w: bigint[]) => bit(w[0], 36);
export const CD_UWXN = (w: bigint[]) => bit(w[0], 37);
export const CD_TBI0 = (w: bigint[]) => bit(w[0], 38);
export const CD_TBI1 = (w: bigint[]) => bit(w[0], 39);
export const CD_PAN = (w: bigint[]) => bit(w[0], 40);
export const CD_AA64 = (w: bigint[]) => bit(w[0], 41);
export const CD_HD = (w: bigint[]) => bit(w[0], 42);
export const CD_HA = (w: bigint[]) => bit(w[0], 43);
export const CD_S = (w: bigint[]) => bit(w[0], 44);
export const CD_R = (w: bigint[]) => bit(w[0], 45);
export const CD_A = (w: bigint[]) => bit(w[0], 46);
export const CD_ASET = (w: bigint[]) => bit(w[0], 47);
export const CD_ASID = (w: bigint[]) => field(w[0], 63, 48);
export const CD_HAD0 = (w: bigint[]) => bit(w[1], 1);                     // CD bit 65
export const CD_TTB0 = (w: bigint[]) => fieldBig(w[1], 55, 4) << 4n;      // bits 119:68 = addr[55:4]
export const CD_HAD1 = (w: bigint[]) => bit(w[2], 1);                     // CD bit 129
export const CD_TTB1 = (w: bigint[]) => fieldBig(w[2], 55, 4) << 4n;      // bits 183:132
export const CD_MAIR0 = (w: bigint[]) => field(w[3], 31, 0);
export const CD_MAIR1 = (w: bigint[]) => Number(w[3] >> 32n);

/** TG1 has its own encoding (TCR_EL1.TG1): 01 16K, 10 4K, 11 64K, 00 reserved. */
export function tg1Granule(tg: number): GranuleShift | null {
  return tg === 1 ? 14 : tg === 2 ? 12 : tg === 3 ? 16 : null;
}

export interface CdConfig {
  words: bigint[];
  asid: number;
  /** ASET: 0 = ASID shared with the PEs, 1 = SMMU-private (global entries do not cross). */
  aset: number;
  /** TTB0 and TTB1 regimes; null where EPDx = 1 (walks through it fault). */
  tt: [Regime | null, Regime | null];
  /** TxSZ of each half, kept for the input-range check even where EPDx = 1. */
  txsz: [number, number];
  tbi: [boolean, boolean];
  r: boolean;
  wxn: boolean;
  pan: boolean;
}

export type CdDecode = { ok: true; cd: CdConfig } | { ok: false; why: string };

/** Decode and validate a CD for an SMMU with the given OAS. */
export function decodeCd(w: bigint[], oas: number): CdDecode {
  const bad = (why: string): CdDecode => ({ ok: false, why });
  if (CD_V(w) === 0) return bad('V = 0');
  if (CD_S(w) === 1) return bad('S = 1 but stalls are unsupported (STALL_MODEL = 0b01)');
  if (CD_A(w) === 0) return bad('A = 0 but this SMMU always aborts terminated transactions (TERM_MODEL = 1)');
  const epd = [CD_EPD0(w) === 1, CD_EPD1(w) === 1];
  if ((!epd[0] || !epd[1]) && CD_ENDI(w) === 1) return bad('ENDI = 1 selects big-endian tables, which this SMMU does not support');
  if (CD_AA64(w) === 0) return bad('AA64 = 0 selects VMSAv8-32 LPAE, which this SMMU does not support');
  if (CD_HA(w) === 1 || CD_HD(w) === 1) return bad('HA/HD set but this SMMU has no HTTU');
  // Effective IPS = MIN(IPS, OAS); 52 bits (0b110) and the reserved 0b111 are capped too.
  const ips = CD_IPS(w);
  const outputBits = Math.min(ips < PS_BITS.length ? PS_BITS[ips] : 52, oas);
  const cd: CdConfig = {
    words: w, asid: CD_ASID(w), aset: CD_ASET(w), tt: [null, null], txsz: [CD_T0SZ(w), CD_T1SZ(w)],
    tbi: [CD_TBI0(w) === 1, CD_TBI1(w) === 1], r: CD_R(w) === 1, wxn: CD_WXN(w) === 1, pan: CD_PAN(w) === 1,
  };
  for (const x of [0, 1] as const) {
    if (epd[x]) continue;
    const g = x === 0 ? tg0Granule(CD_TG0(w)) : tg1Granule(CD_TG1(w));
    if (g === null) return bad(`TG${x} = 0b${(x === 0 ? CD_TG0(w) : CD_TG1(w)).toString(2).padStart(2, '0')} is reserved`);
    const txsz = cd.txsz[x];
    if (txsz < 16 || txsz > 39) return bad(`T${x}SZ = ${txsz} is outside 16..39`);
    const ttb = x === 0 ? CD_TTB0(w) : CD_TTB1(w);
    if (ttb >= 1n << BigInt(outputBits)) return bad(`TTB${x} 0x${ttb.toString(16)} is beyond the effective IPS (${outputBits} bits)`);
    const inputBits = 64 - txsz;
    const start = s1StartLevel(g, inputBits);
    const idxBits = inputBits - (g + (3 - start) * (g - 3));
    const tableBytes = 2 ** idxBits * 8;
    const ttbN = Number(ttb);
    cd.tt[x] = {
      stage: 1, g, inputBits, startLevel: start, startIdxMask: 2 ** idxBits - 1,
      ttb: ttbN - (ttbN % Math.max(tableBytes, 8)), outputBits, affd: CD_AFFD(w) === 1,
      had: (x === 0 ? CD_HAD0(w) : CD_HAD1(w)) === 1,
    };
  }
  return { ok: true, cd };
}
