// Commands: field encodings checked against hand-computed words (positions: Linux CMDQ_*,
// QEMU CMD_SSEC, SMMUv3 §4.4.1.1 and the §4.4.2.2 figure), legality (§4.1.3 and each command's
// section), and the exact scope of every invalidation (§4.3, §4.4), on TLB and configuration
// cache states built by hand.

import { describe, expect, it } from 'vitest';
import { PhysMem } from '../mem';
import type { CmdEvent, InvEvent, Trace } from '../trace';
import type { CdConfig } from './cd';
import { cmdName, CMD_Address, CMD_IPA, CMD_MSIAddress, CMD_StreamID, CMD_SubstreamID, encodeCmd, illegalWhy, runCommand, type CmdWords } from './commands';
import { Smmu } from './smmu';
import type { SteConfig } from './ste';
import type { TlbEntry, TlbKind } from './tlb';

function smmuWithTrace(): { smmu: Smmu; trace: Trace } {
  const smmu = new Smmu(new PhysMem(), { oas: 48, cache: true });
  const trace: Trace = [];
  smmu.trace = trace;
  return { smmu, trace };
}

describe('encodeCmd: bit positions', () => {
  const cases: [string, Parameters<typeof encodeCmd>[0], bigint, bigint][] = [
    // opcode 0x12, VMID[47:32] = 1, ASID[63:48] = 7; Address[63:12], Leaf[0]
    ['TLBI_NH_VA', { op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: 0x1000_0000, leaf: true }, 0x0007_0001_0000_0012n, 0x1000_0001n],
    // NUM[16:12] = 31, SCALE[24:20] = 31; TTL[9:8] = 3, TG[11:10] = 3
    ['TLBI_NH_VA range fields', { op: 'CMD_TLBI_NH_VA', num: 31, scale: 31, ttl: 3, tg: 3 }, 0x01f1_f012n, 0xf00n],
    ['TLBI_NH_VAA, a TTB1 VA', { op: 'CMD_TLBI_NH_VAA', vmid: 3, addr: 0xffff_8000_1234_5000n }, 0x0000_0003_0000_0013n, 0xffff_8000_1234_5000n],
    ['TLBI_NH_ALL', { op: 'CMD_TLBI_NH_ALL', vmid: 0xabcd }, 0x0000_abcd_0000_0010n, 0n],
    ['TLBI_NH_ASID', { op: 'CMD_TLBI_NH_ASID', vmid: 2, asid: 0xffff }, 0xffff_0002_0000_0011n, 0n],
    ['TLBI_S12_VMALL', { op: 'CMD_TLBI_S12_VMALL', vmid: 1 }, 0x0000_0001_0000_0028n, 0n],
    // IPA[51:12]: bits [11:0] of the argument are dropped
    ['TLBI_S2_IPA', { op: 'CMD_TLBI_S2_IPA', vmid: 1, addr: 0x4010_0abc, leaf: 1 }, 0x0000_0001_0000_002an, 0x4010_0001n],
    ['TLBI_NSNH_ALL', { op: 'CMD_TLBI_NSNH_ALL' }, 0x30n, 0n],
    // StreamID[63:32], Leaf[0]
    ['CFGI_STE', { op: 'CMD_CFGI_STE', sid: 0x10, leaf: true }, 0x0000_0010_0000_0003n, 1n],
    ['CFGI_STE_RANGE', { op: 'CMD_CFGI_STE_RANGE', sid: 0x40, range: 3 }, 0x0000_0040_0000_0004n, 3n],
    // CFGI_ALL = opcode 0x04 with Range[4:0] = 31 (§4.3.6)
    ['CFGI_ALL', { op: 'CMD_CFGI_ALL' }, 0x04n, 0x1fn],
    // SubstreamID[31:12]
    ['CFGI_CD', { op: 'CMD_CFGI_CD', sid: 0x10, ssid: 0x12345 }, 0x0000_0010_1234_5005n, 0n],
    ['CFGI_CD_ALL', { op: 'CMD_CFGI_CD_ALL', sid: 0xdead_beef }, 0xdead_beef_0000_0006n, 0n],
    // SSV[11]
    ['PREFETCH_CONFIG', { op: 'CMD_PREFETCH_CONFIG', sid: 5, ssid: 9, ssv: true }, 0x0000_0005_0000_9801n, 0n],
    ['PREFETCH_ADDR', { op: 'CMD_PREFETCH_ADDR', sid: 5, size: 4, addr: 0x1234_5000 }, 0x0000_0005_0000_0002n, 0x1234_5004n],
    // CS[13:12] = 1, MSH[23:22] = 3, MSIAttr[27:24] = 0xf, MSIData[63:32]; MSIAddress[51:2]
    ['SYNC', { op: 'CMD_SYNC', cs: 1, msh: 3, msiAttr: 0xf, msiData: 0xcafe, msiAddr: 0x8_0000_1004 }, 0x0000_cafe_0fc0_1046n, 0x8_0000_1004n],
    // SSec[10]
    ['CFGI_STE with SSec', { op: 'CMD_CFGI_STE', ssec: 1 }, 0x403n, 0n],
  ];
  it.each(cases)('%s', (_, spec, dw0, dw1) => {
    expect(encodeCmd(spec)).toEqual([dw0, dw1]);
  });

  it('decoders read back what the encoder wrote', () => {
    const c = encodeCmd({ op: 'CMD_CFGI_CD', sid: 0xffff_ffff, ssid: 0xf_ffff });
    expect(CMD_StreamID(c)).toBe(0xffff_ffff);
    expect(CMD_SubstreamID(c)).toBe(0xf_ffff);
    expect(CMD_Address(encodeCmd({ op: 'CMD_TLBI_NH_VA', addr: 0xffff_ffff_ffff_f000n }))).toBe(0xffff_ffff_ffff_f000n);
    expect(CMD_IPA(encodeCmd({ op: 'CMD_TLBI_S2_IPA', addr: 0xf_ffff_ffff_f000 }))).toBe(0xf_ffff_ffff_f000);
    expect(CMD_MSIAddress(encodeCmd({ op: 'CMD_SYNC', msiAddr: 0xf_ffff_ffff_fffc }))).toBe(0xf_ffff_ffff_fffc);
  });

  it('refuses fields a command does not have and values that do not fit', () => {
    expect(() => encodeCmd({ op: 'CMD_TLBI_NH_ALL', asid: 1 })).toThrow(/no ASID field/);
    expect(() => encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 0x1_0000 })).toThrow(/does not fit/);
    expect(() => encodeCmd({ op: 'CMD_CFGI_CD', ssid: 0x10_0000 })).toThrow(/does not fit/);
  });

  it('names CMD_CFGI_STE_RANGE with Range = 31 CMD_CFGI_ALL, and Reserved opcodes by number', () => {
    expect(cmdName(encodeCmd({ op: 'CMD_CFGI_ALL' }))).toBe('CMD_CFGI_ALL');
    expect(cmdName(encodeCmd({ op: 'CMD_CFGI_STE_RANGE', range: 30 }))).toBe('CMD_CFGI_STE_RANGE');
    expect(cmdName([0x07n, 0n])).toBe('CMD_CFGI_VMS_PIDM');
    expect(cmdName([0x08n, 0n])).toBe('Reserved_0x08');
    expect(cmdName([0x85n, 0n])).toBe('IMPDEF_0x85');
  });
});

