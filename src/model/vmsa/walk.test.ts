// walk() and the descriptor helpers against hand-written tables. Descriptor words are written by hand
// from ARM ARM Tables D8-48 (type), D8-50 (stage-1 Table), D8-52/53 (Block/Page); expected faults follow
// the ARM ARM D8.15.4 fault-checking sequence and SMMU §7.3.22 (per level: Translation, then Address
// size; then Access flag on the leaf); primer §1.5.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import { descAP, descAddr, descAPTable, descContiguous, descKind, descMemAttr, descPXN, descPXNTable, descUXN, descUXNTable } from './descriptor';
import type { GranuleShift } from './geometry';
import {
  FAULT_ACCESS, FAULT_ADDR_SIZE, FAULT_IN_S2, FAULT_NONE, FAULT_TRANSLATION, walk, WalkOut, type Regime, type WalkEnv,
} from './walk';

interface Fetch { pa: number; level: number; ipa: number; stage: number }

function env(mem: PhysMem, descToPa: (ipa: number, l: number) => number = (a) => a) {
  const fetches: Fetch[] = [];
  const e: WalkEnv = {
    mem,
    descToPa,
    onFetch: (r, pa, _lo, _hi, level, ipa) => { fetches.push({ pa, level, ipa, stage: r.stage }); },
  };
  return { e, fetches };
}

function regime(over: Partial<Regime>): Regime {
  return {
    stage: 1, g: 12, inputBits: 48, startLevel: 0, startIdxMask: 511, ttb: 0x10000, outputBits: 48,
    affd: false, had: false, ...over,
  };
}

const TABLE = (next: number) => BigInt(next) | 3n;                       // bits[1:0] = 11 at L0-L2
const PAGE = (oa: number) => BigInt(oa) | 0x403n;                        // AF | page | valid
const BLOCK = (oa: number) => BigInt(oa) | 0x401n;                       // AF | block | valid

describe('descriptor field helpers (ARM ARM Tables D8-48, D8-50, D8-52, D8-53)', () => {
  it('descKind: bit0 = 0 invalid; bit1 = 0 block below L3 (if allowed) and reserved at L3; bit1 = 1 table / page', () => {
    expect(descKind(0, 1, true)).toBe('invalid');
    expect(descKind(2, 1, true)).toBe('invalid');
    expect(descKind(1, 1, true)).toBe('block');
    expect(descKind(1, 0, false)).toBe('reserved');
    expect(descKind(3, 2, true)).toBe('table');
    expect(descKind(3, 3, false)).toBe('page');
    expect(descKind(1, 3, false)).toBe('reserved');
  });
  it('field positions', () => {
    // lo = 0xC0 -> AP/S2AP [7:6] = 11; lo = 0x3C -> MemAttr [5:2] = 1111.
    expect(descAP(0xc0)).toBe(3);
    expect(descAP(0x40)).toBe(1);
    expect(descMemAttr(0x3c)).toBe(0xf);
    expect(descMemAttr(0x14)).toBe(0x5);
    // hi holds bits [63:32]: PXN 53 -> hi bit 21, UXN 54 -> 22, Contiguous 52 -> 20, PXNTable 59 -> 27,
    // UXNTable 60 -> 28, APTable [62:61] -> hi [30:29].
    expect(descPXN(1 << 21)).toBe(1);
    expect(descUXN(1 << 22)).toBe(1);
    expect(descUXN(1 << 21)).toBe(0);
    expect(descContiguous(1 << 20)).toBe(1);
    expect(descPXNTable(1 << 27)).toBe(1);
    expect(descUXNTable(1 << 28)).toBe(1);
    expect(descAPTable(0x6000_0000)).toBe(3);
    expect(descAPTable(0x2000_0000)).toBe(1);
  });
  it('descAddr takes bits [47:shift] and ignores [63:48] and the low attribute bits', () => {
    // Descriptor 0xFFFF_8123_4567_8FFF: bits [47:12] = 0x8123_4567_8 -> 0x8123_4567_8000.
    expect(descAddr(0x4567_8fff, 0xffff_8123, 12)).toBe(0x8123_4567_8000);
    // 2MB block (shift 21): bits [31:21] of 0x4567_8FFF are 0100 0101 011 -> 0x4560_0000, so 0x8123_4560_0000.
    expect(descAddr(0x4567_8fff, 0xffff_8123, 21)).toBe(0x8123_4560_0000);
    // 1GB block (shift 30): 0x8123_4000_0000.
    expect(descAddr(0x4567_8fff, 0xffff_8123, 30)).toBe(0x8123_4000_0000);
  });
});

