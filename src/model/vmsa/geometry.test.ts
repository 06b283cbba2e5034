// VMSAv8-64 geometry, table-driven from the ARM ARM (DDI 0487, chapter D8; /work/specs/arm/arm-D8.2.md,
// arm-D8.7.md) and the team primer (shared/domain/smmuv3-nested-msi.md §1.1-1.3, §1.6). Every expected
// value below is copied or derived by hand from those tables, never from running the code under test.
// FEAT_LPA2 (DS), FEAT_TTST, FEAT_LPA and FEAT_LVA are absent in the modelled SMMU.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { BumpAllocator, PageTableBuilder, type TableIO } from './builder';
import {
  blockAllowed, contiguousEntries, granuleName, levelShift, MAX_CONCAT_TABLES, PS_BITS, s1StartLevel,
  s2StartLevel, startIndexBits, stride, type GranuleShift,
} from './geometry';

const G4K = 12, G16K = 14, G64K = 16;
const GRANULES: GranuleShift[] = [G4K, G16K, G64K];

describe('levelShift / stride', () => {
  // ARM ARM Tables D8-16 (4KB), D8-26 (16KB), D8-35 (64KB): the lowest IA bit indexed at each level.
  //   4KB:  L0 IA[47:39], L1 IA[38:30], L2 IA[29:21], L3 IA[20:12]
  //   16KB: L0 IA[47],    L1 IA[46:36], L2 IA[35:25], L3 IA[24:14]
  //   64KB:               L1 IA[47:42], L2 IA[41:29], L3 IA[28:16]
  const rows: [GranuleShift, number, number][] = [
    [G4K, 0, 39], [G4K, 1, 30], [G4K, 2, 21], [G4K, 3, 12],
    [G16K, 0, 47], [G16K, 1, 36], [G16K, 2, 25], [G16K, 3, 14],
    [G64K, 1, 42], [G64K, 2, 29], [G64K, 3, 16],
  ];
  it.each(rows)('granule 2^%i, level %i indexes from IA bit %i', (g, level, lo) => {
    expect(levelShift(g, level)).toBe(lo);
  });
  // Each table is one granule of 8-byte descriptors: 512 / 2048 / 8192 entries (Tables D8-16/26/35).
  it.each([[G4K, 9], [G16K, 11], [G64K, 13]] as const)('granule 2^%i resolves %i bits per level', (g, s) => {
    expect(stride(g)).toBe(s);
  });
  it('granule names', () => {
    expect([granuleName(12), granuleName(14), granuleName(16)]).toEqual(['4K', '16K', '64K']);
  });
});

describe('s1StartLevel: every TnSZ 16..39 x granule (ARM ARM Tables D8-18, D8-28, D8-37; primer §1.2)', () => {
  // Ranges transcribed from the tables (rows without "Additional requirements" only):
  //   4KB  (D8-18): 16-24 -> L0, 25-33 -> L1, 34-39 -> L2
  //   16KB (D8-28): 16 -> L0, 17-27 -> L1, 28-38 -> L2, 39 -> L3
  //   64KB (D8-37): 16-21 -> L1, 22-34 -> L2, 35-39 -> L3
  const expected = (g: GranuleShift, tnsz: number): number => {
    if (g === G4K) return tnsz <= 24 ? 0 : tnsz <= 33 ? 1 : 2;
    if (g === G16K) return tnsz === 16 ? 0 : tnsz <= 27 ? 1 : tnsz <= 38 ? 2 : 3;
    return tnsz <= 21 ? 1 : tnsz <= 34 ? 2 : 3;
  };
  const cases: [string, GranuleShift, number, number][] = [];
  for (const g of GRANULES) for (let t = 16; t <= 39; t++) cases.push([granuleName(g), g, t, expected(g, t)]);
  it.each(cases)('%s, TnSZ %i -> level %i', (_n, g, tnsz, level) => {
    expect(s1StartLevel(g, 64 - tnsz)).toBe(level);
  });
  // The initial table may be smaller than a granule (Tables D8-18/28/37 "Maximum/minimum IA bits"):
  // 16KB TnSZ 16 indexes only IA[47] (2 entries, Table D8-26); 4KB TnSZ 24 indexes IA[39] (1 bit,
  // "IA[39:12]"); 64KB TnSZ 16 indexes IA[47:42] (6 bits, 64 entries).
  it.each([[G16K, 16, 1], [G4K, 24, 1], [G4K, 16, 9], [G64K, 16, 6], [G64K, 35, 13], [G64K, 39, 9], [G16K, 39, 11]] as const)(
    'granule 2^%i, TnSZ %i: the initial table has %i index bits', (g, tnsz, bits) => {
      expect(startIndexBits(g, 64 - tnsz, s1StartLevel(g, 64 - tnsz))).toBe(bits);
    });
});