describe('illegalWhy: CERROR_ILL on this SMMU (§4.1.3)', () => {
  it.each([0x00, 0x08, 0x0a, 0x14, 0x19, 0x24, 0x29, 0x31, 0x42, 0x47, 0x61, 0x74, 0x80, 0x8f, 0x90, 0xff])(
    'Reserved or IMPLEMENTATION DEFINED opcode 0x%s', (op) => {
      expect(illegalWhy([BigInt(op), 0n])).toMatch(/Reserved opcode/);
    });
  it.each([
    ['CMD_CFGI_VMS_PIDM', /MPAM = 0/], ['CMD_TLBI_EL3_ALL', /Secure Command queue/], ['CMD_TLBI_EL3_VA', /Secure Command queue/],
    ['CMD_TLBI_EL2_ALL', /Hyp = 0/], ['CMD_TLBI_EL2_ASID', /Hyp = 0/], ['CMD_TLBI_EL2_VA', /Hyp = 0/], ['CMD_TLBI_EL2_VAA', /Hyp = 0/],
    ['CMD_ATC_INV', /ATS = 0/], ['CMD_PRI_RESP', /PRI = 0/], ['CMD_RESUME', /STALL_MODEL/], ['CMD_STALL_TERM', /STALL_MODEL/],
    ['CMD_TLBI_S_EL2_ALL', /Non-secure/], ['CMD_TLBI_S_S12_VMALL', /Non-secure/], ['CMD_TLBI_S_S2_IPA', /Non-secure/],
    ['CMD_TLBI_SNH_ALL', /Non-secure/], ['CMD_DPTI_ALL', /DPT = 0/], ['CMD_DPTI_PA', /DPT = 0/],
  ] as const)('%s', (op, why) => {
    expect(illegalWhy(encodeCmd({ op }))).toMatch(why);
  });
  it('SSec = 1 on the Non-secure queue (§4.1.6), CMD_SYNC CS = 0b11 (§4.7.3)', () => {
    expect(illegalWhy(encodeCmd({ op: 'CMD_CFGI_CD_ALL', ssec: 1 }))).toMatch(/SSec = 1/);
    expect(illegalWhy(encodeCmd({ op: 'CMD_PREFETCH_CONFIG', ssec: 1 }))).toMatch(/SSec = 1/);
    expect(illegalWhy(encodeCmd({ op: 'CMD_SYNC', cs: 3 }))).toMatch(/CS = 0b11/);
  });
  it.each(['CMD_PREFETCH_CONFIG', 'CMD_PREFETCH_ADDR', 'CMD_CFGI_STE', 'CMD_CFGI_STE_RANGE', 'CMD_CFGI_ALL', 'CMD_CFGI_CD',
    'CMD_CFGI_CD_ALL', 'CMD_TLBI_NH_ALL', 'CMD_TLBI_NH_ASID', 'CMD_TLBI_NH_VA', 'CMD_TLBI_NH_VAA', 'CMD_TLBI_S12_VMALL',
    'CMD_TLBI_S2_IPA', 'CMD_TLBI_NSNH_ALL', 'CMD_SYNC'] as const)('%s is legal', (op) => {
    expect(illegalWhy(encodeCmd({ op }))).toBeNull();
  });
  it('a Reserved (RES0) field set is ignored, not illegal (§4.1.5 choice)', () => {
    expect(illegalWhy([0x0000_0010_ffff_f003n, 0xfffen])).toBeNull();   // CFGI_STE with bits [31:12] and dw1[63:1] set
  });
});

