// Smmu.translate() / translateN() on buildNestedMachine() and on small hand-assembled machines.
// References: primer §1.6 (nested walk cost, 30 reads cold), §2.10 (what a nested walk records);
// SMMUv3 §7.3.12-7.3.16 (S2/CLASS/IPA), §7.3.22 (priorities), §3.4 (address sizes), §3.17 (TLB tags),
// §5.2 S2VMID; ARM ARM D8.2.4 (TTB0/TTB1 selection), D8.4 (permissions).
//
// buildNestedMachine() layout (machine.ts header): StreamID 0x10 in a linear stream table at PA 0x1000_0000
// (STE at 0x1000_0000 + 64*0x10 = 0x1000_0400); host stage 2 (4KB, 48-bit IPA, start L0) with tables handed out
// from PA 0x1010_0000 in 4KB steps; guest RAM IPA 0x4000_0000..0x401F_FFFF -> PA 0x8_0000_0000, mapped with
// 4KB pages; the guest's CD at IPA 0x4000_0000 (first 64 bytes of guest RAM) and its stage-1 tables from the
// next 4KB boundary: L0 0x4000_1000, L1 0x4000_2000, L2 0x4000_3000, L3 0x4000_4000; the guest maps IOVA
// 0x1000_0000 -> IPA 0x4010_0000 (4KB, rw).
//
// Host stage-2 walk of an IPA in guest RAM, derived by hand (IPA 0x4000_0000..0x401F_FFFF: L0 idx 0,
// L1 idx IPA[38:30] = 1, L2 idx IPA[29:21] = 0, L3 idx IPA[20:12]): 0x1010_0000, 0x1010_1008, 0x1010_2000,
// 0x1010_3000 + 8*L3idx.
// Stage-1 walk of IOVA 0x1000_0040: L0 idx 0, L1 idx IOVA[38:30] = 0, L2 idx IOVA[29:21] = 0x80 = 128,
// L3 idx 0 -> descriptor IPAs 0x4000_1000, 0x4000_2000, 0x4000_3000 + 128*8 = 0x4000_3400, 0x4000_4000;
// their host L3 indexes 1, 2, 3, 4. Output IPA 0x4010_0040 -> host L3 index 0x100 = 256 -> PA 0x8_0010_0040.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildNestedMachine } from '../machine';
import { PhysMem } from '../mem';
import type { FetchEvent, Trace } from '../trace';
import { BumpAllocator, PageTableBuilder, type TableIO } from '../vmsa/builder';
import { ACC_WRITE } from '../vmsa/perm';
import { encodeCd, encodeSte, STE_CFG, type CdFields, type SteFields } from './encode';
import { EVT } from './events';
import { Smmu } from './smmu';

const IOVA = 0x1000_0040n;
const PA = 0x8_0010_0040n;
const s2walk = (l3: number) => [0x1010_0000, 0x1010_1008, 0x1010_2000, 0x1010_3000 + 8 * l3];

function fetches(t: Trace): FetchEvent[] {
  return t.filter((e): e is FetchEvent => e.type === 'smmu.fetch');
}

