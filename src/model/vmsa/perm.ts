// Permission checks (ARM ARM D8.4; primer §1.4). Kept apart from the walk because they
// depend on the access, and a TLB hit re-checks them against the cached leaf.

import { descAP, descPXN, descUXN } from './descriptor';

/** Access bits: a write (RnW = 0), privileged (PnU = 1), an instruction fetch (InD = 1). */
export const ACC_WRITE = 1;
export const ACC_PRIV = 2;
export const ACC_INSTR = 4;

export interface S1PermCtl {
  /** CD.WXN: writable implies execute-never. */
  wxn: boolean;
  /** CD.PAN: privileged data access to EL0-accessible pages faults. */
  pan: boolean;
}

/** Stage 1, two-privilege regime (NS-EL1). AP[2:1] (D8.4.1): AP[1] (bit 6) grants EL0 access,
 *  AP[2] (bit 7) makes the page read-only. APTable[0] (bit 61) removes EL0 access below,
 *  APTable[1] (bit 62) removes write access below. Returns true on a Permission fault. */
export function s1PermFault(lo: number, hi: number, apTable: number, pxnTable: number, uxnTable: number,
  acc: number, ctl: S1PermCtl): boolean {
  const ap = descAP(lo);
  const el0 = (ap & 1) !== 0 && (apTable & 1) === 0;          // unprivileged access allowed
  const ro = (ap & 2) !== 0 || (apTable & 2) !== 0;           // no write at any level
  const priv = (acc & ACC_PRIV) !== 0;
  if ((acc & ACC_WRITE) !== 0) {
    if (ro) return true;
    return priv ? ctl.pan && el0 : !el0;
  }
  if ((acc & ACC_INSTR) !== 0) {
    const writable = !ro;
    if (priv) {
      // An EL0-writable page is never executable at EL1 (the SMMU's UWXN note, smmu-5.4.md).
      return descPXN(hi) !== 0 || pxnTable !== 0 || (el0 && writable) || (ctl.wxn && writable);
    }
    // Unprivileged execution needs no unprivileged read (execute-only, ARM ARM Table D8-65); WXN removes
    // it only where UnprivWrite is present (R FYMXJ).
    return descUXN(hi) !== 0 || uxnTable !== 0 || (ctl.wxn && el0 && writable);
  }
  return priv ? ctl.pan && el0 : !el0;
}

/** Stage 2 (D8.4.2): S2AP bit 6 grants read, bit 7 grants write, for EL1 and EL0 alike;
 *  XN[1] (bit 54) forbids execution (without FEAT_XNX, bit 53 is RES0). */
export function s2PermFault(lo: number, hi: number, acc: number): boolean {
  const s2ap = descAP(lo);
  if ((acc & ACC_WRITE) !== 0) return (s2ap & 2) === 0;
  if ((acc & ACC_INSTR) !== 0) return descUXN(hi) !== 0;       // execute-only is legal (Table D8-77)
  return (s2ap & 1) === 0;
}
