// STE decode (SMMUv3 §5.2, /work/specs/smmu/smmu-5.2.md; SteIllegal() in §5.2.2; primer §2.3-2.4;
// docs/spec-notes.md §2). The modelled SMMU: SMMUv3.1, OAS = IAS (AArch64 tables only), STALL_MODEL = 0b01,
// HTTU = 0, TTENDIAN = LE only, SSIDSIZE = 20, no STT/DS.
// Field positions (primer §2.3; dw = 64-bit word): V dw0[0], Config dw0[3:1], S1Fmt dw0[5:4],
// S1ContextPtr dw0[55:6], S1CDMax dw0[63:59], S1DSS dw1[1:0], S1STALLD dw1[27], PRIVCFG dw1[49:48],
// INSTCFG dw1[51:50], S2VMID dw2[15:0], S2T0SZ dw2[37:32], S2SL0 dw2[39:38], S2TG dw2[47:46],
// S2PS dw2[50:48], S2AA64 dw2[51], S2ENDI dw2[52], S2AFFD dw2[53], S2PTW dw2[54], S2HD dw2[55],
// S2HA dw2[56], S2S dw2[57], S2R dw2[58], S2TTB dw3[51:4] (SMMUv3.1: STE bits [243:196] = address[51:4]).

import { describe, expect, it } from 'vitest';
import { encodeSte, STE_CFG, type SteFields } from './encode';
import {
  decodeSte, STE_Config, STE_INSTCFG, STE_PRIVCFG, STE_S1CDMax, STE_S1ContextPtr, STE_S1DSS, STE_S1Fmt, STE_S1STALLD,
  STE_S2AA64, STE_S2AFFD, STE_S2ENDI, STE_S2HA, STE_S2HD, STE_S2PS, STE_S2PTW, STE_S2R, STE_S2S, STE_S2SL0, STE_S2T0SZ,
  STE_S2TG, STE_S2TTB, STE_S2VMID, STE_V, tg0Granule, type SteConfig,
} from './ste';

const OAS = 48;

function ok(w: bigint[], oas = OAS): SteConfig {
  const d = decodeSte(w, oas);
  if (!d.ok) throw new Error(`unexpectedly ILLEGAL: ${d.why}`);
  return d.ste;
}
function why(w: bigint[], oas = OAS): string {
  const d = decodeSte(w, oas);
  if (d.ok) throw new Error('unexpectedly legal');
  return d.why;
}

/** A legal nested STE: 48-bit IPA, 4KB, SL0 = 0b10 (L0). */
const NESTED: SteFields = {
  config: STE_CFG.nested, s1ContextPtr: 0x4000_0000n, s2Vmid: 1, s2T0sz: 16, s2Sl0: 2, s2Tg: 0, s2Ps: 0b101,
  s2Ttb: 0x1010_0000n,
};

