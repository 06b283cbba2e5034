// iommufd in the host composition (arm64-virt): the IommufdHw on the HostSystem's LabMachine.
//
//   StreamIDs      each device's RID (rid.ts: QEMU virt maps RIDs 1:1 to StreamIDs)
//   IDs            one VMID space (smmu->vmid_map) and one ASID space (arm_smmu_asid_xa) per SMMU:
//                  iommufd's nest parents and stage-1 domains and the type1 domains of the driver
//                  below VFIO (smmu-driver.ts) skip each other's IDs
//   FEAT_NESTING   only when the platform's SMMU has both stages (smmu_stage "nested")
//   events         the host's event-queue thread is the iommufd one (IommufdHost.evtqThread(): a
//                  guest's stage-1 event goes to its vEVENTQ with the vSID, the rest stay the host's)
// Not modelled: MSI of a device bound through iommufd. Upstream (6.15+, drivers/iommu/iommufd/
// driver.c) iommufd_sw_msi() gives each ITS page an fd-global offset in the SW_MSI window and
// iommufd_sw_msi_install() maps sw_msi_start + pgoff * PAGE_SIZE -> the page (IOMMU_WRITE |
// IOMMU_READ | IOMMU_MMIO) in the paging HWPT, for a nested HWPT in its nest parent's stage 2; the
// guest maps the window 1:1 in its stage 1 (an IORT RMR, primer §5.3). Here a device cdev takes no
// VFIO_DEVICE_SET_IRQS (iommufd/host.ts refuses it as not modelled), and the lab's stage 2 maps RAM
// only, not the ITS's MMIO page.

import type { DeviceSpec } from '../iommu/group';
import type { LabMachine } from '../lab/machine';
import type { IommufdHw } from '../iommufd/hw';
import { labIommufdHw } from '../iommufd/lab-hw';
import { bdfToRid } from './rid';
import type { ArmSmmuV3Driver } from './smmu-driver';

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
