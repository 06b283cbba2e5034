// Stage-1 and stage-2 permission checks against the ARM ARM tables (DDI 0487 D8.4, /work/specs/arm/arm-D8.4.md)
// and the SMMU's use of them (SMMUv3 §3.22, §13.1, §13.7). Descriptors are written by hand from the bit
// positions in ARM ARM Tables D8-52 / D8-53 (stage-1 / stage-2 Block and Page descriptors) and D8-50
// (stage-1 Table descriptor): AP[2:1] = bits [7:6], PXN = bit 53, UXN = bit 54, S2AP = bits [7:6],
// stage-2 XN = bit 54 (bit 53 RES0 without FEAT_XNX); APTable = bits [62:61], UXNTable 60, PXNTable 59.

import { describe, expect, it } from 'vitest';
import { ACC_INSTR, ACC_PRIV, ACC_WRITE, s1PermFault, s2PermFault } from './perm';

/** A valid stage-1 page descriptor's halves (bits [1:0] = 11, AF = bit 10) with AP[2:1], PXN, UXN. */
function s1Leaf(ap: number, pxn = 0, uxn = 0): [number, number] {
  return [(0x403 | (ap << 6)) >>> 0, ((pxn << 21) | (uxn << 22)) >>> 0];
}
const NO_CTL = { wxn: false, pan: false };
const READ = 0, WRITE = ACC_WRITE, PRIV = ACC_PRIV, EXEC = ACC_INSTR;

describe('stage 1 data access: every AP[2:1] x (priv, unpriv) x (read, write) cell (ARM ARM Table D8-63; primer §1.4)', () => {
  // Table D8-63 (two Exception levels):
  //   00 PrivRead, PrivWrite | 01 PrivRead, PrivWrite, UnprivRead, UnprivWrite | 10 PrivRead | 11 PrivRead, UnprivRead
  const allowed: Record<number, { pr: boolean; pw: boolean; ur: boolean; uw: boolean }> = {
    0b00: { pr: true, pw: true, ur: false, uw: false },
    0b01: { pr: true, pw: true, ur: true, uw: true },
    0b10: { pr: true, pw: false, ur: false, uw: false },
    0b11: { pr: true, pw: false, ur: true, uw: false },
  };
  const cases: [string, number, string, string, boolean][] = [];
  for (const ap of [0, 1, 2, 3]) {
    const a = allowed[ap];
    cases.push([ap.toString(2).padStart(2, '0'), ap, 'priv', 'read', !a.pr]);
    cases.push([ap.toString(2).padStart(2, '0'), ap, 'priv', 'write', !a.pw]);
    cases.push([ap.toString(2).padStart(2, '0'), ap, 'unpriv', 'read', !a.ur]);
    cases.push([ap.toString(2).padStart(2, '0'), ap, 'unpriv', 'write', !a.uw]);
  }
  it.each(cases)('AP[2:1] = %s (%i): %s %s -> fault %s', (_s, ap, who, what, fault) => {
    const [lo, hi] = s1Leaf(ap);
    const acc = (who === 'priv' ? PRIV : 0) | (what === 'write' ? WRITE : READ);
    expect(s1PermFault(lo, hi, 0, 0, 0, acc, NO_CTL)).toBe(fault);
  });
});

describe('stage 1 APTable (ARM ARM Table D8-64)', () => {
  // Starting from the most permissive leaf AP = 01 (all four data permissions):
  //   APTable 00: no effect | 01: removes UnprivRead, UnprivWrite | 10: removes UnprivWrite, PrivWrite |
  //   11: removes UnprivRead, UnprivWrite, PrivWrite.
  const rows: [number, boolean, boolean, boolean, boolean][] = [
    // apTable, prFault, pwFault, urFault, uwFault
    [0b00, false, false, false, false],
    [0b01, false, false, true, true],
    [0b10, false, true, false, true],
    [0b11, false, true, true, true],
  ];
  it.each(rows)('APTable %i over AP = 01: PR fault %s, PW fault %s, UR fault %s, UW fault %s', (apt, pr, pw, ur, uw) => {
    const [lo, hi] = s1Leaf(0b01);
    expect(s1PermFault(lo, hi, apt, 0, 0, PRIV | READ, NO_CTL)).toBe(pr);
    expect(s1PermFault(lo, hi, apt, 0, 0, PRIV | WRITE, NO_CTL)).toBe(pw);
    expect(s1PermFault(lo, hi, apt, 0, 0, READ, NO_CTL)).toBe(ur);
    expect(s1PermFault(lo, hi, apt, 0, 0, WRITE, NO_CTL)).toBe(uw);
  });
  it('APTable only restricts: APTable 00 over AP = 10 (priv read-only) leaves it read-only', () => {
    const [lo, hi] = s1Leaf(0b10);
    expect(s1PermFault(lo, hi, 0, 0, 0, PRIV | WRITE, NO_CTL)).toBe(true);
    expect(s1PermFault(lo, hi, 0, 0, 0, PRIV | READ, NO_CTL)).toBe(false);
  });
});

