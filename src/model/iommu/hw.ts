// What the iommu core asks of the IOMMU driver and the hardware below it when a group changes
// domain or a mapping goes away. The pure host model (tests, the sysfs and errno lessons) runs
// without one: domains are lists and nothing reaches an SMMU. The host composition
// (src/model/host/) gives one that writes STEs and issues TLB invalidations on a modelled SMMUv3.
//
//   drivers/iommu/iommu.c        __iommu_group_set_domain() -> __iommu_device_set_domain() for
//                                every device of the group; iommu_unmap() -> iommu_iotlb_sync()
//   drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c
//                                arm_smmu_attach_dev() (an STE for the domain),
//                                arm_smmu_attach_dev_blocked() (an abort STE),
//                                arm_smmu_iotlb_sync() -> arm_smmu_tlb_inv_range_domain()

import type { IommuDomain } from './domain';
import type { AttachedDomain, DeviceSpec } from './group';

export interface IommuHw {
  /** The device's translation is now `to`: the default domain, the blocking domain (abort) or a
   *  paging domain. Called once per device of the group, in group order. */
  setDeviceDomain(dev: DeviceSpec, to: AttachedDomain): void;
  /** iommu_iotlb_sync() after iommu_unmap() of [iova, iova + size) in `domain`. */
  flushRange(domain: IommuDomain, iova: bigint, size: bigint): void;
}
