// Platform presets, groups and usable IOVA ranges. Expected values by hand from the sources the
// platform file cites: arm_smmu_get_resv_regions() (MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 1 MiB,
// SW_MSI), arm_smmu_domain_finalise() (aperture 2^ias - 1), intel_iommu_get_resv_regions()
// (IOAPIC 0xfee00000-0xfeefffff as MSI; RMRRs DIRECT or, for USB/graphics, DIRECT_RELAXABLE), and
// primer vfio-qemu-spapr.md §4.2's typical results.

import { describe, expect, it } from 'vitest';
import { IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ, IOMMU_DOMAIN_UNMANAGED } from './domain';
import { IommuGroup, type DeviceSpec, type GroupDevice } from './group';
import { armVirt, MSI_IOVA_BASE, VIRT_GITS_TRANSLATER, x86Vtd, type Platform } from './platform';
import { IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI, IOMMU_RESV_SW_MSI } from './resv';
import { aperConflict, aperResize, iovaDmaValid, resvExclude, usableIovaRanges } from './usable';

function group(p: Platform, id: number, specs: Omit<DeviceSpec, 'group'>[]): IommuGroup {
  const g = new IommuGroup(id, p.defaultDomainType);
  for (const s of specs) {
    const spec = { ...s, group: id };
    const dev: GroupDevice = { spec, driver: s.driver ?? 'vfio-pci', resv: p.getResvRegions(spec), isolatedMsi: p.hasIsolatedMsi(spec) };
    g.add(dev);
  }
  return g;
}