describe('stage 1 instruction execution: ARM ARM Table D8-65 (two Exception levels), every row', () => {
  // Table D8-65, transcribed: [UXN, PXN, AP[2:1], WXN, PrivExecute?, UnprivExecute?]. "x" rows expand to
  // both WXN values. PrivWXN / UnprivWXN mean the execute permission is removed (R SYMMB / R FYMXJ).
  // Notable cells: AP = 00 and AP = 10 grant UnprivExecute without any unprivileged data access
  // (execute-only memory; SMMU §13.7: "A normal (non-ATS) transaction for Exe == 1 will succeed to an
  // XO translation"; SMMU §3.22: a read with InD = 1 needs Execute, not Read, permission); AP = 01 never
  // grants PrivExecute (R VWLLR: UnprivWrite removes PrivExecute).
  type Row = [number, number, number, number | 'x', boolean, boolean];
  const table: Row[] = [
    [0, 0, 0b00, 0, true, true],
    [0, 0, 0b00, 1, false, true],
    [0, 0, 0b01, 0, false, true],
    [0, 0, 0b01, 1, false, false],
    [0, 0, 0b10, 'x', true, true],
    [0, 0, 0b11, 'x', true, true],
    [0, 1, 0b00, 'x', false, true],
    [0, 1, 0b01, 0, false, true],
    [0, 1, 0b01, 1, false, false],
    [0, 1, 0b10, 'x', false, true],
    [0, 1, 0b11, 'x', false, true],
    [1, 0, 0b00, 0, true, false],
    [1, 0, 0b00, 1, false, false],
    [1, 0, 0b01, 'x', false, false],
    [1, 0, 0b10, 'x', true, false],
    [1, 0, 0b11, 'x', true, false],
    [1, 1, 0b00, 'x', false, false],
    [1, 1, 0b01, 'x', false, false],
    [1, 1, 0b10, 'x', false, false],
    [1, 1, 0b11, 'x', false, false],
  ];
  const cases: [number, number, string, number, boolean, boolean][] = [];
  for (const [uxn, pxn, ap, wxn, px, ux] of table) {
    for (const w of wxn === 'x' ? [0, 1] : [wxn]) cases.push([uxn, pxn, ap.toString(2).padStart(2, '0'), w, px, ux]);
  }
  it.each(cases)('UXN %i PXN %i AP %s WXN %i: PrivExecute %s, UnprivExecute %s', (uxn, pxn, apS, wxn, px, ux) => {
    const [lo, hi] = s1Leaf(parseInt(apS, 2), pxn, uxn);
    const ctl = { wxn: wxn === 1, pan: false };
    expect(s1PermFault(lo, hi, 0, 0, 0, PRIV | EXEC, ctl)).toBe(!px);
    expect(s1PermFault(lo, hi, 0, 0, 0, EXEC, ctl)).toBe(!ux);
  });

  it('"EL0-writable is never privileged-executable" (R VWLLR; SMMU §5.4 UWXN note; primer §2.6), also via APTable', () => {
    const [lo, hi] = s1Leaf(0b01);                              // UnprivWrite present
    expect(s1PermFault(lo, hi, 0, 0, 0, PRIV | EXEC, NO_CTL)).toBe(true);
    // APTable 01 removes UnprivWrite (Table D8-64), so PrivExecute is no longer removed (Table D8-65
    // uses the AP after APTable: row UXN 0 PXN 0 AP 00 WXN 0 -> PrivExecute).
    expect(s1PermFault(lo, hi, 0b01, 0, 0, PRIV | EXEC, NO_CTL)).toBe(false);
    // APTable 10 removes all write access: effective AP = 11, PrivExecute granted.
    expect(s1PermFault(lo, hi, 0b10, 0, 0, PRIV | EXEC, NO_CTL)).toBe(false);
  });

  it('PXNTable / UXNTable force PXN / UXN below (ARM ARM D8.4.1.2.3, PXNTable and UXNTable rules)', () => {
    const [lo, hi] = s1Leaf(0b11);                              // PX and UX both granted by the leaf
    expect(s1PermFault(lo, hi, 0, 1, 0, PRIV | EXEC, NO_CTL)).toBe(true);
    expect(s1PermFault(lo, hi, 0, 1, 0, EXEC, NO_CTL)).toBe(false);
    expect(s1PermFault(lo, hi, 0, 0, 1, EXEC, NO_CTL)).toBe(true);
    expect(s1PermFault(lo, hi, 0, 0, 1, PRIV | EXEC, NO_CTL)).toBe(false);
    // XN fields do not prevent data accesses (R WRCYB).
    expect(s1PermFault(lo, hi, 0, 1, 1, PRIV | READ, NO_CTL)).toBe(false);
    expect(s1PermFault(lo, hi, 0, 1, 1, READ, NO_CTL)).toBe(false);
  });
});

