// PageTableBuilder and BumpAllocator. Leaf words are derived by hand from the descriptor tables
// (ARM ARM D8-52 stage 1, D8-53 stage 2) and from what Linux io-pgtable-arm writes (primer §1.4:
// AP[1] bit 6 "UNPRIV", AP[2] bit 7 "RDONLY", nG bit 11, AF bit 10, SH = 11 bits [9:8], XN bits 53+54
// for IOMMU_NOEXEC at stage 1; stage 2 MemAttr 0xF at [5:2], S2AP [7:6], XN bit 54).

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { BumpAllocator, PageTableBuilder, type TableIO } from './builder';

function setup(stage: 1 | 2, g: 12 | 14 | 16, inputBits: number, start?: number) {
  const mem = new PhysMem();
  const io: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
  const b = new PageTableBuilder(stage, g, inputBits, io, new BumpAllocator(0x100000, 0x4000000), start);
  return { mem, b };
}

describe('BumpAllocator', () => {
  it('hands out naturally aligned blocks in order and throws when exhausted', () => {
    const a = new BumpAllocator(0x1008, 0x6000);
    expect(a.alloc(64)).toBe(0x1040);        // 0x1008 rounded up to 64
    expect(a.alloc(0x1000)).toBe(0x2000);    // next 4K boundary after 0x1080
    expect(a.alloc(8)).toBe(0x3000);
    expect(a.alloc(0x2000)).toBe(0x4000);    // 8K aligned, ends at 0x6000 = limit: fits
    expect(() => a.alloc(8)).toThrow(RangeError);
  });
});

describe('PageTableBuilder leaves', () => {
  it('stage-1 4KB page, rw, user, non-global, no exec: the Linux io-pgtable-arm bits', () => {
    const { b } = setup(1, 12, 48);
    // OA 0x8000_0000 | valid 1 | page 2 | AttrIndx 1 (bit 2) | AP[1] 0x40 | SH 0x300 | AF 0x400 | nG 0x800
    //   = 0x8000_0F47; PXN (53) + UXN (54) = 0x0060_0000 in the upper word.
    expect(b.leaf(0x8000_0000, 3, { r: true, w: true })).toBe(0x0060_0000_8000_0f47n);
    // read-only adds AP[2] (0x80); executable drops bits 53/54; privileged-only drops AP[1]; global drops nG.
    expect(b.leaf(0x8000_0000, 3, { r: true, w: false })).toBe(0x0060_0000_8000_0fc7n);
    expect(b.leaf(0x8000_0000, 3, { r: true, w: true, x: true })).toBe(0x8000_0f47n);
    expect(b.leaf(0x8000_0000, 3, { r: true, w: true, x: true, user: false, global: true })).toBe(0x8000_0707n);
    // A 2MB block at level 2 has bit 1 clear: 0x4020_0000 | 0xF45.
    expect(b.leaf(0x4020_0000, 2, { r: true, w: true, x: true })).toBe(0x4020_0f45n);
    // AF = 0 on request (to demonstrate F_ACCESS).
    expect(b.leaf(0x1000, 3, { r: true, w: true, x: true, af: false })).toBe(0x1b47n);
  });
  it('stage-2 4KB page: MemAttr 0xF (0x3C), S2AP from r/w, XN bit 54 only (bit 53 RES0 without FEAT_XNX)', () => {
    const { b } = setup(2, 12, 48, 0);
    // 0x9000 | 3 | 0x3C | SH 0x300 | AF 0x400 = 0x973F; + S2AP 0xC0 = 0x97FF; XN = 0x0040_0000 upper word.
    expect(b.leaf(0x9000, 3, { r: true, w: true })).toBe(0x0040_0000_0000_97ffn);
    expect(b.leaf(0x9000, 3, { r: true, w: false })).toBe(0x0040_0000_0000_977fn);
    expect(b.leaf(0x9000, 3, { r: false, w: true })).toBe(0x0040_0000_0000_97bfn);
    expect(b.leaf(0x9000, 3, { r: false, w: false, x: true })).toBe(0x973fn);
  });
});

