// DESIGN.md's lab program, through the builtins alone, and the lessons it leads to: the cost of a
// cold nested walk, a stale TLB entry, and a stage-2 fault on a guest page table. Expected counts
// are derived by hand in the domain primer (§1.6): with n stage-1 levels and m stage-2 levels a
// cold 2D walk reads n(m + 1) + m descriptors; one STE read and the CD (m stage-2 reads + 1)
// come before it.

import { describe, expect, it } from 'vitest';
import { LabMachine } from '../../model/lab/machine';
import { type HandleValue, type Value } from '../values';
import { call, field } from './call.test-util';

const G4K = 0x1000;
const G1 = 0x4000_0000;

/** The DESIGN.md program up to the DMA: a NIC, 1G of guest RAM in 4K pages, a guest stage 1
 *  mapping IOVA 0x1000_0000 -> IPA 0x4010_0000, a CD with ASID 7, the STE nested. */
function designMachine(ipaBits = 48) {
  const m = new LabMachine();
  const nic = call(m, 'host.assign', { bdf: '0000:01:00.0', sid: 0x10 }) as HandleValue;
  if (ipaBits !== 48) call(m, 'host.vm', { vmid: 1, ipa_bits: ipaBits });
  call(m, 'host.s2.map', { ipa: 0x4000_0000, pa: 0x8_0000_0000, size: G1, perm: 'rw', pgsize: G4K });
  const pt = call(m, 'guest.s1.new', { granule: G4K, va_bits: 48 }) as HandleValue;
  call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4010_0000, size: G4K, perm: 'rw' });
  const cd = call(m, 'guest.cd', { asid: 7, ttb0: pt }) as HandleValue;
  call(m, 'host.set_pasid_table', { dev: nic, cd_table: cd });
  return { m, nic, pt, cd };
}

function dma(m: LabMachine, nic: Value, iova: number, access = 'read'): Value {
  return call(m, 'dev.dma', { dev: nic, access, iova, len: 64 });
}

describe('DESIGN.md: why one DMA costs 24 reads', () => {
  it('a cold 4-level x 4-level nested walk: pa 0x8_0010_0040, 24 walk reads, 30 reads in all', () => {
    const { m, nic } = designMachine();
    const r = dma(m, nic, 0x1000_0040);
    expect(field(r, 'ok')).toBe(true);
    expect(field(r, 'pa')).toBe(0x8_0010_0040n);
    expect(field(r, 'event')).toBe(null);
    expect(field(r, 'walk.walk_reads')).toBe(24n);          // (4 + 1)(4 + 1) - 1
    expect(field(r, 'walk.reads')).toBe(30n);               // 1 STE + (4 + 1) CD + 24
    expect(field(r, 'walk.tlb')).toBe('miss');
  });

  it('the second DMA to the same page hits the TLB and the configuration cache: no reads', () => {
    const { m, nic } = designMachine();
    dma(m, nic, 0x1000_0040);
    const r = dma(m, nic, 0x1000_0ff8);
    expect(field(r, 'pa')).toBe(0x8_0010_0ff8n);
    expect(field(r, 'walk.reads')).toBe(0n);
    expect(field(r, 'walk.tlb')).toBe('hit');
  });

  it('with a 40-bit IPA, stage 2 starts at level 1 (two concatenated tables): 19 walk reads, 24 in all', () => {
    const { m, nic } = designMachine(40);
    const r = dma(m, nic, 0x1000_0040);
    expect(field(r, 'pa')).toBe(0x8_0010_0040n);
    expect(field(r, 'walk.walk_reads')).toBe(19n);          // (4 + 1)(3 + 1) - 1
    expect(field(r, 'walk.reads')).toBe(24n);               // 1 STE + (3 + 1) CD + 19
  });

  it('every read of the cold walk is in the trace, in order: STE, 4 S2 + CD, then (4 S2 + 1 S1) x 4 + 4 S2', () => {
    const { m, nic } = designMachine();
    m.trace.splice(0);
    dma(m, nic, 0x1000_0040);
    const what = m.trace.filter((e) => e.type === 'smmu.fetch').map((e) => (e.type === 'smmu.fetch' ? e.what : ''));
    const s1Row = ['S2', 'S2', 'S2', 'S2', 'S1'];
    expect(what).toEqual(['STE', 'S2', 'S2', 'S2', 'S2', 'CD', ...s1Row, ...s1Row, ...s1Row, ...s1Row, 'S2', 'S2', 'S2', 'S2']);
  });
});

