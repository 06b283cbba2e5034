// An IOAS and its io_pagetable (drivers/iommu/iommufd/io_pagetable.c, ioas.c, pages.c): the areas
// user space mapped (IOVA -> user VA), the reserved IOVA (outside a domain's aperture, a device's
// reserved regions), the IOVA alignment the domains demand, and the domains every area is mapped
// into. Pages are pinned once per area while at least one domain exists (the first domain is the
// "storage domain"), and charged to the user's locked_vm (IOPT_PAGES_ACCOUNT_USER, the default)
// unless the task has CAP_IPC_LOCK (IOPT_PAGES_ACCOUNT_NONE).
//
// ASSUMPTIONS (pages.c read from memory): iopt_alloc_pages() refuses length 0 with -EINVAL and a
// wrapping uptr + length with -EOVERFLOW; incr_user_locked_vm() fails with -ENOMEM when
// locked_vm + npages passes RLIMIT_MEMLOCK; pinning a range with no VMA is -EFAULT. The model's
// user is one process: its locked_vm is kept here, apart from type1's mm->locked_vm.

import { iommuMap, iommuUnmap, type IommuDomain } from '../iommu/domain';
import { IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_SW_MSI, IOMMU_WRITE, type ResvRegion } from '../iommu/resv';
import { ERRNO, kerr, type KErr } from '../vfio/errno';
import { PAGE_SIZE, type Process } from '../vfio/pin';

export const ULONG_MAX = (1n << 64n) - 1n;

export interface IovaArea {
  iova: bigint;
  /** inclusive */
  last: bigint;
  uptr: bigint;
  prot: number;
  /** Pages charged to locked_vm for this area (0 while unpinned or with CAP_IPC_LOCK). */
  charged: bigint;
  /** Host physical address of uptr (the model's anonymous memory is contiguous per mmap). */
  paddr: bigint | null;
}

export interface Reserved { start: bigint; last: bigint; owner: unknown }

/** The user (uid) whose locked_vm iommufd charges. */
export interface LockedVmUser { lockedVm: bigint }

const fls = (v: bigint) => v.toString(2).length - 1;
const ffs = (v: bigint) => fls(v & -v);
const roundupPow2 = (v: bigint) => (v <= 1n ? 1n : 1n << BigInt(fls(v - 1n) + 1));
const align = (v: bigint, a: bigint) => (v + a - 1n) & ~(a - 1n);

export class IoPagetable {
  readonly areas: IovaArea[] = [];
  readonly reserved: Reserved[] = [];
  readonly domains: IommuDomain[] = [];
  iovaAlignment = 1n;                                 // iopt_init_table(): "no alignment restriction"

  constructor(private readonly proc: Process, private readonly user: LockedVmUser) {}

  private used(start: bigint, last: bigint): { reserved?: Reserved; area?: IovaArea } {
    return {
      reserved: this.reserved.find((r) => r.start <= last && start <= r.last),
      area: this.areas.find((a) => a.iova <= last && start <= a.last),
    };
  }

  /** IOMMU_IOAS_IOVA_RANGES: the holes of the reserved tree over [0, ULONG_MAX]. */
  allowedRanges(): { start: bigint; last: bigint }[] {
    const rs = [...this.reserved].sort((a, b) => (a.start < b.start ? -1 : 1));
    const out: { start: bigint; last: bigint }[] = [];
    let cur = 0n;
    for (const r of rs) {
      if (r.start > cur) out.push({ start: cur, last: r.start - 1n });
      if (r.last >= cur) cur = r.last + 1n;
      if (cur > ULONG_MAX) return out;
    }
    if (cur <= ULONG_MAX) out.push({ start: cur, last: ULONG_MAX });
    return out;
  }

