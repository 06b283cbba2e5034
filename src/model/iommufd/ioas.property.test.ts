// Property test (fast-check): any sequence of IOMMU_IOAS_MAP (FIXED_IOVA, page-aligned user_va) /
// IOMMU_IOAS_UNMAP on an IOAS with a device attached (Linux 7.2 profile, arm64-virt SMMUv3):
//   - the IOAS's areas stay disjoint and inside the ranges IOMMU_IOAS_IOVA_RANGES reports, which
//     are the holes of the reserved tree: the automatic stage-1 domain's aperture [0, 2^48 - 1]
//     (iopt_table_add_domain()) minus the SW_MSI window [0x800_0000, 0x80f_ffff]
//     (iopt_table_enforce_group_resv_regions(); primer smmuv3-nested-msi.md: MSI_IOVA_BASE
//     0x8000000, MSI_IOVA_LENGTH 0x100000 in arm_smmu_get_resv_regions()), so the window is never
//     mapped;
//   - the user's locked_vm equals the pages currently pinned: each IOAS_MAP has its own
//     iopt_pages, pinned and charged once (IOPT_PAGES_ACCOUNT_USER) while a domain exists, and
//     given back when its area goes; the domain's page table holds exactly those pages;
//   - IOAS_UNMAP with iova 0 and length U64_MAX is "unmap all" (iommufd_ioas_unmap() ->
//     iopt_unmap_all(), which also succeeds on an empty IOAS) and returns locked_vm to 0.
//
// The oracle is a list of areas kept by this test with the kernel's rules
// (drivers/iommu/iommufd/io_pagetable.c, ioas.c), in their order:
//   map: length not a multiple of iova_alignment (PAGE_SIZE with a domain) -> EINVAL
//        (iopt_alloc_area_pages()); iova misaligned -> EINVAL, the range hits reserved IOVA ->
//        EINVAL, it overlaps an area -> EEXIST (iopt_check_iova()); locked_vm + npages above
//        RLIMIT_MEMLOCK -> ENOMEM (incr_user_locked_vm(), when the domain is filled).
//   unmap: iopt_unmap_iova_range() walks the areas meeting [iova, last] lowest first: one fully
//        inside goes (whole), one only partly inside stops the walk with ENOENT - the areas
//        already removed stay removed; nothing removed at all is ENOENT; else 0 with the bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armVirt } from '../iommu/platform';
import { LabMachine } from '../lab/machine';
import { VfioHost } from '../vfio/vfio';
import { labIommufdHw } from './lab-hw';

const BDF = '0000:00:02.0';
const PAGE = 0x1000n;
const U64_MAX = (1n << 64n) - 1n;
const IOAS_ID = 2, HWPT_ID = 3;
/** The reserved IOVA once the device is attached: the SW_MSI window, and above the 48-bit
 *  stage-1 aperture (lab-hw.ts S1_INPUT_BITS: VA_BITS 48). */
const SW_MSI = { start: 0x800_0000n, last: 0x80f_ffffn };
const APERTURE_LAST = (1n << 48n) - 1n;
const RESERVED = [SW_MSI, { start: APERTURE_LAST + 1n, last: U64_MAX }];

/** Bases of a 24-page grid: IOVA 0, both edges of the SW_MSI window, the top of the aperture. */
const BASES = [0n, SW_MSI.start - 0x10000n, SW_MSI.last + 1n - 0x10000n, APERTURE_LAST + 1n - 0x10000n];
const PROC_PAGES = 64n;

type Op =
  | { kind: 'map'; base: bigint; page: number; pages: number; va: number; misalign: 'none' | 'iova' | 'length' }
  | { kind: 'unmap'; base: bigint; page: number; pages: number; shift: bigint }
  /** Unmap the areas idx..idx+span (sorted, wrapping) and `extra` pages past the last: with
   *  extra 0 a success, else often the next area met partly (ENOENT after removing some). */
  | { kind: 'unmap-live'; idx: number; span: number; extra: number }
  | { kind: 'unmap-all' };

