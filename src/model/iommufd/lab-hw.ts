// IommufdHw on a LabMachine: the modelled SMMUv3 with its stream table, command and event queues
// in host memory. A stage-2 (nest parent) domain is a LabMachine VM: its VMID and the stage-2
// tables the SMMU walks; IOAS_MAP writes those tables (s2Map), so the guest's RAM as the host
// mapped it is exactly what the SMMU translates through. A stage-1 domain is the host's own
// io-pgtable and CD (host.s1.new / host.cd).

import { ListPageTable, type IoPageTable } from '../iommu/domain';
import type { DeviceSpec } from '../iommu/group';
import { IOMMU_MMIO, IOMMU_READ, IOMMU_WRITE } from '../iommu/resv';
import type { LabDevice, LabMachine, LabVm } from '../lab/machine';
import { PageTableBuilder } from '../vmsa/builder';
import type { GranuleShift } from '../vmsa/geometry';
import { type CmdSpec, type CmdWords, encodeCmd } from '../smmuv3/commands';
import { drainEvents, submitCommands } from '../smmuv3/driver';
import { qEmpty, qMask } from '../smmuv3/queues';
import { REG } from '../smmuv3/regs';
import { ERRNO } from '../vfio/errno';
import type { HwPaging, IommufdHw } from './hw';

/** arm_smmu_domain_finalise(): a stage-2 domain's ias; 44 bits as the arm64-virt preset's SMMU
 *  (iommu/platform.ts VIRT_SMMU_OAS). Stage 1: 48 (VA_BITS 48, no VAX). */
const S2_INPUT_BITS = 44;
const S1_INPUT_BITS = 48;
/** arm_lpae_restrict_pgsizes() with a 4K granule: 4K | 2M | 1G (iommu/platform.ts). */
const PGSIZES = 0x1000n | 0x200000n | 0x40000000n;

export interface LabHwOptions {
  /** StreamID of each device by BDF (a single-SID PCI function, as iommufd requires). */
  sids: Record<string, number>;
  /** ARM_SMMU_FEAT_NESTING: both stages (platform smmu_stage "nested"). Default true. */
  nesting?: boolean;
  /** IDs the SMMU driver below VFIO holds already: the kernel has one smmu->vmid_map and one
   *  arm_smmu_asid_xa per SMMU, so iommufd's domains and type1's never share an ID. */
  vmidInUse?: (vmid: number) => boolean;
  asidInUse?: (asid: number) => boolean;
}

interface LabPaging extends HwPaging {
  vm?: LabVm;
  cd?: number;
}

export function labIommufdHw(lab: LabMachine, opts: LabHwOptions): IommufdHw {
  const dev = (d: DeviceSpec): LabDevice => {
    const sid = opts.sids[d.bdf];
    if (sid === undefined) throw new RangeError(`no StreamID given for ${d.bdf}`);
    return lab.devices.find((x) => x.sid === sid) ?? lab.assign(d.bdf, sid);
  };
  const asidTaken = (a: number) => lab.cds.some((c) => c.vm === null && c.asid === a) || (opts.asidInUse?.(a) ?? false);
  const issue = (cmds: readonly CmdWords[]): number => {
    submitCommands(lab.regs, [...cmds, encodeCmd({ op: 'CMD_SYNC' })], 'host');
    const q = lab.regs.cmdq;
    const cons = Number(lab.regs.mmioRead(REG.CMDQ_CONS));
    // A command the queue rejected (CMDQ_CONS.ERR, SMMU_GERROR.CMDQ_ERR) stops the queue at it
    // (SMMUv3 §7.1); this batch reports -EIO (IommufdHw.issue). Then, as Linux's
    // arm_smmu_cmdq_skip_err() does from the global-error handler, the host overwrites the bad
    // entry with a CMD_SYNC and acknowledges CMDQ_ERR in SMMU_GERRORN, which restarts consumption
    // at CONS (§7.1), so the queue keeps serving later commands.
    if (qEmpty(q.prod, qMask(cons, q.qs), q.qs)) return 0;
    const slot = lab.cmdqBase + 16 * (cons & (2 ** q.qs - 1));
    const [w0, w1] = encodeCmd({ op: 'CMD_SYNC' });
    lab.mem.write64(BigInt(slot), w0, 'host');
    lab.mem.write64(BigInt(slot + 8), w1, 'host');
    lab.regs.mmioWrite(REG.GERRORN, lab.regs.mmioRead(REG.GERROR));
    return -ERRNO.EIO;
  };
  return {
    nesting: opts.nesting ?? true,
    streamId: (d) => dev(d).sid,
    allocPaging(stage): LabPaging {
      if (stage === 's2') {
        let vmid = 1;                                   // ida_alloc_range(&smmu->vmid_map, 1, ...)
        while (lab.vms.some((v) => v.vmid === vmid) || (opts.vmidInUse?.(vmid) ?? false)) vmid++;
        const vm = lab.createVm(vmid, S2_INPUT_BITS, 12);
        return { stage, inputBits: S2_INPUT_BITS, pgsizeBitmap: PGSIZES, pt: s2Table(lab, vm, issue), vmid, s2Words: lab.steS2Words(vm), vm };
      }
      const pt = lab.newHostPt(12, S1_INPUT_BITS);
      let asid = 1;                                   // xa_alloc(&arm_smmu_asid_xa, .., XA_LIMIT(1, ..))
      while (asidTaken(asid)) asid++;
      const cd = lab.writeHostCd(pt, asid);
      const book = new ListPageTable();
      const table: IoPageTable = {
        mapPages(iova, paddr, pgsize, count, prot) {
          if (prot & IOMMU_MMIO) mmioLeaves(lab, 1, pt.g, pt.vaBits, pt.root, undefined, iova, paddr, pgsize, count, prot);
          else lab.hostS1Map(pt, Number(iova), Number(paddr), Number(pgsize) * count, perm(prot), Number(pgsize));
          book.mapPages(iova, paddr, pgsize, count, prot);
        },
        // arm_lpae_unmap() on the table the SMMU walks, then arm_smmu_tlb_inv_range_domain().
        unmap(iova, size) {
          new PageTableBuilder(1, pt.g, pt.vaBits, lab.hostIO, lab.hostAllocator, undefined, pt.root).unmap(Number(iova), Number(size));
          const done = book.unmap(iova, size);
          if (done > 0n) issue(tlbiRange(iova, size, (addr) => ({ op: 'CMD_TLBI_NH_VA', asid, vmid: 0, addr, leaf: 1 })));
          return done;
        },
        iovaToPhys: (iova) => book.iovaToPhys(iova),
        leaves: () => book.leaves(),
      };
      return { stage, inputBits: S1_INPUT_BITS, pgsizeBitmap: PGSIZES, pt: table, cd: cd.id };
    },
    freePaging() { /* the tables stay in host memory, as nothing points at them */ },
    attachPaging(d, p: LabPaging) {
      if (p.vm !== undefined) lab.attach(dev(d), p.vm);
      else lab.attachS1(dev(d), lab.cd(p.cd!));
    },
    installSte(d, ste) {
      lab.writeSte(dev(d).sid, ste[0], ste[1], ste[2], ste[3]);
    },
    issue,
    readEvents: () => drainEvents(lab.regs, 'host').records,
  };
}

