// The host builtins, called directly: the words they write (derived here from Linux's field
// choices and SMMUv3 §5.2), the commands they send, and the mistakes they refuse.

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import type { CmdEvent } from '../../model/trace';
import type { HandleValue } from '../values';
import { call, failure, field } from './call.test-util';

const G4K = 0x1000;

function ste(m: LabMachine, sid: number): bigint[] {
  return [0, 1, 2, 3].map((i) => m.mem.load64(BigInt(m.steAddr(sid) + 8 * i)));
}

function commands(m: LabMachine, from: number): string[] {
  return m.trace.slice(from).filter((e): e is CmdEvent => e.type === 'smmu.cmd').map((e) => e.name);
}

describe('host.assign', () => {
  it('makes the STE valid with Config = abort, SHCFG = incoming, then CMD_CFGI_STE and CMD_SYNC', () => {
    const m = new LabMachine();
    const at = m.trace.length;
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 }) as HandleValue;
    expect(nic).toMatchObject({ kind: 'handle', type: 'device', id: 0 });
    expect(nic.label).toBe('0000:01:00.0 (StreamID 0x10)');
    // dw0: V = 1, Config = 0b000; dw1: SHCFG[109:108] = 0b01 (STRTAB_STE_1_SHCFG_INCOMING); dw2: VMID 0.
    expect(ste(m, 0x10).slice(0, 3)).toEqual([0x1n, 1n << 44n, 0n]);
    expect(commands(m, at)).toEqual(['CMD_CFGI_STE', 'CMD_SYNC']);
    const cfgi = m.trace.slice(at).find((e): e is CmdEvent => e.type === 'smmu.cmd' && e.name === 'CMD_CFGI_STE');
    expect(cfgi?.dw0).toBe((0x10n << 32n) | 0x03n);       // StreamID[63:32], opcode 0x03
    expect(cfgi?.dw1).toBe(1n);                            // Leaf
  });

  it('a blocked device\'s DMA is aborted silently: no event, one STE read, no TLB lookup', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000 });
    expect(field(r, 'ok')).toBe(false);
    expect(field(r, 'event')).toBe(null);
    expect(field(r, 'walk.reads')).toBe(1n);
    expect(field(r, 'walk.tlb')).toBe('none');
    expect(call(m, 'smmu.events')).toBe(0n);
  });

  it('refuses a malformed PCI address, a StreamID or address already assigned', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'host.assign', { bdf: '01:00.0', sid: 1 }))).toMatch(/not a PCI address/);
    call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
    expect(failure(() => call(m, 'host.assign', { bdf: '0000:02:00.0', sid: 0x10 }))).toMatch(/already assigned/);
    expect(failure(() => call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x11 }))).toMatch(/already assigned/);
  });
});

