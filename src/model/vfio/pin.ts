// The calling process as VFIO type1 sees it: its memory (VMAs and the host pages behind them),
// RLIMIT_MEMLOCK, CAP_IPC_LOCK and mm->locked_vm; and the pinning that MAP_DMA does.
//
// drivers/vfio/vfio_iommu_type1.c (6.12; primer vfio-qemu-spapr.md §4.5):
//   vfio_pin_map_dma()       limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT, taken once per MAP; then
//                            pin and map one physically contiguous chunk at a time
//   vfio_pin_pages_remote()  one chunk: pages whose pfns follow each other and are all reserved or
//                            all not. A page that is not reserved (not PFNMAP/MMIO) is charged:
//                            if !dma->lock_cap and mm->locked_vm + lock_acct + 1 > limit, it fails
//                            with -ENOMEM and pr_warn("%s: RLIMIT_MEMLOCK (%ld) exceeded\n",
//                            __func__, limit << PAGE_SHIFT), putting back the chunk's pages
//                            uncharged; otherwise vfio_lock_acct() adds the chunk's charge to
//                            mm->locked_vm and dma->locked_vm
//   vaddr_get_pfns()         pin_user_pages_remote(FOLL_LONGTERM, FOLL_WRITE when the mapping is
//                            writable); no VMA, or a read-only VMA for a writable mapping: -EFAULT;
//                            a VM_PFNMAP VMA gives reserved pfns (follow_fault_pfn())
//   vfio_unpin_pages_remote() / vfio_unmap_unpin() give the charge back (reserved pages were never
//                            charged)
// Charges are per vfio_dma and per mm: two mappings of the same memory, in one container or two,
// are charged twice (there is no de-duplication).
//
// ASSUMPTIONS: an anonymous mmap() is backed, as soon as it is made, by physically contiguous host
// pages from a bump allocator (a real kernel faults pages in from wherever its allocator finds
// them, so its chunks are shorter; what is charged and when -ENOMEM happens are the same); mmap()
// hands out addresses top-down from 0x7f00_0000_0000, page-aligned, with no gaps.

import { ERRNO, kerr, type KErr } from './errno';

export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;

export interface Vma {
  start: bigint;
  length: bigint;
  /** anon: ordinary process memory (charged when pinned); pfnmap: VM_PFNMAP, e.g. an mmap()ed BAR
   *  (reserved pfns, never charged). */
  kind: 'anon' | 'pfnmap';
  read: boolean;
  write: boolean;
  /** The host physical address behind `start` (contiguous). */
  paddr: bigint;
}

export interface ProcessOptions {
  /** RLIMIT_MEMLOCK in bytes, or 'unlimited' (RLIM_INFINITY). */
  rlimitMemlock?: bigint | 'unlimited';
  /** CAP_IPC_LOCK: charges are made but the limit is not checked. */
  capIpcLock?: boolean;
  /** Where anonymous memory's host pages come from. */
  hostRamBase?: bigint;
}

/** RLIM_INFINITY (~0UL) >> PAGE_SHIFT, as vfio_pin_map_dma() computes the limit. */
const LIMIT_INFINITY = ((1n << 64n) - 1n) >> PAGE_SHIFT;

export class Process {
  rlimitMemlock: bigint | 'unlimited';
  capIpcLock: boolean;
  /** mm->locked_vm, in pages. */
  lockedVm = 0n;
  readonly vmas: Vma[] = [];
  private nextVa = 0x7f00_0000_0000n;
  private nextPa: bigint;

  constructor(opts: ProcessOptions = {}) {
    this.rlimitMemlock = opts.rlimitMemlock ?? 'unlimited';
    this.capIpcLock = opts.capIpcLock ?? false;
    this.nextPa = (opts.hostRamBase ?? 0x4000_0000n) + 0x1000_0000n;
  }

  /** The limit in pages as vfio_pin_map_dma() takes it. */
  memlockLimitPages(): bigint {
    return this.rlimitMemlock === 'unlimited' ? LIMIT_INFINITY : this.rlimitMemlock >> PAGE_SHIFT;
  }

  /** Anonymous private memory: returns its address. `length` is rounded up to pages. */
  mmap(length: bigint, prot: { read: boolean; write: boolean } = { read: true, write: true }): bigint {
    const len = roundUp(length);
    this.nextVa -= len;
    const vma: Vma = { start: this.nextVa, length: len, kind: 'anon', read: prot.read, write: prot.write, paddr: this.nextPa };
    this.nextPa += len;
    this.vmas.push(vma);
    return vma.start;
  }

