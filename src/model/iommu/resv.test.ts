// Reserved regions: the enum order, iommu_insert_resv_region()'s sort-and-merge, and the sysfs
// text of iommu_group_show_resv_regions() byte for byte. Expected values are worked out by hand
// from drivers/iommu/iommu.c as primer vfio-qemu-spapr.md §5.1-5.4 describes it (and as read in
// iommu.c: insert before the first region with a greater start, or an equal start and a type >=;
// merge overlapping or touching regions of the new region's type only).

import { describe, expect, it } from 'vitest';
import {
  IOMMU_MMIO, IOMMU_NOEXEC, IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI, IOMMU_RESV_RESERVED,
  IOMMU_RESV_SW_MSI, IOMMU_WRITE, RESV_TYPE_NAMES, RESV_TYPE_STRINGS, iommuInsertResvRegion, mergeResvRegions,
  reservedRegionsText, resvRegionLine, type ResvRegion, type ResvType,
} from './resv';

const R = (start: bigint, length: bigint, type: ResvType, prot = 0): ResvRegion => ({ start, length, prot, type });

describe('enum iommu_resv_type (include/linux/iommu.h)', () => {
  it('has the kernel order and the sysfs strings of iommu_group_resv_type_string[]', () => {
    expect([IOMMU_RESV_DIRECT, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_RESERVED, IOMMU_RESV_MSI, IOMMU_RESV_SW_MSI])
      .toEqual([0, 1, 2, 3, 4]);
    expect(RESV_TYPE_NAMES).toEqual([
      'IOMMU_RESV_DIRECT', 'IOMMU_RESV_DIRECT_RELAXABLE', 'IOMMU_RESV_RESERVED', 'IOMMU_RESV_MSI', 'IOMMU_RESV_SW_MSI',
    ]);
    // SW_MSI prints as "msi" too (primer §5.1).
    expect(RESV_TYPE_STRINGS).toEqual(['direct', 'direct-relaxable', 'reserved', 'msi', 'msi']);
  });
});

describe('iommu_group_show_resv_regions(): "0x%016llx 0x%016llx %s\\n", inclusive end', () => {
  it('prints the Arm SMMU software MSI window (primer §5.4)', () => {
    const sw = R(0x8000000n, 0x100000n, IOMMU_RESV_SW_MSI, IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO);
    expect(resvRegionLine(sw)).toBe('0x0000000008000000 0x00000000080fffff msi\n');
  });
  it('prints the Intel interrupt window (primer §5.4)', () => {
    expect(resvRegionLine(R(0xfee00000n, 0x100000n, IOMMU_RESV_MSI))).toBe('0x00000000fee00000 0x00000000feefffff msi\n');
  });
  it('prints the AMD HyperTransport range and a relaxable RMRR (primer §5.4)', () => {
    // 0xfd_0000_0000 .. 0xff_ffff_ffff: length 0x3_0000_0000.
    expect(resvRegionLine(R(0xfd00000000n, 0x300000000n, IOMMU_RESV_RESERVED))).toBe('0x000000fd00000000 0x000000ffffffffff reserved\n');
    expect(resvRegionLine(R(0x7b800000n, 0x20000n, IOMMU_RESV_DIRECT_RELAXABLE))).toBe('0x000000007b800000 0x000000007b81ffff direct-relaxable\n');
  });
  it('prints one line per region, no separator, and nothing at all for no regions', () => {
    expect(reservedRegionsText([])).toBe('');
    expect(reservedRegionsText([R(0n, 0x1000000n, IOMMU_RESV_DIRECT_RELAXABLE), R(0xfee00000n, 0x100000n, IOMMU_RESV_MSI)])).toBe(
      '0x0000000000000000 0x0000000000ffffff direct-relaxable\n' +
      '0x00000000fee00000 0x00000000feefffff msi\n');
  });
});