/** IOVA 0's grid most often, so that maps overlap (EEXIST) and unmaps meet several areas. */
const base = fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(...BASES.slice(1)) });

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5, arbitrary: fc.record({
      kind: fc.constant('map' as const), base: base, page: fc.nat(15),
      pages: fc.integer({ min: 1, max: 4 }), va: fc.nat(Number(PROC_PAGES) - 8),
      misalign: fc.constantFrom<'none' | 'iova' | 'length'>(...Array<'none'>(8).fill('none'), 'iova', 'length'),
    }),
  },
  {
    weight: 3, arbitrary: fc.record({
      kind: fc.constant('unmap' as const), base: base, page: fc.nat(23),
      pages: fc.integer({ min: 1, max: 12 }), shift: fc.constantFrom(0n, 0n, 0n, 0x800n),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unmap-live' as const), idx: fc.nat(20), span: fc.nat(2), extra: fc.constantFrom(0, 0, 1, 2, 4, 8) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unmap-all' as const }) },
);

interface Area { iova: bigint; last: bigint }
const meets = (a: Area, s: bigint, l: bigint) => a.iova <= l && s <= a.last;

function run(ops: Op[], limitPages: number): void {
  const lab = new LabMachine();
  const h = new VfioHost({
    platform: armVirt({ smmuStage: 'nested' }), kernel: '7.2', devices: [{ bdf: BDF, group: 5 }],
    process: { hostRamBase: 0x7_f000_0000n, rlimitMemlock: BigInt(limitPages) * PAGE },
    iommufdHw: labIommufdHw(lab, { sids: { [BDF]: 0x10 } }),
  });
  const ifd = h.open('/dev/iommu').ret as number;
  const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
  expect(h.ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd }).errno).toBe(0);
  expect(h.ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 }).out).toEqual({ out_ioas_id: IOAS_ID });
  expect(h.ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: IOAS_ID }).out).toEqual({ pt_id: HWPT_ID });
  const va = h.mmap(PROC_PAGES * PAGE).ret as bigint;
  const ctx = h.iommufd.ctxOf(ifd)!;
  const iopt = ctx.objects.get(IOAS_ID, 'ioas')!.iopt;
  const domain = ctx.objects.get(HWPT_ID, 'hwpt_paging')!.domain;
  const user = h.iommufd.user;
  let oracle: Area[] = [];

  const unmap = (iova: bigint, length: bigint) => h.ioctl(ifd, 'IOMMU_IOAS_UNMAP', { size: 24, ioas_id: IOAS_ID, iova, length });

  for (const o of ops) {
    if (o.kind === 'map') {
      const iova = o.base + BigInt(o.page) * PAGE + (o.misalign === 'iova' ? 0x800n : 0n);
      const length = BigInt(o.pages) * PAGE + (o.misalign === 'length' ? 0x800n : 0n);
      const last = iova + length - 1n;
      let want = 'OK';
      if (o.misalign !== 'none') want = 'EINVAL';
      else if (RESERVED.some((r) => r.start <= last && iova <= r.last)) want = 'EINVAL';
      else if (oracle.some((a) => meets(a, iova, last))) want = 'EEXIST';
      else if (user.lockedVm + BigInt(o.pages) > BigInt(limitPages)) want = 'ENOMEM';
      const r = h.ioctl(ifd, 'IOMMU_IOAS_MAP', {
        size: 40, flags: 0b111 /* FIXED_IOVA | WRITEABLE | READABLE */, ioas_id: IOAS_ID,
        user_va: va + BigInt(o.va) * PAGE, length, iova,
      });
      expect(r.errname ?? 'OK').toBe(want);
      if (r.errno === 0) oracle.push({ iova, last });
    } else if (o.kind === 'unmap-all') {
      const r = unmap(0n, U64_MAX);
      expect(r.errno).toBe(0);
      expect(r.out).toEqual({ length: oracle.reduce((s, a) => s + a.last - a.iova + 1n, 0n) });
      oracle = [];
    } else {
      let iova: bigint, length: bigint;
      if (o.kind === 'unmap') {
        iova = o.base + BigInt(o.page) * PAGE + o.shift;
        length = BigInt(o.pages) * PAGE;
      } else {
        if (oracle.length === 0) continue;
        const sorted = [...oracle].sort((a, b) => (a.iova < b.iova ? -1 : 1));
        const first = sorted[o.idx % sorted.length];
        const lastA = sorted[Math.min(sorted.length - 1, (o.idx % sorted.length) + o.span)];
        iova = first.iova;
        length = lastA.last - first.iova + 1n + BigInt(o.extra) * PAGE;
      }
      const last = iova + length - 1n;
      let bytes = 0n, want = 'OK';
      for (const a of [...oracle].sort((p, q) => (p.iova < q.iova ? -1 : 1)).filter((x) => meets(x, iova, last))) {
        if (a.iova < iova || a.last > last) { want = 'ENOENT'; break; }
        oracle = oracle.filter((x) => x !== a);            // removed even if a later area stops the walk
        bytes += a.last - a.iova + 1n;
      }
      if (bytes === 0n) want = 'ENOENT';
      const r = unmap(iova, length);
      expect(r.errname ?? 'OK').toBe(want);
      if (want === 'OK') expect(r.out).toEqual({ length: bytes });
    }

    // Invariants after every call.
    const ranges = h.ioctl(ifd, 'IOMMU_IOAS_IOVA_RANGES', { size: 32, ioas_id: IOAS_ID, num_iovas: 4 });
    // The holes of RESERVED over [0, U64_MAX], worked by hand; alignment PAGE_SIZE (4K granule).
    expect(ranges.out).toMatchObject({
      num_iovas: 2, out_iova_alignment: PAGE,
      allowed_iovas: [{ start: 0n, last: SW_MSI.start - 1n }, { start: SW_MSI.last + 1n, last: APERTURE_LAST }],
    });
    const allowed = (ranges.out as { allowed_iovas: { start: bigint; last: bigint }[] }).allowed_iovas;
    const areas = iopt.areas;
    for (let i = 1; i < areas.length; i++) expect(areas[i - 1].last < areas[i].iova).toBe(true);
    for (const a of areas) {
      expect(allowed.some((r) => r.start <= a.iova && a.last <= r.last)).toBe(true);
      expect(meets(a, SW_MSI.start, SW_MSI.last)).toBe(false);
    }
    expect(areas.map((a) => [a.iova, a.last])).toEqual(
      [...oracle].sort((p, q) => (p.iova < q.iova ? -1 : 1)).map((a) => [a.iova, a.last]));
    const pinned = oracle.reduce((s, a) => s + (a.last - a.iova + 1n) / PAGE, 0n);
    expect(user.lockedVm).toBe(pinned);
    expect(user.lockedVm <= BigInt(limitPages)).toBe(true);
    expect(domain.pt.leaves().reduce((s, l) => s + l.pgsize, 0n)).toBe(pinned * PAGE);
  }

  // Unmap all: every area goes, locked_vm back to 0, the domain's table empty.
  const bytes = oracle.reduce((s, a) => s + a.last - a.iova + 1n, 0n);
  const r = unmap(0n, U64_MAX);
  expect(r.errno).toBe(0);
  expect(r.out).toEqual({ length: bytes });
  expect(user.lockedVm).toBe(0n);
  expect(iopt.areas).toEqual([]);
  expect(domain.pt.leaves()).toEqual([]);
}