  /** iopt_alloc_iova(): the lowest hole of reserved + areas inside [PAGE_SIZE, ULONG_MAX -
   *  PAGE_SIZE] that holds `length` from an address aligned to min(roundup_pow_of_two(length),
   *  the alignment of uptr), keeping uptr's offset in its page. Never IOVA 0. */
  allocIova(uptr: bigint, length: bigint): bigint | KErr {
    const where = 'iopt_alloc_iova';
    if (length === 0n || length >= ULONG_MAX / 2n) return kerr(ERRNO.EOVERFLOW, where, 'length is 0 or too large for roundup_pow_of_two()');
    const pageOffset = uptr % PAGE_SIZE;
    let a = roundupPow2(length);
    if (uptr !== 0n && 1n << BigInt(ffs(uptr)) < a) a = 1n << BigInt(ffs(uptr));
    if (a < this.iovaAlignment) return kerr(ERRNO.EINVAL, where, `the natural alignment 0x${a.toString(16)} is below the IOAS's IOVA alignment 0x${this.iovaAlignment.toString(16)}`);
    const lo = PAGE_SIZE, hi = ULONG_MAX - PAGE_SIZE;
    const busy = [...this.reserved.map((r) => [r.start, r.last]), ...this.areas.map((x) => [x.iova, x.last])]
      .sort((p, q) => (p[0] < q[0] ? -1 : 1));
    let holeStart = lo;
    const tryHole = (s: bigint, l: bigint): bigint | null => {
      if (l < s || l - s < length - 1n) return null;
      const start = align(s, a) | pageOffset;
      return start > l || l - start < length - 1n ? null : start;
    };
    for (const [s, l] of busy) {
      if (l < holeStart) continue;
      if (s > hi) break;
      if (s > holeStart) {
        const got = tryHole(holeStart, s - 1n);
        if (got !== null) return got;
      }
      holeStart = l + 1n;
    }
    const got = tryHole(holeStart, hi);
    return got ?? kerr(ERRNO.ENOSPC, where, 'no free IOVA range of that size and alignment');
  }

  /** iopt_check_iova() */
  private checkIova(iova: bigint, length: bigint): KErr | null {
    const where = 'iopt_check_iova';
    if ((iova & (this.iovaAlignment - 1n)) !== 0n) return kerr(ERRNO.EINVAL, where, `iova is not aligned to the IOAS's IOVA alignment 0x${this.iovaAlignment.toString(16)}`);
    const last = iova + length - 1n;
    if (last > ULONG_MAX) return kerr(ERRNO.EOVERFLOW, `check_add_overflow (${where})`, 'iova + length - 1 overflows');
    const u = this.used(iova, last);
    if (u.reserved) return kerr(ERRNO.EINVAL, where, `[0x${iova.toString(16)}, 0x${last.toString(16)}] intersects reserved IOVA [0x${u.reserved.start.toString(16)}, 0x${u.reserved.last.toString(16)}]`);
    if (u.area) return kerr(ERRNO.EEXIST, where, `[0x${iova.toString(16)}, 0x${last.toString(16)}] overlaps the mapping at 0x${u.area.iova.toString(16)}`);
    return null;
  }

  /** iopt_map_user_pages(): returns the IOVA used. */
  mapUserPages(iovaIn: bigint, uptr: bigint, length: bigint, prot: number, allocIova: boolean): bigint | KErr {
    // iopt_alloc_pages()
    if (length === 0n || length > ULONG_MAX - PAGE_SIZE) return kerr(ERRNO.EINVAL, 'iopt_alloc_pages', 'length is 0 or too large');
    if (uptr + length - 1n > ULONG_MAX) return kerr(ERRNO.EOVERFLOW, 'iopt_alloc_pages', 'user_va + length - 1 overflows');
    // iopt_alloc_area_pages()
    if ((length & (this.iovaAlignment - 1n)) !== 0n) {
      return kerr(ERRNO.EINVAL, 'iopt_alloc_area_pages', `length is not a multiple of the IOVA alignment 0x${this.iovaAlignment.toString(16)}`);
    }
    let iova = iovaIn;
    if (allocIova) {
      const got = this.allocIova(uptr, length);
      if (typeof got !== 'bigint') return got;
      iova = got;
    } else {
      const e = this.checkIova(iova, length);
      if (e !== null) return e;
    }
    // iopt_insert_area(): the pages' offset must respect the alignment too.
    if ((uptr % PAGE_SIZE) & (this.iovaAlignment - 1n)) return kerr(ERRNO.EINVAL, 'iopt_insert_area', 'user_va\'s offset in its page is not aligned to the IOVA alignment');
    const area: IovaArea = { iova, last: iova + length - 1n, uptr, prot, charged: 0n, paddr: null };
    if (this.domains.length > 0) {
      const e = this.pinArea(area);
      if (e !== null) return e;
      for (const d of this.domains) this.mapArea(d, area);
    }
    this.areas.push(area);
    this.areas.sort((p, q) => (p.iova < q.iova ? -1 : 1));
    return iova;
  }