describe('iommu_insert_resv_region()', () => {
  it('keeps the list sorted by start', () => {
    let l: ResvRegion[] = [];
    l = iommuInsertResvRegion(R(0x3000n, 0x1000n, IOMMU_RESV_RESERVED), l);
    l = iommuInsertResvRegion(R(0x1000n, 0x1000n, IOMMU_RESV_DIRECT), l);
    l = iommuInsertResvRegion(R(0x5000n, 0x1000n, IOMMU_RESV_MSI), l);
    expect(l.map((r) => r.start)).toEqual([0x1000n, 0x3000n, 0x5000n]);
  });

  it('puts a region before one with an equal start and a type not lower than its own', () => {
    // Insert MSI at 0x1000, then DIRECT at 0x1000: DIRECT (0) <= MSI (3) -> goes first.
    let l = iommuInsertResvRegion(R(0x1000n, 0x1000n, IOMMU_RESV_MSI), []);
    l = iommuInsertResvRegion(R(0x1000n, 0x2000n, IOMMU_RESV_DIRECT), l);
    expect(l.map((r) => r.type)).toEqual([IOMMU_RESV_DIRECT, IOMMU_RESV_MSI]);
    // And a higher type at an equal start goes after: SW_MSI (4) > MSI (3).
    l = iommuInsertResvRegion(R(0x1000n, 0x1000n, IOMMU_RESV_SW_MSI), l);
    expect(l.map((r) => r.type)).toEqual([IOMMU_RESV_DIRECT, IOMMU_RESV_MSI, IOMMU_RESV_SW_MSI]);
  });

  it('merges overlapping regions of the same type into one with the larger end', () => {
    // [0x1000, 0x2fff] + [0x2000, 0x4fff] -> [0x1000, 0x4fff]: length 0x4000.
    let l = iommuInsertResvRegion(R(0x1000n, 0x2000n, IOMMU_RESV_DIRECT), []);
    l = iommuInsertResvRegion(R(0x2000n, 0x3000n, IOMMU_RESV_DIRECT), l);
    expect(l).toEqual([R(0x1000n, 0x4000n, IOMMU_RESV_DIRECT)]);
  });

  it('merges touching regions of the same type (iter->start <= top_end + 1)', () => {
    // [0x1000, 0x1fff] + [0x2000, 0x2fff] -> [0x1000, 0x2fff].
    let l = iommuInsertResvRegion(R(0x1000n, 0x1000n, IOMMU_RESV_RESERVED), []);
    l = iommuInsertResvRegion(R(0x2000n, 0x1000n, IOMMU_RESV_RESERVED), l);
    expect(l).toEqual([R(0x1000n, 0x2000n, IOMMU_RESV_RESERVED)]);
    // One byte of gap: not merged.
    let g = iommuInsertResvRegion(R(0x1000n, 0xfffn, IOMMU_RESV_RESERVED), []);
    g = iommuInsertResvRegion(R(0x2000n, 0x1000n, IOMMU_RESV_RESERVED), g);
    expect(g).toHaveLength(2);
  });

  it('keeps a contained region inside the first one (no growth)', () => {
    let l = iommuInsertResvRegion(R(0x0n, 0x10000n, IOMMU_RESV_DIRECT), []);
    l = iommuInsertResvRegion(R(0x4000n, 0x1000n, IOMMU_RESV_DIRECT), l);
    expect(l).toEqual([R(0x0n, 0x10000n, IOMMU_RESV_DIRECT)]);
  });

  it('never merges regions of different types, even when they overlap', () => {
    // An MSI window inside a RESERVED range stays a separate line.
    let l = iommuInsertResvRegion(R(0xfe000000n, 0x2000000n, IOMMU_RESV_RESERVED), []);
    l = iommuInsertResvRegion(R(0xfee00000n, 0x100000n, IOMMU_RESV_MSI), l);
    expect(l).toEqual([R(0xfe000000n, 0x2000000n, IOMMU_RESV_RESERVED), R(0xfee00000n, 0x100000n, IOMMU_RESV_MSI)]);
  });

  it('merges across a region of another type lying between two of the new type', () => {
    // DIRECT [0x1000,0x2fff], RESERVED at 0x2000, then DIRECT [0x2800, 0x3fff]: list order DIRECT
    // 0x1000, RESERVED 0x2000, DIRECT 0x2800; the DIRECT at 0x2800 merges into the stacked DIRECT at
    // 0x1000 (the last stacked region of its type) -> [0x1000, 0x3fff].
    let l = iommuInsertResvRegion(R(0x1000n, 0x2000n, IOMMU_RESV_DIRECT), []);
    l = iommuInsertResvRegion(R(0x2000n, 0x1000n, IOMMU_RESV_RESERVED), l);
    l = iommuInsertResvRegion(R(0x2800n, 0x1800n, IOMMU_RESV_DIRECT), l);
    expect(l).toEqual([R(0x1000n, 0x3000n, IOMMU_RESV_DIRECT), R(0x2000n, 0x1000n, IOMMU_RESV_RESERVED)]);
  });

  it('does not change the list it was given', () => {
    const before = [R(0x1000n, 0x1000n, IOMMU_RESV_DIRECT)];
    iommuInsertResvRegion(R(0x1000n, 0x4000n, IOMMU_RESV_DIRECT), before);
    expect(before).toEqual([R(0x1000n, 0x1000n, IOMMU_RESV_DIRECT)]);
  });

  it('merges two devices that both report the SW_MSI window into one line', () => {
    const sw = R(0x8000000n, 0x100000n, IOMMU_RESV_SW_MSI);
    expect(reservedRegionsText(mergeResvRegions([[sw], [sw]]))).toBe('0x0000000008000000 0x00000000080fffff msi\n');
  });
});
