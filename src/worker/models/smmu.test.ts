// The SMMU-state model on the real engine. Every expected value is derived by hand:
//
// The host's kernel memory (machine.ts) is a bump allocator from 0x1000_0000: the stream table
// (2^16 STEs of 64 bytes, 4 MiB) at 0x1000_0000, the Command queue (256 x 16 B) at 0x1040_0000,
// the Event queue (128 x 32 B) at 0x1040_1000, then VM 1's stage-2 start table at 0x1040_2000.
// StreamID 0x10's STE: 0x1000_0000 + 64 * 0x10 = 0x1000_0400.
// Guest RAM is IPA 0x4000_0000 + 1G at PA 0x8_0000_0000; the guest's allocator takes pages from
// the top down: the stage-1 level-0 table at IPA 0x7fff_f000 (guest.s1.new), then level 1, 2, 3 at
// 0x7fff_e000, _d000, _c000 (guest.s1.map), and the CD at 0x7fff_b000 (guest.cd), whose PA is
// 0x7fff_b000 - 0x4000_0000 + 0x8_0000_0000 = 0x8_3fff_b000.
// The Command queue: boot issues CFGI_ALL, SYNC, TLBI_NSNH_ALL, SYNC (slots 0-3); host.assign a
// CFGI_STE + SYNC (4-5); host.set_pasid_table two of those (6-9); each guest.tlbi an NH_VA + SYNC.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../../engine/lab';
import type { Position } from '../../engine/session';
import { buildSmmuState, type SmmuStateVM, type StructVM } from './smmu';

function scenario(file: string): string {
  return readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8');
}

function run(source: string): LabSession {
  const s = openLab(source, { wallBudgetMs: Infinity }).session;
  if (s === null) throw new Error('the program does not compile');
  s.run();
  return s;
}

function at(s: LabSession, step: number, access = 0): SmmuStateVM {
  const p: Position = { step, access };
  return buildSmmuState({ machine: s.machineAt(p), position: p, events: s.visibleEvents(p), record: s.records[step - 1] });
}

/** The step of the first statement whose source starts with `text`. */
function stepOf(s: LabSession, text: string): number {
  const r = s.records.find((x) => s.source.slice(x.head.start, x.head.end).startsWith(text));
  if (!r) throw new Error(`no step ${text}`);
  return r.step;
}

