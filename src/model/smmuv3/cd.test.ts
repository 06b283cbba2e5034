// CD decode (SMMUv3 §5.4, /work/specs/smmu/smmu-5.4.md; CdIllegal() in §5.4.2; EPDx table §5.4.1.1;
// primer §2.5; docs/spec-notes.md §1). Modelled SMMU: TERM_MODEL = 1, STALL_MODEL = 0b01, HTTU = 0,
// TTENDIAN = LE only, AArch64 tables only, VAX = 0 and STT = 0 (TxSZ 16..39), OAS 48.
// Field positions (primer §2.5): T0SZ dw0[5:0], TG0 [7:6], EPD0 [14], ENDI [15], T1SZ [21:16], TG1 [23:22],
// EPD1 [30], V [31], IPS [34:32], AFFD [35], WXN [36], UWXN [37], TBI0 [38], TBI1 [39], PAN [40], AA64 [41],
// HD [42], HA [43], S [44], R [45], A [46], ASET [47], ASID [63:48]; HAD0 dw1[1], TTB0 dw1[51:4];
// HAD1 dw2[1], TTB1 dw2[51:4]; MAIR0 dw3[31:0], MAIR1 dw3[63:32].

import { describe, expect, it } from 'vitest';
import {
  CD_A, CD_AA64, CD_AFFD, CD_ASET, CD_ASID, CD_ENDI, CD_EPD0, CD_EPD1, CD_HA, CD_HAD0, CD_HAD1, CD_HD, CD_IPS, CD_MAIR0,
  CD_MAIR1, CD_PAN, CD_R, CD_S, CD_T0SZ, CD_T1SZ, CD_TBI0, CD_TBI1, CD_TG0, CD_TG1, CD_TTB0, CD_TTB1, CD_UWXN, CD_V,
  CD_WXN, decodeCd, tg1Granule, type CdConfig,
} from './cd';
import { encodeCd, type CdFields } from './encode';

const OAS = 48;
function ok(w: bigint[], oas = OAS): CdConfig {
  const d = decodeCd(w, oas);
  if (!d.ok) throw new Error(`unexpectedly ILLEGAL: ${d.why}`);
  return d.cd;
}
function why(w: bigint[], oas = OAS): string {
  const d = decodeCd(w, oas);
  if (d.ok) throw new Error('unexpectedly legal');
  return d.why;
}

/** A legal CD: 48-bit VA on TTB0 (4KB), TTB1 disabled. */
const CD0: CdFields = { t0sz: 16, tg0: 0, ips: 0b101, asid: 7, ttb0: 0x4000_1000n, mair0: 0xff44 };

