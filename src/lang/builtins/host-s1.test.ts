// The host's own stage-1 domain (ARM_SMMU_DOMAIN_S1), called directly: host.s1.new, host.s1.map,
// host.cd and host.attach_s1. The words they write are derived here from Linux's field choices
// (io-pgtable-arm's arm_lpae_prot_to_pte, arm_smmu_write_ctx_desc, arm_smmu_write_strtab_ent) and
// SMMUv3 §5.2 and §5.4; the costs from the walk rules (no stage 2: one read per stage-1 level).

import { describe, expect, it } from 'vitest';
import { HOST_MEM_BASE, HOST_MEM_END, LabMachine } from '../../model/lab/machine';
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

const inHostMemory = (pa: number) => pa >= HOST_MEM_BASE && pa < HOST_MEM_END;

/** A NIC on the host's stage-1 domain: IOVA 0x1000_0000 -> PA 0x8_0010_0000, ASID 1. */
function s1Machine() {
  const m = new LabMachine();
  const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 }) as HandleValue;
  const hpt = call(m, 'host.s1.new', {}) as HandleValue;
  call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_0000, pa: 0x8_0010_0000, size: G4K });
  const hcd = call(m, 'host.cd', { ttb0: hpt }) as HandleValue;
  return { m, nic, hpt, hcd };
}

describe('host.s1.new', () => {
  it('makes an empty level-0 table in host kernel memory, and no VM', () => {
    const m = new LabMachine();
    const at = m.trace.length;
    const hpt = call(m, 'host.s1.new', { granule: G4K, va_bits: 48 }) as HandleValue;
    expect(hpt).toMatchObject({ kind: 'handle', type: 'pt', id: 0, label: 'host pt#0 (4K, 48-bit VA)' });
    const pt = m.pt(hpt.id);
    expect(pt.vm).toBe(null);
    expect(inHostMemory(pt.root)).toBe(true);
    expect(pt.root % G4K).toBe(0);
    expect(m.vms).toEqual([]);
    expect(commands(m, at)).toEqual([]);
  });
});

