// The VFIO type1 IOMMU backend (drivers/vfio/vfio_iommu_type1.c), as one container's state: its
// domains, its valid-IOVA list, its DMA mappings (struct vfio_dma) and their pinning, and the
// container ioctls it answers. Every error path names the kernel function that returns it; the
// order of checks is 6.12's unless the kernel profile says otherwise (profile.ts).
//
// Not modelled: emulated-IOMMU (mdev) groups and their pin_pages/dma_rw interfaces (so every
// vfio_dma is iommu_mapped while the container has a domain), the dirty bitmap contents, and a
// second process (vfio_change_dma_owner() moving a charge to another mm).

import {
  IOMMU_CACHE, IOMMU_READ, IOMMU_RESV_DIRECT_RELAXABLE, IOMMU_RESV_MSI, IOMMU_RESV_SW_MSI, IOMMU_WRITE, type ResvRegion,
} from '../iommu/resv';
import type { IommuHw } from '../iommu/hw';
import { iommuMap, iommuUnmap, type IommuDomain, type IoPageTable } from '../iommu/domain';
import type { IommuGroup } from '../iommu/group';
import type { PageTableInfo, Platform } from '../iommu/platform';
import { aperConflict, aperResize, iovaDmaValid, resvExclude, type IovaRange } from '../iommu/usable';
import { ERRNO, kerr, type KErr } from './errno';
import {
  MINSZ_DIRTY_BITMAP, MINSZ_DMA_MAP, MINSZ_DMA_UNMAP, MINSZ_IOMMU_TYPE1_INFO, SIZEOF_CAP_DMA_AVAIL,
  SIZEOF_CAP_IOVA_RANGE, SIZEOF_CAP_MIGRATION, SIZEOF_IOMMU_TYPE1_INFO, SIZEOF_IOVA_RANGE, SIZEOF_VFIO_BITMAP,
  VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU, VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_VADDR, VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_DMA_UNMAP_FLAG_ALL, VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, VFIO_DMA_UNMAP_FLAG_VADDR,
  VFIO_IOMMU_DIRTY_PAGES, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
  VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, VFIO_IOMMU_GET_INFO, VFIO_IOMMU_INFO_CAPS, VFIO_IOMMU_INFO_PGSIZES,
  VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION,
  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, VFIO_IOMMU_UNMAP_DMA, VFIO_TYPE1_IOMMU, VFIO_TYPE1_NESTING_IOMMU,
  VFIO_TYPE1v2_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR,
} from './ioctl';
import { PAGE_SHIFT, PAGE_SIZE, pinPagesRemote, unpinChunk, type PinnedChunk, type Process } from './pin';
import type { KernelProfile } from './profile';
import { seedNestingIoctl } from './nesting/ioctls';
import { markNested } from './nesting/smmu-domain';

const U64_MAX = (1n << 64n) - 1n;
/** PAGE_MASK as an unsigned long: the initial iommu->pgsize_bitmap (vfio_iommu_type1_open()). */
export const PAGE_MASK = U64_MAX & ~(PAGE_SIZE - 1n);
/** dma_entry_limit's default, U16_MAX (the fix for CVE-2019-3882). */
export const DMA_ENTRY_LIMIT_DEFAULT = 65535;
/** DIRTY_BITMAP_PAGES_MAX ((u64)INT_MAX) and DIRTY_BITMAP_SIZE_MAX = DIRTY_BITMAP_BYTES(INT_MAX):
 *  ALIGN(2^31 - 1, 64) / 8 = 256 MiB. */
export const DIRTY_BITMAP_PAGES_MAX = 0x7fffffffn;
export const DIRTY_BITMAP_SIZE_MAX = 0x10000000n;

/** struct vfio_dma */
export interface VfioDma {
  iova: bigint;
  vaddr: bigint;
  /** Bytes mapped so far (grows chunk by chunk while MAP_DMA pins). */
  size: bigint;
  /** IOMMU_READ | IOMMU_WRITE */
  prot: number;
  iommuMapped: boolean;
  /** capable(CAP_IPC_LOCK) when it was mapped */
  lockCap: boolean;
  /** Pages this mapping has charged to locked_vm. */
  lockedVm: bigint;
  vaddrInvalid: boolean;
  /** The pinned chunks (the kernel finds them again through iommu_iova_to_phys()). */
  chunks: PinnedChunk[];
}

/** struct vfio_domain: an IOMMU domain and the groups attached to it. */
export interface VfioDomain {
  domain: IommuDomain;
  groups: IommuGroup[];
  enforceCacheCoherency: boolean;
}

/** What a backend call produces: success with a return value and what the kernel wrote back into
 *  the argument, or a kernel error. Log lines are what the kernel printed either way. */
export type Outcome =
  | { ok: true; ret: number; out?: Record<string, unknown>; log: string[] }
  | { ok: false; err: KErr; log: string[] };

/** The model does not cover this path (yet): thrown, never reported as an errno. */
export class NotModelled extends Error {
  constructor(what: string) {
    super(`not modelled: ${what}`);
    this.name = 'NotModelled';
  }
}

