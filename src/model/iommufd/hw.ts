// What iommufd's Arm SMMUv3 nesting needs from the SMMU driver and the hardware below it. The
// iommufd core (iommufd.ts) and the vSMMU logic (vsmmu.ts) decide; an IommufdHw does:
//
//   arm_smmu_domain_alloc_paging_flags()  a paging domain: stage 1 (the auto domain) or, with
//                                         IOMMU_HWPT_ALLOC_NEST_PARENT, stage 2 with its VMID
//                                         (arm_smmu_domain_finalise(): ida_alloc_range(vmid_map, 1,
//                                         ...), so the first VMID is 1)
//   arm_smmu_make_s2_domain_ste()         the stage-2 words of the parent's STE (word 2: VMID,
//                                         VTCR, S2AA64, S2PTW, S2R; word 3: S2TTB)
//   arm_smmu_install_ste_for_dev()        write a device's STE, CFGI_STE + CMD_SYNC
//   arm_smmu_cmdq_issue_cmdlist(.., sync) commands on the main command queue, then CMD_SYNC
//   arm_smmu_evtq_thread()                the raw event records the SMMU produced
//
// labIommufdHw() (lab-hw.ts) implements it on a LabMachine; tests may use their own.

import type { CmdWords } from '../smmuv3/commands';
import type { IoPageTable } from '../iommu/domain';
import type { DeviceSpec } from '../iommu/group';

/** A paging domain the driver made. */
export interface HwPaging {
  stage: 's1' | 's2';
  /** The domain's input size in bits: aperture = [0, 2^inputBits - 1]. */
  inputBits: number;
  pgsizeBitmap: bigint;
  pt: IoPageTable;
  /** Stage 2: s2_cfg.vmid and the STE words 2 and 3 arm_smmu_make_s2_domain_ste() writes. */
  vmid?: number;
  s2Words?: [bigint, bigint];
}

export interface IommufdHw {
  /** ARM_SMMU_FEAT_NESTING: the SMMU implements both stages (arm_smmu_device_hw_probe()). */
  readonly nesting: boolean;
  /** The device's (single) StreamID: master->streams[0].id. */
  streamId(dev: DeviceSpec): number;
  /** A paging domain of the given stage. */
  allocPaging(stage: 's1' | 's2'): HwPaging;
  /** iommu_domain_free() */
  freePaging(d: HwPaging): void;
  /** Attach the device to a paging domain (arm_smmu_attach_dev(): an S1 CD-table STE or an
   *  S2-only STE). */
  attachPaging(dev: DeviceSpec, d: HwPaging): void;
  /** arm_smmu_install_ste_for_dev(): write the first four STE words as given (the rest zero). */
  installSte(dev: DeviceSpec, ste: readonly [bigint, bigint, bigint, bigint]): void;
  /** arm_smmu_cmdq_issue_cmdlist(smmu, &smmu->cmdq, cmds, n, sync = true): the commands and a
   *  CMD_SYNC. Returns 0, or a negative errno when the queue reported an error (-EIO). */
  issue(cmds: readonly CmdWords[]): number;
  /** Consume the SMMU's event queue: raw 4-word records, oldest first. */
  readEvents(): bigint[][];
}
