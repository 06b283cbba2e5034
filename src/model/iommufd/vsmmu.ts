// The Arm SMMUv3 side of iommufd nesting, as drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c
// does it: the guest's STE words are checked (arm_smmu_validate_vste()) and turned into the
// physical STE (arm_smmu_make_nested_domain_ste()); raw guest commands are rewritten
// (arm_vsmmu_convert_user_cmd()); events are forwarded with the vSID
// (arm_smmu_handle_event() -> arm_vmaster_report_event()).
// Field positions are the project's SMMUv3 tables: STE (smmuv3/ste.ts, encode.ts), commands
// (smmuv3/commands.ts CMD, CMD_FIELD), events (smmuv3/events.ts EVT; the record layout is
// encodeEvent's). Linux's names (arm-smmu-v3.h STRTAB_STE_*, CMDQ_*, EVTQ_*) are in comments.

import { bit, field, setField } from '../bits';
import { CMD, CMD_FIELD, cmdField, type CmdFieldName, type CmdWords } from '../smmuv3/commands';
import { encodeSte, STE_CFG } from '../smmuv3/encode';
import { EVT } from '../smmuv3/events';
import { ERRNO } from '../vfio/errno';

// ---- STE ------------------------------------------------------------------------------------
// Word 0: V [0], Config [3:1] (STRTAB_STE_0_CFG), S1Fmt [5:4], S1ContextPtr [51:6], S1CDMax
// [63:59]. Word 1: S1DSS [1:0], S1CIR [3:2], S1COR [5:4], S1CSH [7:6], MEV [19] (STE bit 83:
// merge events), S1STALLD [27], EATS [29:28], SHCFG [45:44].
const steCfg = (w0: bigint) => field(w0, 3, 1);
const steV = (w0: bigint) => bit(w0, 0);
const STE_1_EATS = [29, 28] as const;
/** STRTAB_STE_1_EATS_ABT, _TRANS */
const EATS_ABT = 0, EATS_TRANS = 1;
/** STRTAB_STE_1_SHCFG_INCOMING: what arm_smmu_make_s2_domain_ste() writes at [45:44]. */
const SHCFG_INCOMING = 1;

/** The bits of the given [hi, lo] fields, all set (a GENMASK per field, ORed). */
const ones = (fields: readonly (readonly [number, number])[]): bigint =>
  fields.reduce((m, [hi, lo]) => setField(m, hi, lo, -1n), 0n);

/** The bits user space may set ("These bits can be controlled by userspace for
 *  STRTAB_STE_0_CFG_NESTED"): STRTAB_STE_0_NESTING_ALLOWED (V, CFG, S1FMT, S1CTXPTR_MASK [51:6],
 *  S1CDMAX) and STRTAB_STE_1_NESTING_ALLOWED (S1DSS, S1CIR, S1COR, S1CSH, S1STALLD) with EATS,
 *  joined to word 1 with the vIOMMU's ATS support. */
const STE_0_NESTING_ALLOWED = ones([[0, 0], [3, 1], [5, 4], [51, 6], [63, 59]]);
const STE_1_NESTING_ALLOWED = ones([[1, 0], [3, 2], [5, 4], [7, 6], [27, 27], STE_1_EATS]);

interface VsteResult {
  /** The words the nested domain keeps: ste[1] without EATS. */
  ste: [bigint, bigint];
  enableAts: boolean;
}

/** arm_smmu_validate_vste() then arm_vsmmu_alloc_domain_nested()'s copy: a V = 0 STE becomes all
 *  zero; a bit outside NESTING_ALLOWED, a Config other than abort/bypass/S1, or EATS other than
 *  0 or 1 is -EIO ("EIO is reserved for invalid STE data"). Returns a positive errno on failure. */
export function validateVste(ste: readonly [bigint, bigint]): VsteResult | { errno: number; why: string } {
  let [w0, w1] = ste;
  if (steV(w0) === 0) return { ste: [0n, 0n], enableAts: false };
  const bad0 = w0 & ~STE_0_NESTING_ALLOWED, bad1 = w1 & ~STE_1_NESTING_ALLOWED;
  if (bad0 !== 0n || bad1 !== 0n) {
    return { errno: ERRNO.EIO, why: `STE bits outside NESTING_ALLOWED: dword0 0x${bad0.toString(16)}, dword1 0x${bad1.toString(16)}` };
  }
  const cfg = steCfg(w0);
  if (cfg !== STE_CFG.abort && cfg !== STE_CFG.bypass && cfg !== STE_CFG.s1) {
    return { errno: ERRNO.EIO, why: `STE.Config 0b${cfg.toString(2).padStart(3, '0')} is not abort, bypass or S1 translate` };
  }
  const eats = field(w1, ...STE_1_EATS);
  w1 = setField(w1, ...STE_1_EATS, 0);
  if (eats !== EATS_ABT && eats !== EATS_TRANS) {
    return { errno: ERRNO.EIO, why: `STE.EATS ${eats} is neither 0 (no ATS) nor 1 (full ATS)` };
  }
  return { ste: [w0, w1], enableAts: cfg === STE_CFG.s1 && eats === EATS_TRANS };
}

/** arm_smmu_make_s2_domain_ste(): S2-only STE of the parent (ATS off): V | CFG_S2_TRANS, SHCFG
 *  incoming, the parent's words 2 and 3. */
function makeS2DomainSte(s2Words: readonly [bigint, bigint]): [bigint, bigint, bigint, bigint] {
  const w = encodeSte({ config: STE_CFG.s2 });
  return [w[0], setField(w[1], 45, 44, SHCFG_INCOMING), s2Words[0], s2Words[1]];
}

