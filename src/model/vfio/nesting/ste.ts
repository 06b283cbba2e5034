// The STE words the seed series' arm_smmu_write_strtab_ent() (v15 patch 04, "Get prepared for
// nested stage support", on v5.12) writes for a nested domain, from its s1_cfg / s2_cfg / abort:
//   s1_cfg.set:  dst[1] = S1DSS SSID0 | S1CIR WBRA | S1COR WBRA | S1CSH ISH | STRW NSEL1;
//                val |= cdtab_dma & S1CTXPTR_MASK | CFG_S1_TRANS | S1CDMAX(s1cdmax) | S1FMT(s1fmt)
//   s2_cfg.set:  dst[2] = S2VMID | VTCR | S2PTW | S2AA64 | S2R, dst[3] = S2TTB; val |= CFG_S2_TRANS
// so both together give Config 0b101 | 0b110 = 0b111 (NESTED; primer §2.4). In nested mode only
// stage 2 is finalised: s1cdmax and s1fmt stay 0 (single CD, linear) and the guest's s1fmt and
// s1dss are ignored ("we currently support a single CD so s1fmt and s1dss fields are also
// ignored", arm_smmu_attach_pasid_table). S1STALLD is not set: this SMMU has STALL_MODEL = 0b01,
// so the driver has no ARM_SMMU_FEAT_STALLS.

import { encodeSte, STE_CFG } from '../../smmuv3/encode';
import type { NestedS2Cfg } from './hw';
import { STE_1_S1 } from '../../lab/machine';

/** What an STE of a nested domain's device becomes. */
export type NestedSteCfg =
  | { kind: 'nested'; cdtab: bigint }   // guest stage 1 (its CD table IPA) over the host's stage 2
  | { kind: 's2' }                      // no stage-1 config, or BYPASS: stage 2 only
  | { kind: 'abort' };                  // ABORT

// Word 1 is the driver's usual stage-1 word (STE_1_S1, lab/machine.ts): S1DSS [1:0] = SSID0,
// S1CIR [3:2] = S1COR [5:4] = WBRA, S1CSH [7:6] = ISH (arm-smmu-v3.h; primer §2.3).

/** The four STE dwords (0-3) for a translating config. */
export function steWords(cfg: Exclude<NestedSteCfg, { kind: 'abort' }>, s2: NestedS2Cfg): [bigint, bigint, bigint, bigint] {
  if (cfg.kind === 's2') return [encodeSte({ config: STE_CFG.s2 })[0], 0n, s2.w2, s2.w3];
  // STRTAB_STE_0_S1CTXPTR_MASK = GENMASK_ULL(51, 6): the address's own bits [51:6].
  const ptr = cfg.cdtab & 0x000f_ffff_ffff_ffc0n;
  const w0 = encodeSte({ config: STE_CFG.nested, s1ContextPtr: ptr, s1CdMax: 0, s1Fmt: 0 })[0];
  return [w0, STE_1_S1, s2.w2, s2.w3];
}
