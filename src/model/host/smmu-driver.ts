// The arm-smmu-v3 driver below VFIO, on a LabMachine's SMMU (the IommuHw of src/model/iommu/hw.ts):
// each paging domain's io-pgtable in host kernel memory, STEs and CDs written as Linux 6.12
// writes them, TLB invalidations after every unmap.
//
//   drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (6.12)
//     arm_smmu_domain_finalise()       io-pgtable ARM_64_LPAE_S1 or _S2, 4K granule, ias from the
//                                      domain; stage 1: an ASID from arm_smmu_asid_xa (xa_alloc,
//                                      XA_LIMIT(1, 2^asid_bits - 1): the lowest free, from 1);
//                                      stage 2: a VMID from smmu->vmid_map (ida_alloc_range(1, ...))
//     arm_smmu_attach_dev()            stage 1: the master's CD table (one CD, linear: S1CDMax 0),
//                                      CD 0 = arm_smmu_make_s1_cd() (TTB0, TCR, MAIR, ASID, V), then
//                                      arm_smmu_make_cdtable_ste(): Config S1_TRANS;
//                                      stage 2: arm_smmu_make_s2_domain_ste(): Config S2_TRANS,
//                                      VMID, VTCR, S2AA64, S2PTW, S2R, S2TTB
//     arm_smmu_attach_dev_blocked()    arm_smmu_make_abort_ste()
//     arm_smmu_write_entry()           only words that change; a change of more than one word is a
//                                      "breaking" update: V = 0 first, sync, the other words, sync,
//                                      word 0, sync (the model compares whole words, not the
//                                      driver's used-bit masks)
//     arm_smmu_iotlb_sync() -> arm_smmu_tlb_inv_range_domain(): stage 1 CMD_TLBI_NH_VA with the
//                                      ASID, stage 2 CMD_TLBI_S2_IPA with the VMID, one per granule
//                                      (the SMMU has no range invalidation: IDR3.RIL = 0), leaf,
//                                      in batches of CMDQ_BATCH_ENTRIES (64), then CMD_SYNC
//     arm_smmu_domain_free_paging()    free_io_pgtable_ops() -> arm_smmu_tlb_inv_context():
//                                      CMD_TLBI_NH_ASID (stage 1) or CMD_TLBI_S12_VMALL (stage 2),
//                                      then the ASID or VMID is freed
// The default domain (before VFIO takes the group) is not modelled: its STE aborts, as the
// blocking domain's does. A domain is taken as freed when its last device leaves it (type1 frees
// a vfio_domain when its last group goes); its table pages are not returned (bump allocator).

import type { IoPageTable, IommuDomain } from '../iommu/domain';
import { vmsaPageTable } from '../iommu/domain';
import type { AttachedDomain, DeviceSpec } from '../iommu/group';
import type { IommuHw } from '../iommu/hw';
import type { PageTableInfo } from '../iommu/platform';
import { cdWords, type LabMachine, type LabVm, s2StartLevelLinux, STE_1_S1 } from '../lab/machine';
import { IOMMU_MMIO } from '../iommu/resv';
import { LabNestingHw, type IommuHwWithNesting, type NestingHw } from '../vfio/nesting/hw';
import { nestedState } from '../vfio/nesting/smmu-domain';
import { addGuestRam, cutGuestRam, freeVmid } from './nesting-vm';
import type { CmdSpec } from '../smmuv3/commands';
import { encodeSte, STE_CFG } from '../smmuv3/encode';
import { PageTableBuilder } from '../vmsa/builder';
import { bdfToRid } from './rid';

/** CMDQ_BATCH_ENTRIES = BITS_PER_LONG. */
const CMDQ_BATCH_ENTRIES = 64;
const GRANULE = 12;

