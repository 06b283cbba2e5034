// Usable IOVA ranges: a domain's aperture minus every reserved region except DIRECT_RELAXABLE.
//
// These are the list operations VFIO type1 keeps its valid-IOVA list with
// (drivers/vfio/vfio_iommu_type1.c): vfio_iommu_aper_resize(), vfio_iommu_resv_exclude(),
// vfio_iommu_aper_conflict(). They work on sorted lists of inclusive [start, end] ranges
// (struct vfio_iova). The same list is what VFIO_IOMMU_GET_INFO reports in its IOVA-range
// capability (primer vfio-qemu-spapr.md §4.2, §5.5).

import { IOMMU_RESV_DIRECT_RELAXABLE, type ResvRegion } from './resv';

/** struct vfio_iova / struct vfio_iova_range: an inclusive range. */
export interface IovaRange {
  start: bigint;
  end: bigint;
}

/** vfio_iommu_aper_resize(): fit the list to a new aperture [start, end]. An empty list becomes
 *  the aperture itself. Otherwise nodes wholly before `start` are dropped and the node holding
 *  `start` is cut to begin there; nodes wholly after `end` are dropped and the node holding `end`
 *  is cut to finish there. (Only called when vfio_iommu_aper_conflict() found no conflict.) */
export function aperResize(list: readonly IovaRange[], start: bigint, end: bigint): IovaRange[] {
  if (list.length === 0) return [{ start, end }];
  let out = list.map((n) => ({ ...n }));
  // Adjust the list start.
  const keep: IovaRange[] = [];
  let i = 0;
  for (; i < out.length; i++) {
    const node = out[i];
    if (start < node.start) break;
    if (start >= node.start && start < node.end) { node.start = start; break; }
    // a node before the new start: deleted
  }
  keep.push(...out.slice(i));
  out = keep;
  // Adjust the list end.
  const result: IovaRange[] = [];
  for (const node of out) {
    if (end > node.end) { result.push(node); continue; }
    if (end > node.start && end <= node.end) { node.end = end; result.push(node); continue; }
    // a node after the new end: deleted
  }
  return result;
}

/** vfio_iommu_resv_exclude(): cut every region but DIRECT_RELAXABLE out of the list. Returns null
 *  when nothing is left (the kernel returns -EINVAL). */
export function resvExclude(list: readonly IovaRange[], regions: readonly ResvRegion[]): IovaRange[] | null {
  let out = list.map((n) => ({ ...n }));
  for (const resv of regions) {
    if (resv.type === IOMMU_RESV_DIRECT_RELAXABLE) continue;
    const start = resv.start;
    const end = resv.start + resv.length - 1n;
    const next: IovaRange[] = [];
    for (const n of out) {
      if (start > n.end || end < n.start) { next.push(n); continue; }   // no overlap
      if (start > n.start) next.push({ start: n.start, end: start - 1n });
      if (end < n.end) next.push({ start: end + 1n, end: n.end });
    }
    out = next;
  }
  return out.length === 0 ? null : out;
}

/** vfio_iommu_aper_conflict(): would the aperture [start, end] lose part of the list, or an
 *  existing mapping? `hasDma(start, size)` answers vfio_find_dma(). An empty list never conflicts. */
export function aperConflict(
  list: readonly IovaRange[], start: bigint, end: bigint, hasDma: (start: bigint, size: bigint) => boolean,
): boolean {
  if (list.length === 0) return false;
  const first = list[0], last = list[list.length - 1];
  if (start > last.end || end < first.start) return true;              // disjoint sets
  if (start > first.start && hasDma(first.start, start - first.start)) return true;
  if (end < last.end && hasDma(end + 1n, last.end - end)) return true;
  return false;
}

/** The usable IOVA ranges of an aperture with these (merged) reserved regions: what a container
 *  with one group on this platform reports; null if nothing is usable. */
export function usableIovaRanges(aperture: IovaRange, regions: readonly ResvRegion[]): IovaRange[] | null {
  return resvExclude(aperResize([], aperture.start, aperture.end), regions);
}

/** Is [start, end] inside one range of the list? vfio_iommu_iova_dma_valid(): an empty list
 *  accepts everything (a container with only emulated-IOMMU groups). */
export function iovaDmaValid(list: readonly IovaRange[], start: bigint, end: bigint): boolean {
  if (list.length === 0) return true;
  return list.some((n) => start >= n.start && end <= n.end);
}
