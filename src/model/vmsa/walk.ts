// One VMSAv8-64 table walk for either stage, as the SMMU performs it (ARM ARM D8.15.4 order;
// primer §1.5). Number-typed and allocation-free: the caller owns the WalkOut it reuses.
// Stages differ only at the edges: stage 1 accumulates hierarchical attributes and, when
// nested, hands each descriptor's IPA to stage 2 first (WalkEnv.descToPa).

import { POW2 } from '../bits';
import type { PhysMem } from '../mem';
import { blockAllowed, levelShift, type GranuleShift } from './geometry';
import { DESC_AF, DESC_TABLE, DESC_VALID, descAPTable, descAddr, descPXNTable, descUXNTable } from './descriptor';

export const FAULT_NONE = 0;
export const FAULT_TRANSLATION = 1;   // F_TRANSLATION
export const FAULT_ADDR_SIZE = 2;     // F_ADDR_SIZE
export const FAULT_ACCESS = 3;        // F_ACCESS
export const FAULT_PERMISSION = 4;    // F_PERMISSION
export const FAULT_WALK_EABT = 5;     // F_WALK_EABT
/** Set by descToPa: stage 2 faulted while translating a stage-1 descriptor's IPA. */
export const FAULT_IN_S2 = 6;

/** One stage's translation regime, decoded from a CD's TTBx or from an STE's S2 fields. */
export interface Regime {
  stage: 1 | 2;
  g: GranuleShift;
  inputBits: number;
  startLevel: number;
  /** (entries in the start table) - 1; above 2^(g-3) - 1 for concatenated stage-2 tables. */
  startIdxMask: number;
  /** Start table base: a PA, or an IPA for nested stage 1. */
  ttb: number;
  /** Effective output size: min(IPS, OAS) for stage 1, min(S2PS, OAS) for stage 2. */
  outputBits: number;
  /** AFFD / S2AFFD: AF = 0 is treated as 1 (no F_ACCESS). */
  affd: boolean;
  /** Stage 1: HADx, hierarchical attributes (APTable, XNTable) disabled. */
  had: boolean;
}

/** The result of a walk, reused across walks. */
export class WalkOut {
  fault = FAULT_NONE;
  /** Level of the last descriptor read (the faulting one on a fault). */
  level = 0;
  /** Output address of the leaf, offset included. */
  oa = 0;
  /** log2 of the leaf's mapping size. */
  blockShift = 0;
  /** The leaf descriptor's halves. */
  lo = 0;
  hi = 0;
  /** Accumulated table attributes (stage 1, unless HAD). */
  apTable = 0;
  pxnTable = 0;
  uxnTable = 0;
}

export interface WalkEnv {
  mem: PhysMem;
  /** Translate a nested stage-1 descriptor's IPA to its PA; -1 if stage 2 faulted (the env
   *  records the stage-2 fault). Only called for stage 1 when `nested` is set. */
  descToPa(ipa: number, s1Level: number): number;
  /** Every descriptor read, for the trace and the read counters. */
  onFetch(r: Regime, pa: number, lo: number, hi: number, level: number, ipa: number): void;
}

/** Walk `r` for input address `ia` (a number: the input bits below 2^inputBits; callers have
 *  done the range checks). Returns true on success; on failure out.fault says why. */
export function walk(env: WalkEnv, r: Regime, ia: number, nested: boolean, out: WalkOut): boolean {
  const g = r.g;
  const mem = env.mem;
  let base = r.ttb;
  let level = r.startLevel;
  let idxMask = r.startIdxMask;
  let apTable = 0, pxnTable = 0, uxnTable = 0;
  const hier = r.stage === 1 && !r.had;
  for (;;) {
    const shift = levelShift(g, level);
    const descIa = base + (Math.floor(ia / POW2[shift]) & idxMask) * 8;
    out.level = level;
    // Nested: the descriptor's address is an IPA; stage 2 translates it first.
    let descPa = descIa;
    if (nested) {
      descPa = env.descToPa(descIa, level);
      if (descPa < 0) { out.fault = FAULT_IN_S2; return false; }
    }
    const page = mem.pageOf(descPa);
    const i = (descPa & 0xff8) >>> 2;
    const lo = page === undefined ? 0 : page[i];
    const hi = page === undefined ? 0 : page[i + 1];
    env.onFetch(r, descPa, lo, hi, level, descIa);
    // Valid entry?
    if ((lo & DESC_VALID) === 0) { out.fault = FAULT_TRANSLATION; return false; }
    let leafShift: number;
    if (level === 3) {
      if ((lo & DESC_TABLE) === 0) { out.fault = FAULT_TRANSLATION; return false; }  // reserved
      leafShift = g;
    } else if ((lo & DESC_TABLE) !== 0) {
      // Table: its next-level address must fit the output size too (ARM ARM D8.15.4).
      const next = descAddr(lo, hi, g);
      if (next >= POW2[r.outputBits]) { out.fault = FAULT_ADDR_SIZE; return false; }
      if (hier) { apTable |= descAPTable(hi); pxnTable |= descPXNTable(hi); uxnTable |= descUXNTable(hi); }
      // Take it to the next level.
      base = next;
      level++;
      idxMask = (1 << (g - 3)) - 1;
      continue;
    } else {
      if (!blockAllowed(g, level)) { out.fault = FAULT_TRANSLATION; return false; }
      leafShift = shift;
    }
    // Leaf: output address size, then the access flag. Permissions are the caller's (they
    // depend on the access, and a TLB hit re-checks them).
    const oaBase = descAddr(lo, hi, leafShift);
    if (oaBase >= POW2[r.outputBits]) { out.fault = FAULT_ADDR_SIZE; return false; }
    if (!r.affd && (lo & DESC_AF) === 0) { out.fault = FAULT_ACCESS; return false; }
    out.fault = FAULT_NONE;
    out.blockShift = leafShift;
    out.oa = oaBase + (ia % POW2[leafShift]);
    out.lo = lo;
    out.hi = hi;
    out.apTable = apTable;
    out.pxnTable = pxnTable;
    out.uxnTable = uxnTable;
    return true;
  }
}