describe('walk(): successful walks', () => {
  it('4-level 4KB walk: reads one descriptor per level at base + index*8 (primer §1.6 example VA)', () => {
    // VA 0x7F12_3456_7ABC -> indexes 254, 72, 418, 359 (primer §1.6, checked by hand in geometry.test.ts).
    const mem = new PhysMem();
    mem.store64(0x10000n + 254n * 8n, TABLE(0x11000));
    mem.store64(0x11000n + 72n * 8n, TABLE(0x12000));
    mem.store64(0x12000n + 418n * 8n, TABLE(0x13000));
    mem.store64(0x13000n + 359n * 8n, PAGE(0x8_8888_8000));
    const { e, fetches } = env(mem);
    const out = new WalkOut();
    expect(walk(e, regime({}), 0x7f12_3456_7abc, false, out)).toBe(true);
    expect(out.fault).toBe(FAULT_NONE);
    expect(out.oa).toBe(0x8_8888_8abc);
    expect(out.blockShift).toBe(12);
    expect(out.level).toBe(3);
    expect(fetches.map((f) => f.pa)).toEqual([0x10000 + 254 * 8, 0x11000 + 72 * 8, 0x12000 + 418 * 8, 0x13000 + 359 * 8]);
    expect(fetches.map((f) => f.level)).toEqual([0, 1, 2, 3]);
  });

  it('blocks: 4KB 1GB at L1 and 2MB at L2 keep IA[29:0] / IA[20:0] (ARM ARM Table D8-17)', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x11000));
    mem.store64(0x11000n + 1n * 8n, BLOCK(0x80_4000_0000));             // IA 0x4000_0000..0x7FFF_FFFF
    mem.store64(0x11000n + 2n * 8n, TABLE(0x12000));                    // IA 0x8000_0000..
    mem.store64(0x12000n + 3n * 8n, BLOCK(0x90_0060_0000));             // IA 0x8060_0000..0x807F_FFFF
    const { e } = env(mem);
    const out = new WalkOut();
    expect(walk(e, regime({}), 0x5234_5678, false, out)).toBe(true);
    expect(out.oa).toBe(0x80_4000_0000 + 0x1234_5678);
    expect(out.blockShift).toBe(30);
    expect(out.level).toBe(1);
    expect(walk(e, regime({}), 0x8065_4321, false, out)).toBe(true);
    expect(out.oa).toBe(0x90_0060_0000 + 0x5_4321);
    expect(out.blockShift).toBe(21);
  });

  it('16KB 2-entry level-0 table (T0SZ 16, IA[47] only, Table D8-26) and 32MB block at L2 (Table D8-27)', () => {
    const mem = new PhysMem();
    // IA = 0x8000_0200_0000 + 0x12_3456: L0 idx IA[47] = 1, L1 idx IA[46:36] = 0, L2 idx IA[35:25] = 1.
    mem.store64(0x40000n + 8n, TABLE(0x44000));
    mem.store64(0x44000n, TABLE(0x48000));
    mem.store64(0x48000n + 8n, BLOCK(0x2_0000_0000));
    const { e, fetches } = env(mem);
    const out = new WalkOut();
    const r = regime({ g: 14, startLevel: 0, startIdxMask: 1, ttb: 0x40000 });
    expect(walk(e, r, 0x8000_0212_3456, false, out)).toBe(true);
    expect(out.oa).toBe(0x2_0012_3456);
    expect(out.blockShift).toBe(25);
    expect(fetches.map((f) => f.pa)).toEqual([0x40008, 0x44000, 0x48008]);
  });

  it('64KB: 3 levels, page offset IA[15:0] (Table D8-35)', () => {
    const mem = new PhysMem();
    // IA 0x1234_5678_9ABC: L1 idx IA[47:42] = 4, L2 idx IA[41:29] = 0x11A2 (0x1234_5678_9ABC >> 29 = 0x91A2,
    // & 0x1FFF = 0x11A2), L3 idx IA[28:16] = (0x1234_5678_9ABC >> 16) & 0x1FFF = 0x1678.
    mem.store64(0x100000n + 4n * 8n, TABLE(0x110000));
    mem.store64(0x110000n + 0x11a2n * 8n, TABLE(0x120000));
    mem.store64(0x120000n + 0x1678n * 8n, PAGE(0x7_0000_0000));
    const { e } = env(mem);
    const out = new WalkOut();
    const r = regime({ g: 16, startLevel: 1, startIdxMask: 63, ttb: 0x100000 });
    expect(walk(e, r, 0x1234_5678_9abc, false, out)).toBe(true);
    expect(out.oa).toBe(0x7_0000_9abc);
  });

  it('concatenated stage-2 start tables: a 10-bit start index reaches the second table (ARM ARM D8.2.2)', () => {
    const mem = new PhysMem();
    // 40-bit IPA, L1 start, 2 tables at 0x20000: IPA 0x80_4032_1000 -> start index 513 -> 0x20000 + 0x1008.
    mem.store64(0x21008n, TABLE(0x30000));
    mem.store64(0x30008n, TABLE(0x31000));
    mem.store64(0x31000n + 289n * 8n, PAGE(0x5_5555_5000) | 0xc0n);
    const { e, fetches } = env(mem);
    const out = new WalkOut();
    const r = regime({ stage: 2, inputBits: 40, startLevel: 1, startIdxMask: 1023, ttb: 0x20000, had: true });
    expect(walk(e, r, 0x80_4032_1000, false, out)).toBe(true);
    expect(out.oa).toBe(0x5_5555_5000);
    expect(fetches[0].pa).toBe(0x21008);
  });
});

