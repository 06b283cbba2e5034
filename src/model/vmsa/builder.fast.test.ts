// PageTableBuilder.map walks from the root once per last-level table, not once per page: the
// descriptors and the order they are written in must be those of mapping page by page.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { BumpAllocator, PageTableBuilder, type TableIO } from './builder';
import type { GranuleShift } from './geometry';

function recorder() {
  const mem = new PhysMem();
  const writes: [number, bigint][] = [];
  const io: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => { writes.push([a, v]); mem.store64(BigInt(a), v); } };
  return { writes, io };
}

function both(stage: 1 | 2, g: GranuleShift, bits: number, start: number | undefined, ia: number, oa: number, pages: number, pgsize: number) {
  const a = recorder(), b = recorder();
  const ta = new PageTableBuilder(stage, g, bits, a.io, new BumpAllocator(0x100_0000, 0x1000_0000), start);
  const tb = new PageTableBuilder(stage, g, bits, b.io, new BumpAllocator(0x100_0000, 0x1000_0000), start);
  ta.map(ia, oa, pages * pgsize, { r: true, w: true }, pgsize);
  for (let i = 0; i < pages; i++) tb.map(ia + i * pgsize, oa + i * pgsize, pgsize, { r: true, w: true }, pgsize);
  return [a.writes, b.writes];
}

describe('PageTableBuilder.map over many pages', () => {
  it('writes what page-by-page mapping writes, across table boundaries (4K, 16K, 64K; both stages)', () => {
    fc.assert(fc.property(
      fc.constantFrom<[1 | 2, GranuleShift, number, number | undefined]>([2, 12, 48, 0], [2, 12, 40, 1], [1, 12, 48, undefined], [1, 14, 47, undefined], [2, 16, 42, 2]),
      fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 1100 }),
      ([stage, g, bits, start], first, pages) => {
        const pg = 2 ** g;
        const [fast, slow] = both(stage, g, bits, start, first * pg, 0x8_0000_0000, pages, pg);
        expect(fast).toEqual(slow);
      },
    ), { numRuns: 60 });
  });

  it('blocks too: 2M leaves over a 1G boundary', () => {
    const [fast, slow] = both(2, 12, 48, 0, 0x4000_0000 - 0x20_0000 * 300, 0x8_0000_0000, 700, 0x20_0000);
    expect(fast).toEqual(slow);
  });

  it('an already-mapped page in the middle still stops the map with the same error', () => {
    const a = recorder();
    const t = new PageTableBuilder(2, 12, 48, a.io, new BumpAllocator(0x100_0000, 0x1000_0000), 0);
    t.map(0x4000_5000, 0x8_0000_0000, 0x1000, { r: true, w: true });
    expect(() => t.map(0x4000_0000, 0x8_0000_0000, 0x10_0000, { r: true, w: true })).toThrow('map: 0x40005000 is already mapped (level 3)');
  });
});