// ---- TLB invalidation scope ------------------------------------------------------------------

/** A labelled TLB entry: `out` carries the label's index so the survivors can be named. */
const LABELS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'] as const;
type Label = (typeof LABELS)[number];

function entry(label: Label, kind: TlbKind, vmid: number, asid: number, base: number, shift = 12, ipa = 0): TlbEntry {
  return {
    kind, vmid, asid, base, shift, out: 0x100_0000_0000 + LABELS.indexOf(label) * 2 ** 30, ipa,
    s1: kind === 'S1S2', s1lo: 0, s1hi: 0, apTable: 0, pxnTable: 0, uxnTable: 0, s2: true, s2lo: 0, s2hi: 0,
  };
}

/** A: VMID 1 ASID 7 @0x1000_0000; B: same ASID, next page; C: global @0x1000_0000; D: global
 *  elsewhere; E: ASID 8 @0x1000_0000; F: VMID 2 ASID 7 @0x1000_0000; G: stage-2 IPA 0x4010_0000
 *  of VMID 1; H: the same for VMID 2; I: a combined entry of VMID 1 whose IPA is 0x4010_0000 (and
 *  whose IOVA happens to equal it); J: a 2MB block of VMID 1 ASID 7 at 0x3000_0000. */
function filledTlb(): { smmu: Smmu; trace: Trace } {
  const t = smmuWithTrace();
  for (const e of [
    entry('A', 'S1S2', 1, 7, 0x1000_0000, 12, 0x4010_0000),
    entry('B', 'S1S2', 1, 7, 0x1000_1000),
    entry('C', 'S1S2', 1, -1, 0x1000_0000),
    entry('D', 'S1S2', 1, -1, 0x2000_0000),
    entry('E', 'S1S2', 1, 8, 0x1000_0000),
    entry('F', 'S1S2', 2, 7, 0x1000_0000),
    entry('G', 'S2', 1, -1, 0x4010_0000, 12, 0x4010_0000),
    entry('H', 'S2', 2, -1, 0x4010_0000, 12, 0x4010_0000),
    entry('I', 'S1S2', 1, 7, 0x4010_0000, 12, 0x4010_0000),
    entry('J', 'S1S2', 1, 7, 0x3000_0000, 21),
  ]) t.smmu.tlb.insert(e);
  return t;
}