function field(st: StructVM | null, name: string) {
  const f = st?.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

describe('buildSmmuState on lesson 3 (a stale IOTLB entry)', () => {
  const s = run(scenario('03-stale-iotlb.lab'));
  const attach = stepOf(s, 'host.set_pasid_table');
  const dma1 = stepOf(s, 'let r = dev.dma');
  const remap = stepOf(s, 'guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4020_0000');
  const staleDma = stepOf(s, 'let stale = dev.dma');
  const tlbi8 = stepOf(s, 'guest.tlbi(va: 0x1000_0000, asid: 8)');
  const tlbi7 = stepOf(s, 'guest.tlbi(va: 0x1000_0000, asid: 7)');
  const fresh = stepOf(s, 'let fresh = dev.dma');

  it('boot: no stream, the boot commands in the Command queue', () => {
    const v = at(s, 0);
    expect(v.stream).toBeNull();
    expect(v.ste).toBeNull();
    expect(v.tlb.count).toBe(0);
    expect(v.cmdq.base).toBe('0x10400000');
    expect(v.cmdq.size).toBe(256);
    expect(v.cmdq.prod).toEqual({ value: '0x04', index: 4, wrap: 0 });
    expect(v.cmdq.cons).toEqual({ value: '0x04', index: 4, wrap: 0 });
    expect(v.cmdq.state).toBe('empty');
    expect(v.cmdq.entries.map((e) => [e.slot, e.name, e.current])).toEqual([
      [0, 'CMD_CFGI_ALL', true], [1, 'CMD_SYNC', true], [2, 'CMD_TLBI_NSNH_ALL', true], [3, 'CMD_SYNC', true],
    ]);
    expect(v.evtq.base).toBe('0x10401000');
    expect(v.evtq.size).toBe(128);
    expect(v.evtq.state).toBe('empty');
    expect(v.gerror.active).toEqual([]);
  });

  it('after host.set_pasid_table: the nested STE and the guest CD through stage 2, neither cached yet', () => {
    const v = at(s, attach);
    expect(v.stream).toMatchObject({ sid: 0x10, device: '0000:01:00.0', chosen: 'last-assigned', steAddr: '0x10000400' });
    const ste = v.ste as StructVM;
    expect(ste.owner).toBe('host');
    expect(ste.pa).toBe('0x10000400');
    expect(ste.words).toHaveLength(8);
    expect(field(ste, 'V').value).toBe('1');
    expect(field(ste, 'Config')).toMatchObject({ value: '0b111', bits: '3:1' });
    expect(field(ste, 'Config').meaning).toMatch(/^nested/);
    expect(field(ste, 'S1ContextPtr')).toMatchObject({ value: '0x7fffb000', bits: '55:6', ignored: null });
    expect(field(ste, 'S1ContextPtr').meaning).toContain('IPA');
    expect(field(ste, 'S2VMID')).toMatchObject({ value: '1', bits: '143:128' });
    expect(field(ste, 'S2T0SZ').value).toBe('16');                 // 48-bit IPA space
    expect(field(ste, 'S2SL0').meaning).toBe('stage 2 starts at level 0');
    expect(field(ste, 'S2PS').value).toBe('0b101');                 // 48 bits
    expect(field(ste, 'S2TTB')).toMatchObject({ value: '0x10402000', bits: '243:196' });
    expect(ste.illegal).toBeNull();
    expect(ste.cache).toBe('absent');                               // the CFGI_STE dropped it

    const cd = v.cd as StructVM;
    expect(cd.owner).toBe('guest');
    expect(cd.ipa).toBe('0x7fffb000');
    expect(cd.pa).toBe('0x8_3fff_b000');
    expect(field(cd, 'V').value).toBe('1');
    expect(field(cd, 'ASID').value).toBe('7');
    expect(field(cd, 'T0SZ').value).toBe('16');
    expect(field(cd, 'TTB0')).toMatchObject({ value: '0x7ffff000', bits: '119:68' });
    expect(field(cd, 'EPD1').value).toBe('1');
    expect(field(cd, 'TTB1').ignored).toMatch(/EPD1 = 1/);
    expect(cd.cache).toBe('absent');
    expect(v.cmdq.prod.index).toBe(10);
    expect(v.cmdq.entries.filter((e) => e.current).map((e) => [e.slot, e.name])).toEqual([
      [6, 'CMD_CFGI_STE'], [7, 'CMD_SYNC'], [8, 'CMD_CFGI_STE'], [9, 'CMD_SYNC'],
    ]);
  });

  it('inside the first DMA, before its reads: the transaction picks the stream, the TLB is still empty', () => {
    const v = at(s, dma1, 1);
    expect(v.stream?.chosen).toBe('transaction');
    expect(v.tlb.count).toBe(0);
  });

  it('after the first DMA: one combined entry and six stage-2 entries, all inserted now, none stale', () => {
    const v = at(s, dma1);
    expect(v.ste?.cache).toBe('cached');
    expect(v.cd?.cache).toBe('cached');
    expect(v.tlb.count).toBe(7);
    expect(v.tlb.stale).toBe(0);
    const [c, ...s2] = v.tlb.entries;
    expect(c).toMatchObject({
      kind: 'S1S2', vmid: 1, asid: '7', inSpace: 'IOVA', inBase: '0x10000000', inLast: '0x10000fff',
      ipa: '0x40100000', out: '0x8_0010_0000', size: '4K', level: '3·3', perm: 'rw-·rw-', state: 'ok', current: 'inserted',
    });
    // Stage 2 cached the output IPA, the CD's IPA and the four stage-1 tables' IPAs.
    expect(s2.map((e) => [e.kind, e.asid, e.inBase, e.out, e.current])).toEqual([
      ['S2', '', '0x40100000', '0x8_0010_0000', 'inserted'],
      ['S2', '', '0x7fffb000', '0x8_3fff_b000', 'inserted'],
      ['S2', '', '0x7fffc000', '0x8_3fff_c000', 'inserted'],
      ['S2', '', '0x7fffd000', '0x8_3fff_d000', 'inserted'],
      ['S2', '', '0x7fffe000', '0x8_3fff_e000', 'inserted'],
      ['S2', '', '0x7ffff000', '0x8_3fff_f000', 'inserted'],
    ]);
  });

  it('after the guest remaps the IOVA without a TLBI: the combined entry is STALE, stage 2 is not', () => {
    const v = at(s, remap);
    expect(v.tlb.stale).toBe(1);
    const c = v.tlb.entries[0];
    expect(c.state).toBe('stale');
    expect(c.why).toBe('the tables now map IOVA 0x10000000 -> IPA 0x40200000 -> PA 0x8_0020_0000');
    expect(c.current).toBeNull();
    expect(v.tlb.entries.slice(1).every((e) => e.state === 'ok')).toBe(true);
  });

  it('between the unmap and the new map the entry is stale too: nothing is mapped', () => {
    const v = at(s, remap - 1);
    expect(v.tlb.entries[0].state).toBe('stale');
    expect(v.tlb.entries[0].why).toMatch(/no longer map IOVA 0x10000000/);
  });

  it('the stale DMA hits the stale entry', () => {
    const v = at(s, staleDma);
    expect(v.tlb.entries[0]).toMatchObject({ kind: 'S1S2', state: 'stale', current: 'hit' });
    expect(v.tlb.entries.slice(1).every((e) => e.current === null)).toBe(true);
  });

  it('a TLBI for ASID 8 removes nothing; the one for ASID 7 removes the entry', () => {
    const v8 = at(s, tlbi8);
    expect(v8.tlb.removed).toEqual([{ by: 'CMD_TLBI_NH_VA', removed: 0 }]);
    expect(v8.tlb.entries[0].state).toBe('stale');
    const v7 = at(s, tlbi7);
    expect(v7.tlb.removed).toEqual([{ by: 'CMD_TLBI_NH_VA', removed: 1 }]);
    expect(v7.tlb.count).toBe(6);
    expect(v7.tlb.stale).toBe(0);
    expect(v7.tlb.entries.every((e) => e.kind === 'S2')).toBe(true);
    // Slots 12 and 13 hold this step's NH_VA and SYNC; both consumed: PROD = CONS = 14.
    expect(v7.cmdq.prod).toEqual({ value: '0x0e', index: 14, wrap: 0 });
    expect(v7.cmdq.cons).toEqual({ value: '0x0e', index: 14, wrap: 0 });
    const cur = v7.cmdq.entries.filter((e) => e.current);
    expect(cur.map((e) => [e.slot, e.name, e.state])).toEqual([[12, 'CMD_TLBI_NH_VA', 'consumed'], [13, 'CMD_SYNC', 'consumed']]);
    expect(cur[0].fields).toEqual([
      { name: 'VMID', value: '1' }, { name: 'ASID', value: '7' }, { name: 'Leaf', value: '1' }, { name: 'Address', value: '0x10000000' },
    ]);
  });

  it('the fresh DMA walks the new tables: a new combined entry, the stage-2 table entries hit', () => {
    const v = at(s, fresh);
    expect(v.tlb.stale).toBe(0);
    const c = v.tlb.entries[0];
    expect(c).toMatchObject({ kind: 'S1S2', ipa: '0x40200000', out: '0x8_0020_0000', state: 'ok', current: 'inserted' });
    const s2 = Object.fromEntries(v.tlb.entries.slice(1).map((e) => [e.inBase, e.current]));
    expect(s2).toEqual({
      '0x40100000': null, '0x40200000': 'inserted',
      '0x7fffb000': null,                            // the CD came from the configuration cache
      '0x7fffc000': 'hit', '0x7fffd000': 'hit', '0x7fffe000': 'hit', '0x7ffff000': 'hit',
    });
  });
});

describe('buildSmmuState: the Event queue (lesson 4) and a stale configuration cache', () => {
  it('the stage-2 fault on a stage-1 table is one pending record until the driver drains it', () => {
    const s = run(scenario('04-s2-fault-on-s1-table.lab'));
    const f = s.records.find((r) => s.source.slice(r.head.start, r.head.end).startsWith('let f = dev.dma'))!.step;
    const v = at(s, f);
    expect(v.evtq.prod).toEqual({ value: '0x01', index: 1, wrap: 0 });
    expect(v.evtq.cons).toEqual({ value: '0x00', index: 0, wrap: 0 });
    expect(v.evtq.state).toBe('pending');
    expect(v.evtq.pending).toBe(1);
    expect(v.evtq.touched).toEqual([0]);
    const [e] = v.evtq.entries;
    expect(e).toMatchObject({ slot: 0, state: 'pending', name: 'F_TRANSLATION', current: true });
    // The record keeps IPA[51:12]: the page of the level-2 descriptor's IPA 0x7fff_d400.
    expect(Object.fromEntries(e.fields.map((x) => [x.name, x.value]))).toMatchObject({
      StreamID: '0x10', S2: '1', CLASS: 'TT', RnW: '1', InputAddr: '0x10000040', IPA: '0x7fffd000',
    });
    const drained = s.records.find((r) => s.source.slice(r.head.start, r.head.end).startsWith('expect smmu.events() == 1'))!.step;
    const d = at(s, drained);
    expect(d.evtq.cons).toEqual({ value: '0x01', index: 1, wrap: 0 });
    expect(d.evtq.state).toBe('empty');
    expect(d.evtq.entries.map((x) => [x.slot, x.state])).toEqual([[0, 'consumed']]);
  });

  it('an STE word changed in memory without CMD_CFGI_STE leaves the cached copy stale', () => {
    const src = `${scenario('03-stale-iotlb.lab').split('# The guest\'s driver unmaps')[0]}
let ste = smmu.ste_addr(0x10)
mem.write64(ste + 8, 0)
`;
    const s = run(src);
    const v = at(s, s.records.length);
    expect(v.ste?.cache).toBe('stale');
    expect(v.ste?.cacheText).toMatch(/word 1 changed in memory without a CMD_CFGI_STE/);
    expect(v.cd?.cache).toBe('cached');
  });
});
