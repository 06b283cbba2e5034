// iommu_map() over a domain's page table: iommu_pgsize()'s choice of page sizes, worked by hand from
// drivers/iommu/iommu.c (largest size allowed by size and by the alignment of iova | paddr; fewer
// small pages when a larger size starts at the next boundary and iova and paddr are equally
// offset), the -EINVAL of __iommu_map() for a misaligned range, and the VMSAv8-64 page table that
// the SMMU model walks.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { BumpAllocator, PageTableBuilder, type TableIO } from '../vmsa/builder';
import {
  domainTypeSysfs, IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ, IOMMU_DOMAIN_IDENTITY,
  IOMMU_DOMAIN_NESTED, IOMMU_DOMAIN_UNMANAGED, iommuMap, iommuMapRuns, iommuPgsize, ListPageTable, vmsaPageTable,
  type IommuDomain,
} from './domain';

const BM = 0x1000n | 0x200000n | 0x40000000n;   // 4K | 2M | 1G

describe('domain types (include/linux/iommu.h) and the sysfs type text (iommu_group_show_type)', () => {
  it('combines the feature bits', () => {
    expect([IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_IDENTITY, IOMMU_DOMAIN_UNMANAGED, IOMMU_DOMAIN_DMA, IOMMU_DOMAIN_DMA_FQ, IOMMU_DOMAIN_NESTED])
      .toEqual([0, 4, 1, 3, 11, 64]);
    expect([0, 4, 1, 3, 11, 64].map(domainTypeSysfs)).toEqual(['blocked', 'identity', 'unmanaged', 'DMA', 'DMA-FQ', 'unknown']);
  });
});

describe('iommu_pgsize()', () => {
  it('uses 4K pages for a range shorter than the next size (64K, 1M-aligned)', () => {
    // addr_merge 0x5010_0000: 1M-aligned, size 64K -> only 4K fits the size; 16 of them.
    expect(iommuPgsize(BM, 0x100000n, 0x5010_0000n, 0x10000n)).toEqual({ pgsize: 0x1000n, count: 16 });
  });
  it('uses one 1G block for a 1G-aligned 1G range', () => {
    expect(iommuPgsize(BM, 0n, 0x4000_0000n, 0x4000_0000n)).toEqual({ pgsize: 0x40000000n, count: 1 });
  });
  it('stops small pages at the next 2M boundary when the rest can use 2M blocks', () => {
    // [0x1ff000, +0x402000) -> 0x801ff000: 4K x1 up to 0x200000, 2M x2, then 4K x1.
    expect(iommuMapRuns(BM, 0x1ff000n, 0x801ff000n, 0x402000n)).toEqual([
      { iova: 0x1ff000n, paddr: 0x801ff000n, pgsize: 0x1000n, count: 1 },
      { iova: 0x200000n, paddr: 0x80200000n, pgsize: 0x200000n, count: 2 },
      { iova: 0x600000n, paddr: 0x80600000n, pgsize: 0x1000n, count: 1 },
    ]);
  });
  it('never uses a block when iova and paddr are offset differently inside it', () => {
    // iova 2M-aligned, paddr only 4K-aligned: addr_merge limits to 4K, and (iova ^ paddr) & (2M-1) != 0.
    expect(iommuMapRuns(BM, 0x200000n, 0x80201000n, 0x400000n)).toEqual([
      { iova: 0x200000n, paddr: 0x80201000n, pgsize: 0x1000n, count: 1024 },
    ]);
  });
});

function listDomain(): IommuDomain {
  return {
    type: IOMMU_DOMAIN_UNMANAGED, ops: 'test', pgsizeBitmap: BM, aperture: { start: 0n, end: (1n << 48n) - 1n },
    enforceCacheCoherency: false, msiCookie: null, pt: new ListPageTable(),
  };
}

describe('iommu_map() / ListPageTable', () => {
  it('returns EINVAL for an iova, paddr or size not a multiple of the smallest page', () => {
    expect(iommuMap(listDomain(), 0x800n, 0x1000n, 0x1000n, 3)).toBe(22);
    expect(iommuMap(listDomain(), 0x1000n, 0x1000n, 0x800n, 3)).toBe(22);
  });
  it('maps, translates and unmaps by whole pages', () => {
    const d = listDomain();
    expect(iommuMap(d, 0x200000n, 0x80200000n, 0x400000n, 3)).toBe(0);
    expect(d.pt.iovaToPhys(0x3fffffn)).toBe(0x803fffffn);
    expect(d.pt.leaves().map((l) => l.pgsize)).toEqual([0x200000n, 0x200000n]);
    expect(d.pt.unmap(0x200000n, 0x400000n)).toBe(0x400000n);
    expect(d.pt.iovaToPhys(0x200000n)).toBeNull();
  });
  it('splits a run of 4K pages when part of it is unmapped', () => {
    const d = listDomain();
    iommuMap(d, 0x1000n, 0x10000n, 0x4000n, 3);            // 4 x 4K (0x1000 is only 4K-aligned)
    expect(d.pt.unmap(0x2000n, 0x2000n)).toBe(0x2000n);
    expect(d.pt.leaves().map((l) => l.iova)).toEqual([0x1000n, 0x4000n]);
  });
});

describe('vmsaPageTable(): MAP_DMA writes the tables the SMMU walks', () => {
  it('writes 2M block descriptors at level 2 when iommu_pgsize() picks 2M', () => {
    const mem = new PhysMem();
    const io: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
    const b = new PageTableBuilder(1, 12, 48, io, new BumpAllocator(0x1000_0000, 0x1100_0000));
    const d: IommuDomain = { ...listDomain(), pt: vmsaPageTable(b) };
    expect(iommuMap(d, 0x200000n, 0x8020_0000n, 0x400000n, 3)).toBe(0);
    const leaf = b.lookup(0x200000);
    expect(leaf?.level).toBe(2);
    // Block descriptor: bits[1:0] = 0b01, output address 0x8020_0000.
    expect(Number(leaf!.desc & 3n)).toBe(1);
    expect(leaf!.desc & 0xffff_ffe0_0000n).toBe(0x8020_0000n);
    expect(d.pt.iovaToPhys(0x212345n)).toBe(0x8021_2345n);
    expect(d.pt.unmap(0x200000n, 0x400000n)).toBe(0x400000n);
    expect(b.lookup(0x200000)).toBeNull();
  });
});