describe('walk(): faults and their levels (ARM ARM D8.15.4; SMMU §7.3.22)', () => {
  const run = (mem: PhysMem, r: Regime, ia: number) => {
    const out = new WalkOut();
    const ok = walk(env(mem).e, r, ia, false, out);
    return { ok, fault: out.fault, level: out.level };
  };

  it('invalid descriptor (bit0 = 0) -> Translation fault at that level', () => {
    const mem = new PhysMem();
    expect(run(mem, regime({}), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 0 });
    mem.store64(0x10000n, TABLE(0x11000));
    mem.store64(0x11000n, 0xfffffffen);                               // bit 0 clear, everything else set
    expect(run(mem, regime({}), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 1 });
  });

  it('level-3 descriptor with bits[1:0] = 01 is reserved -> Translation fault at level 3 (Table D8-48)', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x11000));
    mem.store64(0x11000n, TABLE(0x12000));
    mem.store64(0x12000n, TABLE(0x13000));
    mem.store64(0x13000n + 8n, BLOCK(0x5000));
    expect(run(mem, regime({}), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 3 });
  });

  it('blocks where not supported -> Translation fault: 4KB L0, 16KB L1, 64KB L1 (Tables D8-17/27/36)', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, BLOCK(0));
    expect(run(mem, regime({}), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 0 });
    const m16 = new PhysMem();
    m16.store64(0x40000n, TABLE(0x44000));
    m16.store64(0x44000n, BLOCK(0));
    expect(run(m16, regime({ g: 14, startIdxMask: 1, ttb: 0x40000 }), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 1 });
    const m64 = new PhysMem();
    m64.store64(0x100000n, BLOCK(0));
    expect(run(m64, regime({ g: 16, startLevel: 1, startIdxMask: 63, ttb: 0x100000 }), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 1 });
  });

  it('Table descriptor output beyond the output size -> Address size fault at that level (D8.15.4 step 6)', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x100_0000_0000));                       // 2^40
    expect(run(mem, regime({ outputBits: 40 }), 0x1000)).toEqual({ ok: false, fault: FAULT_ADDR_SIZE, level: 0 });
    // Just inside: 2^40 - 4K reads an invalid L1 entry instead.
    mem.store64(0x10000n, TABLE(0xff_ffff_f000));
    expect(run(mem, regime({ outputBits: 40 }), 0x1000)).toEqual({ ok: false, fault: FAULT_TRANSLATION, level: 1 });
  });

  it('leaf output beyond the output size -> Address size fault, checked before the Access flag', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x11000));
    mem.store64(0x11000n, TABLE(0x12000));
    mem.store64(0x12000n, TABLE(0x13000));
    mem.store64(0x13000n + 8n, (BigInt(2 ** 36) | 3n));                // page, AF = 0, OA = 2^36
    expect(run(mem, regime({ outputBits: 36 }), 0x1000)).toEqual({ ok: false, fault: FAULT_ADDR_SIZE, level: 3 });
    expect(run(mem, regime({ outputBits: 40 }), 0x1000)).toEqual({ ok: false, fault: FAULT_ACCESS, level: 3 });
  });

  it('AF = 0 -> Access flag fault at the leaf level unless AFFD (SMMU §5.4 AFFD, §5.2 S2AFFD)', () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x11000));
    mem.store64(0x11000n, TABLE(0x12000));
    mem.store64(0x12000n + 8n, BigInt(0x20_0000) | 1n);                 // 2MB block, AF = 0
    expect(run(mem, regime({}), 0x20_1234)).toEqual({ ok: false, fault: FAULT_ACCESS, level: 2 });
    const out = new WalkOut();
    expect(walk(env(mem).e, regime({ affd: true }), 0x20_1234, false, out)).toBe(true);
    expect(out.oa).toBe(0x20_1234);
  });
});