export interface Type1Env {
  profile: KernelProfile;
  platform: Platform;
  process: Process;
  /** Module parameter allow_unsafe_interrupts (default off). */
  allowUnsafeInterrupts: boolean;
  /** Module parameter dma_entry_limit (default 65535). */
  dmaEntryLimit: number;
  /** Builds each domain's page table (default: the model's list). */
  pageTable?: (info: PageTableInfo) => IoPageTable;
  /** The IOMMU driver and hardware below (default: none, the pure model). */
  hw?: IommuHw;
}

// ---- Argument decoding: u32 and u64 fields as C sees them -----------------------------------
export type U64 = bigint | number;
const u64 = (v: U64 | undefined): bigint => BigInt.asUintN(64, BigInt(v ?? 0));
const u32 = (v: U64 | undefined): number => Number(BigInt.asUintN(32, BigInt(v ?? 0)));
const ffs = (v: bigint) => (v & -v).toString(2).length - 1;

export interface DmaMapArg { argsz?: U64; flags?: U64; vaddr?: U64; iova?: U64; size?: U64 }
export interface DmaUnmapArg {
  argsz?: U64; flags?: U64; iova?: U64; size?: U64;
  /** struct vfio_bitmap in data[] (GET_DIRTY_BITMAP): pgsize, size (bytes of bitmap). */
  bitmap?: { pgsize?: U64; size?: U64 };
}
export interface InfoArg { argsz?: U64 }
export interface DirtyArg { argsz?: U64; flags?: U64 }

export class VfioIommuType1 {
  v2 = false;
  /** iommu->nesting (6.12 only): SET_IOMMU(VFIO_TYPE1_NESTING_IOMMU). */
  nesting = false;
  readonly domains: VfioDomain[] = [];
  /** iommu->iova_list: sorted inclusive ranges. */
  iovaList: IovaRange[] = [];
  /** iommu->dma_list, kept sorted by iova (an rb-tree in the kernel). */
  readonly dmas: VfioDma[] = [];
  dmaAvail: number;
  pgsizeBitmap = PAGE_MASK;
  dirtyPageTracking = false;
  vaddrInvalidCount = 0;

  private constructor(private readonly env: Type1Env) {
    this.dmaAvail = env.dmaEntryLimit;
  }

  /** vfio_iommu_type1_check_extension(iommu, arg); `iommu` is null before SET_IOMMU. */
  static checkExtension(iommu: VfioIommuType1 | null, arg: number, profile: KernelProfile): number {
    switch (arg) {
      case VFIO_TYPE1_IOMMU:
      case VFIO_TYPE1v2_IOMMU:
      case VFIO_UNMAP_ALL:
        return 1;
      case VFIO_TYPE1_NESTING_IOMMU:
        return profile.type1Nesting ? 1 : 0;
      case VFIO_UPDATE_VADDR:
        // "Disable this feature if mdevs are present" - and 0 while no backend is set.
        return iommu !== null ? 1 : 0;
      case VFIO_DMA_CC_IOMMU:
        if (iommu === null) return 0;
        return iommu.domains.every((d) => d.enforceCacheCoherency) ? 1 : 0;
      default:
        return 0;
    }
  }