describe('STE field positions: words encoded by hand from the bit table', () => {
  // dw0: V (1) | Config 0b111 << 1 (0xE) | S1Fmt 0b01 << 4 (0x10) | S1ContextPtr 0x4000_0000 (bits [55:6]
  //      hold address bits [55:6], so the aligned address appears as-is) | S1CDMax 3 << 59 (0x1800_0000_0000_0000)
  const dw0 = 0x1800_0000_4000_001fn;
  // dw1: S1DSS 0b10 (0x2) | S1STALLD 0 | PRIVCFG 0b11 << 48 (0x3_0000_0000_0000) | INSTCFG 0b10 << 50 (0x8_0000_0000_0000)
  const dw1 = 0x000b_0000_0000_0002n;
  // dw2: S2VMID 0x1234 | S2T0SZ 24 << 32 | S2SL0 0b01 << 38 | S2TG 0 | S2PS 0b101 << 48 | S2AA64 << 51 |
  //      S2AFFD << 53 | S2PTW << 54 | S2R << 58.
  //   bits [39:32] = 0b01_011000 = 0x58; bits [51:48] = 0b1101 = 0xD; bits [55:52] = 0b0110 (53, 54) = 0x6;
  //   bit 58 -> 0x04 in bits [63:56]. => 0x046D_0058_0000_1234
  const dw2 = 0x046d_0058_0000_1234n;
  // dw3: S2TTB 0x12_3456_7000 in bits [51:4] as the address itself.
  const dw3 = 0x12_3456_7000n;
  const w = [dw0, dw1, dw2, dw3, 0n, 0n, 0n, 0n];

  it('each accessor reads its field', () => {
    expect([STE_V(w), STE_Config(w), STE_S1Fmt(w), STE_S1ContextPtr(w), STE_S1CDMax(w)]).toEqual([1, 7, 1, 0x4000_0000n, 3]);
    expect([STE_S1DSS(w), STE_S1STALLD(w), STE_PRIVCFG(w), STE_INSTCFG(w)]).toEqual([2, 0, 3, 2]);
    expect([STE_S2VMID(w), STE_S2T0SZ(w), STE_S2SL0(w), STE_S2TG(w), STE_S2PS(w)]).toEqual([0x1234, 24, 1, 0, 5]);
    expect([STE_S2AA64(w), STE_S2ENDI(w), STE_S2AFFD(w), STE_S2PTW(w), STE_S2HD(w), STE_S2HA(w), STE_S2S(w), STE_S2R(w)])
      .toEqual([1, 0, 1, 1, 0, 0, 0, 1]);
    expect(STE_S2TTB(w)).toBe(0x12_3456_7000n);
  });

  it('decodeSte reads the same fields into the config', () => {
    const ste = ok(w);
    expect(ste.kind).toBe('nested');
    expect([ste.s1, ste.s2, ste.s1Fmt, ste.s1ContextPtr, ste.s1CdMax, ste.s1Dss]).toEqual([true, true, 1, 0x4000_0000, 3, 2]);
    expect([ste.privCfg, ste.instCfg, ste.vmid, ste.s2r, ste.s2ptw]).toEqual([3, 2, 0x1234, true, true]);
    // 40-bit IPA (T0SZ 24), 4KB, L1 start with two concatenated tables (Table D8-22): 10 index bits.
    expect(ste.s2Regime).toEqual({
      stage: 2, g: 12, inputBits: 40, startLevel: 1, startIdxMask: 1023, ttb: 0x12_3456_6000,
      outputBits: 48, affd: true, had: true,
    });
  });

  it('encodeSte writes the hand-encoded words', () => {
    expect(encodeSte({
      config: STE_CFG.nested, s1Fmt: 1, s1ContextPtr: 0x4000_0000n, s1CdMax: 3, s1Dss: 2, privCfg: 3, instCfg: 2,
      s2Vmid: 0x1234, s2T0sz: 24, s2Sl0: 1, s2Tg: 0, s2Ps: 5, s2Affd: 1, s2Ptw: 1, s2Ttb: 0x12_3456_7000n,
    })).toEqual(w);
  });

  it('single-bit fields at their positions: S1STALLD dw1[27], S2ENDI dw2[52], S2HD [55], S2HA [56], S2S [57]', () => {
    const base = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
    const at = (i: number, b: number) => base.map((v, j) => (j === i ? 1n << BigInt(b) : v));
    expect(STE_S1STALLD(at(1, 27))).toBe(1);
    expect(STE_S2ENDI(at(2, 52))).toBe(1);
    expect(STE_S2HD(at(2, 55))).toBe(1);
    expect(STE_S2HA(at(2, 56))).toBe(1);
    expect(STE_S2S(at(2, 57))).toBe(1);
    expect(STE_S2HA(at(2, 55))).toBe(0);
  });
});

describe('STE.Config (SMMU §5.2 Config; primer §2.4)', () => {
  it.each([
    [0b000, 'abort'], [0b001, 'abort'], [0b010, 'abort'], [0b011, 'abort'],   // 0b001-0b011 reserved, behave as abort
    [0b100, 'bypass'], [0b101, 's1'], [0b110, 's2'], [0b111, 'nested'],
  ] as const)('Config %i -> %s', (config, kind) => {
    const ste = ok(encodeSte({ ...NESTED, config }));
    expect(ste.kind).toBe(kind);
    expect(ste.s1).toBe(config >= 4 && (config & 1) === 1);
    expect(ste.s2).toBe(config >= 4 && (config & 2) === 2);
  });
  it('V = 0 is ILLEGAL whatever the rest says (§5.2 V)', () => {
    expect(why(encodeSte({ ...NESTED, v: 0 }))).toMatch(/V = 0/);
    expect(why(encodeSte({ config: STE_CFG.abort, v: 0 }))).toMatch(/V = 0/);
  });
});

