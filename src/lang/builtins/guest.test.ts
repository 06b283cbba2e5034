// The guest builtins: tables and a CD in guest RAM, written through the VM's stage 2 as the
// guest's CPU would, with Linux's field choices (derived here bit by bit).

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import type { CmdEvent } from '../../model/trace';
import type { HandleValue } from '../values';
import { call, failure, field } from './call.test-util';

const G4K = 0x1000;

/** Guest RAM: 1 MiB at IPA 0x4000_0000 backed by PA 0x8_0000_0000. */
function withRam() {
  const m = new LabMachine();
  const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 });
  call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
  return { m, nic };
}

function nested(m: LabMachine, nic: unknown, pt: unknown, opts: { r?: boolean; affd?: boolean } = {}) {
  const cd = call(m, 'guest.cd', { asid: 7, ttb0: pt as HandleValue, ...opts });
  call(m, 'host.set_pasid_table', { dev: nic as HandleValue, cd_table: cd });
  return cd as HandleValue;
}

describe('guest.s1.new', () => {
  it('needs a VM with RAM', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'guest.s1.new', {}))).toMatch(/no VM yet/);
    call(m, 'host.vm', {});
    expect(failure(() => call(m, 'guest.s1.new', {}))).toMatch(/VM 1 has no RAM yet/);
  });

  it('takes zeroed guest pages from the top of the first RAM range downward', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    expect(pt.label).toBe('pt#0 (4K, 48-bit VA)');
    expect(m.pt(pt.id).root).toBe(0x400f_f000);
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_0000, size: G4K });
    // L1, L2 and L3 tables, one page each, below the root.
    expect(m.s1Path(m.pt(pt.id), 0x1000_0000).map((p) => p.table)).toEqual([0x400f_f000, 0x400f_e000, 0x400f_d000, 0x400f_c000]);
  });

  it('a guest page that holds old data is zeroed, by guest writes of the non-zero words only', () => {
    const { m } = withRam();
    call(m, 'mem.write64', { addr: 0x8_000f_f008, value: 0xdead });    // PA of IPA 0x400f_f008
    const at = m.trace.length;
    call(m, 'guest.s1.new', {});
    const writes = m.trace.slice(at).filter((e) => e.type === 'mem.write');
    expect(writes).toEqual([{ type: 'mem.write', who: 'guest', pa: 0x8_000f_f008n, value: 0n }]);
  });

  it('a 64K-granule table sits on a 64K boundary; the whole first range can be used up', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x4_0000 });
    const pt = call(m, 'guest.s1.new', { granule: 0x1_0000, va_bits: 48 }) as HandleValue;
    expect(m.pt(pt.id).root).toBe(0x4003_f000);            // 64 entries at L1: one 4K page
    call(m, 'guest.s1.map', { pt, va: 0, ipa: 0x4000_0000, size: 0x1_0000 });
    expect(m.s1Path(m.pt(pt.id), 0).map((p) => p.table)).toEqual([0x4003_f000, 0x4002_0000, 0x4001_0000]);
    call(m, 'guest.s1.map', { pt, va: 0x4000_0000, ipa: 0x4000_0000, size: 0x1_0000 });   // a new L3 table
    expect(m.s1Path(m.pt(pt.id), 0x4000_0000)[2].table).toBe(0x4000_0000);
    expect(failure(() => call(m, 'guest.s1.map', { pt, va: 0x8000_0000, ipa: 0x4000_0000, size: 0x1_0000 })))
      .toMatch(/out of RAM/);
  });
});

