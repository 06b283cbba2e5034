// What the nesting code needs from the arm-smmu-v3 driver and the SMMU below it, and a real
// implementation on a LabMachine. The seed series' driver side is arm_smmu_write_strtab_ent() as
// patch 04 ("iommu/smmuv3: Get prepared for nested stage support", v15/v16) leaves it and
// arm_smmu_cmdq_issue_cmdlist(); the domain's stage 2 (VMID, VTCR, S2TTB) is the host
// composition's (src/model/host/), so it is asked for through `s2Cfg`.

import type { IommuHw } from '../../iommu/hw';
import type { IommuDomain } from '../../iommu/domain';
import type { AttachedDomain, DeviceSpec } from '../../iommu/group';
import type { LabMachine, LabVm } from '../../lab/machine';
import type { CmdSpec } from '../../smmuv3/commands';
import { STE_CFG } from '../../smmuv3/encode';
import { field } from '../../bits';
import { steWords, type NestedSteCfg } from './ste';
import { nestedState } from './smmu-domain';

/** The stage-2 half of an STE as the driver writes it for a domain (s2_cfg): dword 2 (S2VMID,
 *  VTCR fields, S2AA64, S2PTW, S2R) and dword 3 (S2TTB). */
export interface NestedS2Cfg {
  vmid: number;
  w2: bigint;
  w3: bigint;
}

export interface NestingHw {
  /** The domain's stage 2 as the host composition allocated it (arm_smmu_domain_finalise_s2). */
  s2Cfg(domain: IommuDomain): NestedS2Cfg;
  /** arm_smmu_install_ste_for_dev(): rewrite the device's STE for the domain's current config. */
  installSte(domain: IommuDomain, dev: DeviceSpec, cfg: NestedSteCfg): void;
  /** arm_smmu_cmdq_issue_cmdlist(): these commands into the Command queue, in order (the caller
   *  puts the CMD_SYNC where the driver does). */
  issue(cmds: CmdSpec[]): void;
}

/** An IommuHw that also drives nested STEs (the host composition passes one as HostOptions.hw). */
export interface IommuHwWithNesting extends IommuHw {
  nesting: NestingHw;
}

export function nestingHwOf(hw: IommuHw | undefined): NestingHw | null {
  return hw !== undefined && 'nesting' in hw ? (hw as IommuHwWithNesting).nesting : null;
}

/** Where a LabMachine finds a device's StreamID and a domain's VM (its VMID and stage-2 table). */
export interface LabNestingMap {
  sidOf(dev: DeviceSpec): number;
  vmOf(domain: IommuDomain): LabVm;
}

/** The driver below VFIO on a LabMachine, for nested domains: STEs written as the series'
 *  arm_smmu_write_strtab_ent() writes them, invalidations through the Command queue. As an
 *  IommuHw it also handles attach/detach (stage-2-only STE, abort STE) and unmaps (5.12:
 *  CMD_TLBI_S2_IPA per page with Leaf, then CMD_SYNC, arm_smmu_tlb_inv_range_domain() for a
 *  stage-2/nested domain), so the nesting tests need no other driver. */
export class LabNestingHw implements IommuHwWithNesting {
  readonly nesting: NestingHw;

  constructor(private readonly m: LabMachine, private readonly map: LabNestingMap) {
    this.nesting = {
      s2Cfg: (domain) => {
        const vm = this.map.vmOf(domain);
        const [w2, w3] = this.m.steS2Words(vm);
        return { vmid: vm.vmid, w2, w3 };
      },
      installSte: (domain, dev, cfg) => this.install(domain, dev, cfg),
      issue: (cmds) => this.m.issue(cmds),
    };
  }

  private install(domain: IommuDomain, dev: DeviceSpec, cfg: NestedSteCfg): void {
    const sid = this.map.sidOf(dev);
    if (cfg.kind === 'abort') {
      // "Bypass/fault": V | CFG_ABORT, SHCFG incoming, dst[2] = 0 ("Nuke the VMID").
      this.m.writeAbortSte(sid);
      return;
    }
    const ste = BigInt(this.m.steAddr(sid));
    const old = this.m.mem.load64(ste);
    const cfgOld = Number(field(old, 3, 1));
    // ste_live: V = 1 and S1_TRANS, S2_TRANS or NESTED. "First invalidate the live STE":
    // dst[0] = CFG_ABORT (0: V = 0 as well), sync.
    if ((old & 1n) === 1n && (cfgOld === STE_CFG.s1 || cfgOld === STE_CFG.s2 || cfgOld === STE_CFG.nested)) {
      this.m.mem.write64(ste, 0n, 'host');
      this.m.syncSte(sid);
    }
    const w = steWords(cfg, this.nesting.s2Cfg(domain));
    // dst[1] is written only when s1_cfg is set; a stage-2-only STE leaves it as it was.
    this.m.writeSte(sid, w[0], cfg.kind === 'nested' ? w[1] : undefined, w[2], w[3]);
  }

  setDeviceDomain(dev: DeviceSpec, to: AttachedDomain): void {
    if (to.kind !== 'domain') {
      this.m.writeAbortSte(this.map.sidOf(dev));
      return;
    }
    const st = nestedState(to.domain);
    this.install(to.domain, dev, st === undefined ? { kind: 's2' } : st.steCfg());
  }

  flushRange(domain: IommuDomain, iova: bigint, size: bigint): void {
    const vmid = this.nesting.s2Cfg(domain).vmid;
    const cmds: CmdSpec[] = [];
    for (let a = iova; a < iova + size; a += 0x1000n) cmds.push({ op: 'CMD_TLBI_S2_IPA', vmid, addr: a, leaf: 1 });
    issueBatched(this.nesting, cmds);
  }
}

/** CMDQ_BATCH_ENTRIES (BITS_PER_LONG = 64 on arm64): arm_smmu_cmdq_batch_add() flushes a full
 *  batch without a sync; arm_smmu_cmdq_batch_submit() issues the rest with CMD_SYNC. */
export const CMDQ_BATCH_ENTRIES = 64;

export function issueBatched(hw: NestingHw, cmds: CmdSpec[]): void {
  let i = 0;
  for (; cmds.length - i > CMDQ_BATCH_ENTRIES; i += CMDQ_BATCH_ENTRIES) hw.issue(cmds.slice(i, i + CMDQ_BATCH_ENTRIES));
  hw.issue([...cmds.slice(i), { op: 'CMD_SYNC' }]);
}
