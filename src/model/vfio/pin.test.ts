// vfio_pin_pages_remote() on its own: what one chunk is, what is charged, and when -ENOMEM comes.
// By hand from drivers/vfio/vfio_iommu_type1.c (6.12): a chunk runs while the pfns follow each other
// and stay reserved or not; a non-reserved page is charged unless it would take locked_vm past
// rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT (skipped with CAP_IPC_LOCK); reserved (PFNMAP) pages are never
// charged; -EFAULT when there is no VMA or a writable mapping meets read-only memory.

import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, pinPagesRemote, Process, unpinChunk } from './pin';

const W = true;

describe('Process memory', () => {
  it('hands out page-rounded anonymous mappings top-down from 0x7f00_0000_0000', () => {
    const p = new Process({ hostRamBase: 0x4000_0000n });
    expect(p.mmap(0x1800n)).toBe(0x7eff_ffff_e000n);
    expect(p.mmap(0x1000n)).toBe(0x7eff_ffff_d000n);
    expect(p.vmas[0]).toMatchObject({ length: 0x2000n, kind: 'anon', paddr: 0x5000_0000n });
  });
  it('takes the limit as rlimit >> PAGE_SHIFT (a partial page does not count)', () => {
    expect(new Process({ rlimitMemlock: 0x1fffn }).memlockLimitPages()).toBe(1n);
    expect(new Process({ rlimitMemlock: 'unlimited' }).memlockLimitPages()).toBe(((1n << 64n) - 1n) >> 12n);
  });
});

describe('pinPagesRemote()', () => {
  it('pins one contiguous chunk and charges it to the process and the mapping', () => {
    const p = new Process();
    const va = p.mmap(0x4000n);
    const dma = { lockCap: false, lockedVm: 0n };
    const c = pinPagesRemote(p, dma, va, 0x100000n, 4n, W, 100n);
    expect(c).toEqual({ iova: 0x100000n, paddr: p.vmas[0].paddr, npage: 4n, rsvd: false });
    expect([p.lockedVm, dma.lockedVm]).toEqual([4n, 4n]);
    if ('errno' in c) return;
    expect(unpinChunk(p, dma, c)).toBe(4n);
    expect([p.lockedVm, dma.lockedVm]).toEqual([0n, 0n]);
  });

  it('stops a chunk where the next page is not physically next (two mmaps, top-down)', () => {
    const p = new Process();
    const hi = p.mmap(0x2000n);          // VA above, PA below
    const lo = p.mmap(0x2000n);          // VA just below `hi`, PA above: not contiguous going up
    expect(lo + 0x2000n).toBe(hi);
    const c = pinPagesRemote(p, { lockCap: false, lockedVm: 0n }, lo, 0n, 4n, W, 100n);
    expect(c).toMatchObject({ npage: 2n });
  });

  it('-ENOMEM when the chunk would pass the limit; nothing is charged', () => {
    const p = new Process({ rlimitMemlock: 3n * PAGE_SIZE });
    const va = p.mmap(0x4000n);
    const dma = { lockCap: false, lockedVm: 0n };
    const e = pinPagesRemote(p, dma, va, 0n, 4n, W, p.memlockLimitPages());
    expect(e).toMatchObject({ errno: 12, where: 'vfio_pin_pages_remote', log: ['vfio_pin_pages_remote: RLIMIT_MEMLOCK (12288) exceeded'] });
    expect([p.lockedVm, dma.lockedVm]).toEqual([0n, 0n]);
  });

  it('CAP_IPC_LOCK: no limit, but the charge is made', () => {
    const p = new Process({ rlimitMemlock: 0n, capIpcLock: true });
    const va = p.mmap(0x4000n);
    const dma = { lockCap: true, lockedVm: 0n };
    expect(pinPagesRemote(p, dma, va, 0n, 4n, W, 0n)).toMatchObject({ npage: 4n });
    expect(p.lockedVm).toBe(4n);
  });

  it('PFNMAP pages are reserved: pinned as a chunk, never charged, even at a limit of 0', () => {
    const p = new Process({ rlimitMemlock: 0n });
    const bar = p.mmapPfn(0x3000n, 0x10_0000_0000n);
    const dma = { lockCap: false, lockedVm: 0n };
    const c = pinPagesRemote(p, dma, bar, 0n, 3n, W, 0n);
    expect(c).toEqual({ iova: 0n, paddr: 0x10_0000_0000n, npage: 3n, rsvd: true });
    expect(p.lockedVm).toBe(0n);
    if ('errno' in c) return;
    expect(unpinChunk(p, dma, c)).toBe(0n);
  });

  it('-EFAULT with no VMA, or a device-writable pin of read-only memory', () => {
    const p = new Process();
    expect(pinPagesRemote(p, { lockCap: false, lockedVm: 0n }, 0x1000n, 0n, 1n, W, 100n)).toMatchObject({ errno: 14 });
    const ro = p.mmap(0x1000n, { read: true, write: false });
    expect(pinPagesRemote(p, { lockCap: false, lockedVm: 0n }, ro, 0n, 1n, W, 100n)).toMatchObject({ errno: 14 });
    expect(pinPagesRemote(p, { lockCap: false, lockedVm: 0n }, ro, 0n, 1n, false, 100n)).toMatchObject({ npage: 1n });
  });
});
