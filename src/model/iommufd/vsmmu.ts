// The Arm SMMUv3 side of iommufd nesting, as drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c
// does it: the guest's STE words are checked (arm_smmu_validate_vste()) and turned into the
// physical STE (arm_smmu_make_nested_domain_ste()); raw guest commands are rewritten
// (arm_vsmmu_convert_user_cmd()); events are forwarded with the vSID
// (arm_smmu_handle_event() -> arm_vmaster_report_event()).
// Field masks: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h (STRTAB_STE_*, CMDQ_*, EVTQ_*).

import { ERRNO } from '../vfio/errno';

const genmask = (h: number, l: number) => ((1n << BigInt(h - l + 1)) - 1n) << BigInt(l);

// STE word 0 and 1 fields (arm-smmu-v3.h).
export const STRTAB_STE_0_V = 1n;
export const STRTAB_STE_0_CFG = genmask(3, 1);
export const STRTAB_STE_0_S1FMT = genmask(5, 4);
export const STRTAB_STE_0_S1CTXPTR_MASK = genmask(51, 6);
export const STRTAB_STE_0_S1CDMAX = genmask(63, 59);
export const STRTAB_STE_1_S1DSS = genmask(1, 0);
export const STRTAB_STE_1_S1CIR = genmask(3, 2);
export const STRTAB_STE_1_S1COR = genmask(5, 4);
export const STRTAB_STE_1_S1CSH = genmask(7, 6);
/** STE bit 83: merge events (DoS mitigation on the event queue). */
export const STRTAB_STE_1_MEV = 1n << 19n;
export const STRTAB_STE_1_S1STALLD = 1n << 27n;
export const STRTAB_STE_1_EATS = genmask(29, 28);
export const STRTAB_STE_1_EATS_ABT = 0n;
export const STRTAB_STE_1_EATS_TRANS = 1n;
/** STRTAB_STE_1_SHCFG = INCOMING (0b01 at [45:44]): what arm_smmu_make_s2_domain_ste() writes. */
export const STRTAB_STE_1_SHCFG_INCOMING = 1n << 44n;

export const STRTAB_STE_0_CFG_ABORT = 0n;
export const STRTAB_STE_0_CFG_BYPASS = 4n;
export const STRTAB_STE_0_CFG_S1_TRANS = 5n;
export const STRTAB_STE_0_CFG_S2_TRANS = 6n;
export const STRTAB_STE_0_CFG_NESTED = 7n;

/** The bits user space may set ("These bits can be controlled by userspace for
 *  STRTAB_STE_0_CFG_NESTED"); EATS joined word 1 with the vIOMMU's ATS support. */
export const STRTAB_STE_0_NESTING_ALLOWED =
  STRTAB_STE_0_V | STRTAB_STE_0_CFG | STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK | STRTAB_STE_0_S1CDMAX;
export const STRTAB_STE_1_NESTING_ALLOWED =
  STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR | STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH | STRTAB_STE_1_S1STALLD | STRTAB_STE_1_EATS;

const cfgOf = (w0: bigint) => (w0 & STRTAB_STE_0_CFG) >> 1n;

export interface VsteResult {
  /** The words the nested domain keeps: ste[1] without EATS. */
  ste: [bigint, bigint];
  enableAts: boolean;
}

/** arm_smmu_validate_vste() then arm_vsmmu_alloc_domain_nested()'s copy: a V = 0 STE becomes all
 *  zero; a bit outside NESTING_ALLOWED, a Config other than abort/bypass/S1, or EATS other than
 *  0 or 1 is -EIO ("EIO is reserved for invalid STE data"). Returns a positive errno on failure. */