function survivors(smmu: Smmu): string {
  return smmu.tlb.entries().map((e) => LABELS[(e.out - 0x100_0000_0000) / 2 ** 30]).sort().join('');
}

function run(smmu: Smmu, c: CmdWords): string | null {
  return runCommand(smmu, c, 0);
}

describe('TLB invalidation scope (§4.4)', () => {
  const cases: [string, CmdWords, string][] = [
    // §4.4.2.1 VMALLE1: every stage-1 and combined entry of the VMID, global ones included
    ['NH_ALL(VMID 1)', encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 1 }), 'FGH'],
    // §4.4.2.2 ASIDE1: non-global entries of the ASID in the VMID; C and D are global
    ['NH_ASID(VMID 1, ASID 7)', encodeCmd({ op: 'CMD_TLBI_NH_ASID', vmid: 1, asid: 7 }), 'CDEFGH'],
    // §4.4.2.4 VAE1: the ASID's entry and the global one at that VA only
    ['NH_VA(VMID 1, ASID 7, 0x1000_0000)', encodeCmd({ op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: 0x1000_0000 }), 'BDEFGHIJ'],
    // an address inside a 2MB block entry hits the block (§4.4: low bits ignored per entry size)
    ['NH_VA inside a block', encodeCmd({ op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: 0x3012_3000, leaf: 1 }), 'ABCDEFGHI'],
    // §4.4.2.3 VAAE1: every ASID of the VMID at that VA, global included
    ['NH_VAA(VMID 1, 0x1000_0000)', encodeCmd({ op: 'CMD_TLBI_NH_VAA', vmid: 1, addr: 0x1000_0000 }), 'BDFGHIJ'],
    // §4.4.3.2 VMALLS12E1: all stages of the VMID
    ['S12_VMALL(VMID 1)', encodeCmd({ op: 'CMD_TLBI_S12_VMALL', vmid: 1 }), 'FH'],
    // §4.4.3.1 IPAS2E1: stage-2 entries only; the combined entries A and I (IPA 0x4010_0000) stay
    ['S2_IPA(VMID 1, 0x4010_0000)', encodeCmd({ op: 'CMD_TLBI_S2_IPA', vmid: 1, addr: 0x4010_0000 }), 'ABCDEFHIJ'],
    // §4.4.4.1 ALLE1: everything
    ['NSNH_ALL', encodeCmd({ op: 'CMD_TLBI_NSNH_ALL' }), ''],
    // 16-bit VMIDs (IDR0.VMID16 = 1): VMID 0x101 is not VMID 1
    ['NH_ALL(VMID 0x101)', encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 0x101 }), 'ABCDEFGHIJ'],
    // CFGI commands leave the TLB alone (§4.3.1 note)
    ['CFGI_ALL', encodeCmd({ op: 'CMD_CFGI_ALL' }), 'ABCDEFGHIJ'],
  ];
  it.each(cases)('%s leaves %s', (_, c, left) => {
    const { smmu, trace } = filledTlb();
    expect(run(smmu, c)).toBeNull();
    expect(survivors(smmu)).toBe(left);
    const inv = trace.filter((e): e is InvEvent => e.type === 'smmu.inv' && e.cache === 'tlb');
    if (!cmdName(c).startsWith('CMD_CFGI')) expect(inv).toEqual([{ type: 'smmu.inv', cache: 'tlb', removed: 10 - left.length, by: cmdName(c) }]);
  });

  it('NUM/SCALE are RES0 with IDR3.RIL = 0: one address only, and the trace says so', () => {
    const { smmu, trace } = filledTlb();
    run(smmu, encodeCmd({ op: 'CMD_TLBI_NH_VA', vmid: 1, asid: 7, addr: 0x1000_0000, num: 1, tg: 1 }));
    expect(survivors(smmu)).toBe('BDEFGHIJ');   // B, the next page, is not invalidated
    expect((trace[0] as CmdEvent).note).toMatch(/RIL = 0/);
  });
});