/** Leaves for an IOMMU_MMIO mapping (a doorbell outside RAM), written into the table as
 *  io-pgtable-arm's arm_lpae_map() would, bypassing the RAM checks and guest-RAM book-keeping of
 *  LabMachine.s2Map / hostS1Map. */
function mmioLeaves(
  lab: LabMachine, stage: 1 | 2, g: GranuleShift, inputBits: number, root: number, startLevel: number | undefined,
  iova: bigint, paddr: bigint, pgsize: bigint, count: number, prot: number,
): void {
  new PageTableBuilder(stage, g, inputBits, lab.hostIO, lab.hostAllocator, startLevel, root)
    .map(Number(iova), Number(paddr), Number(pgsize) * count, perm(prot), Number(pgsize));
}

function perm(prot: number) {
  return { r: (prot & IOMMU_READ) !== 0, w: (prot & IOMMU_WRITE) !== 0 };
}

/** The nest parent's page table: io-pgtable-arm's stage-2 table of the VM (lab.s2Map writes the
 *  leaves and records guest RAM, which the guest helpers then allocate from). */
function s2Table(lab: LabMachine, vm: LabVm, issue: (cmds: readonly CmdWords[]) => number): IoPageTable {
  const book = new ListPageTable();
  return {
    mapPages(iova, paddr, pgsize, count, prot) {
      // An MMIO page (iommufd_sw_msi_install(): the ITS doorbell) is no guest RAM.
      if (prot & IOMMU_MMIO) mmioLeaves(lab, 2, vm.g, vm.ipaBits, vm.s2Root, vm.startLevel, iova, paddr, pgsize, count, prot);
      else lab.s2Map(vm, Number(iova), Number(paddr), Number(pgsize) * count, perm(prot), Number(pgsize));
      book.mapPages(iova, paddr, pgsize, count, prot);
    },
    unmap(iova, size) {
      lab.s2Unmap(vm, Number(iova), Number(size));
      const done = book.unmap(iova, size);
      if (done > 0n) {
        issue(tlbiRange(iova, size, (addr) => ({ op: 'CMD_TLBI_S2_IPA', vmid: vm.vmid, addr, leaf: 1 })));
        issue([encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: vm.vmid })]);   // every nested stage 1 on this VMID
      }
      return done;
    },
    iovaToPhys: (iova) => book.iovaToPhys(iova),
    leaves: () => book.leaves(),
  };
}

/** arm_smmu_tlb_inv_range_domain() -> __arm_smmu_tlb_inv_range() without range invalidation
 *  (IDR3.RIL = 0): one command per 4K granule of [iova, iova + size). Linux steps by the gather's
 *  pgsize (2M over a block), so over a block this issues more commands than Linux, each still
 *  hitting the block's TLB entry. The caller's issue() appends the CMD_SYNC. */
function tlbiRange(iova: bigint, size: bigint, cmd: (addr: bigint) => CmdSpec): CmdWords[] {
  const out: CmdWords[] = [];
  for (let a = iova & ~0xfffn; a < iova + size; a += 0x1000n) out.push(encodeCmd(cmd(a)));
  return out;
}
