// IOMMU domains: the types, and iommu_map()/iommu_unmap() over a page table.
//
// include/linux/iommu.h (6.12): a domain type is a set of feature bits
//   __IOMMU_DOMAIN_PAGING 1<<0 (iommu_map/unmap work), __IOMMU_DOMAIN_DMA_API 1<<1 (the DMA API owns
//   it), __IOMMU_DOMAIN_PT 1<<2 (identity), __IOMMU_DOMAIN_DMA_FQ 1<<3 (lazy flush queue),
//   __IOMMU_DOMAIN_SVA 1<<4, __IOMMU_DOMAIN_PLATFORM 1<<5, __IOMMU_DOMAIN_NESTED 1<<6,
// and the named types are combinations of them. ASSUMPTION (read from memory of iommu.h, not from
// the 6.12 file): these bit values.
//
// drivers/iommu/iommu.c: __iommu_map() refuses an iova, paddr or size not aligned to the smallest
// page size (-EINVAL) and splits the range with iommu_pgsize() into runs of the largest page size the
// alignment of iova and paddr allows, so a 2 MiB-aligned range becomes 2 MiB blocks; the domain's
// page table (io-pgtable) writes them. IoPageTable is that page table: the model's default keeps
// the leaves in a list; vmsaPageTable() writes real VMSAv8-64 descriptors into memory, so the
// SMMU model walks exactly what MAP_DMA built.

import type { IommuHw } from './hw';
import type { PageTableBuilder } from '../vmsa/builder';
import { ERRNO } from '../vfio/errno';
import { IOMMU_READ, IOMMU_WRITE } from './resv';

export const __IOMMU_DOMAIN_PAGING = 1 << 0;
export const __IOMMU_DOMAIN_DMA_API = 1 << 1;
export const __IOMMU_DOMAIN_PT = 1 << 2;
export const __IOMMU_DOMAIN_DMA_FQ = 1 << 3;
export const __IOMMU_DOMAIN_SVA = 1 << 4;
export const __IOMMU_DOMAIN_PLATFORM = 1 << 5;
export const __IOMMU_DOMAIN_NESTED = 1 << 6;

export const IOMMU_DOMAIN_BLOCKED = 0;
export const IOMMU_DOMAIN_IDENTITY = __IOMMU_DOMAIN_PT;
export const IOMMU_DOMAIN_UNMANAGED = __IOMMU_DOMAIN_PAGING;
export const IOMMU_DOMAIN_DMA = __IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API;
export const IOMMU_DOMAIN_DMA_FQ = __IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | __IOMMU_DOMAIN_DMA_FQ;
export const IOMMU_DOMAIN_NESTED = __IOMMU_DOMAIN_NESTED;

export type DomainType =
  | typeof IOMMU_DOMAIN_BLOCKED | typeof IOMMU_DOMAIN_IDENTITY | typeof IOMMU_DOMAIN_UNMANAGED
  | typeof IOMMU_DOMAIN_DMA | typeof IOMMU_DOMAIN_DMA_FQ | typeof IOMMU_DOMAIN_NESTED;

/** iommu_group_show_type() (drivers/iommu/iommu.c): the text of /sys/kernel/iommu_groups/N/type,
 *  which names the group's *default* domain type (it still says DMA while VFIO owns the group). */
export function domainTypeSysfs(t: number): string {
  switch (t) {
    case IOMMU_DOMAIN_BLOCKED: return 'blocked';
    case IOMMU_DOMAIN_IDENTITY: return 'identity';
    case IOMMU_DOMAIN_UNMANAGED: return 'unmanaged';
    case IOMMU_DOMAIN_DMA: return 'DMA';
    case IOMMU_DOMAIN_DMA_FQ: return 'DMA-FQ';
    default: return 'unknown';
  }
}

/** A page table of one domain: map runs of equal pages, unmap, translate. */
export interface IoPageTable {
  /** Map `count` pages of `pgsize` from iova to paddr. */
  mapPages(iova: bigint, paddr: bigint, pgsize: bigint, count: number, prot: number): void;
  /** Unmap [iova, iova + size); returns the bytes unmapped. */
  unmap(iova: bigint, size: bigint): bigint;
  /** The physical address iova translates to, or null. */
  iovaToPhys(iova: bigint): bigint | null;
  /** Every leaf, sorted by iova (for views and tests). */
  leaves(): IoLeaf[];
}