describe('walk(): hierarchical attributes (ARM ARM Table D8-64, D8.4.1.2.3; SMMU §5.4 HAD0)', () => {
  // Table descriptor upper bits: APTable[62:61], UXNTable 60, PXNTable 59 (Table D8-50).
  const setup = () => {
    const mem = new PhysMem();
    mem.store64(0x10000n, TABLE(0x11000) | (1n << 61n));               // APTable 01
    mem.store64(0x11000n, TABLE(0x12000) | (1n << 62n) | (1n << 59n));  // APTable 10, PXNTable
    mem.store64(0x12000n, TABLE(0x13000) | (1n << 60n));               // UXNTable
    mem.store64(0x13000n, PAGE(0x7000));
    return mem;
  };
  it('stage 1 accumulates APTable / PXNTable / UXNTable across levels', () => {
    const out = new WalkOut();
    expect(walk(env(setup()).e, regime({}), 0x0, false, out)).toBe(true);
    expect([out.apTable, out.pxnTable, out.uxnTable]).toEqual([3, 1, 1]);
  });
  it('HADx = 1 disables them (the walk reports none)', () => {
    const out = new WalkOut();
    expect(walk(env(setup()).e, regime({ had: true }), 0x0, false, out)).toBe(true);
    expect([out.apTable, out.pxnTable, out.uxnTable]).toEqual([0, 0, 0]);
  });
  it('stage 2 has no hierarchical attributes (bits RES0 in stage-2 Table descriptors, I SRRJF)', () => {
    const out = new WalkOut();
    expect(walk(env(setup()).e, regime({ stage: 2, had: false }), 0x0, false, out)).toBe(true);
    expect([out.apTable, out.pxnTable, out.uxnTable]).toEqual([0, 0, 0]);
  });
});