describe('PageTableBuilder map / lookup / unmap / protect', () => {
  it('maps pages with the granule by default and blocks when asked (4KB: 2MB at L2, 1GB at L1)', () => {
    const { b } = setup(1, 12, 48);
    b.map(0x4000_0000, 0x8_0000_0000, 0x4000_0000, { r: true, w: true }, 0x4000_0000);
    b.map(0x20_0000, 0x9_0020_0000, 0x40_0000, { r: true, w: true }, 0x20_0000);
    b.map(0x1000, 0xa000, 0x2000, { r: true, w: true });
    expect(b.lookup(0x5234_5678)).toMatchObject({ level: 1 });
    expect(b.lookup(0x40_0000)).toMatchObject({ level: 2 });
    expect(b.lookup(0x2fff)).toMatchObject({ level: 3 });
    expect(b.lookup(0x3000)).toBeNull();
    expect(b.lookup(0x8000_0000)).toBeNull();
    // Leaf OA fields: the 1GB block's bits [47:30] = 0x8_0000_0000; the page at 0x2000 -> 0xB000.
    expect((b.lookup(0x4000_0000)!.desc & 0xffff_ffff_f000n)).toBe(0x8_0000_0000n);
    expect((b.lookup(0x2000)!.desc & 0xffff_ffff_f000n)).toBe(0xb000n);
  });

  it('refuses overlaps, misalignment, sizes that are not a page or block of the granule, and input beyond T0SZ', () => {
    const { b } = setup(1, 12, 39);                         // 39-bit: starts at L1 (Table D8-18, T0SZ 25)
    b.map(0x20_0000, 0x20_0000, 0x20_0000, { r: true, w: true }, 0x20_0000);
    expect(() => b.map(0x20_1000, 0x1000, 0x1000, { r: true, w: true })).toThrow(/inside a block/);
    expect(() => b.map(0x20_0000, 0x40_0000, 0x20_0000, { r: true, w: true }, 0x20_0000)).toThrow(/already mapped/);
    expect(() => b.map(0x1800, 0x1000, 0x1000, { r: true, w: true })).toThrow(/multiples/);
    expect(() => b.map(0, 0, 0x8000, { r: true, w: true }, 0x8000)).toThrow(/not a page or block size/);
    // 512GB would be a level-0 block: not supported (Table D8-17) and level 0 is above a 39-bit start.
    expect(() => b.map(0, 0, 2 ** 39, { r: true, w: true }, 2 ** 39)).toThrow(RangeError);
    expect(() => b.map(2 ** 39 - 0x1000, 0, 0x2000, { r: true, w: true })).toThrow(/beyond the 39-bit/);
  });

  it('16KB has no L1 block and 64KB no L1 block without DS / FEAT_LPA (Tables D8-27, D8-36)', () => {
    expect(() => setup(1, 14, 48).b.map(0, 0, 2 ** 36, { r: true, w: true }, 2 ** 36)).toThrow(/not a page or block/);
    expect(() => setup(1, 16, 48).b.map(0, 0, 2 ** 42, { r: true, w: true }, 2 ** 42)).toThrow(/not a page or block/);
    const { b } = setup(1, 16, 48);
    b.map(0x2000_0000, 0x4000_0000, 0x2000_0000, { r: true, w: true }, 0x2000_0000);   // 512MB at L2
    expect(b.lookup(0x3fff_ffff)).toMatchObject({ level: 2 });
  });

  it('unmap clears leaves (returning the bytes) but refuses to split a block', () => {
    const { b } = setup(1, 12, 48);
    b.map(0x1000, 0x1000, 0x3000, { r: true, w: true });
    b.map(0x20_0000, 0x20_0000, 0x20_0000, { r: true, w: true }, 0x20_0000);
    expect(b.unmap(0x2000, 0x1000)).toBe(0x1000);
    expect(b.lookup(0x2000)).toBeNull();
    expect(b.lookup(0x1000)).not.toBeNull();
    expect(b.lookup(0x3000)).not.toBeNull();
    expect(() => b.unmap(0x20_0000, 0x1000)).toThrow(/only partly covers/);
    expect(b.unmap(0x20_0000, 0x20_0000)).toBe(0x20_0000);
    expect(b.lookup(0x30_0000)).toBeNull();
    expect(b.unmap(0x50_0000, 0x2000)).toBe(0);
  });

  it('protect rewrites permissions and keeps the output address', () => {
    const { b } = setup(1, 12, 48);
    b.map(0x1000, 0x7000, 0x1000, { r: true, w: true });
    b.protect(0x1000, 0x1000, { r: true, w: false, x: true });
    // 0x7000 | 0xFC7 (rw leaf 0xF47 + AP[2] 0x80), executable: upper word 0.
    expect(b.lookup(0x1000)!.desc).toBe(0x7fc7n);
    expect(() => b.protect(0x5000, 0x1000, { r: true, w: true })).toThrow(/not mapped/);
  });

  it('stage 1 refuses concatenation: a 40-bit 4KB stage-1 input starts at L0 with a 1-bit index', () => {
    // Stage 1 derives the start level (Table D8-18: T0SZ 24 -> L0), never concatenates.
    expect(setup(1, 12, 40).b.startLevel).toBe(0);
    // Stage 2 at an inconsistent start level is refused (T0SZ 16 at L1 would need 512 tables).
    expect(() => setup(2, 12, 48, 1)).toThrow(RangeError);
  });
});
