// STE decode (SMMUv3 §5.2; primer §2.3-2.4; Linux STRTAB_STE_*; QEMU STE_*). One helper per
// architectural field, named after it; `decodeSte` returns the config or why it is ILLEGAL
// (C_BAD_STE), so the trace can say which field broke it.

import { bit, field, fieldBig } from '../bits';
import { PS_BITS, s2StartLevel, startIndexBits, type GranuleShift } from '../vmsa/geometry';
import type { Regime } from '../vmsa/walk';
import { SSIDSIZE } from './features';

export const STE_WORDS = 8;

// Field accessors over the eight 64-bit words (STE bit n is word n>>6, bit n&63).
export const STE_V = (w: bigint[]) => bit(w[0], 0);
export const STE_Config = (w: bigint[]) => field(w[0], 3, 1);
export const STE_S1Fmt = (w: bigint[]) => field(w[0], 5, 4);
export const STE_S1ContextPtr = (w: bigint[]) => fieldBig(w[0], 55, 6) << 6n;
export const STE_S1CDMax = (w: bigint[]) => field(w[0], 63, 59);
export const STE_S1DSS = (w: bigint[]) => field(w[1], 1, 0);
export const STE_S1STALLD = (w: bigint[]) => bit(w[1], 27);       // STE bit 91
export const STE_PRIVCFG = (w: bigint[]) => field(w[1], 49, 48);  // bits 113:112
export const STE_INSTCFG = (w: bigint[]) => field(w[1], 51, 50);  // bits 115:114
export const STE_S2VMID = (w: bigint[]) => field(w[2], 15, 0);    // bits 143:128
export const STE_S2T0SZ = (w: bigint[]) => field(w[2], 37, 32);   // bits 165:160
export const STE_S2SL0 = (w: bigint[]) => field(w[2], 39, 38);    // bits 167:166
export const STE_S2TG = (w: bigint[]) => field(w[2], 47, 46);     // bits 175:174
export const STE_S2PS = (w: bigint[]) => field(w[2], 50, 48);     // bits 178:176
export const STE_S2AA64 = (w: bigint[]) => bit(w[2], 51);         // bit 179
export const STE_S2ENDI = (w: bigint[]) => bit(w[2], 52);         // bit 180
export const STE_S2AFFD = (w: bigint[]) => bit(w[2], 53);         // bit 181
export const STE_S2PTW = (w: bigint[]) => bit(w[2], 54);          // bit 182
export const STE_S2HD = (w: bigint[]) => bit(w[2], 55);           // bit 183
export const STE_S2HA = (w: bigint[]) => bit(w[2], 56);           // bit 184
export const STE_S2S = (w: bigint[]) => bit(w[2], 57);            // bit 185
export const STE_S2R = (w: bigint[]) => bit(w[2], 58);            // bit 186
export const STE_S2TTB = (w: bigint[]) => fieldBig(w[3], 51, 4) << 4n;  // bits 243:196 = addr[51:4]

/** S2TG and CD.TG0 share this encoding: 00 4K, 01 64K, 10 16K, 11 reserved. */
export function tg0Granule(tg: number): GranuleShift | null {
  return tg === 0 ? 12 : tg === 1 ? 16 : tg === 2 ? 14 : null;
}

export type SteKind = 'abort' | 'bypass' | 's1' | 's2' | 'nested';

export interface SteConfig {
  words: bigint[];
  kind: SteKind;
  /** Config[0]: stage 1 translates; Config[1]: stage 2 translates. */
  s1: boolean;
  s2: boolean;
  s1Fmt: number;
  s1ContextPtr: number;
  s1CdMax: number;
  s1Dss: number;
  privCfg: number;
  instCfg: number;
  vmid: number;
  /** Stage 2's regime (S2TTB, S2T0SZ, S2SL0, S2TG, S2PS, S2AFFD); null if stage 2 is off. */
  s2Regime: Regime | null;
  s2r: boolean;
  s2ptw: boolean;
}

export type SteDecode = { ok: true; ste: SteConfig } | { ok: false; why: string };

function illegal(why: string): SteDecode {
  return { ok: false, why };
}