describe('STE ILLEGAL conditions, each with its reason (SMMU §5.2, SteIllegal())', () => {
  const cases: [string, SteFields, RegExp][] = [
    ['S2AA64 = 0 (VMSAv8-32 LPAE; IDR0.TTF = AArch64 only)', { ...NESTED, s2Aa64: 0 }, /S2AA64 = 0/],
    ['S2ENDI = 1 (TTENDIAN = little-endian only)', { ...NESTED, s2Endi: 1 }, /S2ENDI = 1/],
    ['S2HA = 1 (HTTU = 0b00)', { ...NESTED, s2Ha: 1 }, /S2HA\/S2HD/],
    ['S2HD = 1 (HTTU = 0b00)', { ...NESTED, s2Hd: 1 }, /S2HA\/S2HD/],
    ['S2S = 1 (STALL_MODEL = 0b01)', { ...NESTED, s2S: 1 }, /S2S = 1/],
    ['S2TG = 0b11 reserved', { ...NESTED, s2Tg: 3 }, /S2TG = 0b11 is reserved/],
    ['S2T0SZ = 15 < 16', { ...NESTED, s2T0sz: 15 }, /S2T0SZ = 15 is outside 16\.\.39/],
    ['S2T0SZ = 40 > 39 (no STT)', { ...NESTED, s2T0sz: 40, s2Sl0: 0 }, /S2T0SZ = 40 is outside 16\.\.39/],
    ['S2SL0 inconsistent with S2T0SZ (4KB, T0SZ 16 at L1 would need 512 tables)', { ...NESTED, s2T0sz: 16, s2Sl0: 1 }, /S2SL0 = 1 is inconsistent with S2T0SZ = 16/],
    ['S2SL0 = 0b11 with 4KB (L3 start needs FEAT_TTST)', { ...NESTED, s2T0sz: 39, s2Sl0: 3 }, /S2SL0 = 3 is inconsistent/],
    ['S2SL0 = 0b11 with 64KB (reserved, Table D8-38)', { ...NESTED, s2Tg: 1, s2T0sz: 35, s2Sl0: 3 }, /S2SL0 = 3 is inconsistent/],
    ['S2TTB beyond S2PS (40 bits: S2TTB = 2^40)', { ...NESTED, s2Ps: 0b010, s2Ttb: 1n << 40n }, /S2TTB 0x10000000000 is beyond the effective S2PS \(40 bits\)/],
    ['S1CDMax = 21 > SSIDSIZE (20)', { ...NESTED, s1CdMax: 21 }, /S1CDMax = 21 exceeds SSIDSIZE/],
    ['S1STALLD = 1 with stage 1 enabled (STALL_MODEL = 0b01)', { ...NESTED, s1StallD: 1 }, /S1STALLD = 1/],
    ['S1ContextPtr beyond the IAS (§3.4.3)', { ...NESTED, s1ContextPtr: 1n << 48n }, /S1ContextPtr 0x1000000000000 is beyond the IAS \(48 bits\)/],
  ];
  it.each(cases)('%s', (_name, f, re) => {
    expect(why(encodeSte(f))).toMatch(re);
  });

  it('S2T0SZ minimum is MAX(16, 64 - IAS): OAS 40 makes T0SZ 23 ILLEGAL even where Table D8-22 lists it (§5.2 S2T0SZ)', () => {
    // 4KB, L1, T0SZ 23 = 4 concatenated tables: legal architecturally, but an IAS of 40 caps the IPA.
    expect(ok(encodeSte({ ...NESTED, s2T0sz: 24, s2Sl0: 1, s1ContextPtr: 0x1000n }), 40).s2Regime?.inputBits).toBe(40);
    expect(why(encodeSte({ ...NESTED, s2T0sz: 23, s2Sl0: 1, s1ContextPtr: 0x1000n }), 40)).toMatch(/S2T0SZ = 23 is outside 24\.\.39/);
  });

  it('S2PS is capped to the OAS and reserved values behave as the cap, never ILLEGAL (§5.2 S2PS)', () => {
    expect(ok(encodeSte({ ...NESTED, s2Ps: 0b110 })).s2Regime?.outputBits).toBe(48);
    expect(ok(encodeSte({ ...NESTED, s2Ps: 0b111 })).s2Regime?.outputBits).toBe(48);
    expect(ok(encodeSte({ ...NESTED, s2Ps: 0b010 })).s2Regime?.outputBits).toBe(40);
    expect(ok(encodeSte({ ...NESTED, s2Ps: 0b101, s2T0sz: 24, s2Sl0: 1, s1ContextPtr: 0x1000n }), 40).s2Regime?.outputBits).toBe(40);
    // OAS 40 caps S2PS 48 to 40: S2TTB at 2^40 is then out of range.
    expect(why(encodeSte({ ...NESTED, s2T0sz: 24, s2Sl0: 1, s1ContextPtr: 0x1000n, s2Ttb: 1n << 40n }), 40)).toMatch(/S2TTB/);
  });

  it('S2TTB bits below the start table alignment are treated as zero (§5.2 S2TTB; Table D8-25 x = 37 - T0SZ)', () => {
    expect(ok(encodeSte({ ...NESTED, s2Ttb: 0x1010_0ff0n })).s2Regime?.ttb).toBe(0x1010_0000);
    // 4KB L1 with two concatenated tables (T0SZ 24): x = 13, 8KB alignment.
    expect(ok(encodeSte({ ...NESTED, s2T0sz: 24, s2Sl0: 1, s2Ttb: 0x1010_1000n })).s2Regime?.ttb).toBe(0x1010_0000);
    // 4KB L1 single table, T0SZ 33: x = 4 -> 2 entries, 16 bytes.
    expect(ok(encodeSte({ ...NESTED, s2T0sz: 33, s2Sl0: 1, s1ContextPtr: 0x1000n, s2Ttb: 0x1010_0018n })).s2Regime?.ttb).toBe(0x1010_0010);
  });

  it('reserved S1Fmt 0b11 and S1DSS 0b11 behave as 0b00, not ILLEGAL (§5.2 S1Fmt, S1DSS)', () => {
    const ste = ok(encodeSte({ ...NESTED, s1Fmt: 3, s1CdMax: 4, s1Dss: 3 }));
    expect([ste.s1Fmt, ste.s1Dss]).toEqual([0, 0]);
  });

  it('fields of a disabled stage are IGNORED, not checked (§5.2: S1* when Config = 0b1x0, S2* when 0b10x)', () => {
    // Stage-1-only STE with garbage stage-2 fields.
    expect(ok(encodeSte({ config: STE_CFG.s1, s1ContextPtr: 0x1000n, s2Tg: 3, s2Aa64: 0, s2S: 1, s2T0sz: 0 })).kind).toBe('s1');
    // Stage-2-only STE with garbage stage-1 fields.
    expect(ok(encodeSte({ ...NESTED, config: STE_CFG.s2, s1CdMax: 31, s1StallD: 1, s1ContextPtr: 1n << 55n })).kind).toBe('s2');
    // Bypass ignores both.
    expect(ok(encodeSte({ config: STE_CFG.bypass, s2Tg: 3, s1CdMax: 31 })).kind).toBe('bypass');
  });
});