/** One paging domain's hardware side. */
export interface SmmuDomainHw {
  stage: 's1' | 's2';
  inputBits: number;
  root: number;
  startLevel: number;
  /** ASID (stage 1) or VMID (stage 2) while the domain is in use; the last one it had after. */
  asid: number;
  vmid: number;
  live: boolean;
  /** StreamIDs using it. */
  readonly sids: Set<number>;
  /** The largest page the last unmap removed (the iotlb gather's pgsize). */
  lastUnmapGranule: bigint;
  /** Seed profile, nested SMMU: the LabVm whose stage 2 this domain's table is (nesting-vm.ts). */
  vm?: LabVm;
}

export interface ArmSmmuV3DriverOptions {
  /** 5.12 + the seed series on an SMMU with both stages: every stage-2 domain type1 makes is an
   *  ARM_SMMU_DOMAIN_NESTED one (a plain type1v2 domain is stage 1 there), backed by a LabVm. */
  nestedS2Vm?: boolean;
}

export class ArmSmmuV3Driver implements IommuHw, IommuHwWithNesting {
  private readonly byTable = new Map<IoPageTable, SmmuDomainHw>();
  private readonly asids = new Set<number>();
  private readonly vmids = new Set<number>();
  /** What each StreamID's STE holds now (to write only changes): a key per configuration. */
  private readonly steKey = new Map<number, string>();
  /** Each master's CD table (one 64-byte CD), allocated at its first stage-1 attach. */
  private readonly cdTable = new Map<number, number>();

  /** The seed series' driver side for nested domains (nesting/hw.ts): STEs as its
   *  arm_smmu_write_strtab_ent() writes them, over the domain's LabVm. */
  readonly nesting: NestingHw;
  private readonly nestedSte: LabNestingHw;

  constructor(private readonly m: LabMachine, private readonly opts: ArmSmmuV3DriverOptions = {}) {
    this.nestedSte = new LabNestingHw(m, { sidOf: (dev) => bdfToRid(dev.bdf), vmOf: (d) => this.vmOf(d) });
    this.nesting = {
      s2Cfg: (d) => this.nestedSte.nesting.s2Cfg(d),
      installSte: (d, dev, cfg) => {
        this.nestedSte.nesting.installSte(d, dev, cfg);
        this.steKey.set(bdfToRid(dev.bdf), `nested:${cfg.kind}`);
      },
      issue: (cmds) => this.m.issue(cmds),
    };
  }

  /** The LabVm behind a nested domain's stage 2. */
  vmOf(d: IommuDomain): LabVm {
    const vm = this.byTable.get(d.pt)?.vm;
    if (vm === undefined) throw new RangeError('a nested domain whose stage 2 is not a VM of this machine (smmu_stage "nested" on the 5.12-nested kernel)');
    return vm;
  }

  /** HostOptions.pageTable: arm_smmu_domain_finalise() -> alloc_io_pgtable_ops(). */
  readonly pageTable = (info: PageTableInfo): IoPageTable => {
    if (info.stage === 'vtd') throw new RangeError('a VT-d page table on an SMMU');
    const stage = info.stage === 's2' ? 2 : 1;
    const startLevel = stage === 2 ? s2StartLevelLinux(GRANULE, info.inputBits) : undefined;
    // A nested domain's stage 2 is a VM: createVm() allocates its root as io-pgtable would.
    const vm = stage === 2 && this.opts.nestedS2Vm === true ? this.m.createVm(freeVmid(this.m, this.vmids), info.inputBits, GRANULE) : undefined;
    const b = new PageTableBuilder(stage, GRANULE, info.inputBits, this.m.hostIO, this.m.hostAllocator, startLevel, vm?.s2Root);
    const inner = vmsaPageTable(b);
    const hw: SmmuDomainHw = {
      stage: info.stage, inputBits: info.inputBits, root: b.root, startLevel: b.startLevel, asid: 0, vmid: 0, live: false,
      sids: new Set(), lastUnmapGranule: 1n << BigInt(GRANULE), ...(vm !== undefined ? { vm } : {}),
    };
    const pt: IoPageTable = {
      mapPages: (iova, paddr, pgsize, count, prot) => {
        inner.mapPages(iova, paddr, pgsize, count, prot);
        if (vm !== undefined) addGuestRam(vm, Number(iova), Number(paddr), Number(pgsize * BigInt(count)), (prot & IOMMU_MMIO) !== 0);
      },
      unmap: (iova, size) => {
        const end = iova + size;
        let g = 0n;
        for (const l of inner.leaves()) if (l.iova < end && l.iova + l.pgsize > iova && l.pgsize > g) g = l.pgsize;
        hw.lastUnmapGranule = g === 0n ? 1n << BigInt(GRANULE) : g;
        const r = inner.unmap(iova, size);
        if (vm !== undefined) cutGuestRam(vm, Number(iova), Number(size));
        return r;
      },
      iovaToPhys: (iova) => inner.iovaToPhys(iova),
      leaves: () => inner.leaves(),
    };
    this.byTable.set(pt, hw);
    return pt;
  };