describe('CD field positions: words encoded by hand from the bit table', () => {
  // dw0: T0SZ 16 (0x10) | TG0 0b10 (16KB) << 6 (0x80) | EPD0 0 | ENDI 0 | T1SZ 25 << 16 (0x19_0000) |
  //      TG1 0b10 (4KB) << 22 (0x80_0000) | EPD1 0 | V << 31 (0x8000_0000) -> low word 0x8099_0090.
  //      IPS 0b011 (42 bits) -> bits [34:32] = 3; AFFD 35 (0x8 in bits [35:32]) -> 0xB;
  //      WXN 36, PAN 40, AA64 41, R 45, A 46, ASET 47: bits [39:36] = 0x1, [43:40] = 0x3, [47:44] = 0xE;
  //      ASID 0x1234 in [63:48]. -> 0x1234_E31B_8099_0090
  const dw0 = 0x1234_e31b_8099_0090n;
  // dw1: HAD0 (bit 1) | TTB0 0x80_1234_4000 -> 0x80_1234_4002
  const dw1 = 0x80_1234_4002n;
  // dw2: HAD1 0 | TTB1 0x7f_0000_0000
  const dw2 = 0x7f_0000_0000n;
  // dw3: MAIR0 0x0004_ff44, MAIR1 0x0000_00aa
  const dw3 = 0x0000_00aa_0004_ff44n;
  const w = [dw0, dw1, dw2, dw3, 0n, 0n, 0n, 0n];

  it('each accessor reads its field', () => {
    expect([CD_T0SZ(w), CD_TG0(w), CD_EPD0(w), CD_ENDI(w), CD_T1SZ(w), CD_TG1(w), CD_EPD1(w), CD_V(w)]).toEqual([16, 2, 0, 0, 25, 2, 0, 1]);
    expect([CD_IPS(w), CD_AFFD(w), CD_WXN(w), CD_UWXN(w), CD_TBI0(w), CD_TBI1(w), CD_PAN(w), CD_AA64(w)]).toEqual([3, 1, 1, 0, 0, 0, 1, 1]);
    expect([CD_HD(w), CD_HA(w), CD_S(w), CD_R(w), CD_A(w), CD_ASET(w), CD_ASID(w)]).toEqual([0, 0, 0, 1, 1, 1, 0x1234]);
    expect([CD_HAD0(w), CD_TTB0(w), CD_HAD1(w), CD_TTB1(w), CD_MAIR0(w), CD_MAIR1(w)]).toEqual([1, 0x80_1234_4000n, 0, 0x7f_0000_0000n, 0x4ff44, 0xaa]);
  });

  it('decodeCd builds both regimes from those fields', () => {
    const cd = ok(w);
    expect([cd.asid, cd.r, cd.wxn, cd.pan, cd.txsz, cd.tbi]).toEqual([0x1234, true, true, true, [16, 25], [false, false]]);
    // TTB0: 16KB, 48-bit, start L0 with 2 entries (Table D8-28: TnSZ 16 -> L0, IA[47]); IPS 42 bits.
    expect(cd.tt[0]).toEqual({ stage: 1, g: 14, inputBits: 48, startLevel: 0, startIdxMask: 1, ttb: 0x80_1234_4000, outputBits: 42, affd: true, had: true });
    // TTB1: 4KB, 39-bit, start L1 with 512 entries (Table D8-18: TnSZ 25 -> L1).
    expect(cd.tt[1]).toEqual({ stage: 1, g: 12, inputBits: 39, startLevel: 1, startIdxMask: 511, ttb: 0x7f_0000_0000, outputBits: 42, affd: true, had: false });
  });

  it('encodeCd writes the hand-encoded words', () => {
    expect(encodeCd({
      t0sz: 16, tg0: 2, t1sz: 25, tg1: 2, epd1: 0, ips: 3, affd: 1, wxn: 1, pan: 1, r: 1, a: 1, aset: 1, asid: 0x1234,
      had0: 1, ttb0: 0x80_1234_4000n, ttb1: 0x7f_0000_0000n, mair0: 0x4ff44, mair1: 0xaa,
    })).toEqual(w);
  });

  it('TG1 has its own encoding: 00 reserved, 01 16KB, 10 4KB, 11 64KB (§5.4 TG1)', () => {
    expect([tg1Granule(0), tg1Granule(1), tg1Granule(2), tg1Granule(3)]).toEqual([null, 14, 12, 16]);
  });

  it('start table alignment: TTB0 bits below the initial table size are treated as zero (§5.4 TTB0; Table D8-25)', () => {
    // 4KB, T0SZ 25 (L1, 512 entries, 4KB table): 0x4000_1ff8 -> 0x4000_1000.
    expect(ok(encodeCd({ ...CD0, t0sz: 25, ttb0: 0x4000_1ff8n })).tt[0]?.ttb).toBe(0x4000_1000);
    // 16KB, T0SZ 16 (L0, 2 entries, 16 bytes): 0x4000_1018 -> 0x4000_1010.
    expect(ok(encodeCd({ ...CD0, tg0: 2, ttb0: 0x4000_1018n })).tt[0]?.ttb).toBe(0x4000_1010);
  });
});