describe('host.vm: the stage-2 start level Linux picks, and an STE the SMMU accepts', () => {
  // [granule, IPA bits, start level, S2SL0, start-table bytes]. io-pgtable-arm: the stage-1 rule
  // 4 - ceil((bits - g) / (g - 3)), then a level-0 start with <= 16 entries moves to level 1
  // with that many concatenated tables (ARM_LPAE_S2_MAX_CONCAT_PAGES). S2SL0: 4K 2 - level,
  // 16K/64K 3 - level (ARM ARM D8-19/29/38).
  const cases: [number, number, number, number, number][] = [
    [0x1000, 48, 0, 0b10, 0x1000],
    [0x1000, 44, 0, 0b10, 32 * 8],
    [0x1000, 40, 1, 0b01, 0x2000],            // two concatenated L1 tables
    [0x1000, 36, 1, 0b01, 64 * 8],
    [0x1000, 32, 1, 0b01, 4 * 8],
    [0x4000, 48, 1, 0b10, 0x8000],            // 16K, 48-bit: two concatenated L1 tables
    [0x4000, 40, 1, 0b10, 16 * 8],
    [0x1_0000, 48, 1, 0b10, 64 * 8],
    [0x1_0000, 42, 2, 0b01, 0x1_0000],
  ];
  for (const [granule, bits, level, sl0, bytes] of cases) {
    it(`${granule / 1024}K, ${bits}-bit IPA: level ${level}, S2SL0 = ${sl0}; a DMA through it translates`, () => {
      const m = new LabMachine();
      const vmh = call(m, 'host.vm', { vmid: 3, ipa_bits: bits, granule }) as HandleValue;
      expect(vmh.label).toBe('VM 3');
      const vm = m.vm(vmh.id);
      expect([vm.startLevel, vm.sl0]).toEqual([level, sl0]);
      expect(vm.s2Root % bytes).toBe(0);                   // aligned to the start table's size
      const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 1 });
      const ipa = 2 ** bits - granule;                     // the top page: every start-table bit set
      call(m, 'host.s2.map', { ipa, pa: 0x8_0000_0000, size: granule, vm: vmh });
      call(m, 'host.attach', { dev: nic, vm: vmh });
      const r = call(m, 'dev.dma', { dev: nic, access: 'write', iova: ipa + 8 });
      expect(field(r, 'event')).toBe(null);
      expect(field(r, 'pa')).toBe(0x8_0000_0008n);
      expect(field(r, 'walk.walk_reads')).toBe(BigInt(4 - level));
    });
  }

  it('refuses a granule that is not 4K, 16K or 64K, and a VMID in use', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'host.vm', { granule: 0x2000 }))).toMatch(/4K, 16K or 64K/);
    call(m, 'host.vm', {});
    expect(failure(() => call(m, 'host.vm', { vmid: 1 }))).toMatch(/VMID 1 is already in use/);
  });
});

describe('host.s2.map', () => {
  it('makes VM 1 if there is none and writes io-pgtable-arm\'s stage-2 page descriptor', () => {
    const m = new LabMachine();
    const at = m.trace.length;
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 2 * G4K });
    expect(m.vms.map((v) => [v.vmid, v.ipaBits, v.g])).toEqual([[1, 48, 12]]);
    const leaf = m.s2Lookup(m.vm(0), 0x4000_1000);
    // OA | page (0b11) | MemAttr 0b1111 (OIWB) | S2AP = 0b11 (rw) | SH inner | AF | XN[54].
    expect(leaf).toMatchObject({ level: 3, desc: 0x8_0000_1000n | 0x3n | 0x3cn | 0xc0n | 0x300n | 0x400n | (1n << 54n) });
    expect(m.vm(0).ram).toEqual([{ ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x2000 }]);
    // Tables and leaves are written by the host; nothing is invalidated.
    expect(commands(m, at)).toEqual([]);
    expect(m.trace.slice(at).every((e) => e.type !== 'mem.write' || e.who === 'host')).toBe(true);
  });

  it('perm words set S2AP and XN; pgsize 2M writes a level-2 block', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K, perm: 'r' });
    call(m, 'host.s2.map', { ipa: 0x4000_1000, pa: 0x8_0000_1000, size: G4K, perm: 'w' });
    call(m, 'host.s2.map', { ipa: 0x4000_2000, pa: 0x8_0000_2000, size: G4K, perm: 'rwx' });
    call(m, 'host.s2.map', { ipa: 0x4020_0000, pa: 0x8_0020_0000, size: 0x20_0000, pgsize: 0x20_0000 });
    const d = (ipa: number) => m.s2Lookup(m.vm(0), ipa);
    expect((d(0x4000_0000)?.desc ?? 0n) & 0xc0n).toBe(0x40n);
    expect((d(0x4000_1000)?.desc ?? 0n) & 0xc0n).toBe(0x80n);
    expect((d(0x4000_2000)?.desc ?? 0n) & (1n << 54n)).toBe(0n);
    expect(d(0x4030_0000)).toMatchObject({ level: 2, desc: 0x8_0020_0000n | 0x1n | 0x3cn | 0xc0n | 0x300n | 0x400n | (1n << 54n) });
  });

  it('refuses PAs outside RAM, IPAs already guest RAM, sizes and addresses that do not fit', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'host.s2.map', { ipa: 0, pa: 0x9_0000_0000, size: G4K })))
      .toBe('map: PA 0x9_0000_0000..0x9_0000_0fff is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff)');
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    expect(failure(() => call(m, 'host.s2.map', { ipa: 0x400f_f000, pa: 0x8_1000_0000, size: 0x2000 }))).toMatch(/overlaps guest RAM/);
    expect(failure(() => call(m, 'host.s2.map', { ipa: 0x5000_1000, pa: 0x8_2000_0000, size: 0x20_0000, pgsize: 0x20_0000 })))
      .toMatch(/multiples of the page size 0x200000/);
    expect(failure(() => call(m, 'host.s2.map', { ipa: 0x5000_0000, pa: 0x8_2000_0000, size: 0x3000, pgsize: 0x3000 })))
      .toMatch(/not a page or block size/);
    const vm40 = call(m, 'host.vm', { vmid: 2, ipa_bits: 40 });
    expect(failure(() => call(m, 'host.s2.map', { ipa: 0x100_0000_0000, pa: 0x8_2000_0000, size: G4K, vm: vm40 })))
      .toMatch(/beyond the 40-bit input range/);
  });
});