  /** The hardware side of a domain this driver made, or undefined. */
  domainHw(d: IommuDomain): SmmuDomainHw | undefined {
    return this.byTable.get(d.pt);
  }

  setDeviceDomain(dev: DeviceSpec, to: AttachedDomain): void {
    const sid = bdfToRid(dev.bdf);
    for (const hw of this.byTable.values()) if (hw.sids.delete(sid) && hw.sids.size === 0) this.free(hw);
    if (to.kind !== 'domain') {
      this.install(sid, 'abort', () => this.m.writeAbortSte(sid));
      return;
    }
    const hw = this.byTable.get(to.domain.pt);
    if (hw === undefined) throw new RangeError('setDeviceDomain: a domain whose page table this driver did not make');
    if (!hw.live) this.alloc(hw);
    hw.sids.add(sid);
    const nested = nestedState(to.domain);
    if (nested !== undefined) this.nesting.installSte(to.domain, dev, nested.steCfg());
    else if (hw.stage === 's1') this.attachS1(sid, hw);
    else this.attachS2(sid, hw);
  }

  /** Whether this driver's domains hold the VMID / ASID (iommufd's domains on the same SMMU ask). */
  vmidInUse(vmid: number): boolean { return this.vmids.has(vmid); }
  asidInUse(asid: number): boolean { return this.asids.has(asid); }

  /** The ASID or VMID, lowest free from 1. One VMID space (smmu->vmid_map) and one ASID space
   *  (arm_smmu_asid_xa) per SMMU: the lab's VMs (iommufd nest parents among them) and its host
   *  CDs (iommufd's stage-1 domains) hold IDs too. */
  private alloc(hw: SmmuDomainHw): void {
    const ids = hw.stage === 's1' ? this.asids : this.vmids;
    const taken = hw.stage === 's2'
      ? new Set([...this.vmids, ...this.m.vms.map((v) => v.vmid)])
      : new Set([...this.asids, ...this.m.cds.filter((c) => c.vm === null).map((c) => c.asid)]);
    let id = 1;
    while (taken.has(id)) id++;
    if (hw.vm !== undefined) id = hw.vm.vmid;            // the VM's own, free when its table was made
    ids.add(id);
    if (hw.stage === 's1') hw.asid = id;
    else hw.vmid = id;
    hw.live = true;
  }

  /** arm_smmu_domain_free_paging(): flush the domain's TLB entries, free its ASID/VMID. */
  private free(hw: SmmuDomainHw): void {
    if (hw.stage === 's1') {
      this.m.issue([{ op: 'CMD_TLBI_NH_ASID', asid: hw.asid, vmid: 0 }, { op: 'CMD_SYNC' }]);
      this.asids.delete(hw.asid);
    } else {
      this.m.issue([{ op: 'CMD_TLBI_S12_VMALL', vmid: hw.vmid }, { op: 'CMD_SYNC' }]);
      this.vmids.delete(hw.vmid);
    }
    hw.live = false;
  }