  /** A VM_PFNMAP mapping of `paddr` (an mmap()ed BAR): returns its address. */
  mmapPfn(length: bigint, paddr: bigint, prot: { read: boolean; write: boolean } = { read: true, write: true }): bigint {
    const len = roundUp(length);
    this.nextVa -= len;
    this.vmas.push({ start: this.nextVa, length: len, kind: 'pfnmap', read: prot.read, write: prot.write, paddr });
    return this.nextVa;
  }

  vmaAt(vaddr: bigint): Vma | undefined {
    return this.vmas.find((v) => vaddr >= v.start && vaddr < v.start + v.length);
  }
}

function roundUp(n: bigint): bigint {
  return (n + PAGE_SIZE - 1n) & ~(PAGE_SIZE - 1n);
}

/** A pinned, physically contiguous chunk of one vfio_dma. */
export interface PinnedChunk {
  iova: bigint;
  paddr: bigint;
  npage: bigint;
  /** Reserved (PFNMAP) pages: not charged. */
  rsvd: boolean;
}

/** What a vfio_dma needs for pinning: its task's capability and its charge so far. */
export interface PinTarget {
  lockCap: boolean;
  /** dma->locked_vm, in pages. */
  lockedVm: bigint;
}

/** vfio_pin_pages_remote(): pin the next chunk of up to `npage` pages from `vaddr`. On success the
 *  chunk's charge has been added to mm->locked_vm and dma->locked_vm; on failure nothing is left
 *  pinned or charged by this call. */
export function pinPagesRemote(
  proc: Process, dma: PinTarget, vaddr: bigint, iova: bigint, npage: bigint, write: boolean, limit: bigint,
): PinnedChunk | KErr {
  const first = proc.vmaAt(vaddr);
  const where = 'vaddr_get_pfns (vfio_pin_pages_remote)';
  if (first === undefined) return kerr(ERRNO.EFAULT, where, `no mapping at vaddr 0x${vaddr.toString(16)}`);
  if (write && !first.write) return kerr(ERRNO.EFAULT, where, `vaddr 0x${vaddr.toString(16)} is not writable and the mapping asks for device writes`);
  if (!first.read && !first.write) return kerr(ERRNO.EFAULT, where, `vaddr 0x${vaddr.toString(16)} is not accessible`);
  const rsvd = first.kind === 'pfnmap';
  const pfnBase = first.paddr + (vaddr - first.start);
  // Extend the chunk while the next page's pfn follows and is of the same kind.
  let pinned = 0n;
  let va = vaddr;
  while (pinned < npage) {
    const v = proc.vmaAt(va);
    if (v === undefined || (write && !v.write) || (v.kind === 'pfnmap') !== rsvd) break;
    if (v.paddr + (va - v.start) !== pfnBase + pinned * PAGE_SIZE) break;
    const inVma = (v.start + v.length - va) >> PAGE_SHIFT;
    const take = inVma < npage - pinned ? inVma : npage - pinned;
    pinned += take;
    va += take * PAGE_SIZE;
  }
  if (!rsvd && !dma.lockCap && proc.lockedVm + pinned > limit) {
    // The per-page check fails at the page that would pass the limit; the chunk is put back.
    return kerr(ERRNO.ENOMEM, 'vfio_pin_pages_remote',
      `pinning ${pinned} more pages would take locked_vm from ${proc.lockedVm} past the RLIMIT_MEMLOCK limit of ${limit} pages`,
      [`vfio_pin_pages_remote: RLIMIT_MEMLOCK (${limit << PAGE_SHIFT}) exceeded`]);
  }
  if (!rsvd) {
    // vfio_lock_acct() -> mm_lock_acct() -> __account_locked_vm()
    proc.lockedVm += pinned;
    dma.lockedVm += pinned;
  }
  return { iova, paddr: pfnBase, npage: pinned, rsvd };
}

/** vfio_unpin_pages_remote(..., do_accounting = true) for one chunk: returns the pages unlocked. */
export function unpinChunk(proc: Process, dma: PinTarget, c: PinnedChunk): bigint {
  if (c.rsvd) return 0n;
  proc.lockedVm -= c.npage;
  dma.lockedVm -= c.npage;
  return c.npage;
}