describe('cold nested 4KB 4x4 translation (primer §1.6)', () => {
  it('IOVA 0x1000_0040 -> PA 0x8_0010_0040 in 30 reads, 24 of them walk reads', () => {
    const m = buildNestedMachine();
    const r = m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' });
    expect(r).toEqual({ ok: true, pa: PA });
    // 1 STE + (4 stage-2 + 1 CD) + (n+1)(m+1) - 1 = 24 with n = m = 4.
    expect(m.smmu.reads).toBe(30);
    expect(m.smmu.walkReads).toBe(24);
  });

  it('the trace lists the reads in order: STE, S2 x4, CD, then (S2 x4, S1) x4, then S2 x4 - at hand-derived addresses', () => {
    const m = buildNestedMachine();
    const t: Trace = [];
    m.smmu.trace = t;
    m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' });
    const f = fetches(t);
    expect(f.map((e) => e.what)).toEqual([
      'STE', 'S2', 'S2', 'S2', 'S2', 'CD',
      'S2', 'S2', 'S2', 'S2', 'S1', 'S2', 'S2', 'S2', 'S2', 'S1',
      'S2', 'S2', 'S2', 'S2', 'S1', 'S2', 'S2', 'S2', 'S2', 'S1',
      'S2', 'S2', 'S2', 'S2',
    ]);
    expect(f.map((e) => e.addr)).toEqual([
      0x1000_0400,
      ...s2walk(0), 0x8_0000_0000,
      ...s2walk(1), 0x8_0000_1000,
      ...s2walk(2), 0x8_0000_2000,
      ...s2walk(3), 0x8_0000_3400,
      ...s2walk(4), 0x8_0000_4000,
      ...s2walk(256),
    ]);
    // Stage-2 walks say what they translate (CLASS names, SMMU §7.3) and which IPA.
    const s2 = f.filter((e) => e.what === 'S2');
    expect(s2.map((e) => e.purpose)).toEqual([...Array(4).fill('CD'), ...Array(16).fill('TT'), ...Array(4).fill('IN')]);
    expect(s2.filter((_, i) => i % 4 === 0).map((e) => e.ipa)).toEqual([0x4000_0000, 0x4000_1000, 0x4000_2000, 0x4000_3400, 0x4000_4000, 0x4010_0040]);
    expect(s2.filter((e) => e.purpose === 'TT').map((e) => e.s1Level)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(f.filter((e) => e.what === 'S1').map((e) => [e.level, e.ipa])).toEqual([[0, 0x4000_1000], [1, 0x4000_2000], [2, 0x4000_3400], [3, 0x4000_4000]]);
    expect(s2.slice(0, 4).map((e) => e.level)).toEqual([0, 1, 2, 3]);
    const done = t.find((e) => e.type === 'smmu.done');
    expect(done).toMatchObject({ ok: true, pa: 0x8_0010_0040, reads: 30, walkReads: 24 });
  });

  it('a 40-bit IPA with two concatenated level-1 tables (S2T0SZ 24, S2SL0 0b01) walks 3 stage-2 levels: 19 walk reads', () => {
    const m = buildNestedMachine({ s2InputBits: 40, s2StartLevel: 1 });
    const t: Trace = [];
    m.smmu.trace = t;
    expect(m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' })).toEqual({ ok: true, pa: PA });
    // (4 + 1)(3 + 1) - 1 = 19 (primer §1.6); total 1 STE + (3 + 1) CD + 19 = 24.
    expect(m.smmu.walkReads).toBe(19);
    expect(m.smmu.reads).toBe(24);
    // The 8KB root at 0x1010_0000; IPA 0x4000_0000 has 10-bit L1 index IPA[39:30] = 1 -> 0x1010_0008;
    // the L2 and L3 tables follow the 8KB root: 0x1010_2000 and 0x1010_3000.
    expect(fetches(t).slice(1, 5).map((e) => e.addr)).toEqual([0x1010_0008, 0x1010_2000, 0x1010_3000, 0x8_0000_0000]);
  });

  it('cache on: the second translation of the same page is a TLB hit with 0 reads', () => {
    const m = buildNestedMachine({ cache: true });
    m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' });
    expect(m.smmu.reads).toBe(30);
    const t: Trace = [];
    m.smmu.trace = t;
    expect(m.smmu.translate({ sid: m.sid, iova: 0x1000_0ff8n, access: 'write' })).toEqual({ ok: true, pa: 0x8_0010_0ff8n });
    expect(m.smmu.reads).toBe(0);
    expect(m.smmu.walkReads).toBe(0);
    expect(fetches(t)).toEqual([]);
    expect(t.filter((e) => e.type === 'smmu.tlb')).toEqual([{ type: 'smmu.tlb', hit: true, kind: 'S1S2', vmid: 1, asid: 7, addr: 0x1000_0ff8 }]);
  });

  it('cache off: every translation reads 30 times', () => {
    const m = buildNestedMachine({ cache: false });
    for (let i = 0; i < 3; i++) {
      expect(m.smmu.translate({ sid: m.sid, iova: IOVA + BigInt(8 * i), access: 'read' })).toEqual({ ok: true, pa: PA + BigInt(8 * i) });
      expect(m.smmu.reads).toBe(30);
      expect(m.smmu.walkReads).toBe(24);
    }
  });

  it('cache on, a second page of the same tables: stage-2 entries for the table pages hit, only S1 reads + one S2 walk', () => {
    const m = buildNestedMachine({ cache: true });
    // Second guest page IOVA 0x1000_1000 -> IPA 0x4010_1000 (host L3 index 257).
    m.s1.map(0x1000_1000, 0x4010_1000, 0x1000, { r: true, w: true });
    m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' });
    expect(m.smmu.translate({ sid: m.sid, iova: 0x1000_1234n, access: 'read' })).toEqual({ ok: true, pa: 0x8_0010_1234n });
    // STE and CD from the configuration cache; 4 stage-1 reads whose descriptor IPAs hit cached stage-2
    // entries (same 4KB pages as before); the new output IPA page needs a full 4-level stage-2 walk.
    expect(m.smmu.reads).toBe(8);
    expect(m.smmu.walkReads).toBe(8);
  });
});

describe('nested faults: S2 / CLASS / IPA (SMMU §7.3.13, §7.3.16; primer §2.10 table)', () => {
  const tx = (m: ReturnType<typeof buildNestedMachine>, iova: bigint, access: 'read' | 'write' = 'read') => {
    const r = m.smmu.translate({ sid: m.sid, iova, access });
    if (r.ok) throw new Error('expected a fault');
    return r.event!;
  };

  it('unmapped IOVA: stage-1 F_TRANSLATION, S2 = 0, CLASS IN, no IPA', () => {
    const m = buildNestedMachine({ cache: false });
    const e = tx(m, 0x2000_0123n);
    expect(e).toMatchObject({ id: EVT.F_TRANSLATION, s2: false, cls: 'IN', input: 0x2000_0123n, sid: 0x10, rnw: true, recorded: true });
    expect(e.ipa).toBeUndefined();
  });

  it('IOVA outside T0SZ (VA[63:48] not all equal VA[55]) -> stage-1 F_TRANSLATION before any walk (ARM ARM D8.2.4)', () => {
    const m = buildNestedMachine({ cache: false });
    const e = tx(m, 0x0001_0000_0000_0000n);
    expect(e).toMatchObject({ id: EVT.F_TRANSLATION, s2: false, cls: 'IN' });
    expect(m.smmu.walkReads).toBe(0);
    // VA[55] = 1 selects TTB1, disabled (EPD1 = 1) -> F_TRANSLATION too (SMMU §5.4.1.1).
    expect(tx(m, 0xffff_ffff_ffff_f000n)).toMatchObject({ id: EVT.F_TRANSLATION, s2: false, cls: 'IN' });
  });

  it('guest maps an IPA the host did not map: stage-2 F_TRANSLATION, CLASS IN, IPA = that IPA', () => {
    const m = buildNestedMachine({ cache: false });
    m.s1.map(0x1000_1000, 0x5000_0000, 0x1000, { r: true, w: true });
    const e = tx(m, 0x1000_1abcn);
    expect(e).toMatchObject({ id: EVT.F_TRANSLATION, s2: true, cls: 'IN', input: 0x1000_1abcn });
    expect(e.ipa! >> 12n).toBe(0x5_0000n);                   // the record keeps IPA[51:12]
  });

  it('host unmaps a guest table page: stage-2 F_TRANSLATION, CLASS TT, IPA = the stage-1 descriptor IPA', () => {
    const m = buildNestedMachine({ cache: false });
    m.s2.unmap(0x4000_3000, 0x1000);                           // the guest's L2 table
    const e = tx(m, IOVA);
    expect(e).toMatchObject({ id: EVT.F_TRANSLATION, s2: true, cls: 'TT', input: IOVA, ipa: 0x4000_3400n });
  });

  it('host unmaps the CD page: stage-2 F_TRANSLATION, CLASS CD, IPA = the CD address', () => {
    const m = buildNestedMachine({ cache: false });
    m.s2.unmap(0x4000_0000, 0x1000);
    expect(tx(m, IOVA)).toMatchObject({ id: EVT.F_TRANSLATION, s2: true, cls: 'CD', ipa: 0x4000_0000n });
  });

  it('stage-1 read-only page, write -> stage-1 F_PERMISSION (S2 = 0, RnW = 0)', () => {
    const m = buildNestedMachine({ cache: false });
    m.s1.protect(0x1000_0000, 0x1000, { r: true, w: false });
    expect(tx(m, IOVA, 'write')).toMatchObject({ id: EVT.F_PERMISSION, s2: false, cls: 'IN', rnw: false });
    expect(m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' })).toEqual({ ok: true, pa: PA });
  });

  it('stage-2 read-only output page, write -> stage-2 F_PERMISSION, CLASS IN, IPA = output IPA (ARM ARM D8.4.3)', () => {
    const m = buildNestedMachine({ cache: false });
    m.s2.protect(0x4010_0000, 0x1000, { r: true, w: false });
    const e = tx(m, IOVA, 'write');
    expect(e).toMatchObject({ id: EVT.F_PERMISSION, s2: true, cls: 'IN', rnw: false, ipa: 0x4010_0040n });
  });

  it('stage-1 permission is reported before stage 2 when both deny (ARM ARM D8.4.3: stage 1 has priority)', () => {
    const m = buildNestedMachine({ cache: false });
    m.s1.protect(0x1000_0000, 0x1000, { r: true, w: false });
    m.s2.protect(0x4010_0000, 0x1000, { r: true, w: false });
    expect(tx(m, IOVA, 'write')).toMatchObject({ id: EVT.F_PERMISSION, s2: false });
  });

  it('stage-2 no-read page under a stage-1 table: stage-2 F_PERMISSION, CLASS TT, TTRnW = 1 (read), IPA = descriptor IPA', () => {
    const m = buildNestedMachine({ cache: false });
    m.s2.protect(0x4000_3000, 0x1000, { r: false, w: true });
    const e = tx(m, IOVA);
    expect(e).toMatchObject({ id: EVT.F_PERMISSION, s2: true, cls: 'TT', ttrnw: true, ipa: 0x4000_3400n });
  });

  it('the same fault on a TLB hit: a cached stage-2 permission still faults at stage 2 with the output IPA', () => {
    const m = buildNestedMachine({ cache: true });
    m.s2.protect(0x4010_0000, 0x1000, { r: true, w: false });
    expect(m.smmu.translate({ sid: m.sid, iova: IOVA, access: 'read' }).ok).toBe(true);
    const e = tx(m, IOVA + 8n, 'write');
    expect(m.smmu.reads).toBe(0);
    expect(e).toMatchObject({ id: EVT.F_PERMISSION, s2: true, cls: 'IN', ipa: 0x4010_0048n });
  });

  it('STE.S2R = 0 suppresses the stage-2 record; CD.R = 0 the stage-1 record (SMMU §5.5)', () => {
    const m = buildNestedMachine({ cache: false });
    const steAddr = 0x1000_0400n;
    m.mem.store64(steAddr + 16n, m.mem.load64(steAddr + 16n) & ~(1n << 58n));    // S2R = dw2[58]
    m.s1.map(0x1000_1000, 0x5000_0000, 0x1000, { r: true, w: true });
    expect(tx(m, 0x1000_1000n)).toMatchObject({ s2: true, recorded: false });
    m.mem.store64(0x8_0000_0000n, m.mem.load64(0x8_0000_0000n) & ~(1n << 45n));  // CD.R = dw0[45]
    expect(tx(m, 0x2000_0000n)).toMatchObject({ s2: false, recorded: false });
  });

  it('stage-1 output IPA above the effective IPS -> stage-1 F_ADDR_SIZE (§7.3.14), before any stage-2 walk of it', () => {
    const m = buildNestedMachine({ cache: false });
    // CD.IPS = 0b000 (32 bits): the guest tables are below 2^32, the output IPA 0x1_0000_0000 is not.
    m.mem.store64(0x8_0000_0000n, m.mem.load64(0x8_0000_0000n) & ~(7n << 32n));
    m.s1.map(0x1000_1000, 0x1_0000_0000, 0x1000, { r: true, w: true });
    const e = tx(m, 0x1000_1000n);
    expect(e).toMatchObject({ id: EVT.F_ADDR_SIZE, s2: false, cls: 'IN' });
    expect(m.smmu.walkReads).toBe(4 * 5);                      // no stage-2 walk of the output
  });
});

// ---- small hand-assembled machines -----------------------------------------------------------

interface Mini { mem: PhysMem; smmu: Smmu; pt: (base: number) => PageTableBuilder }
const STRTAB = 0x100_0000;
function mini(cache: boolean): Mini {
  const mem = new PhysMem();
  const smmu = new Smmu(mem, { oas: 48, cache });
  smmu.strtab = { base: STRTAB, log2size: 6, fmt: 'linear', split: 8 };
  const io: TableIO = { read: (a) => mem.load64(BigInt(a)), write: (a, v) => mem.store64(BigInt(a), v) };
  return { mem, smmu, pt: (base) => new PageTableBuilder(1, 12, 48, io, new BumpAllocator(base, base + 0x10_0000)) };
}
function putSte(x: Mini, sid: number, f: SteFields): void {
  encodeSte(f).forEach((w, i) => x.mem.store64(BigInt(STRTAB + 64 * sid + 8 * i), w));
}
function putCd(x: Mini, pa: number, f: CdFields): void {
  encodeCd(f).forEach((w, i) => x.mem.store64(BigInt(pa + 8 * i), w));
}

describe('stage-1-only and stage-2-only STEs, bypass, configuration errors', () => {
  it('stage-2-only: input above the IAS -> stage-1 F_ADDR_SIZE (S2 = 0, CLASS IN), recorded (SMMU §3.4, §7.3.14)', () => {
    const x = mini(false);
    putSte(x, 1, { config: STE_CFG.s2, s2T0sz: 24, s2Sl0: 1, s2Tg: 0, s2Ps: 5, s2Ttb: 0x200_0000n, s2R: 1 });
    const r = x.smmu.translate({ sid: 1, iova: 1n << 48n, access: 'read' });
    expect(r).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_ADDR_SIZE, s2: false, cls: 'IN', recorded: true }) });
    // Below the IAS but above 2^(64 - S2T0SZ) = 2^40 -> stage-2 F_TRANSLATION, CLASS IN, IPA = input.
    const r2 = x.smmu.translate({ sid: 1, iova: 1n << 40n, access: 'read' });
    expect(r2).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_TRANSLATION, s2: true, cls: 'IN', ipa: 1n << 40n }) });
  });

  it('bypass STE passes the address through; abort STE aborts with no event (§5.2 Config)', () => {
    const x = mini(false);
    putSte(x, 2, { config: STE_CFG.bypass });
    putSte(x, 3, { config: STE_CFG.abort });
    expect(x.smmu.translate({ sid: 2, iova: 0x1234_5678_9abcn, access: 'write' })).toEqual({ ok: true, pa: 0x1234_5678_9abcn });
    expect(x.smmu.translate({ sid: 3, iova: 0x1000n, access: 'read' })).toEqual({ ok: false, event: null });
  });

  it('C_BAD_STREAMID beyond LOG2SIZE, C_BAD_STE for an ILLEGAL STE, C_BAD_CD for an ILLEGAL CD (§7.3.3, 7.3.5, 7.3.11)', () => {
    const x = mini(false);
    expect(x.smmu.translate({ sid: 64, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.C_BAD_STREAMID, sid: 64 }) });
    putSte(x, 4, { config: STE_CFG.s2, s2T0sz: 16, s2Sl0: 1, s2Tg: 0, s2Ps: 5 });
    expect(x.smmu.translate({ sid: 4, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.C_BAD_STE }) });
    putSte(x, 5, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n });
    putCd(x, 0x300_0000, { t0sz: 16, a: 0, ttb0: 0x400_0000n });
    expect(x.smmu.translate({ sid: 5, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.C_BAD_CD }) });
  });

  it('SubstreamID on a stage-2-only STE -> C_BAD_SUBSTREAMID (§7.3.9); no SSID with S1CDMax > 0, S1DSS 0b00 -> F_STREAM_DISABLED (§7.3.7)', () => {
    const x = mini(false);
    putSte(x, 6, { config: STE_CFG.s2, s2T0sz: 24, s2Sl0: 1, s2Tg: 0, s2Ps: 5, s2Ttb: 0x200_0000n });
    expect(x.smmu.translate({ sid: 6, ssid: 1, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.C_BAD_SUBSTREAMID, ssv: true, ssid: 1 }) });
    putSte(x, 7, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, s1CdMax: 2, s1Dss: 0 });
    expect(x.smmu.translate({ sid: 7, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_STREAM_DISABLED }) });
    expect(x.smmu.translate({ sid: 7, ssid: 4, iova: 0n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.C_BAD_SUBSTREAMID }) });
  });

  it('TTB1: an upper-range VA (VA[55] = 1, bits [63:64-T1SZ] all ones) walks TTB1 (ARM ARM D8.2.4)', () => {
    const x = mini(false);
    const t0 = x.pt(0x400_0000), t1 = x.pt(0x500_0000);
    t0.map(0xffff_f000_0000, 0xa000, 0x1000, { r: true, w: true });
    t1.map(0xffff_f000_0000, 0xb000, 0x1000, { r: true, w: true });
    putSte(x, 8, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n });
    putCd(x, 0x300_0000, { t0sz: 16, tg0: 0, t1sz: 16, tg1: 2, ttb0: BigInt(t0.root), ttb1: BigInt(t1.root) });
    expect(x.smmu.translate({ sid: 8, iova: 0x0000_ffff_f000_0010n, access: 'read' })).toEqual({ ok: true, pa: 0xa010n });
    expect(x.smmu.translate({ sid: 8, iova: 0xffff_ffff_f000_0010n, access: 'read' })).toEqual({ ok: true, pa: 0xb010n });
  });

  it('TBI0 = 1: the top byte is ignored for the range check, and the record keeps all 64 InputAddr bits (§7.3)', () => {
    const x = mini(false);
    const t0 = x.pt(0x400_0000);
    t0.map(0x1000, 0xa000, 0x1000, { r: true, w: false });
    putSte(x, 9, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n });
    putCd(x, 0x300_0000, { t0sz: 16, tbi0: 1, ttb0: BigInt(t0.root) });
    expect(x.smmu.translate({ sid: 9, iova: 0xab00_0000_0000_1008n, access: 'read' })).toEqual({ ok: true, pa: 0xa008n });
    const r = x.smmu.translate({ sid: 9, iova: 0xab00_0000_0000_1008n, access: 'write' });
    expect(r).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_PERMISSION, input: 0xab00_0000_0000_1008n }) });
  });

  const privMachine = () => {
    const x = mini(false);
    const t0 = x.pt(0x400_0000);
    t0.map(0x1000, 0xa000, 0x1000, { r: true, w: true, user: false });       // AP = 00: privileged only, XN
    putCd(x, 0x300_0000, { t0sz: 16, ttb0: BigInt(t0.root) });
    putSte(x, 10, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, privCfg: 0b11 });   // force privileged
    putSte(x, 11, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, privCfg: 0b10 });   // force unprivileged
    putSte(x, 12, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, privCfg: 0b11, instCfg: 0b11 });  // + instruction
    return x;
  };

  it('STE.PRIVCFG / INSTCFG override the incoming attributes before the permission check (§5.2 PRIVCFG, INSTCFG)', () => {
    const x = privMachine();
    expect(x.smmu.translate({ sid: 10, iova: 0x1000n, access: 'read', priv: false }).ok).toBe(true);
    expect(x.smmu.translate({ sid: 11, iova: 0x1000n, access: 'read', priv: true })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_PERMISSION }) });
    // INSTCFG 0b11 makes reads instruction fetches; the leaf is PXN -> F_PERMISSION.
    expect(x.smmu.translate({ sid: 12, iova: 0x1000n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_PERMISSION }) });
    // Writes are always data: INSTCFG does not apply (§13.1.2), so the rw page accepts the write.
    expect(x.smmu.translate({ sid: 12, iova: 0x1000n, access: 'write', instr: true }).ok).toBe(true);
  });

  // SMMU §7.3 common fields: "PnU: Privileged/Unprivileged (post-STE
  // override)", "InD: Instruction/Data (post-STE override)"; §7.3.16: "The InD/PnU attributes are the
  // post-STE override values".
  it('the event record carries the post-override PnU and InD (§7.3, §7.3.16)', () => {
    const x = privMachine();
    expect(x.smmu.translate({ sid: 11, iova: 0x1000n, access: 'read', priv: true })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_PERMISSION, pnu: false }) });
    expect(x.smmu.translate({ sid: 12, iova: 0x1000n, access: 'read' })).toEqual({ ok: false, event: expect.objectContaining({ id: EVT.F_PERMISSION, ind: true, pnu: true }) });
  });

  it('execute-only stage-1 page: an unprivileged instruction fetch succeeds, a data read faults (SMMU §13.7 "XO"; Table D8-65)', () => {
    const x = mini(false);
    const t0 = x.pt(0x400_0000);
    t0.map(0x1000, 0xa000, 0x1000, { r: true, w: true, x: true, user: false });   // AP = 00, UXN = 0
    putCd(x, 0x300_0000, { t0sz: 16, ttb0: BigInt(t0.root) });
    putSte(x, 13, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n });
    expect(x.smmu.translate({ sid: 13, iova: 0x1000n, access: 'read', instr: true })).toEqual({ ok: true, pa: 0xa000n });
    expect(x.smmu.translate({ sid: 13, iova: 0x1000n, access: 'read' }).ok).toBe(false);
  });
});