export interface IoLeaf {
  iova: bigint;
  paddr: bigint;
  pgsize: bigint;
  prot: number;
}

/** A run of `count` equal pages: iova -> paddr, each `pgsize` bytes. */
interface IoRun extends IoLeaf {
  count: number;
}

/** The model's default page table: runs of equal leaves in a sorted list (a 1 GiB map of 4K pages
 *  is one entry, not 262,144). */
export class ListPageTable implements IoPageTable {
  private runs: IoRun[] = [];

  mapPages(iova: bigint, paddr: bigint, pgsize: bigint, count: number, prot: number): void {
    const end = iova + BigInt(count) * pgsize;
    if (this.runs.some((r) => r.iova < end && iova < runEnd(r))) {
      throw new RangeError(`map: 0x${iova.toString(16)} is already mapped`);
    }
    this.runs.push({ iova, paddr, pgsize, count, prot });
    this.runs.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  }

  unmap(iova: bigint, size: bigint): bigint {
    const end = iova + size;
    let done = 0n;
    const out: IoRun[] = [];
    for (const r of this.runs) {
      if (runEnd(r) <= iova || r.iova >= end) { out.push(r); continue; }
      // Pages of the run wholly inside [iova, end) go; the rest stay (split around them).
      const first = r.iova >= iova ? 0n : (iova - r.iova + r.pgsize - 1n) / r.pgsize;
      const last = runEnd(r) <= end ? BigInt(r.count) : (end - r.iova) / r.pgsize;   // exclusive
      if (last <= first) { out.push(r); continue; }
      if (first > 0n) out.push({ ...r, count: Number(first) });
      if (last < BigInt(r.count)) {
        out.push({ ...r, iova: r.iova + last * r.pgsize, paddr: r.paddr + last * r.pgsize, count: r.count - Number(last) });
      }
      done += (last - first) * r.pgsize;
    }
    this.runs = out.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
    return done;
  }

  iovaToPhys(iova: bigint): bigint | null {
    for (const r of this.runs) if (iova >= r.iova && iova < runEnd(r)) return r.paddr + (iova - r.iova);
    return null;
  }

  leaves(): IoLeaf[] {
    const out: IoLeaf[] = [];
    for (const r of this.runs) {
      for (let i = 0; i < r.count; i++) {
        out.push({ iova: r.iova + BigInt(i) * r.pgsize, paddr: r.paddr + BigInt(i) * r.pgsize, pgsize: r.pgsize, prot: r.prot });
      }
    }
    return out;
  }

  /** The runs as mapped (one entry per iommu_pgsize() run). */
  runList(): (IoLeaf & { count: number })[] {
    return this.runs.map((r) => ({ ...r }));
  }
}

function runEnd(r: IoRun): bigint {
  return r.iova + BigInt(r.count) * r.pgsize;
}

/** A page table that writes VMSAv8-64 descriptors through a PageTableBuilder (stage 1 or stage 2,
 *  as the domain's SMMU stage is): the tables the SMMU walks. Addresses must be below 2^53. */
export function vmsaPageTable(b: PageTableBuilder): IoPageTable {
  const book = new ListPageTable();      // the same leaves, for leaves() and the PA of a block's offset
  return {
    mapPages(iova, paddr, pgsize, count, prot) {
      const perm = { r: (prot & IOMMU_READ) !== 0, w: (prot & IOMMU_WRITE) !== 0 };
      b.map(Number(iova), Number(paddr), Number(pgsize) * count, perm, Number(pgsize));
      book.mapPages(iova, paddr, pgsize, count, prot);
    },
    unmap(iova, size) {
      const done = BigInt(b.unmap(Number(iova), Number(size)));
      book.unmap(iova, size);
      return done;
    },
    iovaToPhys(iova) {
      return b.lookup(Number(iova)) === null ? null : book.iovaToPhys(iova);
    },
    leaves() {
      return book.leaves();
    },
  };
}

