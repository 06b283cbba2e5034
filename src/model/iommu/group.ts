// IOMMU groups: the devices that share one translation, their merged reserved regions, the sysfs
// files, and DMA ownership (who may attach a domain).
//
// drivers/iommu/iommu.c (6.12):
//   iommu_get_group_resv_regions()    every device's regions, in group order, through
//                                     iommu_insert_resv_region() (resv.ts)
//   iommu_group_show_resv_regions()   /sys/kernel/iommu_groups/N/reserved_regions
//   iommu_group_show_type()           /sys/kernel/iommu_groups/N/type (the default domain's type)
//   iommu_group_claim_dma_owner()     -EPERM if owner_cnt != 0 (a kernel driver already uses the
//                                     default domain for DMA); then __iommu_take_dma_ownership():
//                                     -EBUSY if a domain other than the default is attached; then
//                                     the blocking domain is attached, which __iommu_device_set_domain()
//                                     refuses with -EINVAL for a device whose firmware demands a
//                                     1:1 mapping (dev->iommu->require_direct, set for any
//                                     IOMMU_RESV_DIRECT region: commit a48ce36e2786 "iommu: Prevent
//                                     RESV_DIRECT devices from blocking domains", v6.5).
//   iommu_group_dma_owner_claimed()   owner_cnt != 0 (GROUP_GET_STATUS's VIABLE flag)
//
// A driver bound to a device takes a DMA-ownership count unless it declares driver_managed_dma
// (vfio-pci, pcieport and pci-stub do). ASSUMPTION: that list of driver names; any other driver
// name is treated as a kernel driver using the DMA API.

import { IOMMU_DOMAIN_BLOCKED, domainTypeSysfs, type DomainType, type IommuDomain } from './domain';
import type { IommuHw } from './hw';
import { ERRNO, kerr, type KErr } from '../vfio/errno';
import { IOMMU_RESV_DIRECT, mergeResvRegions, reservedRegionsText, type ResvRegion } from './resv';

/** A PCI function as the host sees it. */
export interface DeviceSpec {
  /** "0000:00:02.0" */
  bdf: string;
  /** IOMMU group number. */
  group: number;
  /** Bound driver: "vfio-pci" (default), "pcieport", a kernel driver name, or "" for none. */
  driver?: string;
  /** The device model the Lab drives for DMA ("edu"); not used by the host side yet. */
  model?: string;
  /** PCI class code (24 bits, class << 16 | subclass << 8 | prog-if). VT-d uses it to decide whether
   *  an RMRR is relaxable (USB 0x0c03xx, display 0x03xxxx) and for the floppy workaround (ISA bridge
   *  0x0601xx). Default 0x00ff00 (unclassified). */
  classCode?: number;
}

/** Drivers that manage DMA ownership themselves (struct device_driver.driver_managed_dma). */
export const DRIVER_MANAGED_DMA: ReadonlySet<string> = new Set(['vfio-pci', 'pcieport', 'pci-stub']);

export interface GroupDevice {
  spec: DeviceSpec;
  driver: string;
  /** The IOMMU driver's get_resv_regions() output for this device, in its list order. */
  resv: ResvRegion[];
  /** msi_device_has_isolated_msi(): interrupts cannot be forged by this device (interrupt
   *  remapping on x86, an ITS marked IRQ_DOMAIN_FLAG_ISOLATED_MSI on Arm). */
  isolatedMsi: boolean;
}

/** Where a group's DMA goes now: its default domain, the blocking domain (owned, nothing attached
 *  yet), or a paging domain someone attached (VFIO's). */
export type AttachedDomain = { kind: 'default' } | { kind: 'blocking' } | { kind: 'domain'; domain: IommuDomain };

export class IommuGroup {
  readonly devices: GroupDevice[] = [];
  private attachedNow: AttachedDomain = { kind: 'default' };
  /** The driver and hardware below (null: the pure model, nothing reaches an IOMMU). */
  hw: IommuHw | null = null;
  /** group->owner_cnt: kernel drivers using the default domain, or 1 for an exclusive owner. */
  ownerCnt = 0;
  /** group->owner: the exclusive owner (a VFIO group), null if none. */
  owner: unknown = null;

  constructor(readonly id: number, readonly defaultDomainType: DomainType) {}

  /** The group's current domain. Setting it is __iommu_group_set_domain(): every device of the
   *  group moves to the new domain, which the hardware below sees device by device. */
  get attached(): AttachedDomain {
    return this.attachedNow;
  }
  set attached(to: AttachedDomain) {
    this.attachedNow = to;
    if (this.hw !== null) for (const d of this.devices) this.hw.setDeviceDomain(d.spec, to);
  }

  add(dev: GroupDevice): void {
    this.devices.push(dev);
    if (dev.driver !== '' && !DRIVER_MANAGED_DMA.has(dev.driver)) this.ownerCnt++;
  }

  /** iommu_get_group_resv_regions() */
  resvRegions(): ResvRegion[] {
    return mergeResvRegions(this.devices.map((d) => d.resv));
  }

  /** /sys/kernel/iommu_groups/N/reserved_regions */
  reservedRegionsText(): string {
    return reservedRegionsText(this.resvRegions());
  }

  /** /sys/kernel/iommu_groups/N/type */
  typeText(): string {
    return domainTypeSysfs(this.defaultDomainType) + '\n';
  }

  /** iommu_group_dma_owner_claimed() */
  dmaOwnerClaimed(): boolean {
    return this.ownerCnt !== 0;
  }

  /** iommu_group_has_isolated_msi(): every device's MSIs are isolated. */
  hasIsolatedMsi(): boolean {
    return this.devices.every((d) => d.isolatedMsi);
  }

  /** dev->iommu->require_direct for some device of the group: the first such device. */
  requireDirectDevice(): GroupDevice | undefined {
    return this.devices.find((d) => d.resv.some((r) => r.type === IOMMU_RESV_DIRECT));
  }

  /** iommu_group_claim_dma_owner(group, owner). */
  claimDmaOwner(owner: unknown): KErr | null {
    if (this.ownerCnt !== 0) {
      return kerr(ERRNO.EPERM, 'iommu_group_claim_dma_owner',
        `group ${this.id} is already used for DMA: a kernel driver is bound to one of its devices (owner_cnt ${this.ownerCnt})`);
    }
    if (this.attached.kind === 'domain') {
      return kerr(ERRNO.EBUSY, '__iommu_take_dma_ownership', `group ${this.id} has a non-default domain attached`);
    }
    const direct = this.requireDirectDevice();
    if (direct !== undefined) {
      return kerr(ERRNO.EINVAL, '__iommu_device_set_domain (iommu_group_claim_dma_owner)',
        `${direct.spec.bdf} has an IOMMU_RESV_DIRECT region (require_direct), so the blocking domain cannot be attached`,
        [`${direct.driver} ${direct.spec.bdf}: Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.`]);
    }
    this.attached = { kind: 'blocking' };
    this.owner = owner;
    this.ownerCnt++;
    return null;
  }

  /** iommu_group_release_dma_owner(): back to the default domain. */
  releaseDmaOwner(): void {
    this.owner = null;
    this.ownerCnt = 0;
    this.attached = { kind: 'default' };
  }

  /** The current domain's type, for views: blocked while owned with nothing attached. */
  currentDomainType(): number {
    switch (this.attached.kind) {
      case 'default': return this.defaultDomainType;
      case 'blocking': return IOMMU_DOMAIN_BLOCKED;
      case 'domain': return this.attached.domain.type;
    }
  }
}