describe('TLB tagging (SMMU §3.17, §5.2 S2VMID)', () => {
  // Two stage-1-only STEs with the same ASID but different S2VMIDs and different tables: VMID-tagged entries
  // (§5.2 S2VMID: "translations resulting from a StreamWorld == NS-EL1 configuration are VMID-tagged with
  // STE.S2VMID when either of stage 1 (STE.Config == 0b1x1) or stage 2 ... provide translation") must not hit
  // across them.
  it('stage-1-only STEs with different S2VMIDs do not share TLB entries', () => {
    const x = mini(true);
    const a = x.pt(0x400_0000), b = x.pt(0x500_0000);
    a.map(0x1000, 0xa000, 0x1000, { r: true, w: true });
    b.map(0x1000, 0xb000, 0x1000, { r: true, w: true });
    putCd(x, 0x300_0000, { t0sz: 16, asid: 5, ttb0: BigInt(a.root) });
    putCd(x, 0x300_1000, { t0sz: 16, asid: 5, ttb0: BigInt(b.root) });
    putSte(x, 1, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, s2Vmid: 1 });
    putSte(x, 2, { config: STE_CFG.s1, s1ContextPtr: 0x300_1000n, s2Vmid: 2 });
    expect(x.smmu.translate({ sid: 1, iova: 0x1010n, access: 'read' })).toEqual({ ok: true, pa: 0xa010n });
    expect(x.smmu.translate({ sid: 2, iova: 0x1010n, access: 'read' })).toEqual({ ok: true, pa: 0xb010n });
  });

  it('nested STEs: the same IPA under two VMIDs uses each VMID\'s stage 2', () => {
    const m1 = buildNestedMachine({ cache: true });
    // A second StreamID 0x11 with the same guest tables and CD but VMID 2 and its own stage 2 mapping guest
    // RAM to PA 0x9_0000_0000 instead.
    const io: TableIO = { read: (a) => m1.mem.load64(BigInt(a)), write: (a, v) => m1.mem.store64(BigInt(a), v) };
    const s2b = new PageTableBuilder(2, 12, 48, io, new BumpAllocator(0x1100_0000, 0x1200_0000), 0);
    s2b.map(0x4000_0000, 0x8_0000_0000, 0x10_0000, { r: true, w: true });    // tables and CD: shared pages
    s2b.map(0x4010_0000, 0x9_0010_0000, 0x10_0000, { r: true, w: true });    // data: elsewhere
    encodeSte({ config: STE_CFG.nested, s1ContextPtr: 0x4000_0000n, s2Vmid: 2, s2T0sz: 16, s2Sl0: 2, s2Tg: 0, s2Ps: 5, s2Ttb: BigInt(s2b.root) })
      .forEach((w, i) => m1.mem.store64(BigInt(0x1000_0000 + 64 * 0x11 + 8 * i), w));
    expect(m1.smmu.translate({ sid: 0x10, iova: IOVA, access: 'read' })).toEqual({ ok: true, pa: PA });
    expect(m1.smmu.translate({ sid: 0x11, iova: IOVA, access: 'read' })).toEqual({ ok: true, pa: 0x9_0010_0040n });
  });

  // 0x0000_FFFF_F000_0000 (TTB0) and 0xFFFF_FFFF_F000_0000 (TTB1) share their low 48 bits but are
  // different addresses with different tables (ARM ARM D8.2.4): a TLB entry for one must not answer the other.
  it('a TTB0 TLB entry does not answer for the TTB1 address with the same low 48 bits', () => {
    const x = mini(true);
    const t0 = x.pt(0x400_0000), t1 = x.pt(0x500_0000);
    t0.map(0xffff_f000_0000, 0xa000, 0x1000, { r: true, w: true });
    t1.map(0xffff_f000_0000, 0xb000, 0x1000, { r: true, w: true });
    putSte(x, 8, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n });
    putCd(x, 0x300_0000, { t0sz: 16, tg0: 0, t1sz: 16, tg1: 2, ttb0: BigInt(t0.root), ttb1: BigInt(t1.root) });
    expect(x.smmu.translate({ sid: 8, iova: 0x0000_ffff_f000_0010n, access: 'read' })).toEqual({ ok: true, pa: 0xa010n });
    expect(x.smmu.translate({ sid: 8, iova: 0xffff_ffff_f000_0010n, access: 'read' })).toEqual({ ok: true, pa: 0xb010n });
  });

  // global entries (nG = 0) must only match lookups with the same ASET
  // (SMMU §3.17.1: "Global TLB entries with ASET == 0 do not match lookups through configurations with
  // ASET == 1").
  it('a global entry inserted through an ASET = 0 CD does not match a lookup through an ASET = 1 CD', () => {
    const x = mini(true);
    const a = x.pt(0x400_0000), b = x.pt(0x500_0000);
    a.map(0x1000, 0xa000, 0x1000, { r: true, w: true, global: true });
    b.map(0x1000, 0xb000, 0x1000, { r: true, w: true, global: true });
    putCd(x, 0x300_0000, { t0sz: 16, asid: 1, aset: 0, ttb0: BigInt(a.root) });
    putCd(x, 0x300_1000, { t0sz: 16, asid: 2, aset: 1, ttb0: BigInt(b.root) });
    putSte(x, 1, { config: STE_CFG.s1, s1ContextPtr: 0x300_0000n, s2Vmid: 1 });
    putSte(x, 2, { config: STE_CFG.s1, s1ContextPtr: 0x300_1000n, s2Vmid: 1 });
    expect(x.smmu.translate({ sid: 1, iova: 0x1010n, access: 'read' })).toEqual({ ok: true, pa: 0xa010n });
    expect(x.smmu.translate({ sid: 2, iova: 0x1010n, access: 'read' })).toEqual({ ok: true, pa: 0xb010n });
  });
});