  /** vfio_iommu_type1_open(arg): type 1, type 1 v2, or (6.12) nesting, which implies v2. */
  static open(arg: number, env: Type1Env): VfioIommuType1 | KErr {
    const iommu = new VfioIommuType1(env);
    switch (arg) {
      case VFIO_TYPE1_IOMMU:
        break;
      case VFIO_TYPE1_NESTING_IOMMU:
        if (env.profile.type1Nesting) iommu.nesting = true;
        iommu.v2 = true;
        break;
      case VFIO_TYPE1v2_IOMMU:
        iommu.v2 = true;
        break;
      default:
        return kerr(ERRNO.EINVAL, 'vfio_iommu_type1_open', `extension ${arg} is not an IOMMU type this backend opens`);
    }
    return iommu;
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  /** vfio_find_dma(iommu, start, size): a mapping overlapping [start, start + size). The kernel's
   *  rb-tree search goes left while start + size <= dma->iova and right while start >= dma->iova +
   *  dma->size, so with size 0 a mapping is found only if start lies strictly after its first byte.
   *  Where several overlap, the model returns the lowest (the kernel: whichever the search meets). */
  findDma(start: bigint, size: bigint): VfioDma | undefined {
    return this.dmas.find((d) => !(start + size <= d.iova) && !(start >= d.iova + d.size));
  }

  /** vfio_find_dma_first_node(): the lowest mapping ending after `start`, if it starts before
   *  start + size (size 0: no upper bound). */
  private findDmaFirst(start: bigint, size: bigint): number {
    const i = this.dmas.findIndex((d) => start < d.iova + d.size);
    if (i < 0) return -1;
    if (size !== 0n && this.dmas[i].iova >= start + size) return -1;
    return i;
  }

  private linkDma(dma: VfioDma): void {
    let i = this.dmas.findIndex((d) => dma.iova + dma.size <= d.iova);
    if (i < 0) i = this.dmas.length;
    this.dmas.splice(i, 0, dma);
  }

  /** The smallest IOMMU page: 1 << __ffs(iommu->pgsize_bitmap). */
  minPageSize(): bigint {
    return 1n << BigInt(ffs(this.pgsizeBitmap));
  }

  // ---- Attach and detach (vfio_iommu_type1_attach_group / _detach_group) -----------------------

  attachGroup(group: IommuGroup): KErr | null {
    const where = 'vfio_iommu_type1_attach_group';
    // "Attach could require pinning, so disallow while vaddr is invalid."
    if (this.vaddrInvalidCount) return kerr(ERRNO.EBUSY, where, 'vaddrs are invalidated (VFIO_DMA_UNMAP_FLAG_VADDR) and not yet restored');
    if (this.domains.some((d) => d.groups.includes(group))) return kerr(ERRNO.EINVAL, where, `group ${group.id} is already attached`);

    // iommu_paging_domain_alloc(dev); in 6.12 then iommu_enable_nesting() when iommu->nesting.
    const seed = this.env.profile.seedNesting === true;
    const alloc = this.env.platform.allocUnmanagedDomain({ nesting: this.nesting, domainAttr: seed, pageTable: this.env.pageTable });
    if ('errno' in alloc) return alloc;
    const domain = alloc;
    if (seed && this.nesting) markNested(domain);                       // ARM_SMMU_DOMAIN_NESTED (nesting/)
    if (this.env.hw !== undefined) domain.hw = this.env.hw;
    group.attached = { kind: 'domain', domain };                         // iommu_attach_group()
    const detach = () => { group.attached = { kind: 'blocking' }; };   // iommu_detach_group()

    const geo = domain.aperture;
    if (aperConflict(this.iovaList, geo.start, geo.end, (s, n) => this.findDma(s, n) !== undefined)) {
      detach();
      return kerr(ERRNO.EINVAL, `vfio_iommu_aper_conflict (${where})`,
        `the new domain's aperture [0x${geo.start.toString(16)}, 0x${geo.end.toString(16)}] conflicts with the valid IOVA list or an existing mapping`);
    }

    const resv = group.resvRegions();                                   // iommu_get_group_resv_regions()
    const conflict = this.resvConflict(resv);
    if (conflict !== null) {
      detach();
      return kerr(ERRNO.EINVAL, `vfio_iommu_resv_conflict (${where})`,
        `the group's reserved region [0x${conflict.start.toString(16)}, 0x${(conflict.start + conflict.length - 1n).toString(16)}] overlaps an existing DMA mapping`);
    }

    const resized = aperResize(this.iovaList, geo.start, geo.end);
    const iovaCopy = resvExclude(resized, resv);
    if (iovaCopy === null) {
      detach();
      return kerr(ERRNO.EINVAL, `vfio_iommu_resv_exclude (${where})`, 'no usable IOVA range would be left');
    }

    const swMsi = hasSwMsi(resv);

    if (!this.env.allowUnsafeInterrupts && !group.hasIsolatedMsi()) {
      detach();
      return kerr(ERRNO.EPERM, where,
        `group ${group.id} has no isolated MSI (no interrupt remapping) and allow_unsafe_interrupts is off`,
        [`${where}: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform`]);
    }

    const enforceCC = domain.enforceCacheCoherency;
    // Try to match an existing compatible domain: same iommu_ops, same cache-coherency enforcement.
    const shared = this.domains.find((d) => d.domain.ops === domain.ops && d.enforceCacheCoherency === enforceCC);
    if (shared !== undefined) {
      group.attached = { kind: 'domain', domain: shared.domain };
      shared.groups.push(group);
      this.iovaList = iovaCopy;                                          // "done:" - no replay, no cookie
      return null;
    }

    // Replay the existing mappings into the new domain (vfio_iommu_replay): they are pinned already.
    for (const dma of this.dmas) {
      for (const c of dma.chunks) {
        const r = iommuMap(domain, c.iova, c.paddr, c.npage << PAGE_SHIFT, dma.prot | IOMMU_CACHE);
        if (r !== 0) {
          detach();
          return kerr(r, `iommu_map (vfio_iommu_replay, ${where})`, 'replaying an existing mapping into the new domain failed');
        }
      }
    }
    if (swMsi !== null) domain.msiCookie = swMsi;                       // iommu_get_msi_cookie()
    this.domains.unshift({ domain, groups: [group], enforceCacheCoherency: enforceCC });   // list_add()
    this.updatePgsizeBitmap();
    this.iovaList = iovaCopy;
    return null;
  }

  /** vfio_iommu_resv_conflict(): the first non-relaxable region with a mapping inside, or null. */
  private resvConflict(resv: readonly ResvRegion[]): ResvRegion | null {
    for (const r of resv) {
      if (r.type === IOMMU_RESV_DIRECT_RELAXABLE) continue;
      if (this.findDma(r.start, r.length) !== undefined) return r;
    }
    return null;
  }

  /** vfio_update_pgsize_bitmap(): the AND of every domain's sizes; sizes below PAGE_SIZE are
   *  hidden behind PAGE_SIZE. */
  private updatePgsizeBitmap(): void {
    let bm = U64_MAX;
    for (const d of this.domains) bm &= d.domain.pgsizeBitmap;
    if (bm & ~PAGE_MASK) bm = (bm & PAGE_MASK) | PAGE_SIZE;
    this.pgsizeBitmap = bm;
  }

  detachGroup(group: IommuGroup): void {
    let iovaCopy: IovaRange[] = this.iovaList.map((n) => ({ ...n }));
    const i = this.domains.findIndex((d) => d.groups.includes(group));
    if (i >= 0) {
      const d = this.domains[i];
      group.attached = { kind: 'blocking' };                             // iommu_detach_group()
      d.groups.splice(d.groups.indexOf(group), 1);
      if (d.groups.length === 0) {
        // "If it's the last domain with iommu ... then all the mappings go away too."
        if (this.domains.length === 1) this.unmapUnpinAll();
        this.domains.splice(i, 1);
        iovaCopy = this.aperExpand(iovaCopy);
        this.updatePgsizeBitmap();
      }
    }
    const refreshed = this.resvRefresh(iovaCopy);
    if (refreshed !== null) this.iovaList = refreshed;
  }

  /** vfio_iommu_aper_expand(): the list's first start and last end become the smallest aperture
   *  of the remaining domains ([0, ~0] when none remain). */
  private aperExpand(list: IovaRange[]): IovaRange[] {
    if (list.length === 0) return list;
    let start = 0n, end = U64_MAX;
    for (const d of this.domains) {
      if (d.domain.aperture.start > start) start = d.domain.aperture.start;
      if (d.domain.aperture.end < end) end = d.domain.aperture.end;
    }
    list[0].start = start;
    list[list.length - 1].end = end;
    return list;
  }

  /** vfio_iommu_resv_refresh(): rebuild the list from its outer bounds minus the reserved regions
   *  of the groups still attached; null (keep the old list) when the copy is empty or nothing is
   *  left. */
  private resvRefresh(list: IovaRange[]): IovaRange[] | null {
    if (list.length === 0) return null;
    const resv: ResvRegion[] = [];
    for (const d of this.domains) for (const g of d.groups) resv.push(...g.resvRegions());
    const start = list[0].start, end = list[list.length - 1].end;
    return resvExclude(aperResize([], start, end), resv);
  }

  /** vfio_iommu_type1_release() (the last group has left the container). */
  release(): void {
    this.unmapUnpinAll();
    for (const d of this.domains) for (const g of d.groups) g.attached = { kind: 'blocking' };
    this.domains.length = 0;
    this.iovaList = [];
  }

  private unmapUnpinAll(): void {
    while (this.dmas.length > 0) this.removeDma(this.dmas[0]);
  }

  /** vfio_remove_dma(): unmap from every domain, unpin with accounting, unlink, give the slot back. */
  private removeDma(dma: VfioDma): void {
    this.unmapUnpin(dma);
    this.dmas.splice(this.dmas.indexOf(dma), 1);
    if (dma.vaddrInvalid) this.vaddrInvalidCount--;
    this.dmaAvail++;
  }

  /** vfio_unmap_unpin(iommu, dma, do_accounting = true) */
  private unmapUnpin(dma: VfioDma): void {
    if (dma.size === 0n || this.domains.length === 0) return;
    for (const d of this.domains) iommuUnmap(d.domain, dma.iova, dma.size);
    for (const c of dma.chunks) unpinChunk(this.env.process, dma, c);
    dma.chunks = [];
    dma.iommuMapped = false;
  }

  // ---- ioctls ----------------------------------------------------------------------------------

  /** vfio_iommu_type1_ioctl() */
  ioctl(cmd: number, arg: unknown): Outcome {
    switch (cmd) {
      case VFIO_CHECK_EXTENSION:
        return { ok: true, ret: VfioIommuType1.checkExtension(this, Number(arg ?? 0), this.env.profile), log: [] };
      case VFIO_IOMMU_GET_INFO:
        return this.getInfo(arg as InfoArg | null | undefined);
      case VFIO_IOMMU_MAP_DMA:
        return this.mapDma(arg as DmaMapArg | null | undefined);
      case VFIO_IOMMU_UNMAP_DMA:
        return this.unmapDma(arg as DmaUnmapArg | null | undefined);
      case VFIO_IOMMU_DIRTY_PAGES:
        return this.dirtyPages(arg as DirtyArg | null | undefined);
      default: {
        // The seed series' SET_PASID_TABLE, CACHE_INVALIDATE, SET_MSI_BINDING (+18..+20).
        const seed = this.env.profile.seedNesting ? seedNestingIoctl({ domains: this.domains, hw: this.env.hw }, cmd, arg) : null;
        return seed ?? fail(kerr(ERRNO.ENOTTY, 'vfio_iommu_type1_ioctl', `request 0x${cmd.toString(16)} is not a type1 ioctl`));
      }
    }
  }

  /** vfio_iommu_type1_get_info() */
  private getInfo(arg: InfoArg | null | undefined): Outcome {
    const where = 'vfio_iommu_type1_get_info';
    if (arg == null) return fail(kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable'));
    const argsz = u32(arg.argsz);
    if (argsz < MINSZ_IOMMU_TYPE1_INFO) {
      return fail(kerr(ERRNO.EINVAL, where, `argsz ${argsz} is smaller than offsetofend(struct vfio_iommu_type1_info, iova_pgsizes) = ${MINSZ_IOMMU_TYPE1_INFO}`));
    }
    const minsz = Math.min(argsz, SIZEOF_IOMMU_TYPE1_INFO);
    let flags = VFIO_IOMMU_INFO_PGSIZES;
    const caps = this.buildCaps();
    const capsSize = caps.reduce((n, c) => n + c.size, 0);
    let outArgsz = argsz, capOffset = 0;
    let chain: Record<string, unknown>[] | undefined;
    if (capsSize > 0) {
      flags |= VFIO_IOMMU_INFO_CAPS;
      if (argsz < SIZEOF_IOMMU_TYPE1_INFO + capsSize) {
        outArgsz = SIZEOF_IOMMU_TYPE1_INFO + capsSize;
      } else {
        // vfio_info_cap_shift(&caps, sizeof(info)): every next offset counts from the buffer start.
        let off = SIZEOF_IOMMU_TYPE1_INFO;
        chain = caps.map((c, i) => {
          const next = i + 1 < caps.length ? off + c.size : 0;
          const rec = { id: c.id, version: 1, next, ...c.fields };
          off += c.size;
          return rec;
        });
        capOffset = SIZEOF_IOMMU_TYPE1_INFO;
      }
    }
    // copy_to_user(arg, &info, minsz): only the first min(argsz, 24) bytes come back.
    const out: Record<string, unknown> = { argsz: outArgsz, flags, iova_pgsizes: this.pgsizeBitmap };
    if (minsz >= 20) out.cap_offset = capOffset;
    if (chain !== undefined) out.caps = chain;
    return { ok: true, ret: 0, out, log: [] };
  }

  /** The capability chain in the order the kernel builds it: migration, DMA avail, IOVA ranges
   *  (omitted when the list is empty). Sizes are ALIGN(size, 8) (vfio_info_cap_add()). */
  private buildCaps(): { id: number; size: number; fields: Record<string, unknown> }[] {
    const align8 = (n: number) => (n + 7) & ~7;
    const caps: { id: number; size: number; fields: Record<string, unknown> }[] = [
      {
        id: VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION, size: align8(SIZEOF_CAP_MIGRATION),
        fields: { flags: 0, pgsize_bitmap: this.minPageSize(), max_dirty_bitmap_size: DIRTY_BITMAP_SIZE_MAX },
      },
      { id: VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, size: align8(SIZEOF_CAP_DMA_AVAIL), fields: { avail: this.dmaAvail } },
    ];
    if (this.iovaList.length > 0) {
      caps.push({
        id: VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
        size: align8(SIZEOF_CAP_IOVA_RANGE + SIZEOF_IOVA_RANGE * this.iovaList.length),
        fields: { nr_iovas: this.iovaList.length, iova_ranges: this.iovaList.map((r) => ({ start: r.start, end: r.end })) }
      });
    }
    return caps;
  }

  /** vfio_iommu_type1_map_dma() and vfio_dma_do_map() */
  private mapDma(arg: DmaMapArg | null | undefined): Outcome {
    const top = 'vfio_iommu_type1_map_dma';
    const where = 'vfio_dma_do_map';
    if (arg == null) return fail(kerr(ERRNO.EFAULT, `copy_from_user (${top})`, 'the argument pointer is not readable'));
    const argsz = u32(arg.argsz), flags = u32(arg.flags);
    const mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE | VFIO_DMA_MAP_FLAG_VADDR;
    if (argsz < MINSZ_DMA_MAP || (flags & ~mask) !== 0) {
      return fail(kerr(ERRNO.EINVAL, top, argsz < MINSZ_DMA_MAP
        ? `argsz ${argsz} is smaller than offsetofend(struct vfio_iommu_type1_dma_map, size) = ${MINSZ_DMA_MAP}`
        : `unknown flag bits 0x${(flags & ~mask).toString(16)}`));
    }
    const iova = u64(arg.iova), vaddr = u64(arg.vaddr), size = u64(arg.size);
    const later = this.env.profile.dmaOverflow === 'check-add-overflow';
    // "Verify that none of our __u64 fields overflow": size_t/unsigned long/dma_addr_t are 64-bit
    // on x86-64 and arm64, so this never fails here.
    if (later) {
      if (size === 0n) return fail(kerr(ERRNO.EINVAL, where, 'size is 0'));
      if (iova + size - 1n > U64_MAX || vaddr + size - 1n > U64_MAX) {
        return fail(kerr(ERRNO.EOVERFLOW, `check_add_overflow (${where})`,
          `${iova + size - 1n > U64_MAX ? 'iova' : 'vaddr'} + size - 1 overflows 64 bits`));
      }
    }
    const setVaddr = (flags & VFIO_DMA_MAP_FLAG_VADDR) !== 0;
    let prot = 0;
    if (flags & VFIO_DMA_MAP_FLAG_WRITE) prot |= IOMMU_WRITE;
    if (flags & VFIO_DMA_MAP_FLAG_READ) prot |= IOMMU_READ;
    if ((prot && setVaddr) || (!prot && !setVaddr)) {
      return fail(kerr(ERRNO.EINVAL, where, setVaddr ? 'VFIO_DMA_MAP_FLAG_VADDR cannot be combined with READ or WRITE' : 'neither READ nor WRITE is set'));
    }
    const pgsize = this.minPageSize();
    if (later) {
      if (((size | iova | vaddr) & (pgsize - 1n)) !== 0n) {
        return fail(kerr(ERRNO.EINVAL, where, `size, iova and vaddr must be multiples of the IOMMU page size 0x${pgsize.toString(16)}`));
      }
    } else {
      if (size === 0n || ((size | iova | vaddr) & (pgsize - 1n)) !== 0n) {
        return fail(kerr(ERRNO.EINVAL, where, size === 0n ? 'size is 0'
          : `size, iova and vaddr must be multiples of the IOMMU page size 0x${pgsize.toString(16)}`));
      }
      // "Don't allow IOVA or virtual address wrap"
      if (iova + size - 1n > U64_MAX || vaddr + size - 1n > U64_MAX) {
        return fail(kerr(ERRNO.EINVAL, where, `${iova + size - 1n > U64_MAX ? 'iova' : 'vaddr'} + size - 1 wraps around`));
      }
    }

    const found = this.findDma(iova, size);
    if (setVaddr) {
      if (found === undefined) return fail(kerr(ERRNO.ENOENT, where, 'VFIO_DMA_MAP_FLAG_VADDR: no mapping at this iova'));
      if (!found.vaddrInvalid || found.iova !== iova || found.size !== size) {
        return fail(kerr(ERRNO.EINVAL, where, 'VFIO_DMA_MAP_FLAG_VADDR: the mapping\'s vaddr is still valid, or its iova or size differ'));
      }
      // vfio_change_dma_owner(): the same mm (one process is modelled), so nothing moves.
      found.vaddr = vaddr;
      found.vaddrInvalid = false;
      this.vaddrInvalidCount--;
      return { ok: true, ret: 0, log: [] };
    }
    if (found !== undefined) {
      return fail(kerr(ERRNO.EEXIST, where,
        `[0x${iova.toString(16)}, 0x${(iova + size - 1n).toString(16)}] overlaps the mapping at 0x${found.iova.toString(16)} (size 0x${found.size.toString(16)})`));
    }
    if (!this.dmaAvail) return fail(kerr(ERRNO.ENOSPC, where, `dma_entry_limit (${this.env.dmaEntryLimit}) mappings already exist`));
    if (!iovaDmaValid(this.iovaList, iova, iova + size - 1n)) {
      return fail(kerr(ERRNO.EINVAL, `vfio_iommu_iova_dma_valid (${where})`,
        `[0x${iova.toString(16)}, 0x${(iova + size - 1n).toString(16)}] is not inside one valid IOVA range`));
    }

    this.dmaAvail--;
    const dma: VfioDma = {
      iova, vaddr, size: 0n, prot, iommuMapped: false, lockCap: this.env.process.capIpcLock, lockedVm: 0n,
      vaddrInvalid: false, chunks: [],
    };
    this.linkDma(dma);                                  // inserted zero-sized, grows as chunks map
    if (this.domains.length === 0) {
      dma.size = size;
      return { ok: true, ret: 0, log: [] };
    }
    const pinned = this.pinMapDma(dma, size);
    if (pinned !== null) return { ok: false, err: pinned, log: pinned.log ?? [] };
    return { ok: true, ret: 0, log: [] };
  }

  /** vfio_pin_map_dma(): pin and map chunk by chunk; on any failure remove the whole mapping. */
  private pinMapDma(dma: VfioDma, mapSize: bigint): KErr | null {
    const proc = this.env.process;
    const limit = proc.memlockLimitPages();
    let size = mapSize;
    let err: KErr | null = null;
    while (size > 0n) {
      const chunk = pinPagesRemote(proc, dma, dma.vaddr + dma.size, dma.iova + dma.size, size >> PAGE_SHIFT,
        (dma.prot & IOMMU_WRITE) !== 0, limit);
      if ('errno' in chunk) { err = chunk; break; }
      // vfio_iommu_map(): into every domain; on failure unmap the ones done and unpin the chunk.
      const bytes = chunk.npage << PAGE_SHIFT;
      let failed = 0;
      const done: IommuDomain[] = [];
      for (const d of this.domains) {
        failed = iommuMap(d.domain, chunk.iova, chunk.paddr, bytes, dma.prot | IOMMU_CACHE);
        if (failed !== 0) break;
        done.push(d.domain);
      }
      if (failed !== 0) {
        for (const d of done) iommuUnmap(d, chunk.iova, bytes);
        unpinChunk(proc, dma, chunk);
        err = kerr(failed, 'iommu_map (vfio_iommu_map, vfio_pin_map_dma)', 'the IOMMU refused the mapping');
        break;
      }
      dma.chunks.push(chunk);
      size -= bytes;
      dma.size += bytes;
    }
    dma.iommuMapped = true;
    if (err !== null) this.removeDma(dma);
    return err;
  }

  /** vfio_iommu_type1_unmap_dma() and vfio_dma_do_unmap() */
  private unmapDma(arg: DmaUnmapArg | null | undefined): Outcome {
    const top = 'vfio_iommu_type1_unmap_dma';
    const where = 'vfio_dma_do_unmap';
    if (arg == null) return fail(kerr(ERRNO.EFAULT, `copy_from_user (${top})`, 'the argument pointer is not readable'));
    const argsz = u32(arg.argsz), flags = u32(arg.flags);
    const mask = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP | VFIO_DMA_UNMAP_FLAG_VADDR | VFIO_DMA_UNMAP_FLAG_ALL;
    if (argsz < MINSZ_DMA_UNMAP || (flags & ~mask) !== 0) {
      return fail(kerr(ERRNO.EINVAL, top, argsz < MINSZ_DMA_UNMAP
        ? `argsz ${argsz} is smaller than offsetofend(struct vfio_iommu_type1_dma_unmap, size) = ${MINSZ_DMA_UNMAP}`
        : `unknown flag bits 0x${(flags & ~mask).toString(16)}`));
    }
    const getBitmap = (flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) !== 0;
    if (getBitmap && (flags & (VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR)) !== 0) {
      return fail(kerr(ERRNO.EINVAL, top, 'GET_DIRTY_BITMAP cannot be combined with ALL or VADDR'));
    }
    let bitmapPgsize = 0n;
    if (getBitmap) {
      if (argsz < MINSZ_DMA_UNMAP + SIZEOF_VFIO_BITMAP) {
        return fail(kerr(ERRNO.EINVAL, top, `argsz ${argsz} has no room for the struct vfio_bitmap`));
      }
      if (arg.bitmap == null) return fail(kerr(ERRNO.EFAULT, `copy_from_user (${top})`, 'the struct vfio_bitmap is not readable'));
      bitmapPgsize = u64(arg.bitmap.pgsize);
      const npages = bitmapPgsize === 0n ? 0n : u64(arg.size) >> BigInt(ffs(bitmapPgsize));
      const bsize = u64(arg.bitmap.size);
      if (npages === 0n || bsize === 0n || bsize > DIRTY_BITMAP_SIZE_MAX || bsize < ((npages + 63n) / 64n) * 8n) {
        return fail(kerr(ERRNO.EINVAL, `verify_bitmap_size (${top})`, 'the dirty bitmap size does not fit the range'));
      }
    }

    const unmapAll = (flags & VFIO_DMA_UNMAP_FLAG_ALL) !== 0;
    const invalidateVaddr = (flags & VFIO_DMA_UNMAP_FLAG_VADDR) !== 0;
    const iova = u64(arg.iova);
    let size = u64(arg.size);
    const later = this.env.profile.dmaOverflow === 'check-add-overflow';
    // "Cannot update vaddr if mdev is present": no emulated groups are modelled.
    const pgsize = this.minPageSize();
    if ((iova & (pgsize - 1n)) !== 0n) return fail(kerr(ERRNO.EINVAL, where, `iova is not a multiple of the IOMMU page size 0x${pgsize.toString(16)}`));
    if (unmapAll) {
      if (iova !== 0n || size !== 0n) return fail(kerr(ERRNO.EINVAL, where, 'VFIO_DMA_UNMAP_FLAG_ALL needs iova 0 and size 0'));
      size = U64_MAX;
    } else if (size === 0n || (size & (pgsize - 1n)) !== 0n) {
      return fail(kerr(ERRNO.EINVAL, where, size === 0n ? 'size is 0' : `size is not a multiple of the IOMMU page size 0x${pgsize.toString(16)}`));
    } else if (iova + size - 1n > U64_MAX) {
      return later
        ? fail(kerr(ERRNO.EOVERFLOW, `check_add_overflow (${where})`, 'iova + size - 1 overflows 64 bits'))
        : fail(kerr(ERRNO.EINVAL, where, 'iova + size - 1 wraps around'));
    }
    if (getBitmap && (!this.dirtyPageTracking || bitmapPgsize !== pgsize)) {
      return fail(kerr(ERRNO.EINVAL, where, !this.dirtyPageTracking ? 'dirty page tracking is not started' : 'bitmap.pgsize is not the smallest IOMMU page size'));
    }

    // v2: the range must not bisect a mapping at either end.
    if (this.v2 && !unmapAll) {
      const a = this.findDma(iova, 1n);
      if (a !== undefined && a.iova !== iova) {
        return fail(kerr(ERRNO.EINVAL, where, `v2: the range starts inside the mapping at 0x${a.iova.toString(16)}`));
      }
      const b = this.findDma(iova + size - 1n, 0n);
      if (b !== undefined && b.iova + b.size !== iova + size) {
        return fail(kerr(ERRNO.EINVAL, where, `v2: the range ends inside the mapping at 0x${b.iova.toString(16)}`));
      }
    }

    let unmapped = 0n;
    const firstN = this.findDmaFirst(iova, size);
    if (firstN >= 0) {
      if (invalidateVaddr) {
        const marked: VfioDma[] = [];
        for (let n = firstN; n < this.dmas.length; n++) {
          const dma = this.dmas[n];
          if (dma.iova >= iova + size) break;
          if (!this.v2 && iova > dma.iova) break;
          if (dma.vaddrInvalid) {
            for (const m of marked) { m.vaddrInvalid = false; this.vaddrInvalidCount--; }
            return fail(kerr(ERRNO.EINVAL, where, `the mapping at 0x${dma.iova.toString(16)} already has an invalid vaddr`));
          }
          dma.vaddrInvalid = true;
          this.vaddrInvalidCount++;
          marked.push(dma);
          unmapped += dma.size;
        }
      } else {
        if (getBitmap) throw new NotModelled('UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP (the bitmap contents)');
        const victims: VfioDma[] = [];
        for (let n = firstN; n < this.dmas.length; n++) {
          const dma = this.dmas[n];
          if (dma.iova >= iova + size) break;
          if (!this.v2 && iova > dma.iova) break;
          victims.push(dma);
        }
        for (const dma of victims) {
          unmapped += dma.size;
          this.removeDma(dma);
        }
      }
    }
    // On success the kernel copies the struct back with size = bytes unmapped.
    return { ok: true, ret: 0, out: { size: unmapped }, log: [] };
  }

  /** vfio_iommu_type1_dirty_pages(): START and STOP; GET_BITMAP is not modelled. */
  private dirtyPages(arg: DirtyArg | null | undefined): Outcome {
    const where = 'vfio_iommu_type1_dirty_pages';
    if (!this.v2) return fail(kerr(ERRNO.EACCES, where, 'dirty page tracking needs a v2 container'));
    if (arg == null) return fail(kerr(ERRNO.EFAULT, `copy_from_user (${where})`, 'the argument pointer is not readable'));
    const argsz = u32(arg.argsz), flags = u32(arg.flags);
    const mask = VFIO_IOMMU_DIRTY_PAGES_FLAG_START | VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP | VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
    if (argsz < MINSZ_DIRTY_BITMAP || (flags & ~mask) !== 0) return fail(kerr(ERRNO.EINVAL, where, 'argsz too small or unknown flags'));
    // "only one flag should be set at a time": __ffs(flags) != __fls(flags) (flags 0 is undefined
    // for __ffs in C; it falls through every branch to -EINVAL here).
    if (flags === 0 || (flags & (flags - 1)) !== 0) return fail(kerr(ERRNO.EINVAL, where, 'exactly one of START, STOP, GET_BITMAP must be set'));
    if (flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_START) {
      // vfio_dma_bitmap_alloc_all(): a mapping over DIRTY_BITMAP_PAGES_MAX pages cannot be tracked.
      const pg = this.minPageSize();
      if (!this.dirtyPageTracking) {
        const big = this.dmas.find((d) => d.size / pg > DIRTY_BITMAP_PAGES_MAX);
        if (big !== undefined) return fail(kerr(ERRNO.EINVAL, `vfio_dma_bitmap_alloc (${where})`, 'a mapping has more pages than a bitmap can hold'));
        this.dirtyPageTracking = true;
      }
      return { ok: true, ret: 0, log: [] };
    }
    if (flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP) {
      this.dirtyPageTracking = false;
      return { ok: true, ret: 0, log: [] };
    }
    throw new NotModelled('VFIO_IOMMU_DIRTY_PAGES with GET_BITMAP');
  }

  /** Pages pinned and charged by all mappings (for views and the locked_vm invariant). */
  chargedPages(): bigint {
    return this.dmas.reduce((n, d) => n + d.lockedVm, 0n);
  }
}

/** vfio_iommu_has_sw_msi(): the SW_MSI base, unless a hardware MSI region comes first in the list
 *  ("real MSI regions take precedence"); null when there is none. */
export function hasSwMsi(resv: readonly ResvRegion[]): bigint | null {
  let base: bigint | null = null;
  for (const r of resv) {
    if (r.type === IOMMU_RESV_MSI) return null;
    if (r.type === IOMMU_RESV_SW_MSI) base = r.start;
  }
  return base;
}

function fail(err: KErr): Outcome {
  return { ok: false, err, log: err.log ?? [] };
}

