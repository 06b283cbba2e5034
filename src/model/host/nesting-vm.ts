// A nested domain's stage 2 as a LabMachine VM (the seed profile, smmu_stage "nested"). In the
// seed design the host owns stage 2 and QEMU fills it with MAP_DMA of guest RAM at IOVA = GPA
// (vfio_listener_region_add), so the nested domain's io-pgtable IS the guest's stage 2. Backing it
// with a LabVm (its VMID, its stage-2 root) lets the Lab's guest.* builtins write the guest's
// stage-1 tables and CDs into that RAM by IPA: every MAP_DMA of Lab RAM becomes a RAM range
// IPA -> PA of the VM; the doorbell page the NESTED_MSI cookie maps (IOMMU_MMIO, outside RAM) does
// not. Unmapping cuts the range again. The page table pages themselves stay in host kernel memory
// (io-pgtable allocates them there), as createVm() puts them.

import type { LabMachine, LabVm } from '../lab/machine';
import { RAM_BASE, RAM_END } from '../lab/machine';

/** The lowest VMID from 1 that neither the driver nor a VM of the machine holds
 *  (arm_smmu_domain_finalise_s2(): ida_alloc_range(&smmu->vmid_map, 1, ...)). */
export function freeVmid(m: LabMachine, driverVmids: ReadonlySet<number>): number {
  const taken = new Set([...driverVmids, ...m.vms.map((v) => v.vmid)]);
  let id = 1;
  while (taken.has(id)) id++;
  return id;
}

/** A MAP_DMA leaf run [ipa, ipa + size) -> pa: guest RAM when it is Lab RAM and not MMIO. Adjacent
 *  runs (type1 maps page runs one by one) grow one range, so the guest's page allocator (from the
 *  top of the first range down) sees the whole MAP_DMA. */
export function addGuestRam(vm: LabVm, ipa: number, pa: number, size: number, mmio: boolean): void {
  if (mmio || pa < RAM_BASE || pa + size > RAM_END) return;
  const prev = vm.ram.find((r) => r.ipa + r.size === ipa && r.pa + r.size === pa);
  if (prev !== undefined) {
    const first = vm.ram[0] === prev;
    const oldEnd = prev.ipa + prev.size;
    prev.size += size;
    // Nothing handed out yet from the first range: its allocator starts at the new top.
    if (first && vm.allocTop === oldEnd) vm.allocTop = prev.ipa + prev.size;
    return;
  }
  vm.ram.push({ ipa, pa, size });
  if (vm.allocTop === null) { vm.allocTop = ipa + size; vm.allocFloor = ipa; }
}

/** UNMAP_DMA of [ipa, ipa + size): that part stops being guest RAM. */
export function cutGuestRam(vm: LabVm, ipa: number, size: number): void {
  vm.ram = vm.ram.flatMap((r) => {
    const end = r.ipa + r.size, cutEnd = ipa + size;
    if (cutEnd <= r.ipa || ipa >= end) return [r];
    const out = [];
    if (ipa > r.ipa) out.push({ ipa: r.ipa, pa: r.pa, size: ipa - r.ipa });
    if (cutEnd < end) out.push({ ipa: cutEnd, pa: r.pa + (cutEnd - r.ipa), size: end - cutEnd });
    return out;
  });
}