describe('host.s1.map', () => {
  it('writes io-pgtable-arm\'s stage-1 page descriptor, OA = the PA, tables on the way, all by the host', () => {
    const m = new LabMachine();
    const hpt = call(m, 'host.s1.new', {}) as HandleValue;
    const at = m.trace.length;
    call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_0000, pa: 0x8_0010_0000, size: G4K, perm: 'rw' });
    // OA | page (0b11) | AttrIndx 1 (WBRWA) | AP[1] unprivileged | SH inner | AF | nG | PXN | UXN.
    const leaf = 0x8_0010_0000n | 0x3n | (1n << 2n) | (1n << 6n) | (3n << 8n) | (1n << 10n) | (1n << 11n) | (1n << 53n) | (1n << 54n);
    expect(m.s1Lookup(m.pt(hpt.id), 0x1000_0000)).toMatchObject({ level: 3, desc: leaf });
    const path = m.s1Path(m.pt(hpt.id), 0x1000_0000);
    expect(path.map((p) => p.level)).toEqual([0, 1, 2, 3]);
    expect(path.every((p) => inHostMemory(p.table))).toBe(true);
    expect(m.trace.slice(at).every((e) => e.type !== 'mem.write' || e.who === 'host')).toBe(true);
    expect(commands(m, at)).toEqual([]);
    // perm r: AP[2] read-only.
    call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_1000, pa: 0x8_0010_1000, size: G4K, perm: 'r' });
    expect((m.s1Lookup(m.pt(hpt.id), 0x1000_1000)?.desc ?? 0n) & 0xc0n).toBe(0xc0n);
  });

  it('refuses a guest\'s table, a PA outside RAM, an IOVA already mapped', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    const gpt = call(m, 'guest.s1.new', {});
    expect(failure(() => call(m, 'host.s1.map', { pt: gpt, iova: 0x1000_0000, pa: 0x8_0010_0000, size: G4K })))
      .toMatch(/pt#0 is VM 1's own stage-1 table, in its RAM: the guest maps it \(guest\.s1\.map\)/);
    const hpt = call(m, 'host.s1.new', {});
    expect(failure(() => call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_0000, pa: 0x9_0000_0000, size: G4K })))
      .toBe('map: PA 0x9_0000_0000..0x9_0000_0fff is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff)');
    call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_0000, pa: 0x8_0010_0000, size: G4K });
    expect(failure(() => call(m, 'host.s1.map', { pt: hpt, iova: 0x1000_0000, pa: 0x8_0020_0000, size: G4K }))).toMatch(/already mapped/);
  });

  it('the guest cannot touch the host\'s table', () => {
    const m = new LabMachine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    const hpt = call(m, 'host.s1.new', {});
    expect(failure(() => call(m, 'guest.s1.map', { pt: hpt, va: 0x1000_0000, ipa: 0x4010_0000, size: G4K })))
      .toMatch(/host's own stage-1 table \(host\.s1\.new\)/);
    expect(failure(() => call(m, 'guest.s1.unmap', { pt: hpt, va: 0x1000_0000, size: G4K }))).toMatch(/host's own stage-1 table/);
    expect(failure(() => call(m, 'guest.cd', { asid: 7, ttb0: hpt }))).toMatch(/host's own stage-1 table/);
  });
});

describe('host.cd', () => {
  it('writes CD 0 in host kernel memory with Linux\'s fields, TTB0 = the table\'s PA; words 1-3 first, no command', () => {
    const m = new LabMachine();
    const hpt = call(m, 'host.s1.new', {}) as HandleValue;
    const at = m.trace.length;
    const hcd = call(m, 'host.cd', { ttb0: hpt, asid: 1 }) as HandleValue;
    expect(hcd.label).toBe('host CD#0 (ASID 1)');
    const cd = m.cd(hcd.id);
    expect(cd).toMatchObject({ vm: null, pt: hpt.id, asid: 1 });
    expect(inHostMemory(cd.ipa)).toBe(true);
    expect(cd.ipa % 64).toBe(0);
    const w = [0, 1, 2, 3].map((i) => m.mem.load64(BigInt(cd.ipa + 8 * i)));
    // T0SZ 16 | TG0 4K | IRGN0 = ORGN0 = WBWA | SH0 ISH | EPD1 | V | IPS 48 bits | AA64 | R | A | ASET | ASID 1.
    expect(w[0]).toBe(0x10n | (1n << 8n) | (1n << 10n) | (3n << 12n) | (1n << 30n) | (1n << 31n) |
      (0b101n << 32n) | (1n << 41n) | (1n << 45n) | (1n << 46n) | (1n << 47n) | (1n << 48n));
    expect(w[0]).toBe(0x0001_e205_c000_3510n);
    expect(w[1]).toBe(BigInt(m.pt(hpt.id).root));
    expect(w[3]).toBe(0xf404ff44n);                         // io-pgtable's MAIR
    const writes = m.trace.slice(at).filter((e) => e.type === 'mem.write');
    expect(writes.map((e) => (e.type === 'mem.write' ? [Number(e.pa) - cd.ipa, e.who] : []))).toEqual([[8, 'host'], [16, 'host'], [24, 'host'], [0, 'host']]);
    expect(commands(m, at)).toEqual([]);
  });

  it('takes ASIDs from 1, as Linux allocates them, and refuses a guest\'s table', () => {
    const m = new LabMachine();
    const hpt = call(m, 'host.s1.new', {});
    expect(() => call(m, 'host.cd', { ttb0: hpt, asid: 0 })).toThrow(/asid/);
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    const gpt = call(m, 'guest.s1.new', {});
    expect(failure(() => call(m, 'host.cd', { ttb0: gpt }))).toMatch(/VM 1's stage-1 table, at an IPA/);
  });
});

describe('host.attach_s1', () => {
  it('writes a stage-1-only STE as arm_smmu_write_strtab_ent: word 1, sync, word 0 (Config 0b101), sync', () => {
    const { m, nic, hcd } = s1Machine();
    const at = m.trace.length;
    call(m, 'host.attach_s1', { dev: nic, cd_table: hcd });
    const w = ste(m, 0x10);
    expect(w[0]).toBe(BigInt(m.cd(hcd.id).ipa) | 0xbn);       // S1ContextPtr (a PA) | Config 0b101 | V
    expect(w[1]).toBe(0xd6n);                                   // S1DSS 0b10 | S1CIR WBRA | S1COR WBRA | S1CSH ISH
    expect(w[2]).toBe(0n);                                      // no stage 2, VMID 0 as assign left it
    expect(commands(m, at)).toEqual(['CMD_CFGI_STE', 'CMD_SYNC', 'CMD_CFGI_STE', 'CMD_SYNC']);
    const writes = m.trace.slice(at).filter((e) => e.type === 'mem.write' && e.pa >= BigInt(m.steAddr(0x10)) && e.pa < BigInt(m.steAddr(0x11)));
    expect(writes.map((e) => (e.type === 'mem.write' ? Number(e.pa) - m.steAddr(0x10) : -1))).toEqual([8, 0]);
    expect(m.device(nic.id)).toMatchObject({ vm: null, cd: hcd.id });
  });

  it('a DMA: 1 STE + 1 CD + 4 stage-1 descriptors, the PA straight out; then a TLB hit', () => {
    const { m, nic, hcd } = s1Machine();
    call(m, 'host.attach_s1', { dev: nic, cd_table: hcd });
    const r1 = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0040 });
    expect([field(r1, 'ok'), field(r1, 'pa'), field(r1, 'walk.reads'), field(r1, 'walk.walk_reads'), field(r1, 'walk.tlb')])
      .toEqual([true, 0x8_0010_0040n, 6n, 4n, 'miss']);
    const r2 = call(m, 'dev.dma', { dev: nic, access: 'write', iova: 0x1000_0ff8 });
    expect([field(r2, 'pa'), field(r2, 'walk.reads'), field(r2, 'walk.tlb')]).toEqual([0x8_0010_0ff8n, 0n, 'hit']);
    // An unmapped IOVA: a stage-1 translation fault, CLASS IN, no IPA; 4 reads to find the invalid leaf.
    const r3 = call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_1000 });
    expect([field(r3, 'event.name'), field(r3, 'event.stage'), field(r3, 'event.class'), field(r3, 'event.ipa'), field(r3, 'walk.reads')])
      .toEqual(['F_TRANSLATION', 1n, 'IN', null, 4n]);
  });

  it('from a stage-2 domain: the STE goes to abort first (VMID cleared), then stage 1', () => {
    const { m, nic, hcd } = s1Machine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G4K });
    call(m, 'host.attach', { dev: nic });
    expect(ste(m, 0x10)[2] & 0xffffn).toBe(1n);
    const at = m.trace.length;
    call(m, 'host.attach_s1', { dev: nic, cd_table: hcd });
    expect(commands(m, at)).toEqual(['CMD_CFGI_STE', 'CMD_SYNC', 'CMD_CFGI_STE', 'CMD_SYNC', 'CMD_CFGI_STE', 'CMD_SYNC']);
    expect(ste(m, 0x10).slice(0, 3)).toEqual([BigInt(m.cd(hcd.id).ipa) | 0xbn, 0xd6n, 0n]);
    expect(field(call(m, 'dev.dma', { dev: nic, access: 'read', iova: 0x1000_0040 }), 'pa')).toBe(0x8_0010_0040n);
  });

  it('refuses a guest\'s CD; host.set_pasid_table refuses the host\'s', () => {
    const { m, nic, hcd } = s1Machine();
    call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 0x10_0000 });
    const gpt = call(m, 'guest.s1.new', {});
    const gcd = call(m, 'guest.cd', { asid: 7, ttb0: gpt });
    expect(failure(() => call(m, 'host.attach_s1', { dev: nic, cd_table: gcd }))).toMatch(/CD#1 is in VM 1's RAM, at an IPA/);
    expect(failure(() => call(m, 'host.set_pasid_table', { dev: nic, cd_table: hcd }))).toMatch(/CD#0 is the host's own \(host\.cd\)/);
  });
});
