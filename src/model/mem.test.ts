// PhysMem: sparse little-endian memory with a three-level radix directory on PA[51:36], PA[35:24],
// PA[23:12] and a side map at or above 2^52 (see the header of mem.ts). Event records and all SMMU
// structures are little-endian (SMMU §7.3, §5), so word halves are checked as (lo, hi) = (bits[31:0], bits[63:32]).

import { describe, expect, it } from 'vitest';
import { PhysMem } from './mem';
import type { Trace } from './trace';

describe('PhysMem', () => {
  it('memory never written reads as zero, at any address, and allocates nothing', () => {
    const m = new PhysMem();
    for (const pa of [0n, 0x1000n, 0xffff_fff8n, 2n ** 36n, 2n ** 48n - 8n, 2n ** 52n - 8n, 2n ** 52n, 2n ** 63n]) {
      expect(m.load64(pa)).toBe(0n);
    }
    expect(m.pageOf(0x1234_5000)).toBeUndefined();
    expect(m.pages()).toEqual([]);
  });

  // Addresses on both sides of each radix boundary: 2^24 (PA[23:12] -> PA[35:24]), 2^36 (-> PA[51:36]),
  // 2^32 (where 32-bit arithmetic would wrap), near 2^48 and 2^52 (the side map), and far above.
  const addrs = [
    0n, 8n, 0xff8n, 0x1000n,
    2n ** 24n - 8n, 2n ** 24n, 2n ** 32n - 8n, 2n ** 32n, 2n ** 36n - 8n, 2n ** 36n,
    2n ** 48n - 8n, 2n ** 48n, 2n ** 52n - 8n, 2n ** 52n, 2n ** 52n + 2n ** 24n, 2n ** 60n, 2n ** 64n - 8n,
  ];
  it('writes across radix boundaries read back, and do not alias each other', () => {
    const m = new PhysMem();
    addrs.forEach((pa, i) => m.store64(pa, 0x1111_0000_0000_0000n * BigInt(i + 1) + pa));
    addrs.forEach((pa, i) => expect(m.load64(pa)).toBe(BigInt.asUintN(64, 0x1111_0000_0000_0000n * BigInt(i + 1) + pa)));
  });
  it('same low bits, different directory slots: 0x1008 + k*2^24, + k*2^36 are distinct words', () => {
    const m = new PhysMem();
    const base = 0x1008n;
    const offs = [0n, 2n ** 24n, 2n ** 25n, 2n ** 36n, 2n ** 37n, 2n ** 36n + 2n ** 24n, 2n ** 47n, 2n ** 51n];
    offs.forEach((o, i) => m.store64(base + o, BigInt(i + 1)));
    offs.forEach((o, i) => expect(m.load64(base + o)).toBe(BigInt(i + 1)));
    expect(m.load64(base + 2n ** 12n)).toBe(0n);
  });

  it('is little-endian in the page: word i of the page holds bits [31:0], word i+1 bits [63:32]', () => {
    const m = new PhysMem();
    m.store64(0x2_0000_1010n, 0x8877_6655_4433_2211n);
    const p = m.pageOf(0x2_0000_1010)!;
    expect(p).toBeDefined();
    expect(p[0x10 / 4]).toBe(0x4433_2211);
    expect(p[0x10 / 4 + 1]).toBe(0x8877_6655);
    expect(m.pageOf(0x2_0000_1000)).toBe(p);
    expect(m.pageOf(0x2_0000_2000)).toBeUndefined();
  });

  it('load64/store64 align down to 8 bytes; store64 keeps 64 bits (negative values wrap)', () => {
    const m = new PhysMem();
    m.store64(0x1003n, -1n);
    expect(m.load64(0x1000n)).toBe(0xffff_ffff_ffff_ffffn);
    expect(m.load64(0x1007n)).toBe(0xffff_ffff_ffff_ffffn);
    m.store64(0x2000n, 2n ** 64n + 5n);
    expect(m.load64(0x2000n)).toBe(5n);
  });

  it('read64/write64 trace software accesses and reject unaligned addresses', () => {
    const m = new PhysMem();
    const t: Trace = [];
    m.trace = t;
    m.write64(0x3000n, 0xabn, 'guest');
    expect(m.read64(0x3000n, 'host')).toBe(0xabn);
    expect(t).toEqual([
      { type: 'mem.write', who: 'guest', pa: 0x3000n, value: 0xabn },
      { type: 'mem.read', who: 'host', pa: 0x3000n, value: 0xabn },
    ]);
    expect(() => m.read64(0x3004n)).toThrow(RangeError);
    expect(() => m.write64(0x3001n, 1n)).toThrow(RangeError);
    // load64/store64 do not trace.
    m.store64(0x4000n, 1n);
    m.load64(0x4000n);
    expect(t).toHaveLength(2);
  });

  it('pages() lists written page bases in ascending order (not the side map above 2^52)', () => {
    const m = new PhysMem();
    for (const pa of [2n ** 36n + 0x18n, 0x5000n, 2n ** 24n, 0x5ff8n, 2n ** 52n]) m.store64(pa, 1n);
    expect(m.pages()).toEqual([0x5000, 2 ** 24, 2 ** 36]);
  });

  it('clone is deep: later writes to either copy do not show in the other (pages and the side map)', () => {
    const m = new PhysMem();
    m.store64(0x1000n, 1n);
    m.store64(2n ** 40n, 2n);
    m.store64(2n ** 56n, 3n);
    const c = m.clone();
    expect([c.load64(0x1000n), c.load64(2n ** 40n), c.load64(2n ** 56n)]).toEqual([1n, 2n, 3n]);
    m.store64(0x1000n, 10n);
    m.store64(0x1008n, 11n);
    m.store64(2n ** 56n, 30n);
    c.store64(2n ** 40n, 20n);
    c.store64(0x9000n, 9n);
    expect([c.load64(0x1000n), c.load64(0x1008n), c.load64(2n ** 56n)]).toEqual([1n, 0n, 3n]);
    expect([m.load64(2n ** 40n), m.load64(0x9000n)]).toEqual([2n, 0n]);
    expect(c.pageOf(0x1000)).not.toBe(m.pageOf(0x1000));
  });
});