export function validateVste(ste: readonly [bigint, bigint]): VsteResult | { errno: number; why: string } {
  let [w0, w1] = ste;
  if ((w0 & STRTAB_STE_0_V) === 0n) return { ste: [0n, 0n], enableAts: false };
  if ((w0 & ~STRTAB_STE_0_NESTING_ALLOWED) !== 0n || (w1 & ~STRTAB_STE_1_NESTING_ALLOWED) !== 0n) {
    const bad0 = w0 & ~STRTAB_STE_0_NESTING_ALLOWED, bad1 = w1 & ~STRTAB_STE_1_NESTING_ALLOWED;
    return { errno: ERRNO.EIO, why: `STE bits outside NESTING_ALLOWED: dword0 0x${bad0.toString(16)}, dword1 0x${bad1.toString(16)}` };
  }
  const cfg = cfgOf(w0);
  if (cfg !== STRTAB_STE_0_CFG_ABORT && cfg !== STRTAB_STE_0_CFG_BYPASS && cfg !== STRTAB_STE_0_CFG_S1_TRANS) {
    return { errno: ERRNO.EIO, why: `STE.Config 0b${cfg.toString(2).padStart(3, '0')} is not abort, bypass or S1 translate` };
  }
  const eats = (w1 & STRTAB_STE_1_EATS) >> 28n;
  w1 &= ~STRTAB_STE_1_EATS;
  if (eats !== STRTAB_STE_1_EATS_ABT && eats !== STRTAB_STE_1_EATS_TRANS) {
    return { errno: ERRNO.EIO, why: `STE.EATS ${eats} is neither 0 (no ATS) nor 1 (full ATS)` };
  }
  return { ste: [w0, w1], enableAts: cfg === STRTAB_STE_0_CFG_S1_TRANS && eats === STRTAB_STE_1_EATS_TRANS };
}

/** arm_smmu_make_s2_domain_ste(): S2-only STE of the parent (ATS off). */
export function makeS2DomainSte(s2Words: readonly [bigint, bigint]): [bigint, bigint, bigint, bigint] {
  return [STRTAB_STE_0_V | (STRTAB_STE_0_CFG_S2_TRANS << 1n), STRTAB_STE_1_SHCFG_INCOMING, s2Words[0], s2Words[1]];
}

/** arm_smmu_make_abort_ste(): V | CFG_ABORT, nothing else. */
export function makeAbortSte(): [bigint, bigint, bigint, bigint] {
  return [STRTAB_STE_0_V | (STRTAB_STE_0_CFG_ABORT << 1n), 0n, 0n, 0n];
}

/** arm_smmu_make_nested_domain_ste(): V = 0 -> abort (so the VMM can emulate C_BAD_STE); abort ->
 *  abort; bypass -> the parent's S2-only STE; S1 -> arm_smmu_make_nested_cd_table_ste(): the
 *  parent's S2 STE with word 0 = V | CFG_NESTED | (guest word 0 without CFG), word 1 |= guest
 *  word 1 | MEV. */
export function makeNestedDomainSte(vste: readonly [bigint, bigint], s2Words: readonly [bigint, bigint]): [bigint, bigint, bigint, bigint] {
  let cfg = cfgOf(vste[0]);
  if ((vste[0] & STRTAB_STE_0_V) === 0n) cfg = STRTAB_STE_0_CFG_ABORT;
  switch (cfg) {
    case STRTAB_STE_0_CFG_S1_TRANS: {
      const t = makeS2DomainSte(s2Words);
      t[0] = STRTAB_STE_0_V | (STRTAB_STE_0_CFG_NESTED << 1n);
      t[0] |= vste[0] & ~STRTAB_STE_0_CFG;
      t[1] |= vste[1];
      t[1] |= STRTAB_STE_1_MEV;
      return t;
    }
    case STRTAB_STE_0_CFG_BYPASS:
      return makeS2DomainSte(s2Words);
    default:
      return makeAbortSte();
  }
}

// ---- commands (arm-smmu-v3.h CMDQ_*) -----------------------------------------------------------
export const CMDQ_0_OP = 0xffn;
export const CMDQ_TLBI_0_VMID = genmask(47, 32);
export const CMDQ_CFGI_0_SID = genmask(63, 32);
export const CMDQ_OP_CFGI_CD = 0x05n;
export const CMDQ_OP_CFGI_CD_ALL = 0x06n;
export const CMDQ_OP_TLBI_NH_ALL = 0x10n;
export const CMDQ_OP_TLBI_NH_ASID = 0x11n;
export const CMDQ_OP_TLBI_NH_VA = 0x12n;
export const CMDQ_OP_TLBI_NH_VAA = 0x13n;
export const CMDQ_OP_TLBI_NSNH_ALL = 0x30n;
export const CMDQ_OP_ATC_INV = 0x40n;
/** CMDQ_BATCH_ENTRIES = BITS_PER_LONG: arm_vsmmu_cache_invalidate() issues in blocks of 63. */
export const CMDQ_BATCH_ENTRIES = 64;