  /** Pin the area's pages (pfn_reader_user_pin) and charge them (iopt_pages_update_pinned). */
  private pinArea(area: IovaArea): KErr | null {
    const first = area.uptr - (area.uptr % PAGE_SIZE);
    const npages = (area.uptr + (area.last - area.iova) + PAGE_SIZE - first) / PAGE_SIZE;
    const vma = this.proc.vmaAt(first);
    const end = first + npages * PAGE_SIZE;
    if (vma === undefined || end > vma.start + vma.length) {
      return kerr(ERRNO.EFAULT, 'pin_user_pages_fast (pfn_reader_user_pin)', `no mapping covers user_va 0x${area.uptr.toString(16)}..0x${(end - 1n).toString(16)}`);
    }
    if ((area.prot & IOMMU_WRITE) !== 0 && !vma.write) return kerr(ERRNO.EFAULT, 'pin_user_pages_fast (pfn_reader_user_pin)', 'a writeable mapping of read-only memory');
    if (!this.proc.capIpcLock && vma.kind === 'anon') {
      const limit = this.proc.memlockLimitPages();
      if (this.user.lockedVm + npages > limit) {
        return kerr(ERRNO.ENOMEM, 'incr_user_locked_vm (iopt_pages_update_pinned)',
          `locked_vm ${this.user.lockedVm} + ${npages} pages would pass RLIMIT_MEMLOCK (${limit} pages)`);
      }
      this.user.lockedVm += npages;
      area.charged = npages;
    }
    area.paddr = vma.paddr + (area.uptr - vma.start);
    return null;
  }

  private unpinArea(area: IovaArea): void {
    this.user.lockedVm -= area.charged;
    area.charged = 0n;
    area.paddr = null;
  }

  private mapArea(d: IommuDomain, a: IovaArea): void {
    const r = iommuMap(d, a.iova, a.paddr!, a.last - a.iova + 1n, a.prot);
    if (r !== 0) throw new RangeError(`iommu_map failed with errno ${r} (aligned by iova_alignment, so it cannot here)`);
  }

  /** iopt_unmap_iova() / iopt_unmap_all(): bytes unmapped, or -ENOENT when nothing was (or a
   *  mapping only partly inside was met: areas are never split). */
  unmapIova(iova: bigint, length: bigint, all = false): bigint | KErr {
    const where = 'iopt_unmap_iova_range';
    let last = ULONG_MAX;
    if (!all) {
      if (length === 0n) return kerr(ERRNO.EINVAL, 'iopt_unmap_iova', 'length is 0');
      last = iova + length - 1n;
      if (last > ULONG_MAX) return kerr(ERRNO.EOVERFLOW, 'check_add_overflow (iopt_unmap_iova)', 'iova + length - 1 overflows');
    }
    let unmapped = 0n;
    for (;;) {
      const a = this.areas.find((x) => x.iova <= last && iova <= x.last);
      if (a === undefined) break;
      if (a.iova < iova || a.last > last) {
        return kerr(ERRNO.ENOENT, where, `the mapping [0x${a.iova.toString(16)}, 0x${a.last.toString(16)}] is only partly inside the range (no splitting)`);
      }
      for (const d of this.domains) iommuUnmap(d, a.iova, a.last - a.iova + 1n);
      this.unpinArea(a);
      this.areas.splice(this.areas.indexOf(a), 1);
      unmapped += a.last - a.iova + 1n;
    }
    if (unmapped === 0n) return all ? 0n : kerr(ERRNO.ENOENT, where, 'nothing is mapped in the range');
    return unmapped;
  }