// ---- configuration invalidation scope ---------------------------------------------------------

/** SIDs 0x10-0x17 and 0x20 cached, each with CDs 0 and 1. */
function filledCfg(): { smmu: Smmu; trace: Trace } {
  const t = smmuWithTrace();
  for (const sid of [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x20]) {
    t.smmu.cfgCache.set(sid, { ste: {} as SteConfig, cds: new Map([[0, {} as CdConfig], [1, {} as CdConfig]]) });
  }
  return t;
}

function cached(smmu: Smmu): string {
  return [...smmu.cfgCache].sort(([a], [b]) => a - b).map(([sid, s]) => `${sid.toString(16)}:${[...s.cds.keys()].join('')}`).join(' ');
}

describe('configuration invalidation scope (§4.3)', () => {
  const all = '10:01 11:01 12:01 13:01 14:01 15:01 16:01 17:01 20:01';
  const cases: [string, CmdWords, string, number][] = [
    // §4.3.1: the STE and every CD cached through it
    ['CFGI_STE(0x10)', encodeCmd({ op: 'CMD_CFGI_STE', sid: 0x10, leaf: 1 }), all.replace('10:01 ', ''), 3],
    // §4.3.2: 2^(Range+1) = 4 SIDs, the low 2 bits of StreamID ignored: 0x10-0x13
    ['CFGI_STE_RANGE(0x13, 1)', encodeCmd({ op: 'CMD_CFGI_STE_RANGE', sid: 0x13, range: 1 }), '14:01 15:01 16:01 17:01 20:01', 12],
    ['CFGI_STE_RANGE(0x11, 0)', encodeCmd({ op: 'CMD_CFGI_STE_RANGE', sid: 0x11, range: 0 }), '12:01 13:01 14:01 15:01 16:01 17:01 20:01', 6],
    // §4.3.6: Range = 31, StreamID ignored
    ['CFGI_ALL', encodeCmd({ op: 'CMD_CFGI_ALL' }), '', 27],
    // §4.3.3: one CD, by its index in the CD table; the STE stays
    ['CFGI_CD(0x11, 1)', encodeCmd({ op: 'CMD_CFGI_CD', sid: 0x11, ssid: 1 }), all.replace('11:01', '11:0'), 1],
    // §4.3.4: all CDs of the StreamID
    ['CFGI_CD_ALL(0x11)', encodeCmd({ op: 'CMD_CFGI_CD_ALL', sid: 0x11 }), all.replace('11:01', '11:'), 2],
    ['CFGI_STE of an uncached SID', encodeCmd({ op: 'CMD_CFGI_STE', sid: 0x30 }), all, 0],
  ];
  it.each(cases)('%s', (_, c, left, removed) => {
    const { smmu, trace } = filledCfg();
    expect(run(smmu, c)).toBeNull();
    expect(cached(smmu)).toBe(left);
    expect(trace.filter((e) => e.type === 'smmu.inv')).toEqual([{ type: 'smmu.inv', cache: 'cfg', removed, by: cmdName(c) }]);
  });
});