describe('a stale TLB entry: the guest remaps without invalidating', () => {
  it('without guest.tlbi the old PA is used; with it, the new one', () => {
    const { m, nic, pt } = designMachine();
    expect(field(dma(m, nic, 0x1000_0040), 'pa')).toBe(0x8_0010_0040n);
    expect(call(m, 'guest.s1.unmap', { pt, va: 0x1000_0000, size: G4K })).toBe(0x1000n);
    call(m, 'guest.s1.map', { pt, va: 0x1000_0000, ipa: 0x4020_0000, size: G4K });
    const stale = dma(m, nic, 0x1000_0040);
    expect(field(stale, 'walk.tlb')).toBe('hit');
    expect(field(stale, 'pa')).toBe(0x8_0010_0040n);         // still the old page
    call(m, 'guest.tlbi', { va: 0x1000_0000, asid: 7 });
    const fresh = dma(m, nic, 0x1000_0040);
    expect(field(fresh, 'walk.tlb')).toBe('miss');
    expect(field(fresh, 'pa')).toBe(0x8_0020_0040n);
  });

  it('a TLBI for another ASID leaves the entry in place', () => {
    const { m, nic, pt } = designMachine();
    dma(m, nic, 0x1000_0040);
    call(m, 'guest.s1.unmap', { pt, va: 0x1000_0000, size: G4K });
    call(m, 'guest.tlbi', { va: 0x1000_0000, asid: 8 });
    expect(field(dma(m, nic, 0x1000_0040), 'ok')).toBe(true);
    call(m, 'guest.tlbi_asid', { asid: 7 });
    const r = dma(m, nic, 0x1000_0040);
    expect(field(r, 'ok')).toBe(false);
    expect(field(r, 'event.name')).toBe('F_TRANSLATION');
    expect(field(r, 'event.stage')).toBe(1n);
  });
});

describe('a stage-2 fault on a guest page table', () => {
  it('the host unmaps the page holding the guest\'s L2 table: F_TRANSLATION, stage 2, CLASS TT, ipa = the L2 descriptor\'s IPA', () => {
    const { m, nic, pt } = designMachine();
    dma(m, nic, 0x1000_0040);                                  // warm: the TLB holds the walk
    const path = m.s1Path(m.pt((pt as HandleValue).id), 0x1000_0000);
    const l2 = path.find((p) => p.level === 2);
    expect(l2).toBeDefined();
    const l2Table = (l2 as { table: number }).table;
    const l2Desc = (l2 as { descIpa: number }).descIpa;
    expect(l2Desc).toBe(l2Table + 8 * ((0x1000_0000 >> 21) & 511));   // index 0x80
    expect(call(m, 'host.s2.unmap', { ipa: l2Table, size: G4K })).toBe(0x1000n);
    // No invalidation yet: the combined entry still translates.
    expect(field(dma(m, nic, 0x1000_0040), 'ok')).toBe(true);
    call(m, 'host.tlbi_vmall', {});
    const r = dma(m, nic, 0x1000_0040);
    expect(field(r, 'ok')).toBe(false);
    expect(field(r, 'event.name')).toBe('F_TRANSLATION');
    expect(field(r, 'event.stage')).toBe(2n);
    expect(field(r, 'event.class')).toBe('TT');
    expect(field(r, 'event.ipa')).toBe(BigInt(l2Desc));
    expect(field(r, 'event.input')).toBe(0x1000_0040n);
    expect(field(r, 'event.recorded')).toBe(true);
    // The record in the Event queue says the same, with IPA[51:12].
    expect(call(m, 'smmu.events')).toBe(1n);
    const e = call(m, 'smmu.last_event');
    expect(field(e, 'name')).toBe('F_TRANSLATION');
    expect(field(e, 'stage')).toBe(2n);
    expect(field(e, 'class')).toBe('TT');
    expect(field(e, 'ipa')).toBe(BigInt(l2Table));
    expect(field(e, 'sid')).toBe(0x10n);
  });
});