  /** iopt_reserve_iova(): -EADDRINUSE over an existing area. */
  reserve(start: bigint, last: bigint, owner: unknown): KErr | null {
    const a = this.used(start, last).area;
    if (a) return kerr(ERRNO.EADDRINUSE, 'iopt_reserve_iova', `[0x${start.toString(16)}, 0x${last.toString(16)}] is already mapped at 0x${a.iova.toString(16)}`);
    this.reserved.push({ start, last, owner });
    return null;
  }

  removeReserved(owner: unknown): void {
    for (let i = this.reserved.length - 1; i >= 0; i--) if (this.reserved[i].owner === owner) this.reserved.splice(i, 1);
  }

  /** iopt_table_add_domain() */
  addDomain(d: IommuDomain): KErr | null {
    const where = 'iopt_table_add_domain';
    const minPage = 1n << BigInt(ffs(d.pgsizeBitmap));
    const newAlign = minPage > this.iovaAlignment ? minPage : this.iovaAlignment;
    if (newAlign > PAGE_SIZE) return kerr(ERRNO.EINVAL, where, 'the domain\'s smallest page is above PAGE_SIZE');
    if (newAlign !== this.iovaAlignment) {
      const m = newAlign - 1n;
      const bad = this.areas.find((a) => (a.iova & m) || ((a.last - a.iova + 1n) & m) || ((a.uptr % PAGE_SIZE) & m));
      if (bad) return kerr(ERRNO.EADDRINUSE, `iopt_check_iova_alignment (${where})`, `the mapping at 0x${bad.iova.toString(16)} is not aligned to 0x${newAlign.toString(16)}`);
    }
    const geo = d.aperture;
    if (geo.start !== 0n) {
      const e = this.reserve(0n, geo.start - 1n, d);
      if (e) { this.removeReserved(d); return e; }
    }
    if (geo.end !== ULONG_MAX) {
      const e = this.reserve(geo.end + 1n, ULONG_MAX, d);
      if (e) { this.removeReserved(d); return e; }
    }
    // iopt_fill_domain(): the first domain pins (it becomes every area's storage domain).
    if (this.domains.length === 0) {
      const pinned: IovaArea[] = [];
      for (const a of this.areas) {
        const e = this.pinArea(a);
        if (e !== null) {
          for (const p of pinned) this.unpinArea(p);
          this.removeReserved(d);
          return e;
        }
        pinned.push(a);
      }
    }
    for (const a of this.areas) this.mapArea(d, a);
    this.iovaAlignment = newAlign;
    this.domains.push(d);
    return null;
  }

  /** iopt_table_remove_domain() */
  removeDomain(d: IommuDomain): void {
    const i = this.domains.indexOf(d);
    if (i < 0) return;
    this.domains.splice(i, 1);
    for (const a of this.areas) iommuUnmap(d, a.iova, a.last - a.iova + 1n);
    if (this.domains.length === 0) for (const a of this.areas) this.unpinArea(a);
    this.removeReserved(d);
    // iopt_calculate_iova_alignment()
    let al = 1n;
    for (const x of this.domains) { const m = 1n << BigInt(ffs(x.pgsizeBitmap)); if (m > al) al = m; }
    this.iovaAlignment = al;
  }

  /** iopt_table_enforce_group_resv_regions(): reserve every region but DIRECT_RELAXABLE for the
   *  device; returns the SW_MSI start (or null). On failure nothing stays reserved. */
  enforceGroupResv(regions: readonly ResvRegion[], owner: unknown): { swMsiStart: bigint | null } | KErr {
    let swMsiStart: bigint | null = null;
    for (const r of regions) {
      if (r.type === IOMMU_RESV_DIRECT_RELAXABLE) continue;
      if (r.type === IOMMU_RESV_SW_MSI) swMsiStart = r.start;
      const e = this.reserve(r.start, r.start + r.length - 1n, owner);
      if (e !== null) {
        this.removeReserved(owner);
        return kerr(e.errno, `iopt_reserve_iova (iopt_table_enforce_group_resv_regions)`, e.why);
      }
    }
    return { swMsiStart };
  }
}