describe('stage 1 PAN (CD.PAN; ARM ARM D8.4.5 Effect of PSTATE on access permission; docs/spec-notes.md §1)', () => {
  const PAN = { wxn: false, pan: true };
  it('privileged data accesses to unprivileged-accessible pages fault', () => {
    const [lo01, hi01] = s1Leaf(0b01);
    const [lo11, hi11] = s1Leaf(0b11);
    expect(s1PermFault(lo01, hi01, 0, 0, 0, PRIV | READ, PAN)).toBe(true);
    expect(s1PermFault(lo01, hi01, 0, 0, 0, PRIV | WRITE, PAN)).toBe(true);
    expect(s1PermFault(lo11, hi11, 0, 0, 0, PRIV | READ, PAN)).toBe(true);
  });
  it('pages with no unprivileged access are unaffected, and so are unprivileged accesses', () => {
    const [lo00, hi00] = s1Leaf(0b00);
    const [lo01, hi01] = s1Leaf(0b01);
    expect(s1PermFault(lo00, hi00, 0, 0, 0, PRIV | READ, PAN)).toBe(false);
    expect(s1PermFault(lo00, hi00, 0, 0, 0, PRIV | WRITE, PAN)).toBe(false);
    expect(s1PermFault(lo01, hi01, 0, 0, 0, READ, PAN)).toBe(false);
    expect(s1PermFault(lo01, hi01, 0, 0, 0, WRITE, PAN)).toBe(false);
    // APTable 01 removes unprivileged access, so PAN no longer applies.
    expect(s1PermFault(lo01, hi01, 0b01, 0, 0, PRIV | READ, PAN)).toBe(false);
  });
  it('PAN does not apply to instruction fetches (PSTATE.PAN affects data accesses only)', () => {
    const [lo, hi] = s1Leaf(0b11);
    expect(s1PermFault(lo, hi, 0, 0, 0, PRIV | EXEC, PAN)).toBe(false);
  });
});

/** A valid stage-2 page descriptor's halves with S2AP and XN (bit 54). */
function s2Leaf(s2ap: number, xn = 0, xn0 = 0): [number, number] {
  return [(0x403 | (0xf << 2) | (s2ap << 6)) >>> 0, ((xn << 22) | (xn0 << 21)) >>> 0];
}

describe('stage 2 permissions (ARM ARM Tables D8-76, D8-77; SMMU §13.7)', () => {
  // Table D8-76: S2AP 00 no data access, 01 RO, 10 WO, 11 RW; the same for EL1 and EL0 (I HXWLL).
  const rows: [number, boolean, boolean][] = [
    [0b00, true, true], [0b01, false, true], [0b10, true, false], [0b11, false, false],
  ];
  it.each(rows)('S2AP %i: read fault %s, write fault %s (privileged and unprivileged alike)', (s2ap, rf, wf) => {
    const [lo, hi] = s2Leaf(s2ap);
    for (const p of [0, PRIV]) {
      expect(s2PermFault(lo, hi, p | READ)).toBe(rf);
      expect(s2PermFault(lo, hi, p | WRITE)).toBe(wf);
    }
  });
  // Table D8-77 (no FEAT_XNX): XN = 0 does not forbid execution, XN = 1 forbids it at EL1 and EL0.
  // Execution is independent of S2AP: S2AP = 00 with XN = 0 is execute-only (Table D8-75 lists uX/pX
  // apart from RO/WO/RW; SMMU §13.7: "a hypervisor Stage 2 can further modify this down to execute-only").
  it.each([0b00, 0b01, 0b10, 0b11])('S2AP %i: an instruction fetch is allowed when XN = 0 and faults when XN = 1', (s2ap) => {
    const [lo0, hi0] = s2Leaf(s2ap, 0);
    const [lo1, hi1] = s2Leaf(s2ap, 1);
    for (const p of [0, PRIV]) {
      expect(s2PermFault(lo0, hi0, p | EXEC)).toBe(false);
      expect(s2PermFault(lo1, hi1, p | EXEC)).toBe(true);
    }
  });
  it('bit 53 is RES0 without FEAT_XNX (Table D8-53): XN[0] alone does not forbid execution', () => {
    const [lo, hi] = s2Leaf(0b11, 0, 1);
    expect(s2PermFault(lo, hi, EXEC)).toBe(false);
    expect(s2PermFault(lo, hi, PRIV | EXEC)).toBe(false);
  });
  it('XN does not prevent data accesses (R WRCYB)', () => {
    const [lo, hi] = s2Leaf(0b11, 1);
    expect(s2PermFault(lo, hi, READ)).toBe(false);
    expect(s2PermFault(lo, hi, WRITE)).toBe(false);
  });
});