describe('guest.s1.map, unmap, protect', () => {
  it('writes io-pgtable-arm\'s stage-1 page descriptor: AttrIndx 1, AP[1] user, SH inner, AF, nG, UXN and PXN', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4010_0000, size: G4K });
    call(m, 'guest.s1.map', { pt, va: 0x1000_1000, ipa: 0x4010_1000, size: G4K, perm: 'r', global: true });
    call(m, 'guest.s1.map', { pt, va: 0x1000_2000, ipa: 0x4010_2000, size: G4K, perm: 'rx', user: false, af: false });
    const d = (va: number) => m.s1Lookup(m.pt(pt.id), va)?.desc;
    const XN = 3n << 53n;
    expect(d(0x1000_0000)).toBe(0x4010_0000n | 0x3n | 0x4n | 0x40n | 0x300n | 0x400n | 0x800n | XN);
    expect(d(0x1000_1000)).toBe(0x4010_1000n | 0x3n | 0x4n | 0x40n | 0x80n | 0x300n | 0x400n | XN);
    expect(d(0x1000_2000)).toBe(0x4010_2000n | 0x3n | 0x4n | 0x80n | 0x300n | 0x800n);
  });

  it('the leaf bits show up as faults: AF = 0 gives F_ACCESS, a privileged-only page refuses user DMA, r refuses writes', () => {
    const { m, nic } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_0000, size: G4K, af: false });
    call(m, 'guest.s1.map', { pt, va: 0x1000_1000, ipa: 0x4000_1000, size: G4K, user: false });
    call(m, 'guest.s1.map', { pt, va: 0x1000_2000, ipa: 0x4000_2000, size: G4K, perm: 'r' });
    nested(m, nic, pt);
    const ev = (iova: number, access = 'read', priv = false) => {
      const r = call(m, 'dev.dma', { dev: nic, access, iova, priv });
      return field(r, 'ok') ? 'ok' : `${String(field(r, 'event.name'))}/${String(field(r, 'event.stage'))}`;
    };
    expect(ev(0x1000_0000)).toBe('F_ACCESS/1');
    expect(ev(0x1000_1000)).toBe('F_PERMISSION/1');
    expect(ev(0x1000_1000, 'read', true)).toBe('ok');
    expect(ev(0x1000_2000, 'write')).toBe('F_PERMISSION/1');
    expect(ev(0x1000_2000)).toBe('ok');
  });

  it('refuses misaligned, overlapping and out-of-range mappings', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', { va_bits: 39 }) as HandleValue;
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_0000, size: G4K });
    expect(failure(() => call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_1000, size: G4K }))).toMatch(/already mapped/);
    expect(failure(() => call(m, 'guest.s1.map', { pt, va: 0x1020_1000, ipa: 0x4000_0000, size: 0x20_0000, pgsize: 0x20_0000 })))
      .toMatch(/multiples of the page size/);
    expect(failure(() => call(m, 'guest.s1.map', { pt, va: 0x80_0000_0000, ipa: 0x4000_0000, size: G4K }))).toMatch(/beyond the 39-bit input range/);
    expect(failure(() => call(m, 'guest.s1.new', { granule: 0x8000 }))).toMatch(/4K, 16K or 64K/);
  });

  it('unmap returns the bytes; protect rewrites AP[2] and refuses unmapped pages', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_0000, size: 2 * G4K });
    call(m, 'guest.s1.protect', { pt, va: 0x1000_0000, size: G4K, perm: 'r' });
    expect((m.s1Lookup(m.pt(pt.id), 0x1000_0000)?.desc ?? 0n) & 0x80n).toBe(0x80n);
    expect((m.s1Lookup(m.pt(pt.id), 0x1000_1000)?.desc ?? 0n) & 0x80n).toBe(0n);
    expect(call(m, 'guest.s1.unmap', { pt, va: 0x1000_0000, size: 4 * G4K })).toBe(0x2000n);
    expect(failure(() => call(m, 'guest.s1.protect', { pt, va: 0x1000_0000, size: G4K, perm: 'rw' }))).toMatch(/not mapped/);
  });

  it('guest writes go through the VM\'s RAM ranges: a table the host unmapped cannot be written', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    call(m, 'host.s2.unmap', { ipa: 0x400f_f000, size: G4K });
    expect(failure(() => call(m, 'guest.s1.map', { pt, va: 0, ipa: 0x4000_0000, size: G4K })))
      .toBe('IPA 0x400ff000 is outside VM 1\'s RAM (0x40000000..0x400fefff)');
  });
});

