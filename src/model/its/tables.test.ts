// Table entries in QEMU's formats (hw/intc/gicv3_internal.h: FIELD(DTE, VALID, 0, 1),
// FIELD(DTE, SIZE, 1, 5), FIELD(DTE, ITTADDR, 6, 44); FIELD(ITE_L, VALID, 0, 1),
// FIELD(ITE_L, INTTYPE, 1, 1), FIELD(ITE_L, INTID, 2, 24), FIELD(ITE_L, ICID, 32, 16),
// FIELD(ITE_L, VPEID, 48, 16), FIELD(ITE_H, DOORBELL, 0, 24); FIELD(CTE, VALID, 0, 1),
// FIELD(CTE, RDBASE, 1, 16)), checked against hand-computed values, and byte-exact access to
// 12-byte ITEs in a memory of 64-bit words.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import {
  decodeCte, decodeDte, decodeIte, encodeCte, encodeDte, encodeIte, INTID_SPURIOUS, intidIsLpi, ITE_BYTES,
  loadLE, physicalIte, storeLE,
} from './tables';

describe('entry formats', () => {
  it('DTE: VALID[0], SIZE[5:1], ITTADDR[49:6] = ITT address >> 8', () => {
    // 1 | 4 << 1 | (0x4010_0100 >> 8) << 6 = 1 | 0x8 | 0x1004_0040
    expect(encodeDte({ valid: true, size: 4, ittAddr: 0x4010_0100 })).toBe(0x1004_0049n);
    expect(decodeDte(0x1004_0049n)).toEqual({ valid: true, size: 4, ittAddr: 0x4010_0100 });
    // the highest ITT address, ITTADDR all ones: bits [49:6]
    expect(encodeDte({ valid: true, size: 31, ittAddr: 0xf_ffff_ffff_ff00 })).toBe(0x3_ffff_ffff_ffffn);
    // QEMU update_dte writes an invalid DTE as 0
    expect(encodeDte({ valid: false, size: 4, ittAddr: 0x4010_0100 })).toBe(0n);
  });

  it('ITE: 12 bytes, ITE_L then ITE_H; MAPTI writes a physical ITE with DOORBELL 1023', () => {
    // ITE_L = 1 | 1 << 1 | 0x2005 << 2 | 3 << 32 = 0x0000_0003_0000_8017; ITE_H = 0x3ff
    const raw = encodeIte(physicalIte(0x2005, 3));
    expect(raw).toBe(0x3ff_0000_0003_0000_8017n);
    expect(decodeIte(raw)).toEqual({ valid: true, inttype: 1, intid: 0x2005, icid: 3, vpeid: 0, doorbell: INTID_SPURIOUS });
    expect(decodeIte(0xffff_ffff_ffff_ffff_ffff_ffffn)).toEqual({
      valid: true, inttype: 1, intid: 0xff_ffff, icid: 0xffff, vpeid: 0xffff, doorbell: 0xff_ffff,
    });
    expect(encodeIte({ ...physicalIte(0x2005, 3), valid: false })).toBe(0n);
  });

  it('CTE: VALID[0], RDBASE[16:1]', () => {
    expect(encodeCte({ valid: true, rdbase: 2 })).toBe(5n);
    expect(encodeCte({ valid: true, rdbase: 0xffff })).toBe(0x1_ffffn);
    expect(decodeCte(0x1_ffffn)).toEqual({ valid: true, rdbase: 0xffff });
    expect(encodeCte({ valid: false, rdbase: 2 })).toBe(0n);
  });

  it('LPIs are INTIDs 8192 to 65535 (GICD_TYPER.IDbits = 15)', () => {
    expect([8191, 8192, 0xffff, 0x1_0000].map(intidIsLpi)).toEqual([false, true, true, false]);
  });
});

describe('bytes in 64-bit words', () => {
  it('an ITE at an odd EventID straddles two words; the bytes around it are kept', () => {
    const mem = new PhysMem();
    const itt = 0x1000;
    mem.store64(0x1008n, 0x1111_2222_3333_4444n);
    mem.store64(0x1018n, 0x5555_6666_7777_8888n);
    // EventID 1: bytes 0x100C .. 0x1017
    storeLE(mem, itt + 1 * ITE_BYTES, ITE_BYTES, 0x3ff_0000_0003_0000_8017n);
    expect(mem.load64(0x1008n)).toBe(0x0000_8017_3333_4444n);      // ITE_L[31:0] in the upper half
    expect(mem.load64(0x1010n)).toBe(0x0000_03ff_0000_0003n);      // ITE_L[63:32], ITE_H
    expect(mem.load64(0x1018n)).toBe(0x5555_6666_7777_8888n);
    expect(loadLE(mem, itt + ITE_BYTES, ITE_BYTES)).toBe(0x3ff_0000_0003_0000_8017n);
  });

  it('whatever is stored at any address and width reads back, and nothing else changes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 63 }), fc.integer({ min: 1, max: 16 }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      (addr, n, v) => {
        const mem = new PhysMem();
        for (let w = 0; w < 96; w += 8) mem.store64(BigInt(w), 0xa5a5_a5a5_a5a5_a5a5n);
        storeLE(mem, addr, n, v);
        expect(loadLE(mem, addr, n)).toBe(BigInt.asUintN(8 * n, v));
        for (let b = 0; b < 96; b++) if (b < addr || b >= addr + n) expect(loadLE(mem, b, 1)).toBe(0xa5n);
      },
    ));
  });
});