describe('translateN (number API) agrees with translate (bigint API)', () => {
  it('for random IOVAs, mapped and unmapped, both give the same PA or the same event', () => {
    const mA = buildNestedMachine({ cache: false });
    const mB = buildNestedMachine({ cache: false });
    for (const m of [mA, mB]) {
      m.s1.map(0x1000_1000, 0x4010_1000, 0x3000, { r: true, w: false });
      m.s1.map(0x7fff_f000, 0x5000_0000, 0x1000, { r: true, w: true });        // IPA not mapped by the host
    }
    const iova = fc.oneof(
      fc.bigInt({ min: 0x1000_0000n, max: 0x1000_4fffn }),
      fc.bigInt({ min: 0x7fff_f000n, max: 0x7fff_ffffn }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    );
    fc.assert(fc.property(iova, fc.boolean(), fc.boolean(), (va, write, priv) => {
      const r = mA.smmu.translate({ sid: mA.sid, iova: va, access: write ? 'write' : 'read', priv });
      const okN = mB.smmu.translateN(mB.sid, -1, Number(va >> 32n), Number(va & 0xffff_ffffn), (write ? ACC_WRITE : 0) | (priv ? 2 : 0));
      expect(okN).toBe(r.ok);
      if (r.ok) expect(BigInt(mB.smmu.result.pa)).toBe(r.pa);
      else expect(mB.smmu.result.event).toEqual(r.event);
      expect(mB.smmu.reads).toBe(mA.smmu.reads);
    }), { numRuns: 200 });
  });
});
