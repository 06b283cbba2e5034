// Encoders for STEs and CDs: the words a driver writes (Linux arm_smmu_make_*_ste/cd in
// spirit). Only fields given are set; field positions are those decode reads (ste.ts, cd.ts).

import { setField } from '../bits';

export const STE_CFG = { abort: 0b000, bypass: 0b100, s1: 0b101, s2: 0b110, nested: 0b111 } as const;

export interface SteFields {
  v?: number; config: number;
  s1Fmt?: number; s1ContextPtr?: bigint; s1CdMax?: number; s1Dss?: number; s1StallD?: number;
  privCfg?: number; instCfg?: number;
  s2Vmid?: number; s2T0sz?: number; s2Sl0?: number; s2Tg?: number; s2Ps?: number; s2Aa64?: number;
  s2Endi?: number; s2Affd?: number; s2Ptw?: number; s2Hd?: number; s2Ha?: number; s2S?: number; s2R?: number;
  s2Ttb?: bigint;
}

export function encodeSte(f: SteFields): bigint[] {
  const w = new Array<bigint>(8).fill(0n);
  w[0] = setField(w[0], 0, 0, f.v ?? 1);
  w[0] = setField(w[0], 3, 1, f.config);
  w[0] = setField(w[0], 5, 4, f.s1Fmt ?? 0);
  w[0] = setField(w[0], 55, 6, (f.s1ContextPtr ?? 0n) >> 6n);
  w[0] = setField(w[0], 63, 59, f.s1CdMax ?? 0);
  w[1] = setField(w[1], 1, 0, f.s1Dss ?? 0);
  w[1] = setField(w[1], 27, 27, f.s1StallD ?? 0);
  w[1] = setField(w[1], 49, 48, f.privCfg ?? 0);
  w[1] = setField(w[1], 51, 50, f.instCfg ?? 0);
  w[2] = setField(w[2], 15, 0, f.s2Vmid ?? 0);
  w[2] = setField(w[2], 37, 32, f.s2T0sz ?? 0);
  w[2] = setField(w[2], 39, 38, f.s2Sl0 ?? 0);
  w[2] = setField(w[2], 47, 46, f.s2Tg ?? 0);
  w[2] = setField(w[2], 50, 48, f.s2Ps ?? 0);
  w[2] = setField(w[2], 51, 51, f.s2Aa64 ?? 1);
  w[2] = setField(w[2], 52, 52, f.s2Endi ?? 0);
  w[2] = setField(w[2], 53, 53, f.s2Affd ?? 0);
  w[2] = setField(w[2], 54, 54, f.s2Ptw ?? 0);
  w[2] = setField(w[2], 55, 55, f.s2Hd ?? 0);
  w[2] = setField(w[2], 56, 56, f.s2Ha ?? 0);
  w[2] = setField(w[2], 57, 57, f.s2S ?? 0);
  w[2] = setField(w[2], 58, 58, f.s2R ?? 1);
  w[3] = setField(w[3], 51, 4, (f.s2Ttb ?? 0n) >> 4n);
  return w;
}

export interface CdFields {
  v?: number; t0sz: number; tg0?: number; epd0?: number; endi?: number; t1sz?: number; tg1?: number; epd1?: number;
  ips?: number; affd?: number; wxn?: number; uwxn?: number; tbi0?: number; tbi1?: number; pan?: number;
  aa64?: number; hd?: number; ha?: number; s?: number; r?: number; a?: number; aset?: number; asid?: number;
  had0?: number; ttb0?: bigint; had1?: number; ttb1?: bigint; mair0?: number; mair1?: number;
}

export function encodeCd(f: CdFields): bigint[] {
  const w = new Array<bigint>(8).fill(0n);
  const set = (i: number, hi: number, lo: number, v: number | bigint) => { w[i] = setField(w[i], hi, lo, v); };
  set(0, 5, 0, f.t0sz); set(0, 7, 6, f.tg0 ?? 0); set(0, 14, 14, f.epd0 ?? 0); set(0, 15, 15, f.endi ?? 0);
  set(0, 21, 16, f.t1sz ?? 0); set(0, 23, 22, f.tg1 ?? 0); set(0, 30, 30, f.epd1 ?? (f.ttb1 === undefined ? 1 : 0));
  set(0, 31, 31, f.v ?? 1); set(0, 34, 32, f.ips ?? 0b101); set(0, 35, 35, f.affd ?? 0); set(0, 36, 36, f.wxn ?? 0);
  set(0, 37, 37, f.uwxn ?? 0); set(0, 38, 38, f.tbi0 ?? 0); set(0, 39, 39, f.tbi1 ?? 0); set(0, 40, 40, f.pan ?? 0);
  set(0, 41, 41, f.aa64 ?? 1); set(0, 42, 42, f.hd ?? 0); set(0, 43, 43, f.ha ?? 0); set(0, 44, 44, f.s ?? 0);
  set(0, 45, 45, f.r ?? 1); set(0, 46, 46, f.a ?? 1); set(0, 47, 47, f.aset ?? 0); set(0, 63, 48, f.asid ?? 0);
  set(1, 1, 1, f.had0 ?? 0); set(1, 55, 4, (f.ttb0 ?? 0n) >> 4n);
  set(2, 1, 1, f.had1 ?? 0); set(2, 55, 4, (f.ttb1 ?? 0n) >> 4n);
  set(3, 31, 0, f.mair0 ?? 0); set(3, 63, 32, f.mair1 ?? 0);
  return w;
}