describe('arm64-virt with SMMUv3', () => {
  it('reports the software MSI window for every device, as the kernel prints it', () => {
    const p = armVirt();
    const g = group(p, 2, [{ bdf: '0000:00:02.0' }]);
    expect(g.resvRegions()).toEqual([{ start: 0x8000000n, length: 0x100000n, prot: 2 | 8 | 16, type: IOMMU_RESV_SW_MSI }]);
    expect(g.reservedRegionsText()).toBe('0x0000000008000000 0x00000000080fffff msi\n');
  });

  it('uses a 48-bit stage-1 aperture, or the 44-bit IAS when the SMMU has only stage 2', () => {
    expect(armVirt().aperture).toEqual({ start: 0n, end: 0xffff_ffff_ffffn });
    expect(armVirt({ smmuStage: 'nested' }).aperture.end).toBe(0xffff_ffff_ffffn);
    const s2 = armVirt({ smmuStage: 's2' });
    expect(s2.stage).toBe('s2');
    expect(s2.aperture.end).toBe(0xfff_ffff_ffffn);
  });

  it('has 4K | 2M | 1G pages and puts GITS_TRANSLATER at 0x08090040', () => {
    expect(armVirt().pgsizeBitmap).toBe(0x40201000n);
    expect(VIRT_GITS_TRANSLATER).toBe(0x08090040n);
  });

  it('usable ranges: the aperture minus the SW_MSI window (primer §4.2)', () => {
    const p = armVirt();
    const g = group(p, 2, [{ bdf: '0000:00:02.0' }]);
    expect(usableIovaRanges(p.aperture, g.resvRegions())).toEqual([
      { start: 0x0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  it('adds IORT RMRs for the devices they name: DIRECT, or DIRECT_RELAXABLE when remapping is permitted', () => {
    const p = armVirt({
      rmrs: [
        { base: 0x9000_0000n, length: 0x10000n, remapPermitted: false, devices: ['0000:00:03.0'] },
        { base: 0xa000_0000n, length: 0x1000n, remapPermitted: true, devices: ['0000:00:03.0'] },
      ],
    });
    expect(p.getResvRegions({ bdf: '0000:00:02.0', group: 2 })).toHaveLength(1);
    const regions = p.getResvRegions({ bdf: '0000:00:03.0', group: 3 });
    expect(regions.map((r) => r.type)).toEqual([IOMMU_RESV_SW_MSI, IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE]);
    const g = group(p, 3, [{ bdf: '0000:00:03.0' }]);
    expect(g.reservedRegionsText()).toBe(
      '0x0000000008000000 0x00000000080fffff msi\n' +
      '0x0000000090000000 0x000000009000ffff direct\n' +
      '0x00000000a0000000 0x00000000a0000fff direct-relaxable\n');
    // The relaxable RMR stays usable; the DIRECT one is cut out.
    expect(usableIovaRanges(p.aperture, g.resvRegions())).toEqual([
      { start: 0x0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0x8fffffffn }, { start: 0x90010000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  it('names the default domain type "DMA" in sysfs', () => {
    const g = group(armVirt(), 2, [{ bdf: '0000:00:02.0' }]);
    expect(g.defaultDomainType).toBe(IOMMU_DOMAIN_DMA);
    expect(g.typeText()).toBe('DMA\n');
  });

  it('allocates a stage-1 unmanaged domain for VFIO, and refuses nesting once the domain is finalised', () => {
    const p = armVirt();
    const d = p.allocUnmanagedDomain({ nesting: false });
    expect('errno' in d).toBe(false);
    if ('errno' in d) return;
    expect(d.type).toBe(IOMMU_DOMAIN_UNMANAGED);
    expect(d.stage).toBe('s1');
    expect(d.enforceCacheCoherency).toBe(false);
    const n = p.allocUnmanagedDomain({ nesting: true });
    expect(n).toMatchObject({ errno: 1, where: expect.stringContaining('arm_smmu_enable_nesting') });
  });
});

describe('x86-vtd', () => {
  it('reports the interrupt window as IOMMU_RESV_MSI for every device (primer §5.2)', () => {
    const p = x86Vtd();
    const g = group(p, 5, [{ bdf: '0000:03:00.0' }]);
    expect(g.reservedRegionsText()).toBe('0x00000000fee00000 0x00000000feefffff msi\n');
    expect(g.resvRegions()[0]).toMatchObject({ type: IOMMU_RESV_MSI, prot: 0 });
  });

  it('usable ranges: two, around the MSI window (primer §4.2)', () => {
    const p = x86Vtd();
    expect(usableIovaRanges(p.aperture, p.getResvRegions({ bdf: '0000:03:00.0', group: 5 }))).toEqual([
      { start: 0x0n, end: 0xfedfffffn }, { start: 0xfef00000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  it('reports an RMRR as DIRECT, or DIRECT_RELAXABLE for a USB or graphics device', () => {
    const rmrrs = [{ base: 0x7b800000n, end: 0x7b81ffffn, devices: ['0000:00:14.0', '0000:00:1f.6', '0000:00:02.0'] }];
    const p = x86Vtd({ rmrrs });
    const usb = p.getResvRegions({ bdf: '0000:00:14.0', group: 1, classCode: 0x0c0330 });
    const nic = p.getResvRegions({ bdf: '0000:00:1f.6', group: 2, classCode: 0x020000 });
    const gfx = p.getResvRegions({ bdf: '0000:00:02.0', group: 3, classCode: 0x030000 });
    expect(usb.map((r) => r.type)).toEqual([IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI]);
    expect(nic.map((r) => r.type)).toEqual([IOMMU_RESV_DIRECT, IOMMU_RESV_MSI]);
    expect(gfx.map((r) => r.type)).toEqual([IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI]);
    const g = group(p, 1, [{ bdf: '0000:00:14.0', classCode: 0x0c0330 }]);
    expect(g.reservedRegionsText()).toBe(
      '0x000000007b800000 0x000000007b81ffff direct-relaxable\n' +
      '0x00000000fee00000 0x00000000feefffff msi\n');
    // direct-relaxable is not excluded from the usable ranges; direct is.
    expect(usableIovaRanges(p.aperture, usb)).toHaveLength(2);
    expect(usableIovaRanges(p.aperture, nic)).toEqual([
      { start: 0x0n, end: 0x7b7fffffn }, { start: 0x7b820000n, end: 0xfedfffffn }, { start: 0xfef00000n, end: 0xffff_ffff_ffffn },
    ]);
  });

  it('adds [0, 16 MiB) as DIRECT_RELAXABLE for an ISA bridge (CONFIG_INTEL_IOMMU_FLOPPY_WA)', () => {
    const r = x86Vtd().getResvRegions({ bdf: '0000:00:1f.0', group: 9, classCode: 0x060100 });
    expect(r[0]).toMatchObject({ start: 0n, length: 0x1000000n, type: IOMMU_RESV_DIRECT_RELAXABLE });
  });

  it('has a 2^gaw - 1 aperture for second-stage domains and 2^(gaw - 1) - 1 for first-stage', () => {
    expect(x86Vtd().aperture.end).toBe(0xffff_ffff_ffffn);
    expect(x86Vtd({ translation: 'first-stage' }).aperture.end).toBe(0x7fff_ffff_ffffn);
    expect(x86Vtd({ superpage: 0 }).pgsizeBitmap).toBe(0x1000n);
    expect(x86Vtd({ superpage: 1 }).pgsizeBitmap).toBe(0x201000n);
  });

  it('names the default domain "DMA-FQ" and refuses nesting (no enable_nesting op: -EINVAL)', () => {
    const p = x86Vtd();
    expect(p.defaultDomainType).toBe(IOMMU_DOMAIN_DMA_FQ);
    expect(group(p, 5, [{ bdf: '0000:03:00.0' }]).typeText()).toBe('DMA-FQ\n');
    expect(p.allocUnmanagedDomain({ nesting: true })).toMatchObject({ errno: 22, where: expect.stringContaining('iommu_enable_nesting') });
  });
});

describe('groups: merge across devices and DMA ownership', () => {
  it('merges the regions of every device in the group (iommu_get_group_resv_regions)', () => {
    const p = x86Vtd({ rmrrs: [{ base: 0x7b800000n, end: 0x7b81ffffn, devices: ['0000:00:1f.6'] }] });
    const g = group(p, 7, [{ bdf: '0000:00:1f.0', classCode: 0x060100 }, { bdf: '0000:00:1f.6' }]);
    // ISA bridge: [0,16M) relaxable + MSI; NIC: RMRR direct + MSI. The two MSI windows merge.
    expect(g.reservedRegionsText()).toBe(
      '0x0000000000000000 0x0000000000ffffff direct-relaxable\n' +
      '0x000000007b800000 0x000000007b81ffff direct\n' +
      '0x00000000fee00000 0x00000000feefffff msi\n');
  });

  it('is not viable while a kernel driver uses a device for DMA: claim gives -EPERM', () => {
    const g = group(armVirt(), 4, [{ bdf: '0000:00:04.0' }, { bdf: '0000:00:04.1', driver: 'e1000e' }]);
    expect(g.dmaOwnerClaimed()).toBe(true);
    expect(g.claimDmaOwner('vfio')).toMatchObject({ errno: 1, where: 'iommu_group_claim_dma_owner' });
  });

  it('does not count drivers that manage DMA themselves (vfio-pci, pcieport)', () => {
    const g = group(armVirt(), 4, [{ bdf: '0000:00:04.0' }, { bdf: '0000:00:01.0', driver: 'pcieport' }]);
    expect(g.dmaOwnerClaimed()).toBe(false);
    expect(g.claimDmaOwner('vfio')).toBeNull();
    expect(g.currentDomainType()).toBe(IOMMU_DOMAIN_BLOCKED);
    g.releaseDmaOwner();
    expect(g.currentDomainType()).toBe(IOMMU_DOMAIN_DMA);
  });

  it('refuses to block a device with an IOMMU_RESV_DIRECT region (__iommu_device_set_domain: -EINVAL)', () => {
    const p = x86Vtd({ rmrrs: [{ base: 0x7b800000n, end: 0x7b81ffffn, devices: ['0000:00:1f.6'] }] });
    const g = group(p, 2, [{ bdf: '0000:00:1f.6' }]);
    const e = g.claimDmaOwner('vfio');
    expect(e).toMatchObject({ errno: 22 });
    expect(e?.log?.[0]).toBe('vfio-pci 0000:00:1f.6: Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.');
  });
});

describe('valid-IOVA list operations (vfio_iommu_type1.c)', () => {
  it('vfio_iommu_aper_resize(): an empty list becomes the aperture; otherwise the ends are cut', () => {
    expect(aperResize([], 0n, 0xffffn)).toEqual([{ start: 0n, end: 0xffffn }]);
    const l = [{ start: 0n, end: 0xfffn }, { start: 0x2000n, end: 0x2fffn }, { start: 0x4000n, end: 0xffffn }];
    expect(aperResize(l, 0x2800n, 0x7fffn)).toEqual([{ start: 0x2800n, end: 0x2fffn }, { start: 0x4000n, end: 0x7fffn }]);
  });

  it('vfio_iommu_resv_exclude(): splits around a region, skips DIRECT_RELAXABLE, returns null when empty', () => {
    const l = [{ start: 0n, end: 0xffffn }];
    expect(resvExclude(l, [{ start: 0x1000n, length: 0x1000n, prot: 0, type: IOMMU_RESV_MSI }]))
      .toEqual([{ start: 0n, end: 0xfffn }, { start: 0x2000n, end: 0xffffn }]);
    expect(resvExclude(l, [{ start: 0x1000n, length: 0x1000n, prot: 0, type: IOMMU_RESV_DIRECT_RELAXABLE }])).toEqual(l);
    expect(resvExclude(l, [{ start: 0n, length: 0x10000n, prot: 0, type: IOMMU_RESV_DIRECT }])).toBeNull();
  });

  it('vfio_iommu_aper_conflict(): disjoint apertures and mappings outside the new one conflict', () => {
    const l = [{ start: 0n, end: 0xffffn }];
    const none = () => false;
    expect(aperConflict([], 0n, 1n, none)).toBe(false);
    expect(aperConflict(l, 0x10000n, 0x20000n, none)).toBe(true);
    expect(aperConflict(l, 0n, 0x7fffn, none)).toBe(false);
    expect(aperConflict(l, 0n, 0x7fffn, (s) => s === 0x8000n)).toBe(true);
  });

  it('vfio_iommu_iova_dma_valid(): inside one range; an empty list accepts anything', () => {
    const l = [{ start: 0n, end: 0x7ffffffn }, { start: 0x8100000n, end: 0xffff_ffff_ffffn }];
    expect(iovaDmaValid(l, 0x100000n, 0x10ffffn)).toBe(true);
    expect(iovaDmaValid(l, MSI_IOVA_BASE, MSI_IOVA_BASE + 0xfffn)).toBe(false);
    expect(iovaDmaValid(l, 0x7fff000n, 0x8000fffn)).toBe(false);   // straddles the window
    expect(iovaDmaValid([], 0n, 1n)).toBe(true);
  });
});