  private attachS1(sid: number, hw: SmmuDomainHw): void {
    let cd = this.cdTable.get(sid);
    if (cd === undefined) { cd = this.m.hostAlloc(64); this.cdTable.set(sid, cd); }
    const w = cdWords({ id: -1, vm: null, g: GRANULE, vaBits: hw.inputBits, root: hw.root }, hw.asid, true, false);
    this.writeEntry(cd, w, () => this.syncCd(sid));
    const w0 = encodeSte({ config: STE_CFG.s1, s1ContextPtr: BigInt(cd), s1CdMax: 0, s1Fmt: 0 })[0];
    this.install(sid, `s1:${cd}`, () => this.writeEntry(this.m.steAddr(sid), [w0, STE_1_S1, 0n, 0n], () => this.m.syncSte(sid)));
  }

  private attachS2(sid: number, hw: SmmuDomainHw): void {
    const sl0 = 2 - hw.startLevel;           // S2SL0 for the 4K granule
    const [w2, w3] = this.m.steS2Words({ id: -1, vmid: hw.vmid, g: GRANULE, ipaBits: hw.inputBits, startLevel: hw.startLevel, sl0, s2Root: hw.root, ram: [], allocTop: null, allocFloor: 0 });
    const w0 = encodeSte({ config: STE_CFG.s2 })[0];
    this.install(sid, `s2:${hw.vmid}:${hw.root}`, () => this.writeEntry(this.m.steAddr(sid), [w0, 0n, w2, w3], () => this.m.syncSte(sid)));
  }

  private install(sid: number, key: string, write: () => void): void {
    if (this.steKey.get(sid) === key && key === 'abort') return;
    write();
    this.steKey.set(sid, key);
  }

  /** arm_smmu_write_entry(): the words that differ; one word is written in place (hitless), more
   *  than one is a breaking update with V cleared first. */
  private writeEntry(pa: number, target: bigint[], sync: () => void): void {
    const cur = target.map((_, i) => this.m.mem.load64(BigInt(pa + 8 * i)));
    const diff = target.map((t, i) => t !== cur[i]);
    const n = diff.filter(Boolean).length;
    if (n === 0) return;
    const put = (i: number) => this.m.mem.write64(BigInt(pa + 8 * i), target[i], 'host');
    if (n === 1) { put(diff.indexOf(true)); sync(); return; }
    if ((cur[0] & 1n) === 1n) { this.m.mem.write64(BigInt(pa), 0n, 'host'); sync(); }
    for (let i = 1; i < target.length; i++) if (diff[i]) put(i);
    sync();
    put(0);
    sync();
  }

  /** arm_smmu_sync_cd(): CMD_CFGI_CD for SSID 0 (leaf) and CMD_SYNC. */
  private syncCd(sid: number): void {
    this.m.issue([{ op: 'CMD_CFGI_CD', sid, ssid: 0, leaf: 1 }, { op: 'CMD_SYNC' }]);
  }

  flushRange(domain: IommuDomain, iova: bigint, size: bigint): void {
    const hw = this.byTable.get(domain.pt);
    if (hw === undefined) return;
    const granule = hw.lastUnmapGranule;
    const cmds: CmdSpec[] = [];
    const start = iova & ~(granule - 1n);
    for (let a = start; a < iova + size; a += granule) {
      cmds.push(hw.stage === 's1'
        ? { op: 'CMD_TLBI_NH_VA', asid: hw.asid, vmid: 0, addr: a, leaf: 1 }
        : { op: 'CMD_TLBI_S2_IPA', vmid: hw.vmid, addr: a, leaf: 1 });
    }
    for (let i = 0; i < cmds.length; i += CMDQ_BATCH_ENTRIES) {
      const batch = cmds.slice(i, i + CMDQ_BATCH_ENTRIES);
      this.m.issue(i + CMDQ_BATCH_ENTRIES >= cmds.length ? [...batch, { op: 'CMD_SYNC' }] : batch);
    }
  }
}