describe('host.s2.unmap and host.s2.protect', () => {
  it('unmap clears leaves, returns the bytes, and cuts the range out of guest RAM', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    expect(call(m, 'host.s2.unmap', { ipa: 0x4008_0000, size: 0x2000 })).toBe(0x2000n);
    expect(m.s2Lookup(m.vm(0), 0x4008_0000)).toBe(null);
    expect(m.vm(0).ram).toEqual([
      { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x8_0000 },
      { ipa: 0x4008_2000, pa: 0x8_0008_2000, size: 0x7_e000 },
    ]);
    expect(call(m, 'host.s2.unmap', { ipa: 0x4008_0000, size: 0x2000 })).toBe(0n);
  });

  it('unmap refuses to split a block', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x20_0000, pgsize: 0x20_0000 });
    expect(failure(() => call(m, 'host.s2.unmap', { ipa: 0x4000_0000, size: G4K }))).toMatch(/only partly covers/);
  });

  it('protect to r: after host.tlbi_vmall a DMA write faults at stage 2 (F_PERMISSION, CLASS IN)', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 2 });
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K });
    call(m, 'host.attach', { dev: nic });
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x4000_0010 }), 'ok')).toBe(true);
    call(m, 'host.s2.protect', { ipa: 0x4000_0000, size: G4K, perm: 'r' });
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x4000_0010 }), 'ok')).toBe(true);   // stale
    const at = m.trace.length;
    call(m, 'host.tlbi_vmall', {});
    expect(commands(m, at)).toEqual(['CMD_TLBI_S12_VMALL', 'CMD_SYNC']);
    const r = call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x4000_0010 });
    expect(field(r, 'event.name')).toBe('F_PERMISSION');
    expect(field(r, 'event.stage')).toBe(2n);
    expect(field(r, 'event.class')).toBe('IN');
    expect(field(r, 'event.ipa')).toBe(0x4000_0010n);
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x4000_0010 }), 'ok')).toBe(true);
  });

  it('protect refuses an unmapped page; tlbi_vmall needs a VM', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'host.tlbi_vmall', {}))).toMatch(/no VM yet/);
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K });
    expect(failure(() => call(m, 'host.s2.protect', { ipa: 0x4000_1000, size: G4K, perm: 'r' }))).toMatch(/not mapped/);
  });
});