describe('s2StartLevel: S2SL0 x granule (ARM ARM Tables D8-19, D8-29, D8-38; primer §1.3)', () => {
  // D8-19 (4KB, SL2 = 0): 00 L2, 01 L1, 10 L0, 11 L3 (L3 start needs FEAT_TTST, Table D8-24 -> reserved here).
  // D8-29 (16KB): 00 L3, 01 L2, 10 L1, 11 L0 (L0 at stage 2 needs DS = 1, Tables D8-26 and D8-30 -> reserved).
  // D8-38 (64KB): 00 L3, 01 L2, 10 L1, 11 Reserved.
  const rows: [GranuleShift, number, number | null][] = [
    [G4K, 0, 2], [G4K, 1, 1], [G4K, 2, 0], [G4K, 3, null],
    [G16K, 0, 3], [G16K, 1, 2], [G16K, 2, 1], [G16K, 3, null],
    [G64K, 0, 3], [G64K, 1, 2], [G64K, 2, 1], [G64K, 3, null],
  ];
  it.each(rows)('granule 2^%i, SL0 %i -> level %s', (g, sl0, level) => {
    expect(s2StartLevel(g, sl0)).toBe(level);
  });
});

describe('stage-2 concatenation: which S2T0SZ are legal at which start level, and how many tables', () => {
  // ARM ARM Tables D8-21..D8-24 (4KB), D8-30..D8-33 (16KB), D8-39..D8-41 (64KB), rows without
  // DS/TTST/LPA requirements; primer §1.3 concatenation table. Map: T0SZ -> number of tables.
  const single = (lo: number, hi: number) => Object.fromEntries(Array.from({ length: hi - lo + 1 }, (_, i) => [lo + i, 1]));
  const LEGAL: Record<number, Record<number, Record<number, number>>> = {
    [G4K]: {
      0: single(16, 24),                                               // D8-21: concat only with DS
      1: { ...single(25, 33), 24: 2, 23: 4, 22: 8, 21: 16 },           // D8-22
      2: { ...single(34, 39), 33: 2, 32: 4, 31: 8, 30: 16 },           // D8-23
      3: {},                                                           // D8-24: FEAT_TTST only
    },
    [G16K]: {
      0: {},                                                           // D8-30: DS only
      1: { ...single(17, 27), 16: 2 },                                 // D8-31 (15..13 need DS)
      2: { ...single(28, 38), 27: 2, 26: 4, 25: 8, 24: 16 },           // D8-32
      3: { 39: 1, 38: 2, 37: 4, 36: 8, 35: 16 },                       // D8-33
    },
    [G64K]: {
      0: {},                                                           // no level 0 (Table D8-35)
      1: single(16, 21),                                               // D8-39 (12..15 need LPA)
      2: { ...single(22, 34), 21: 2, 20: 4, 19: 8, 18: 16 },           // D8-40
      3: { ...single(35, 39), 34: 2, 33: 4, 32: 8, 31: 16 },           // D8-41
    },
  };
  const cases: [string, GranuleShift, number, number, number | null][] = [];
  for (const g of GRANULES) {
    for (let level = 0; level <= 3; level++) {
      for (let t0sz = 16; t0sz <= 39; t0sz++) cases.push([granuleName(g), g, level, t0sz, LEGAL[g][level][t0sz] ?? null]);
    }
  }

  // s2StartLevel + startIndexBits together are the STE legality test (decodeS2); a level that no SL0
  // selects (4KB L3, 16KB L0, 64KB L0) is illegal whatever startIndexBits says.
  const reachable = (g: GranuleShift, level: number) => [0, 1, 2, 3].some((sl0) => s2StartLevel(g, sl0) === level);
  it.each(cases)('%s, start level %i, T0SZ %i -> %s table(s)', (_n, g, level, t0sz, tables) => {
    const bits = reachable(g, level) ? startIndexBits(g, 64 - t0sz, level) : null;
    if (tables === null) {
      expect(bits).toBeNull();
    } else {
      expect(bits).not.toBeNull();
      // 2^(index bits - stride) concatenated tables, at least 1 (ARM ARM D8.2.2).
      expect(Math.max(1, 2 ** ((bits as number) - stride(g)))).toBe(tables);
    }
  });

  it('allows at most 16 concatenated tables (ARM ARM D8.2.2)', () => {
    expect(MAX_CONCAT_TABLES).toBe(16);
    // 4KB L1 with T0SZ 20 would need 32 tables (IA[43:12]): not in Table D8-22.
    expect(startIndexBits(G4K, 44, 1)).toBeNull();
  });

  it('PageTableBuilder.concatenated matches the tables: 4KB L1 T0SZ 24 -> 2, 16KB L2 T0SZ 24 -> 16, 64KB L3 T0SZ 31 -> 16', () => {
    const io: TableIO = { read: () => 0n, write: () => {} };
    const alloc = () => new BumpAllocator(0x100000, 0x10000000);
    expect(new PageTableBuilder(2, G4K, 40, io, alloc(), 1).concatenated).toBe(2);
    expect(new PageTableBuilder(2, G16K, 40, io, alloc(), 2).concatenated).toBe(16);
    expect(new PageTableBuilder(2, G64K, 33, io, alloc(), 3).concatenated).toBe(16);
    expect(new PageTableBuilder(2, G4K, 48, io, alloc(), 0).concatenated).toBe(1);
    // The concatenated block is aligned to its total size (ARM ARM D8.2.2; Table D8-25 x = 37 - T0SZ =
    // 13 for 4KB L1 T0SZ 24: 8KB). Starting the allocator at 0x1000 forces the builder to skip to 0x2000.
    const b = new PageTableBuilder(2, G4K, 40, io, new BumpAllocator(0x1000, 0x100000), 1);
    expect(b.root).toBe(0x2000);
  });
});