/** arm_smmu_make_abort_ste(): V | CFG_ABORT, nothing else. */
export function makeAbortSte(): [bigint, bigint, bigint, bigint] {
  const w = encodeSte({ config: STE_CFG.abort });
  return [w[0], w[1], 0n, 0n];
}

/** arm_smmu_make_nested_domain_ste(): V = 0 -> abort (so the VMM can emulate C_BAD_STE); abort ->
 *  abort; bypass -> the parent's S2-only STE; S1 -> arm_smmu_make_nested_cd_table_ste(): the
 *  parent's S2 STE with word 0 = V | CFG_NESTED | (guest word 0 without CFG), word 1 |= guest
 *  word 1 | MEV. */
export function makeNestedDomainSte(vste: readonly [bigint, bigint], s2Words: readonly [bigint, bigint]): [bigint, bigint, bigint, bigint] {
  const cfg = steV(vste[0]) === 0 ? STE_CFG.abort : steCfg(vste[0]);
  switch (cfg) {
    case STE_CFG.s1: {
      const t = makeS2DomainSte(s2Words);
      t[0] = setField(setField(vste[0], 3, 1, STE_CFG.nested), 0, 0, 1);
      t[1] = setField(t[1] | vste[1], 19, 19, 1);     // MEV
      return t;
    }
    case STE_CFG.bypass:
      return makeS2DomainSte(s2Words);
    default:
      return makeAbortSte();
  }
}

// ---- commands --------------------------------------------------------------------------------
/** CMDQ_BATCH_ENTRIES = BITS_PER_LONG: arm_vsmmu_cache_invalidate() issues in blocks of 63. */
export const CMDQ_BATCH_ENTRIES = 64;

/** A command word 0 with field `f` (a word-0 field of CMD_FIELD) set to `v`. */
const setCmd0 = (w0: bigint, f: CmdFieldName, v: number | bigint): bigint => {
  const [, hi, lo] = CMD_FIELD[f];
  return setField(w0, hi, lo, v);
};

/** arm_vsmmu_convert_user_cmd(): the command as the host issues it, or -EIO. `vsidToSid` is
 *  arm_vsmmu_vsid_to_sid() (undefined: no vDEVICE with that virt_id). */
export function convertUserCmd(
  cmd: readonly [bigint, bigint], vmid: number, vsidToSid: (vsid: number) => number | undefined,
): [bigint, bigint] | { errno: number; why: string } {
  const c: CmdWords = [BigInt.asUintN(64, cmd[0]), BigInt.asUintN(64, cmd[1])];
  let [w0, w1] = c;
  const op = Number(cmdField(c, 'Opcode'));
  switch (op) {
    case CMD.CMD_TLBI_NSNH_ALL:
      w0 = setCmd0(BigInt(CMD.CMD_TLBI_NH_ALL), 'VMID', vmid);   // "Convert to NH_ALL"
      w1 = 0n;
      break;
    case CMD.CMD_TLBI_NH_VA:
    case CMD.CMD_TLBI_NH_VAA:
    case CMD.CMD_TLBI_NH_ALL:
    case CMD.CMD_TLBI_NH_ASID:
      w0 = setCmd0(w0, 'VMID', vmid);
      break;
    case CMD.CMD_ATC_INV:
    case CMD.CMD_CFGI_CD:
    case CMD.CMD_CFGI_CD_ALL: {
      const vsid = Number(cmdField(c, 'StreamID'));
      const sid = vsidToSid(vsid);
      if (sid === undefined) return { errno: ERRNO.EIO, why: `no vDEVICE with virtual StreamID 0x${vsid.toString(16)} (arm_vsmmu_vsid_to_sid)` };
      w0 = setCmd0(w0, 'StreamID', sid);
      break;
    }
    default:
      return { errno: ERRNO.EIO, why: `opcode 0x${op.toString(16)} is not one a guest may pass through` };
  }
  return [w0, w1];
}

// ---- events (arm_smmu_handle_event()) -------------------------------------------------------
// The record's fields (encodeEvent): word 0 ID [7:0] (EVTQ_0_ID), SID [63:32] (EVTQ_0_SID);
// word 1 Stall [31] (EVTQ_1_STALL), S2 [39] (EVTQ_1_S2).
const EVTQ_0_SID = [63, 32] as const;

/** The event ids arm_smmu_handle_event() handles. */
const FORWARDED_EVENT_IDS: ReadonlySet<number> = new Set([
  EVT.C_BAD_STE, EVT.F_STREAM_DISABLED, EVT.C_BAD_SUBSTREAMID, EVT.C_BAD_CD,
  EVT.F_TRANSLATION, EVT.F_ADDR_SIZE, EVT.F_ACCESS, EVT.F_PERMISSION,
]);

/** The record's StreamID (EVTQ_0_SID). */
export function eventSid(evt: readonly bigint[]): number {
  return field(evt[0], ...EVTQ_0_SID);
}

/** Would arm_smmu_handle_event() hand this record to the vmaster? A listed id, not a stall, and
 *  not a stage-2 fault (S2 = 0; stage-2 faults stay the host's). */
export function forwardableEvent(evt: readonly bigint[]): boolean {
  return FORWARDED_EVENT_IDS.has(field(evt[0], 7, 0)) && bit(evt[1], 31) === 0 && bit(evt[1], 39) === 0;
}

/** arm_vmaster_report_event(): the record with StreamID replaced by the vSID. */
export function vsidEvent(evt: readonly bigint[], vsid: number): [bigint, bigint, bigint, bigint] {
  return [setField(evt[0], ...EVTQ_0_SID, vsid), evt[1], evt[2], evt[3]];
}
