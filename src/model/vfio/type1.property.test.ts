// Property tests (fast-check): any sequence of MAP_DMA / UNMAP_DMA on a v2 container keeps the
// mappings disjoint and inside the valid IOVA ranges, keeps locked_vm equal to the pages pinned,
// and unmapping everything returns locked_vm to 0 (issue 5, item 10).
//
// The oracle is a plain list of [iova, iova + size) intervals and the rules of vfio_dma_do_map() /
// vfio_dma_do_unmap() in 6.12's order (primer vfio-qemu-spapr.md §4.3-4.5): size 0 or a misaligned
// field -> EINVAL; overlap -> EEXIST; no slot left -> ENOSPC; outside one valid range -> EINVAL;
// more pages than RLIMIT_MEMLOCK allows -> ENOMEM; unmap: misaligned or 0 -> EINVAL, a range that
// bisects a mapping at either end -> EINVAL, otherwise every mapping inside goes and size is their sum.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armVirt, x86Vtd, type Platform } from '../iommu/platform';
import { iovaDmaValid } from '../iommu/usable';
import { VfioHost } from './vfio';

const PAGE = 0x1000n;

type Op =
  | { kind: 'map'; iova: bigint; pages: number; misalign: boolean }
  | { kind: 'unmap'; iova: bigint; pages: number; misalign: boolean }
  /** Unmap exactly the existing mappings idx..idx+span (sorted; indices wrap): a v2 unmap that
   *  removes whole mappings, so successes with a non-zero size are common. */
  | { kind: 'unmap-existing'; idx: number; span: number };

/** IOVAs on a grid of pages around the interesting places: 0, the Arm SW_MSI window at 0x8000000,
 *  the x86 MSI window at 0xfee00000, and the top of a 48-bit aperture. */
const BASES = [0n, 0x7f00000n, 0xfed00000n, (1n << 48n) - 0x100000n];

const rangeOp: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<'map' | 'unmap'>('map', 'map', 'unmap'),
  base: fc.constantFrom(...BASES),
  page: fc.integer({ min: 0, max: 63 }),
  pages: fc.integer({ min: 0, max: 24 }),
  misalign: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
}).map(({ kind, base, page, pages, misalign }) => ({ kind, iova: base + BigInt(page) * PAGE, pages, misalign }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: rangeOp },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unmap-existing' as const), idx: fc.nat(20), span: fc.nat(3) }) },
);

interface Iv { iova: bigint; size: bigint }