// ---- CMD_SYNC ------------------------------------------------------------------------------

describe('CMD_SYNC (§4.7.3)', () => {
  function syncAt(cs: number, msiAddr: number | bigint, msiData = 0xcafe_f00d) {
    const t = smmuWithTrace();
    t.smmu.mem.store64(0x9000_0000n, 0x1111_2222_3333_4444n);
    expect(run(t.smmu, encodeCmd({ op: 'CMD_SYNC', cs, msiAddr, msiData }))).toBeNull();
    return { word: t.smmu.mem.load64(0x9000_0000n), ev: t.trace[0] as CmdEvent };
  }
  it('SIG_IRQ writes MSIData as a 32-bit word: the high half of the 64-bit word at +4', () => {
    const { word, ev } = syncAt(1, 0x9000_0004);
    expect(word).toBe(0xcafe_f00d_3333_4444n);
    expect(ev.msi).toEqual({ addr: 0x9000_0004, data: 0xcafe_f00d });
  });
  it('... the low half at +0', () => {
    expect(syncAt(1, 0x9000_0000).word).toBe(0x1111_2222_cafe_f00dn);
  });
  it('MSIAddress is truncated to the OAS (48 bits)', () => {
    expect(syncAt(1, 0x4_0000_9000_0000n).word).toBe(0x1111_2222_cafe_f00dn);
  });
  it('no write with SIG_NONE, SIG_SEV (IDR0.SEV = 0) or MSIAddress = 0', () => {
    expect(syncAt(0, 0x9000_0000).word).toBe(0x1111_2222_3333_4444n);
    expect(syncAt(2, 0x9000_0000).word).toBe(0x1111_2222_3333_4444n);
    expect(syncAt(1, 0).ev.msi).toBeUndefined();
  });
});

describe('runCommand', () => {
  it('traces the command, then what it removed', () => {
    const { smmu, trace } = filledTlb();
    run(smmu, encodeCmd({ op: 'CMD_TLBI_NH_ALL', vmid: 2 }));
    expect(trace.map((e) => e.type)).toEqual(['smmu.cmd', 'smmu.inv']);
    expect(trace[0]).toMatchObject({ name: 'CMD_TLBI_NH_ALL', opcode: 0x10, index: 0, dw0: 0x0000_0002_0000_0010n, dw1: 0n });
  });
  it('an illegal command is traced with its error and changes nothing', () => {
    const { smmu, trace } = filledTlb();
    expect(run(smmu, encodeCmd({ op: 'CMD_TLBI_EL2_ALL' }))).toMatch(/Hyp = 0/);
    expect(survivors(smmu)).toBe('ABCDEFGHIJ');
    expect((trace[0] as CmdEvent).error).toMatch(/^CERROR_ILL: /);
    expect(trace).toHaveLength(1);
  });
  it('a prefetch is a consumed no-op hint', () => {
    const { smmu, trace } = filledTlb();
    expect(run(smmu, encodeCmd({ op: 'CMD_PREFETCH_ADDR', sid: 0x10, addr: 0x1000_0000 }))).toBeNull();
    expect((trace[0] as CmdEvent).note).toMatch(/prefetch/);
  });
});