describe('guest.cd', () => {
  it('writes Linux\'s CD in guest RAM, words 1-3 then word 0', () => {
    const { m } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    const at = m.trace.length;
    const cd = call(m, 'guest.cd', { asid: 7, ttb0: pt }) as HandleValue;
    expect(cd.label).toBe(`CD#0 (ASID 7)`);
    const ipa = m.cd(cd.id).ipa;
    expect(ipa).toBe(0x400f_e000);                          // the page below the root
    const pa = ipa - 0x4000_0000 + 0x8_0000_0000;
    const w = [0, 1, 2, 3, 4].map((i) => m.mem.load64(BigInt(pa + 8 * i)));
    // T0SZ 16 | TG0 4K | IRGN0 WBWA (1 << 8) | ORGN0 WBWA (1 << 10) | SH0 ISH (3 << 12) | EPD1 (1 << 30) | V (1 << 31)
    // | IPS 0b101 (<< 32) | AA64 (1 << 41) | R (1 << 45) | A (1 << 46) | ASET (1 << 47) | ASID 7 (<< 48).
    expect(w[0]).toBe(0x0007_e205_c000_3510n);
    expect(w[1]).toBe(BigInt(m.pt(pt.id).root));          // TTB0
    expect(w[2]).toBe(0n);
    expect(w[3]).toBe(0xf404_ff44n);                       // MAIR: NC, WBRWA, DEVICE, INC_OWBRWA
    const order = m.trace.slice(at).filter((e) => e.type === 'mem.write').map((e) => (e.type === 'mem.write' ? [e.who, Number(e.pa) - pa] : []));
    expect(order).toEqual([['guest', 8], ['guest', 16], ['guest', 24], ['guest', 0]]);
  });

  it('R = 0 suppresses the record of a stage-1 fault; AFFD = 1 lets AF = 0 translate', () => {
    const { m, nic } = withRam();
    const pt = call(m, 'guest.s1.new', {}) as HandleValue;
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4000_0000, size: G4K, af: false });
    nested(m, nic, pt, { r: false });
    const r = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x2000_0000 });
    expect(field(r, 'event.recorded')).toBe(false);
    expect(call(m, 'smmu.events')).toBe(0n);
    const m2 = withRam();
    const pt2 = call(m2.m, 'guest.s1.new', {}) as HandleValue;
    call(m2.m, 'guest.s1.map', { pt: pt2, va: 0x1000_0000, ipa: 0x4000_0000, size: G4K, af: false });
    nested(m2.m, m2.nic, pt2, { affd: true });
    expect(field(call(m2.m, 'dev.dma', { dev: m2.nic, access: 'read', iova: 0x1000_0000 }), 'ok')).toBe(true);
  });

  it('16K and 64K tables give TG0 = 0b10 and 0b01, and translate', () => {
    for (const [granule, tg] of [[0x4000, 2n], [0x1_0000, 1n]] as const) {
      const { m, nic } = withRam();
      const pt = call(m, 'guest.s1.new', { granule, va_bits: 40 }) as HandleValue;
      call(m, 'guest.s1.map', { pt, va: granule * 5, ipa: 0x4000_0000, size: granule });
      const cd = nested(m, nic, pt);
      const pa = m.cd(cd.id).ipa - 0x4000_0000 + 0x8_0000_0000;
      const w0 = m.mem.load64(BigInt(pa));
      expect((w0 >> 6n) & 3n).toBe(tg);
      expect(w0 & 0x3fn).toBe(24n);                         // T0SZ = 64 - 40
      expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: granule * 5 + 0x18 }), 'pa')).toBe(0x8_0000_0018n);
    }
  });
});

describe('guest.tlbi and guest.tlbi_asid', () => {
  it('the host issues CMD_TLBI_NH_VA (VMID, ASID, VA, Leaf) or CMD_TLBI_NH_ASID, each with CMD_SYNC', () => {
    const { m } = withRam();
    const at = m.trace.length;
    call(m, 'guest.tlbi', { va: 0x1000_0000, asid: 7 });
    call(m, 'guest.tlbi_asid', { asid: 7 });
    const cmds = m.trace.slice(at).filter((e): e is CmdEvent => e.type === 'smmu.cmd');
    expect(cmds.map((c) => c.name)).toEqual(['CMD_TLBI_NH_VA', 'CMD_SYNC', 'CMD_TLBI_NH_ASID', 'CMD_SYNC']);
    // dw0: ASID[63:48] | VMID[47:32] | opcode; dw1: VA[63:12] | Leaf.
    expect(cmds[0].dw0).toBe((7n << 48n) | (1n << 32n) | 0x12n);
    expect(cmds[0].dw1).toBe(0x1000_0000n | 1n);
    expect(cmds[2].dw0).toBe((7n << 48n) | (1n << 32n) | 0x11n);
  });

  it('needs a VM', () => {
    const m = new LabMachine();
    expect(failure(() => call(m, 'guest.tlbi', { va: 0, asid: 1 }))).toMatch(/no VM yet/);
  });
});