describe('IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP sequences (7.2, a device attached)', () => {
  it('areas disjoint and inside IOVA_RANGES (SW_MSI never mapped), locked_vm = pinned pages, unmap all -> 0', () => {
    fc.assert(fc.property(
      // RLIMIT_MEMLOCK in pages: mostly out of reach (areas pile up), sometimes tight (ENOMEM).
      fc.array(op, { minLength: 6, maxLength: 16, size: 'max' }),
      fc.oneof({ weight: 3, arbitrary: fc.constant(1024) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 24 }) }),
      (ops, limit) => run(ops, limit),
    ), { numRuns: 100 });
  });

  it('a hand-written case: a window-straddling map is refused, an unmap stops at a partial area', () => {
    run([
      { kind: 'map', base: SW_MSI.start - 0x10000n, page: 15, pages: 2, va: 0, misalign: 'none' },   // into 0x8000000: EINVAL
      { kind: 'map', base: 0n, page: 0, pages: 2, va: 0, misalign: 'none' },                         // [0, 0x1fff]
      { kind: 'map', base: 0n, page: 4, pages: 4, va: 2, misalign: 'none' },                         // [0x4000, 0x7fff]
      { kind: 'unmap', base: 0n, page: 0, pages: 6, shift: 0n },    // [0, 0x5fff]: first goes, second stops it: ENOENT
      { kind: 'map', base: 0n, page: 0, pages: 1, va: 8, misalign: 'none' },                         // free again
    ], 16);
  });
});