/** Decode and validate an STE for an SMMU with the given OAS (= IAS here). */
export function decodeSte(w: bigint[], oas: number): SteDecode {
  if (STE_V(w) === 0) return illegal('V = 0');
  const config = STE_Config(w);
  const base = {
    words: w, s1Fmt: 0, s1ContextPtr: 0, s1CdMax: 0, s1Dss: 0, privCfg: STE_PRIVCFG(w), instCfg: STE_INSTCFG(w),
    vmid: 0, s2Regime: null, s2r: false, s2ptw: false,
  };
  // Config[2] = 0: abort (0b000; 0b001-0b011 are reserved and behave as 0b000), no event.
  if ((config & 4) === 0) return { ok: true, ste: { ...base, kind: 'abort', s1: false, s2: false } };
  if (config === 4) return { ok: true, ste: { ...base, kind: 'bypass', s1: false, s2: false } };
  const s1 = (config & 1) !== 0;
  const s2 = (config & 2) !== 0;
  // §5.2 S2VMID: NS-EL1 translations are VMID-tagged when stage 1 *or* stage 2 translates (S2P = 1).
  const ste: SteConfig = { ...base, kind: s1 && s2 ? 'nested' : s1 ? 's1' : 's2', s1, s2, vmid: STE_S2VMID(w) };

  if (s2) {
    const r = decodeS2(w, oas);
    if (typeof r === 'string') return illegal(r);
    ste.s2Regime = r;
    ste.s2r = STE_S2R(w) === 1;
    ste.s2ptw = STE_S2PTW(w) === 1;
  }
  if (s1) {
    ste.s1Fmt = STE_S1Fmt(w) === 3 ? 0 : STE_S1Fmt(w);        // 0b11 reserved, behaves as 0b00
    ste.s1CdMax = STE_S1CDMax(w);
    ste.s1Dss = STE_S1DSS(w) === 3 ? 0 : STE_S1DSS(w);        // 0b11 reserved, behaves as 0b00
    if (ste.s1CdMax > SSIDSIZE) return illegal(`S1CDMax = ${ste.s1CdMax} exceeds SSIDSIZE (${SSIDSIZE})`);
    if (STE_S1STALLD(w) === 1) return illegal('S1STALLD = 1 but stalls are unsupported (STALL_MODEL = 0b01)');
    const ptr = STE_S1ContextPtr(w);
    // §3.4.3: an S1ContextPtr beyond the IAS (stage 2 on) or OAS (stage 1 only) is C_BAD_STE
    // (SMMUv3.1; with stage 2 the architecture also allows a stage-2 fault: we pick C_BAD_STE).
    if (ptr >= 1n << BigInt(oas)) return illegal(`S1ContextPtr 0x${ptr.toString(16)} is beyond the ${s2 ? 'IAS' : 'OAS'} (${oas} bits)`);
    ste.s1ContextPtr = Number(ptr);
  }
  return { ok: true, ste };
}

/** Stage-2 fields (§5.2 S2T0SZ, S2SL0, S2TG, S2PS, S2AA64, S2ENDI, S2HA/S2HD, S2S, S2TTB). */
function decodeS2(w: bigint[], oas: number): Regime | string {
  if (STE_S2AA64(w) === 0) return 'S2AA64 = 0 selects VMSAv8-32 LPAE, which this SMMU does not support';
  if (STE_S2ENDI(w) === 1) return 'S2ENDI = 1 selects big-endian tables, which this SMMU does not support';
  if (STE_S2HA(w) === 1 || STE_S2HD(w) === 1) return 'S2HA/S2HD set but this SMMU has no HTTU';
  if (STE_S2S(w) === 1) return 'S2S = 1 but stalls are unsupported (STALL_MODEL = 0b01)';
  const g = tg0Granule(STE_S2TG(w));
  if (g === null) return 'S2TG = 0b11 is reserved';
  const t0sz = STE_S2T0SZ(w);
  // SMMUv3.1: S2T0SZ in MAX(16, 64 - IAS)..39 without STT, else ILLEGAL.
  const minT0sz = Math.max(16, 64 - oas);
  if (t0sz < minT0sz || t0sz > 39) return `S2T0SZ = ${t0sz} is outside ${minT0sz}..39`;
  const inputBits = 64 - t0sz;
  const start = s2StartLevel(g, STE_S2SL0(w));
  const idxBits = start === null ? null : startIndexBits(g, inputBits, start);
  if (start === null || idxBits === null) {
    return `S2SL0 = ${STE_S2SL0(w)} is inconsistent with S2T0SZ = ${t0sz} and a ${2 ** (g - 10)}K granule`;
  }
  // eff_S2PS = MIN(S2PS, OAS); reserved values behave as the cap.
  const ps = STE_S2PS(w);
  const outputBits = Math.min(ps < PS_BITS.length ? PS_BITS[ps] : 52, oas);
  // S2TTB: bits below the start table's alignment are treated as zero; out of range is ILLEGAL.
  const ttb = STE_S2TTB(w);
  if (ttb >= 1n << BigInt(outputBits)) return `S2TTB 0x${ttb.toString(16)} is beyond the effective S2PS (${outputBits} bits)`;
  const tableBytes = 2 ** idxBits * 8;
  const ttbN = Number(ttb);
  return {
    stage: 2, g, inputBits, startLevel: start, startIdxMask: 2 ** idxBits - 1,
    ttb: ttbN - (ttbN % Math.max(tableBytes, 8)), outputBits, affd: STE_S2AFFD(w) === 1, had: true,
  };
}