const fls = (v: bigint) => v.toString(2).length - 1;       // index of the highest set bit (v > 0)
const ffs = (v: bigint) => fls(v & -v);                      // index of the lowest set bit (v > 0)
const genmask = (h: number) => (1n << BigInt(h + 1)) - 1n;   // GENMASK(h, 0)

/** iommu_pgsize() (drivers/iommu/iommu.c): the page size for the next run of [iova, iova+size) ->
 *  paddr and how many pages of it to map. The largest supported size no larger than `size` and
 *  allowed by the alignment of iova | paddr; fewer of them if a bigger size becomes possible at the
 *  next boundary of that bigger size (and iova and paddr are equally offset inside it). */
export function iommuPgsize(pgsizeBitmap: bigint, iova: bigint, paddr: bigint, size: bigint): { pgsize: bigint; count: number } {
  const addrMerge = paddr | iova;
  let pgsizes = pgsizeBitmap & genmask(fls(size));
  if (addrMerge !== 0n) pgsizes &= genmask(ffs(addrMerge));
  if (pgsizes === 0n) throw new RangeError('iommu_pgsize: no suitable page size (BUG_ON in the kernel)');
  const idx = fls(pgsizes);
  const pgsize = 1n << BigInt(idx);
  let s = size;
  const bigger = pgsizeBitmap & ~genmask(idx);
  if (bigger !== 0n) {
    const next = 1n << BigInt(ffs(bigger));
    if (((iova ^ paddr) & (next - 1n)) === 0n) {
      const offset = next - (addrMerge & (next - 1n));
      if (offset + next <= s) s = offset;
    }
  }
  return { pgsize, count: Number(s >> BigInt(idx)) };
}

/** The runs __iommu_map() hands to the page table for one contiguous range. */
export function iommuMapRuns(pgsizeBitmap: bigint, iova: bigint, paddr: bigint, size: bigint): { iova: bigint; paddr: bigint; pgsize: bigint; count: number }[] {
  const runs = [];
  let done = 0n;
  while (done < size) {
    const { pgsize, count } = iommuPgsize(pgsizeBitmap, iova + done, paddr + done, size - done);
    runs.push({ iova: iova + done, paddr: paddr + done, pgsize, count });
    done += pgsize * BigInt(count);
  }
  return runs;
}

/** A paging domain as VFIO type1 sees it. */
export interface IommuDomain {
  type: DomainType;
  /** Which IOMMU driver's ops made it (type1 shares a domain only between equal ops). */
  ops: string;
  /** domain->pgsize_bitmap */
  pgsizeBitmap: bigint;
  /** domain->geometry: aperture_start, aperture_end (inclusive). */
  aperture: { start: bigint; end: bigint };
  /** What the SMMU's domain translates with (Arm only): stage 1 or stage 2. */
  stage?: 's1' | 's2';
  /** enforce_cache_coherency() result (VT-d snoop control); false where the op does not exist. */
  enforceCacheCoherency: boolean;
  /** The MSI cookie base (iommu_get_msi_cookie()), null when none. */
  msiCookie: bigint | null;
  pt: IoPageTable;
  /** The driver below, told of every unmap (iommu_iotlb_sync); absent in the pure model. */
  hw?: IommuHw;
}

/** iommu_map(): 0, or -EINVAL (as a positive errno) when iova, paddr or size is not a multiple of
 *  the smallest page size. */
export function iommuMap(d: IommuDomain, iova: bigint, paddr: bigint, size: bigint, prot: number): number {
  const min = d.pgsizeBitmap & -d.pgsizeBitmap;
  if (((iova | paddr | size) & (min - 1n)) !== 0n) return ERRNO.EINVAL;   // __iommu_map()
  for (const r of iommuMapRuns(d.pgsizeBitmap, iova, paddr, size)) d.pt.mapPages(r.iova, r.paddr, r.pgsize, r.count, prot);
  return 0;
}

/** iommu_unmap(): the bytes unmapped. */
export function iommuUnmap(d: IommuDomain, iova: bigint, size: bigint): bigint {
  const done = d.pt.unmap(iova, size);
  if (done > 0n) d.hw?.flushRange(d, iova, size);
  return done;
}