describe('STE legality of {S2TG, S2SL0, S2T0SZ}: every combination (ARM ARM Tables D8-19..24, D8-29..33, D8-38..41)', () => {
  // For each granule the legal (SL0, T0SZ) pairs with DS = 0 and no TTST (see geometry.test.ts for the table
  // transcription): 4KB SL0 00 L2 30..39, 01 L1 21..33, 10 L0 16..24, 11 never; 16KB 00 L3 35..39, 01 L2 24..38,
  // 10 L1 16..27, 11 never; 64KB 00 L3 31..39, 01 L2 18..34, 10 L1 16..21, 11 never.
  const range: Record<number, [number, number] | null>[] = [
    { 0: [30, 39], 1: [21, 33], 2: [16, 24], 3: null },   // S2TG 00 (4KB)
    { 0: [31, 39], 1: [18, 34], 2: [16, 21], 3: null },   // S2TG 01 (64KB)
    { 0: [35, 39], 1: [24, 38], 2: [16, 27], 3: null },   // S2TG 10 (16KB)
  ];
  const cases: [number, number, number, boolean][] = [];
  for (const tg of [0, 1, 2]) for (const sl0 of [0, 1, 2, 3]) for (let t = 16; t <= 39; t++) {
    const r = range[tg][sl0];
    cases.push([tg, sl0, t, r !== null && t >= r[0] && t <= r[1]]);
  }
  it.each(cases)('S2TG %i, S2SL0 %i, S2T0SZ %i -> legal %s', (tg, sl0, t0sz, legal) => {
    const d = decodeSte(encodeSte({ ...NESTED, s2Tg: tg, s2Sl0: sl0, s2T0sz: t0sz, s1ContextPtr: 0x1000n, s2Ttb: 0x100000n }), OAS);
    expect(d.ok).toBe(legal);
    if (d.ok) {
      // Start level from Tables D8-19/29/38: 4KB 2 - SL0, 16KB/64KB 3 - SL0.
      expect(d.ste.s2Regime?.startLevel).toBe(tg === 0 ? 2 - sl0 : 3 - sl0);
      expect(d.ste.s2Regime?.g).toBe(tg === 0 ? 12 : tg === 1 ? 16 : 14);
    }
  });
  it('S2TG encoding (§5.2 S2TG): 00 4KB, 01 64KB, 10 16KB, 11 reserved', () => {
    expect([tg0Granule(0), tg0Granule(1), tg0Granule(2), tg0Granule(3)]).toEqual([12, 16, 14, null]);
  });
});