function run(platform: Platform, dev: string, group: number, ops: Op[], limitPages: number, entries: number): void {
  const h = new VfioHost({
    platform, devices: [{ bdf: dev, group }], dmaEntryLimit: entries,
    process: { rlimitMemlock: BigInt(limitPages) * PAGE },
  });
  const c = h.open('/dev/vfio/vfio').ret as number;
  const g = h.open(`/dev/vfio/${group}`).ret as number;
  expect(h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c }).errno).toBe(0);
  expect(h.ioctl(c, 'VFIO_SET_IOMMU', 3).errno).toBe(0);
  const t1 = h.containerOf(c)!.driver!;
  const valid = t1.iovaList.map((r) => ({ ...r }));
  const mem = h.mmap(0x100n * 0x100000n).ret as bigint;    // 256 MiB of process memory to map from
  let oracle: Iv[] = [];

  for (const o0 of ops) {
    let o = o0;
    if (o.kind === 'unmap-existing') {
      if (oracle.length === 0) continue;
      const sorted = [...oracle].sort((a, b) => (a.iova < b.iova ? -1 : 1));
      const first = sorted[o.idx % sorted.length];
      const last = sorted[Math.min(sorted.length - 1, (o.idx % sorted.length) + o.span)];
      o = { kind: 'unmap', iova: first.iova, pages: Number((last.iova + last.size - first.iova) / PAGE), misalign: false };
    }
    const size = BigInt(o.pages) * PAGE + (o.misalign ? 0x800n : 0n);
    if (o.kind === 'map') {
      const vaddr = mem + (o.iova % 0x8000000n);            // stay inside the mmap()ed region
      let want = 'OK';
      if (size === 0n || o.misalign) want = 'EINVAL';
      else if (oracle.some((m) => m.iova < o.iova + size && o.iova < m.iova + m.size)) want = 'EEXIST';
      else if (oracle.length >= entries) want = 'ENOSPC';
      else if (!iovaDmaValid(valid, o.iova, o.iova + size - 1n)) want = 'EINVAL';
      else if (h.process.lockedVm + size / PAGE > BigInt(limitPages)) want = 'ENOMEM';
      const r = h.ioctl(c, 'VFIO_IOMMU_MAP_DMA', { argsz: 32, flags: 3, vaddr, iova: o.iova, size });
      expect(r.errname ?? 'OK').toBe(want);
      if (want === 'OK') oracle.push({ iova: o.iova, size });
    } else {
      const end = o.iova + size;
      let want = 'OK';
      if (size === 0n || o.misalign) want = 'EINVAL';
      else if (oracle.some((m) => o.iova > m.iova && o.iova < m.iova + m.size)) want = 'EINVAL';
      else if (oracle.some((m) => end - 1n >= m.iova && end - 1n < m.iova + m.size && end !== m.iova + m.size)) want = 'EINVAL';
      const r = h.ioctl(c, 'VFIO_IOMMU_UNMAP_DMA', { argsz: 24, flags: 0, iova: o.iova, size });
      expect(r.errname ?? 'OK').toBe(want);
      if (want === 'OK') {
        const gone = oracle.filter((m) => m.iova >= o.iova && m.iova < end);
        expect(r.out).toEqual({ size: gone.reduce((s, m) => s + m.size, 0n) });
        oracle = oracle.filter((m) => !gone.includes(m));
      }
    }

    // Invariants after every call.
    const dmas = t1.dmas;
    for (let i = 1; i < dmas.length; i++) expect(dmas[i - 1].iova + dmas[i - 1].size <= dmas[i].iova).toBe(true);
    for (const d of dmas) expect(iovaDmaValid(t1.iovaList, d.iova, d.iova + d.size - 1n)).toBe(true);
    const pages = dmas.reduce((s, d) => s + d.size / PAGE, 0n);
    expect(h.process.lockedVm).toBe(pages);
    expect(t1.chargedPages()).toBe(pages);
    expect(h.process.lockedVm <= BigInt(limitPages)).toBe(true);
    expect(t1.dmaAvail + dmas.length).toBe(entries);
    const leaves = t1.domains[0].domain.pt.leaves().reduce((s, l) => s + l.pgsize, 0n);
    expect(leaves).toBe(pages * PAGE);
    expect(dmas.map((d) => [d.iova, d.size])).toEqual(
      [...oracle].sort((a, b) => (a.iova < b.iova ? -1 : 1)).map((m) => [m.iova, m.size]));
  }

  // Unmapping everything returns locked_vm to 0 and every slot.
  expect(h.ioctl(c, 'VFIO_IOMMU_UNMAP_DMA', { argsz: 24, flags: 2, iova: 0, size: 0 }).errno).toBe(0);
  expect(h.process.lockedVm).toBe(0n);
  expect(t1.dmas).toEqual([]);
  expect(t1.dmaAvail).toBe(entries);
  expect(t1.domains[0].domain.pt.leaves()).toEqual([]);
}

describe('MAP_DMA / UNMAP_DMA sequences (v2 container, 6.12)', () => {
  it('Arm virt with SMMUv3: disjoint, inside the valid ranges, locked_vm = pinned pages', () => {
    fc.assert(fc.property(
      fc.array(op, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 12 }),
      (ops, limit, entries) => run(armVirt(), '0000:00:02.0', 2, ops, limit, entries),
    ), { numRuns: 150 });
  });

  it('x86 with VT-d: the same invariants around the 0xfee00000 MSI window', () => {
    fc.assert(fc.property(
      fc.array(op, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 12 }),
      (ops, limit, entries) => run(x86Vtd(), '0000:03:00.0', 5, ops, limit, entries),
    ), { numRuns: 150 });
  });
});