describe('CD ILLEGAL conditions, each with its reason (SMMU §5.4, CdIllegal())', () => {
  const cases: [string, CdFields, RegExp][] = [
    ['V = 0', { ...CD0, v: 0 }, /V = 0/],
    ['A = 0 (TERM_MODEL = 1)', { ...CD0, a: 0 }, /A = 0/],
    ['S = 1 (STALL_MODEL = 0b01)', { ...CD0, s: 1 }, /S = 1/],
    ['AA64 = 0 (AArch64 tables only)', { ...CD0, aa64: 0 }, /AA64 = 0/],
    ['HA = 1 (HTTU = 0b00)', { ...CD0, ha: 1 }, /HA\/HD/],
    ['HD = 1 (HTTU = 0b00)', { ...CD0, hd: 1 }, /HA\/HD/],
    ['ENDI = 1 with a TTB enabled (TTENDIAN = LE only)', { ...CD0, endi: 1 }, /ENDI = 1/],
    ['T0SZ = 15 < 16', { ...CD0, t0sz: 15 }, /T0SZ = 15 is outside 16\.\.39/],
    ['T0SZ = 40 > 39 (no STT)', { ...CD0, t0sz: 40 }, /T0SZ = 40 is outside 16\.\.39/],
    ['TG0 = 0b11 reserved', { ...CD0, tg0: 3 }, /TG0 = 0b11 is reserved/],
    ['TTB0 beyond the effective IPS (IPS 40 bits, TTB0 = 2^40)', { ...CD0, ips: 0b010, ttb0: 1n << 40n }, /TTB0 0x10000000000 is beyond the effective IPS \(40 bits\)/],
    ['T1SZ out of range with EPD1 = 0', { ...CD0, ttb1: 0x5000n, tg1: 2, t1sz: 12 }, /T1SZ = 12 is outside/],
    ['TG1 = 0b00 reserved with EPD1 = 0', { ...CD0, ttb1: 0x5000n, tg1: 0, t1sz: 16 }, /TG1 = 0b00 is reserved/],
    ['TTB1 beyond the effective IPS', { ...CD0, ttb1: 1n << 48n, tg1: 2, t1sz: 16 }, /TTB1 0x1000000000000 is beyond the effective IPS \(48 bits\)/],
  ];
  it.each(cases)('%s', (_name, f, re) => {
    expect(why(encodeCd(f))).toMatch(re);
  });

  it('IPS is capped to the OAS and reserved values are never ILLEGAL (§5.4 IPS)', () => {
    expect(ok(encodeCd({ ...CD0, ips: 0b110 })).tt[0]?.outputBits).toBe(48);
    expect(ok(encodeCd({ ...CD0, ips: 0b111 })).tt[0]?.outputBits).toBe(48);
    expect(ok(encodeCd({ ...CD0, ips: 0b101 }), 40).tt[0]?.outputBits).toBe(40);
    expect(ok(encodeCd({ ...CD0, ips: 0b000 })).tt[0]?.outputBits).toBe(32);
    // OAS 40 caps IPS 48 to 40: TTB0 at 2^40 is then ILLEGAL.
    expect(why(encodeCd({ ...CD0, ttb0: 1n << 40n }), 40)).toMatch(/TTB0/);
  });

  it('EPDx = 1: TxSZ, TGx and TTBx are IGNORED, not checked (§5.4.1.1 "Validity checks are not performed")', () => {
    const cd = ok(encodeCd({ ...CD0, epd0: 1, t0sz: 0, tg0: 3, ttb0: 1n << 50n, ttb1: 0x5000n, tg1: 2, t1sz: 16 }));
    expect(cd.tt[0]).toBeNull();
    expect(cd.tt[1]?.ttb).toBe(0x5000);
    // Both disabled: ENDI is IGNORED too (§5.4 ENDI).
    expect(ok(encodeCd({ ...CD0, epd0: 1, epd1: 1, endi: 1 })).tt).toEqual([null, null]);
  });

  it('R, AFFD, UWXN and ASET have no legality rule (§5.4)', () => {
    const cd = ok(encodeCd({ ...CD0, r: 0, affd: 1, uwxn: 1, aset: 1 }));
    expect(cd.r).toBe(false);
    expect(cd.tt[0]?.affd).toBe(true);
  });
});