describe('blockAllowed / contiguousEntries / PS_BITS', () => {
  // Block descriptors with DS = 0 and no FEAT_LPA: Tables D8-17 (4KB: L1 1GB, L2 2MB; L0 not supported),
  // D8-27 (16KB: L2 32MB; L1 only with DS = 1), D8-36 (64KB: L2 512MB; L1 only with FEAT_LPA).
  const rows: [GranuleShift, number, boolean][] = [
    [G4K, 0, false], [G4K, 1, true], [G4K, 2, true], [G4K, 3, false],
    [G16K, 0, false], [G16K, 1, false], [G16K, 2, true], [G16K, 3, false],
    [G64K, 1, false], [G64K, 2, true], [G64K, 3, false],
  ];
  it.each(rows)('granule 2^%i, level %i: block allowed = %s', (g, level, ok) => {
    expect(blockAllowed(g, level)).toBe(ok);
  });

  // ARM ARM D8.7.1 Table D8-104 (VMSAv8-64): 4KB 16 at L1/L2/L3; 16KB 32 at L2, 128 at L3; 64KB 32 at L2/L3.
  const contig: [GranuleShift, number, number][] = [
    [G4K, 1, 16], [G4K, 2, 16], [G4K, 3, 16], [G16K, 2, 32], [G16K, 3, 128], [G64K, 2, 32], [G64K, 3, 32],
  ];
  it.each(contig)('granule 2^%i, level %i: %i contiguous entries', (g, level, n) => {
    expect(contiguousEntries(g, level)).toBe(n);
    // ... covering the OA alignment in Table D8-104 (16GB/32MB/64KB, 1GB/2MB, 16GB/2MB).
  });
  it('contiguous ranges give the Table D8-104 alignments', () => {
    const span = (g: GranuleShift, l: number) => contiguousEntries(g, l) * 2 ** levelShift(g, l);
    expect([span(G4K, 1), span(G4K, 2), span(G4K, 3)]).toEqual([2 ** 34, 2 ** 25, 2 ** 16]);
    expect([span(G16K, 2), span(G16K, 3)]).toEqual([2 ** 30, 2 ** 21]);
    expect([span(G64K, 2), span(G64K, 3)]).toEqual([2 ** 34, 2 ** 21]);
  });

  it('output-size encodings (SMMU §5.2 S2PS, §5.4 IPS: 000..110 = 32,36,40,42,44,48,52)', () => {
    expect([...PS_BITS]).toEqual([32, 36, 40, 42, 44, 48, 52]);
  });
});