/** arm_vsmmu_convert_user_cmd(): the command as the host issues it, or -EIO. `vsidToSid` is
 *  arm_vsmmu_vsid_to_sid() (undefined: no vDEVICE with that virt_id). */
export function convertUserCmd(
  cmd: readonly [bigint, bigint], vmid: number, vsidToSid: (vsid: number) => number | undefined,
): [bigint, bigint] | { errno: number; why: string } {
  let [w0, w1] = [BigInt.asUintN(64, cmd[0]), BigInt.asUintN(64, cmd[1])];
  const vmidField = BigInt(vmid) << 32n;
  switch (w0 & CMDQ_0_OP) {
    case CMDQ_OP_TLBI_NSNH_ALL:
      w0 = CMDQ_OP_TLBI_NH_ALL | vmidField;           // "Convert to NH_ALL"
      w1 = 0n;
      break;
    case CMDQ_OP_TLBI_NH_VA:
    case CMDQ_OP_TLBI_NH_VAA:
    case CMDQ_OP_TLBI_NH_ALL:
    case CMDQ_OP_TLBI_NH_ASID:
      w0 = (w0 & ~CMDQ_TLBI_0_VMID) | vmidField;
      break;
    case CMDQ_OP_ATC_INV:
    case CMDQ_OP_CFGI_CD:
    case CMDQ_OP_CFGI_CD_ALL: {
      const vsid = Number((w0 & CMDQ_CFGI_0_SID) >> 32n);
      const sid = vsidToSid(vsid);
      if (sid === undefined) return { errno: ERRNO.EIO, why: `no vDEVICE with virtual StreamID 0x${vsid.toString(16)} (arm_vsmmu_vsid_to_sid)` };
      w0 = (w0 & ~CMDQ_CFGI_0_SID) | (BigInt(sid) << 32n);
      break;
    }
    default:
      return { errno: ERRNO.EIO, why: `opcode 0x${(w0 & CMDQ_0_OP).toString(16)} is not one a guest may pass through` };
  }
  return [w0, w1];
}

// ---- events (arm-smmu-v3.h EVTQ_*, arm_smmu_handle_event()) ------------------------------------
export const EVTQ_0_ID = 0xffn;
export const EVTQ_0_SID = genmask(63, 32);
export const EVTQ_1_STALL = 1n << 31n;
export const EVTQ_1_S2 = 1n << 39n;
/** The event ids arm_smmu_handle_event() handles: C_BAD_STE, F_STREAM_DISABLED,
 *  C_BAD_SUBSTREAMID, C_BAD_CD, F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION. */
export const FORWARDED_EVENT_IDS: ReadonlySet<number> = new Set([0x04, 0x06, 0x08, 0x0a, 0x10, 0x11, 0x12, 0x13]);

/** Would arm_smmu_handle_event() hand this record to the vmaster? A listed id, not a stall, and
 *  not a stage-2 fault (S2 = 0; stage-2 faults stay the host's). */
export function forwardableEvent(evt: readonly bigint[]): boolean {
  return FORWARDED_EVENT_IDS.has(Number(evt[0] & EVTQ_0_ID)) && (evt[1] & EVTQ_1_STALL) === 0n && (evt[1] & EVTQ_1_S2) === 0n;
}

/** arm_vmaster_report_event(): the record with StreamID replaced by the vSID. */
export function vsidEvent(evt: readonly bigint[], vsid: number): [bigint, bigint, bigint, bigint] {
  return [(evt[0] & ~EVTQ_0_SID) | (BigInt(vsid) << 32n), evt[1], evt[2], evt[3]];
}