describe('walk(): nested stage 1 hands each descriptor IPA (table base + index*8) to stage 2 (primer §1.6)', () => {
  it('descToPa sees descriptor IPAs, not table bases, and the walk reads the returned PAs', () => {
    const mem = new PhysMem();
    // Stage-1 tables live at IPAs 0x4000_0000.. (L0), ..1000 (L1), ..2000 (L2), ..3000 (L3); the fake
    // stage 2 maps IPA x -> x + 0x8_0000_0000 - 0x4000_0000.
    const off = 0x8_0000_0000 - 0x4000_0000;
    const put = (ipa: number, v: bigint) => mem.store64(BigInt(ipa + off), v);
    const ia = 0x7f12_3456_7abc;                                          // indexes 254, 72, 418, 359
    put(0x4000_0000 + 254 * 8, TABLE(0x4000_1000));
    put(0x4000_1000 + 72 * 8, TABLE(0x4000_2000));
    put(0x4000_2000 + 418 * 8, TABLE(0x4000_3000));
    put(0x4000_3000 + 359 * 8, PAGE(0x4123_4000));
    const asked: [number, number][] = [];
    const { e, fetches } = env(mem, (ipa, l) => { asked.push([ipa, l]); return ipa + off; });
    const out = new WalkOut();
    expect(walk(e, regime({ ttb: 0x4000_0000 }), ia, true, out)).toBe(true);
    expect(asked).toEqual([[0x4000_07f0, 0], [0x4000_1240, 1], [0x4000_2d10, 2], [0x4000_3b38, 3]]);
    expect(fetches.map((f) => f.pa)).toEqual(asked.map(([ipa]) => ipa + off));
    expect(fetches.map((f) => f.ipa)).toEqual(asked.map(([ipa]) => ipa));
    expect(out.oa).toBe(0x4123_4abc);                                     // an IPA: stage 2 of the output is the caller's
  });
  it('a stage-2 failure on a descriptor IPA stops the walk with FAULT_IN_S2 and no stage-1 read', () => {
    const mem = new PhysMem();
    const { e, fetches } = env(mem, () => -1);
    const out = new WalkOut();
    expect(walk(e, regime({ ttb: 0x4000_0000 }), 0x1000, true, out)).toBe(false);
    expect(out.fault).toBe(FAULT_IN_S2);
    expect(fetches).toEqual([]);
  });
});

describe('walk() on every granule: descriptor addresses follow Tables D8-25, D8-34, D8-42', () => {
  // For each granule, a 3-level (or 4-level) walk of IA = all index fields equal to 1: the descriptor
  // address at each level is table + 1*8 (Table D8-25/34/42: BaseAddr:IA[...]:0b000).
  const cases: [GranuleShift, number, number][] = [[12, 0, 48], [14, 1, 47], [16, 1, 48]];
  it.each(cases)('granule 2^%i from level %i', (g, start, bits) => {
    const mem = new PhysMem();
    const stride = g - 3;
    let ia = 0;
    for (let l = start; l <= 3; l++) ia += 2 ** (g + (3 - l) * stride);
    const bases = [0x100000, 0x200000, 0x300000, 0x400000];
    for (let l = start; l < 3; l++) mem.store64(BigInt(bases[l] + 8), TABLE(bases[l + 1]));
    mem.store64(BigInt(bases[3] + 8), PAGE(0x9_0000_0000));
    const { e, fetches } = env(mem);
    const out = new WalkOut();
    const r = regime({ g, startLevel: start, inputBits: bits, ttb: bases[start], startIdxMask: 2 ** (bits - (g + (3 - start) * stride)) - 1 });
    expect(walk(e, r, ia + 5, false, out)).toBe(true);
    expect(out.oa).toBe(0x9_0000_0005);
    expect(fetches.map((f) => f.pa)).toEqual(bases.slice(start).map((b) => b + 8));
  });
});