describe('host.attach', () => {
  it('writes a stage-2-only STE as arm_smmu_write_strtab_ent: words 2-3, sync, word 0, sync', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K });
    const at = m.trace.length;
    call(m, 'host.attach', { dev: nic });
    const w = ste(m, 0x10);
    expect(w[0]).toBe(0xdn);                               // V | Config 0b110
    expect(w[1]).toBe(1n << 44n);                          // left as assign wrote it
    // VMID 1 | S2T0SZ 16 | S2SL0 0b10 | S2IR0 = S2OR0 = WBWA | S2SH0 ISH | S2TG 4K | S2PS 48 bits |
    // S2AA64 | S2PTW | S2R.
    expect(w[2]).toBe(0x044d_3590_0000_0001n);
    expect(w[3]).toBe(BigInt(m.vm(0).s2Root));
    expect(commands(m, at)).toEqual(['CMD_CFGI_STE', 'CMD_SYNC', 'CMD_CFGI_STE', 'CMD_SYNC']);
    const writes = m.trace.slice(at).filter((e) => e.type === 'mem.write' && e.pa >= BigInt(m.steAddr(0x10)) && e.pa < BigInt(m.steAddr(0x11)));
    expect(writes.map((e) => (e.type === 'mem.write' ? Number(e.pa) - m.steAddr(0x10) : -1))).toEqual([16, 24, 0]);
  });

  it('a stage-2-only DMA: the IOVA is an IPA; 1 STE read + 4 stage-2 reads, then a TLB hit', () => {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K });
    call(m, 'host.attach', { dev: nic });
    const r1 = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x4000_0040 });
    expect([field(r1, 'pa'), field(r1, 'walk.reads'), field(r1, 'walk.walk_reads'), field(r1, 'walk.tlb')]).toEqual([0x8_0000_0040n, 5n, 4n, 'miss']);
    const r2 = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x4000_0080 });
    expect([field(r2, 'walk.reads'), field(r2, 'walk.tlb')]).toEqual([0n, 'hit']);
    const r3 = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x5000_0000 });
    expect([field(r3, 'event.name'), field(r3, 'event.stage'), field(r3, 'event.class'), field(r3, 'walk.tlb')]).toEqual(['F_TRANSLATION', 2n, 'IN', 'miss']);
  });

  it('refuses a device handle this machine did not make', () => {
    const m = new LabMachine();
    const ghost: HandleValue = { kind: 'handle', type: 'device', id: 5, label: 'ghost' };
    expect(failure(() => call(m, 'host.attach', { dev: ghost }))).toBe('no device #5 in this machine');
  });
});

describe('host.set_pasid_table', () => {
  function setup() {
    const m = new LabMachine();
    const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    const pt = call(m, 'guest.s1.new', {});
    const cd = call(m, 'guest.cd', { asid: 7, ttb0: pt }) as HandleValue;
    return { m, nic, pt, cd };
  }

  it('makes the STE nested: Config 0b111, S1ContextPtr = the CD\'s IPA, S1DSS/S1CIR/S1COR/S1CSH as Linux, stage 2 as attach', () => {
    const { m, nic, cd } = setup();
    const at = m.trace.length;
    call(m, 'host.set_pasid_table', { dev: nic, cd_table: cd });
    const cdIpa = m.cd(cd.id).ipa;
    const w = ste(m, 0x10);
    expect(w[0]).toBe(BigInt(cdIpa) | 0xfn);              // S1ContextPtr | Config 0b111 | V; S1CDMax = S1Fmt = 0
    expect(w[1]).toBe(0xd6n);                              // S1DSS 0b10 | S1CIR WBRA | S1COR WBRA | S1CSH ISH
    expect(w[2]).toBe(0x044d_3590_0000_0001n);
    expect(commands(m, at)).toEqual(['CMD_CFGI_STE', 'CMD_SYNC', 'CMD_CFGI_STE', 'CMD_SYNC']);
    expect(m.device(0)).toMatchObject({ vm: 0, cd: cd.id });
  });

  it('refuses a CD that lives in another VM', () => {
    const { m, nic, cd } = setup();
    const vm2 = call(m, 'host.vm', { vmid: 2 });
    expect(failure(() => call(m, 'host.set_pasid_table', { dev: nic, cd_table: cd, vm: vm2 }))).toMatch(/the CD is in VM 1's memory/);
  });
});
