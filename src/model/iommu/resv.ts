// IOMMU reserved regions: the five types, the group merge, and the sysfs text.
//
// include/linux/iommu.h: enum iommu_resv_type, in this order (primer vfio-qemu-spapr.md §5.1):
//   IOMMU_RESV_DIRECT            must stay identity-mapped (a non-relaxable RMRR, an IORT RMR without
//                                "remapping permitted")
//   IOMMU_RESV_DIRECT_RELAXABLE  advertised 1:1 but may be dropped on device assignment
//   IOMMU_RESV_RESERVED          never map, never give to a device
//   IOMMU_RESV_MSI               hardware MSI window the IOMMU does not translate (x86 0xfee00000)
//   IOMMU_RESV_SW_MSI            IOVA window where software maps MSI doorbells (Arm 0x8000000)
// struct iommu_resv_region: start (phys_addr_t), length (size_t), prot (int), type.
//
// drivers/iommu/iommu.c:
//   iommu_insert_resv_region()     keeps a group's list sorted by start, then type, and merges
//                                  overlapping or touching regions of the new region's type
//   iommu_get_group_resv_regions() inserts every region of every device of the group, in order
//   iommu_group_show_resv_regions() prints "0x%016llx 0x%016llx %s\n" per region: start, inclusive
//                                  end (start + length - 1), iommu_group_resv_type_string[type]

/** enum iommu_resv_type values. */
export const IOMMU_RESV_DIRECT = 0;
export const IOMMU_RESV_DIRECT_RELAXABLE = 1;
export const IOMMU_RESV_RESERVED = 2;
export const IOMMU_RESV_MSI = 3;
export const IOMMU_RESV_SW_MSI = 4;
export type ResvType = 0 | 1 | 2 | 3 | 4;

/** The enum names, by value. */
export const RESV_TYPE_NAMES: readonly string[] = [
  'IOMMU_RESV_DIRECT', 'IOMMU_RESV_DIRECT_RELAXABLE', 'IOMMU_RESV_RESERVED', 'IOMMU_RESV_MSI', 'IOMMU_RESV_SW_MSI',
];

/** iommu_group_resv_type_string[] (drivers/iommu/iommu.c): SW_MSI prints as "msi" too, so sysfs
 *  cannot tell a software MSI window from a hardware one. (Kernels v4.11-v5.2 printed
 *  DIRECT_RELAXABLE as "direct"; primer §11.2. Not modelled: both profiles are later.) */
export const RESV_TYPE_STRINGS: readonly string[] = ['direct', 'direct-relaxable', 'reserved', 'msi', 'msi'];

/** IOMMU_* prot bits (include/linux/iommu.h). */
export const IOMMU_READ = 1 << 0;
export const IOMMU_WRITE = 1 << 1;
export const IOMMU_CACHE = 1 << 2;
export const IOMMU_NOEXEC = 1 << 3;
export const IOMMU_MMIO = 1 << 4;
export const IOMMU_PRIV = 1 << 5;

export interface ResvRegion {
  start: bigint;
  /** Bytes (size_t). */
  length: bigint;
  prot: number;
  type: ResvType;
}

/** The inclusive end, as the kernel computes it everywhere: start + length - 1. */
export function resvEnd(r: ResvRegion): bigint {
  return r.start + r.length - 1n;
}

/** iommu_insert_resv_region(): a new list with `add` inserted. The kernel's steps, on a copy:
 *  1. insert before the first region with a greater start, or an equal start and a type >= its type;
 *  2. walk the list moving each region to a "stack"; a region of the new region's type that starts
 *     at or before the end + 1 of the last stacked region of that type is merged into it (the
 *     stacked one grows to the larger end), otherwise it is stacked too. Regions of other types are
 *     never merged, even where they overlap. */
export function iommuInsertResvRegion(add: ResvRegion, regions: readonly ResvRegion[]): ResvRegion[] {
  const list = regions.map((r) => ({ ...r }));
  const nr = { ...add };
  let at = list.findIndex((it) => nr.start < it.start || (nr.start === it.start && nr.type <= it.type));
  if (at < 0) at = list.length;
  list.splice(at, 0, nr);

  const stack: ResvRegion[] = [];
  for (const iter of list) {
    if (iter.type !== add.type) { stack.push(iter); continue; }
    let top: ResvRegion | undefined;
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].type === iter.type) { top = stack[i]; break; }
    if (top === undefined) { stack.push(iter); continue; }
    const topEnd = resvEnd(top);
    if (iter.start > topEnd + 1n) {
      stack.push(iter);
    } else {
      const iterEnd = resvEnd(iter);
      top.length = (topEnd > iterEnd ? topEnd : iterEnd) - top.start + 1n;
    }
  }
  return stack;
}

/** Merge regions one by one, as iommu_get_group_resv_regions() does for each device's list. */
export function mergeResvRegions(lists: readonly (readonly ResvRegion[])[]): ResvRegion[] {
  let out: ResvRegion[] = [];
  for (const l of lists) for (const r of l) out = iommuInsertResvRegion(r, out);
  return out;
}

function hex16(v: bigint): string {
  // %016llx of a (long long): the two's complement bits, 16 lower-case digits.
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** One line of /sys/kernel/iommu_groups/N/reserved_regions (iommu_group_show_resv_regions()). */
export function resvRegionLine(r: ResvRegion): string {
  return `${hex16(r.start)} ${hex16(resvEnd(r))} ${RESV_TYPE_STRINGS[r.type]}\n`;
}

/** The whole file: one line per merged region, empty for a group with no regions. */
export function reservedRegionsText(regions: readonly ResvRegion[]): string {
  return regions.map(resvRegionLine).join('');
}