describe('PhysMem images: pages shared with snapshots, copied on write', () => {
  const A = 0x8_0000_1000n, B = 0x8_0020_0008n;
  const seeded = () => {
    const m = new PhysMem();
    m.write64(A, 0x1111n, 'test');
    m.write64(B, 0x2222n, 'test');
    return m;
  };

  it('an image taken before a write keeps the old value (the write copies the shared page)', () => {
    const m = seeded();
    const img = m.exportImage();
    m.write64(A, 0xaaaan, 'test');
    expect(m.load64(A)).toBe(0xaaaan);
    expect(PhysMem.fromImage(img).load64(A)).toBe(0x1111n);
    expect(PhysMem.fromImage(img).load64(B)).toBe(0x2222n);
  });

  it('two memories made from one image stay independent of each other and of the image', () => {
    const img = seeded().exportImage();
    const x = PhysMem.fromImage(img), y = PhysMem.fromImage(img);
    x.write64(A, 0x5n, 'test');
    y.write64(A, 0x6n, 'test');
    expect([x.load64(A), y.load64(A), PhysMem.fromImage(img).load64(A)]).toEqual([0x5n, 0x6n, 0x1111n]);
    // The other word of the same page is untouched in both.
    expect([x.load64(A + 8n), y.load64(A + 8n)]).toEqual([0n, 0n]);
  });

  it('two images with no write between them hold the same contents; a write after both changes neither', () => {
    const m = seeded();
    const i1 = m.exportImage(), i2 = m.exportImage();
    m.write64(B, 0xbbbbn, 'test');
    for (const img of [i1, i2]) {
      const r = PhysMem.fromImage(img);
      expect([r.load64(A), r.load64(B)]).toEqual([0x1111n, 0x2222n]);
    }
  });
});