describe('index extraction: the primer §1.6 worked example', () => {
  // VA 0x0000_7F12_3456_7ABC, 4KB, 48-bit. By hand: 0x7F12 = 0111 1111 0001 0010 (VA[47:32]);
  // 0x3456_7ABC = 0011 0100 0101 0110 0111 1010 1011 1100 (VA[31:0]).
  //   L0 = VA[47:39] = 0111 1111 0          = 0xFE  = 254
  //   L1 = VA[38:30] = 001 0010 | 00         = 0x48  = 72
  //   L2 = VA[29:21] = 11 0100 010           = 0x1A2 = 418
  //   L3 = VA[20:12] = 1 0110 0111           = 0x167 = 359, offset 0xABC
  const va = 0x7f12_3456_7abc;
  it('levelShift arithmetic gives the indexes (primer §1.1 formula)', () => {
    const idx = (level: number) => Math.floor(va / 2 ** levelShift(G4K, level)) % 512;
    expect([0, 1, 2, 3].map(idx)).toEqual([254, 72, 418, 359]);
    expect(va % 4096).toBe(0xabc);
  });

  it('the builder writes exactly those four slots of a 4-level table', () => {
    const mem = new PhysMem();
    const writes: number[] = [];
    const io: TableIO = {
      read: (a) => mem.load64(BigInt(a)),
      write: (a, v) => { writes.push(a); mem.store64(BigInt(a), v); },
    };
    // Tables are one granule each, handed out in order: 0x10000 (L0 root), 0x11000, 0x12000, 0x13000.
    const b = new PageTableBuilder(1, G4K, 48, io, new BumpAllocator(0x10000, 0x100000));
    expect(b.startLevel).toBe(0);
    b.map(va - 0xabc, 0x8000_0000, 0x1000, { r: true, w: true });
    // 254*8 = 0x7F0, 72*8 = 0x240, 418*8 = 0xD10, 359*8 = 0xB38.
    expect(writes).toEqual([0x10000 + 0x7f0, 0x11000 + 0x240, 0x12000 + 0xd10, 0x13000 + 0xb38]);
    // Table descriptors (ARM ARM Table D8-50): NLTA[47:12] | bit1 (table) | bit0 (valid).
    expect(mem.load64(0x107f0n)).toBe(0x11003n);
    expect(mem.load64(0x11240n)).toBe(0x12003n);
    expect(mem.load64(0x12d10n)).toBe(0x13003n);
    expect(b.lookup(va)?.slot).toBe(0x13b38);
  });
});

describe('index extraction: the concatenated example (primer §1.3)', () => {
  // 40-bit IPA, 4KB, S2T0SZ 24, S2SL0 0b01 (L1): two concatenated L1 tables (8KB). IPA 0x4032_1000:
  //   L1 index = IPA[39:30] = 0x4032_1000 >> 30 = 1 (table 0, entry 1)
  //   L2 index = IPA[29:21] = 0x32_1000 >> 21 = 1
  //   L3 index = IPA[20:12] = 0x12_1000 >> 12 = 0x121 = 289
  // and IPA 0x80_4032_1000 (bit 39 set) -> L1 index 512 + 1 = 513 = table 1, entry 1.
  it('levelShift arithmetic with a 10-bit start index', () => {
    const bits = startIndexBits(G4K, 40, 1) as number;
    expect(bits).toBe(10);
    const ipa = 0x4032_1000;
    expect(Math.floor(ipa / 2 ** levelShift(G4K, 1)) % 2 ** bits).toBe(1);
    expect(Math.floor(ipa / 2 ** levelShift(G4K, 2)) % 512).toBe(1);
    expect(Math.floor(ipa / 2 ** levelShift(G4K, 3)) % 512).toBe(289);
    expect(Math.floor(0x80_4032_1000 / 2 ** levelShift(G4K, 1)) % 2 ** bits).toBe(513);
  });

  it('the builder writes those slots (L1 root is 8KB: table 1 starts at root + 0x1000)', () => {
    const mem = new PhysMem();
    const writes: number[] = [];
    const io: TableIO = {
      read: (a) => mem.load64(BigInt(a)),
      write: (a, v) => { writes.push(a); mem.store64(BigInt(a), v); },
    };
    // Root: 8KB at 0x20000 (aligned to 8KB); then 4KB tables at 0x22000, 0x23000.
    const b = new PageTableBuilder(2, G4K, 40, io, new BumpAllocator(0x20000, 0x100000), 1);
    expect(b.root).toBe(0x20000);
    b.map(0x4032_1000, 0x9_0000_0000, 0x1000, { r: true, w: true });
    expect(writes).toEqual([0x20000 + 1 * 8, 0x22000 + 1 * 8, 0x23000 + 289 * 8]);
    writes.length = 0;
    b.map(0x80_4032_1000, 0x9_0000_1000, 0x1000, { r: true, w: true });
    // Table 1, entry 1 = root + 513*8 = root + 0x1008; new L2/L3 tables at 0x24000 and 0x25000.
    expect(writes).toEqual([0x20000 + 0x1008, 0x24000 + 1 * 8, 0x25000 + 289 * 8]);
  });
});
