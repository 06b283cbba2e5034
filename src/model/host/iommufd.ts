// iommufd in the host composition (arm64-virt): the IommufdHw on the HostSystem's LabMachine.
//
//   StreamIDs      each device's RID (rid.ts: QEMU virt maps RIDs 1:1 to StreamIDs)
//   IDs            one VMID space (smmu->vmid_map) and one ASID space (arm_smmu_asid_xa) per SMMU:
//                  iommufd's nest parents and stage-1 domains and the type1 domains of the driver
//                  below VFIO (smmu-driver.ts) skip each other's IDs
//   FEAT_NESTING   only when the platform's SMMU has both stages (smmu_stage "nested")
//   events         the host's event-queue thread is the iommufd one (IommufdHost.evtqThread(): a
//                  guest's stage-1 event goes to its vEVENTQ with the vSID, the rest stay the host's)
// MSI (Linux 6.15+, iommufd/sw-msi.ts): SET_IRQS on a bound cdev reaches vfio-pci as a group's
// device fd does; pci_alloc_irq_vectors() runs the ITS driver (its-driver.ts: MAPD, MAPTI) and
// iommu_dma_prepare_msi() -> iommufd_sw_msi() maps the ITS's GITS_TRANSLATER page at
// sw_msi_start + pgoff * PAGE_SIZE = 0x8000000 (MSI_IOVA_BASE, first page of this iommufd) in the
// attached paging HWPT - for a nested HWPT its nest parent's stage 2, the LabMachine VM - with
// IOMMU_WRITE | IOMMU_READ | IOMMU_MMIO (iommufd_sw_msi_install()); the device's message address
// is 0x8000040. Behind a nested HWPT that address is an IOVA of the guest's stage 1: the MSI
// arrives only if the guest maps 0x8000000 -> IPA 0x8000000 (the IORT RMR the VMM describes,
// primer §5.3), else it faults in stage 1 and the event goes to the vEVENTQ with the vSID.
// (io-pgtable maps IOMMU_MMIO as Device memory; the model's tables write Normal attributes.)

import type { DeviceSpec } from '../iommu/group';
import type { LabMachine } from '../lab/machine';
import type { IommufdHost } from '../iommufd/host';
import type { IommufdHw } from '../iommufd/hw';
import { labIommufdHw } from '../iommufd/lab-hw';
import { bdfToRid } from './rid';
import type { ArmSmmuV3Driver } from './smmu-driver';
import { ERRNO, errname, kerr, type KErr } from '../vfio/errno';

/** The IommufdHw of a HostSystem on arm64-virt. */
export function hostIommufdHw(m: LabMachine, devices: readonly DeviceSpec[], driver: ArmSmmuV3Driver, nesting: boolean): IommufdHw {
  const sids: Record<string, number> = {};
  for (const d of devices) sids[d.bdf] = bdfToRid(d.bdf);
  return labIommufdHw(m, {
    sids, nesting,
    vmidInUse: (v) => driver.vmidInUse(v),
    asidInUse: (a) => driver.asidInUse(a),
  });
}

/** iommu_dma_prepare_msi() for a device bound through a cdev, as its_irq_domain_alloc() calls it:
 *  the message address, or SET_IRQS's errno; null when no cdev of the device is bound. A failure
 *  fails __irq_domain_alloc_irqs(), and msi_domain_alloc_irqs() answers -ENOSPC for a single PCI
 *  MSI (msi_handle_pci_fail(); ASSUMPTION: read from memory of kernel/irq/msi.c, as the seed
 *  profile's nesting-host.ts does for 5.12). */
export function iommufdPrepareMsi(fd: IommufdHost, bdf: string, doorbell: bigint): { addr: bigint } | KErr | null {
  const r = fd.prepareMsi(bdf, doorbell);
  if (r === null || !('errno' in r)) return r;
  return kerr(ERRNO.ENOSPC, `msi_domain_alloc_irqs (its_irq_domain_alloc -> ${r.where}: -${errname(r.errno)})`,
    `${r.why}; __irq_domain_alloc_irqs() failed, and msi_domain_alloc_irqs() returns -ENOSPC for it`, r.log);
}
