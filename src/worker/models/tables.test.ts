// The page-table view's model on real lessons, run by the real engine. Expected addresses are
// derived by hand from the lab's memory map and allocators (src/model/lab/machine.ts), not
// copied from a run:
// - host kernel memory is a bump allocator from 0x1000_0000, each block aligned to its size: the
//   stream table (2^16 STEs x 64 bytes = 4 MiB) at 0x1000_0000, the Command queue (256 x 16 bytes)
//   at 0x1040_0000, the Event queue (128 x 32 bytes) at 0x1040_1000; the next 4K table is at
//   0x1040_2000. StreamID 0x10's STE is at 0x1000_0000 + 64 * 0x10 = 0x1000_0400.
// - a guest's pages come from the top of its RAM downward: RAM is IPA 0x4000_0000 + 1G, so its
//   stage-1 level-0 table is at IPA 0x7fff_f000, guest.s1.map makes level 1 at 0x7fff_e000,
//   level 2 at 0x7fff_d000 and level 3 at 0x7fff_c000, and guest.cd puts the CD at 0x7fff_b000.
//   Stage 2 is linear: PA = IPA - 0x4000_0000 + 0x8_0000_0000.
// - 4K granule, 48 bits, four levels: index at level L = IA[47 - 9L : 39 - 9L], 9 bits.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../../engine/lab';
import type { Position } from '../../engine/session';
import { buildPageTables, MAX_ROWS, type PageTablesVM, type RowVM, type StageVM, type TableVM } from './tables';

const lesson = (f: string): string => readFileSync(new URL(`../../scenarios/${f}`, import.meta.url), 'utf8');

function session(src: string): LabSession {
  const o = openLab(src);
  expect(o.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const s = o.session as LabSession;
  s.run();
  return s;
}

/** The step of the n-th statement whose source line contains `text` (1-based n). */
function stepOf(s: LabSession, text: string, nth = 1): number {
  const lines = s.source.split('\n');
  const hits = s.records.filter((r) => lines[r.line - 1].includes(text));
  if (hits.length < nth) throw new Error(`no step ${nth} with ${text}`);
  return hits[nth - 1].step;
}

function vmAt(s: LabSession, p: Position): PageTablesVM | null {
  const q = s.seek(p);
  return buildPageTables({ machine: s.machineAt(q), position: q, events: s.visibleEvents(q), record: s.record(q.step) });
}

function table(st: StageVM | null, addr: number): TableVM {
  const t = st?.tables.find((x) => x.addr === addr);
  if (!t) throw new Error(`no table at 0x${addr.toString(16)}`);
  return t;
}

/** Rows as compact tuples: [first, count, kind, addr, perm, reads]. */
function rows(t: TableVM): [number, number, string, number | null, string, number[]][] {
  return t.rows.map((r: RowVM) => [r.first, r.count, r.kind, r.addr, r.perm, r.reads]);
}

describe('lesson 2: the nested 4x4 walk', () => {
  const s = session(lesson('02-nested-walk.lab'));
  const dma = stepOf(s, 'let r = dev.dma');

  it('after the DMA: both trees, the path through them, every read done', () => {
    const vm = vmAt(s, { step: dma, access: 0 }) as PageTablesVM;
    expect(vm).toMatchObject({
      sid: 0x10, device: '0000:01:00.0', steAddr: 0x1000_0400, config: 'nested', chosen: 'transaction',
      txn: { iova: '0x10000040', access: 'read' }, outcome: { kind: 'ok', pa: 0x8_0010_0040 },
      readsDone: 30, readsTotal: 30, note: null,
    });
    // Stage 1: the guest's, at IPAs; TTB0 = its level-0 table; the CD at IPA 0x7fff_b000, ASID 7.
    expect(vm.stage1).toMatchObject({
      owner: 'guest', tableSpace: 'IPA', inputSpace: 'IOVA', outputSpace: 'IPA', granule: '4K', inputBits: 48,
      startLevel: 0, root: 0x7fff_f000, cd: { addr: 0x7fff_b000, space: 'IPA', asid: 7, ttbr: 0 },
    });
    const s1 = vm.stage1 as StageVM;
    expect(s1.tables.map((t) => [t.level, t.addr, t.pa])).toEqual([
      [0, 0x7fff_f000, 0x8_3fff_f000], [1, 0x7fff_e000, 0x8_3fff_e000], [2, 0x7fff_d000, 0x8_3fff_d000], [3, 0x7fff_c000, 0x8_3fff_c000],
    ]);
    // IOVA 0x1000_0040: L0 index 0, L1 index 0, L2 index 0x80 (IOVA[29:21]), L3 index 0.
    // Reads: 1 STE, 2-5 S2 for the CD, 6 CD, then per stage-1 level 4 S2 reads and the S1 read:
    // the S1 reads are 11, 16, 21, 26.
    expect(rows(s1.tables[0])).toEqual([[0, 1, 'table', 0x7fff_e000, '', [11]], [1, 511, 'invalid', null, '', []]]);
    expect(rows(s1.tables[2])).toEqual([
      [0, 0x80, 'invalid', null, '', []], [0x80, 1, 'table', 0x7fff_c000, '', [21]], [0x81, 0x17f, 'invalid', null, '', []],
    ]);
    // The leaf: IPA 0x4010_0000, rw for EL1 and EL0 (Linux's default), not executable, nG.
    const leaf = s1.tables[3].rows[0];
    expect(leaf).toMatchObject({ first: 0, count: 1, kind: 'page', addr: 0x4010_0000, perm: 'rwu XN', af: true, ng: true, reads: [26] });
    expect(leaf.fields).toContainEqual(['AP[2:1]', '0b01: read/write, EL0 and EL1']);

    // Stage 2: the host's, at PAs, from S2TTB = 0x1040_2000 (the first table after the queues).
    // 1G of 4K pages at IPA 0x4000_0000: L0[0] -> L1 at 0x1040_3000, L1[1] -> L2 at 0x1040_4000,
    // L2[0..511] -> 512 L3 tables from 0x1040_5000 up, allocated in order: L2[i] -> 0x1040_5000 + i * 4K.
    expect(vm.stage2).toMatchObject({ owner: 'host', tableSpace: 'PA', inputSpace: 'IPA', outputSpace: 'PA', root: 0x1040_2000, vmid: 1, startLevel: 0 });
    const s2 = vm.stage2 as StageVM;
    expect(s2.counts).toEqual([
      { level: 0, tables: 1, shown: 1, partial: false }, { level: 1, tables: 1, shown: 1, partial: false },
      { level: 2, tables: 1, shown: 1, partial: false }, { level: 3, tables: 512, shown: 2, partial: false },
    ]);
    // The stage-2 walks: for the CD (reads 2-5), for each stage-1 table (7-10, 12-15, 17-20,
    // 22-25) and for the output IPA 0x4010_0040 (27-30). All share L0[0] and L1[1].
    expect(rows(table(s2, 0x1040_2000))[0]).toEqual([0, 1, 'table', 0x1040_3000, '', [2, 7, 12, 17, 22, 27]]);
    expect(rows(table(s2, 0x1040_3000))[1]).toEqual([1, 1, 'table', 0x1040_4000, '', [3, 8, 13, 18, 23, 28]]);
    // The CD and the stage-1 tables are in IPA 0x7fe0_0000..0x7fff_ffff: L2 index 0x1ff, whose L3
    // table is 0x1040_5000 + 0x1ff * 4K = 0x1060_4000; the output IPA 0x4010_0040 uses L2[0].
    expect(rows(table(s2, 0x1040_4000))).toEqual([
      [0, 1, 'table', 0x1040_5000, '', [29]],
      [1, 0x1fe, 'table', 0x1040_6000, '', []],
      [0x1ff, 1, 'table', 0x1060_4000, '', [4, 9, 14, 19, 24]],
    ]);
    // L3 for IPA 0x7fe0_0000..: entries 0..0x1fa fold into one run from PA 0x8_3fe0_0000; the CD
    // (IPA 0x7fff_b000: index 0x1fb) and the four stage-1 tables (0x1fc..0x1ff) each stand alone.
    expect(rows(table(s2, 0x1060_4000))).toEqual([
      [0, 0x1fb, 'page', 0x8_3fe0_0000, 'rw XN', []],
      [0x1fb, 1, 'page', 0x8_3fff_b000, 'rw XN', [5]],
      [0x1fc, 1, 'page', 0x8_3fff_c000, 'rw XN', [25]],
      [0x1fd, 1, 'page', 0x8_3fff_d000, 'rw XN', [20]],
      [0x1fe, 1, 'page', 0x8_3fff_e000, 'rw XN', [15]],
      [0x1ff, 1, 'page', 0x8_3fff_f000, 'rw XN', [10]],
    ]);
    // The output IPA 0x4010_0040: L3 index (0x4010_0040 >> 12) & 0x1ff = 0x100.
    expect(rows(table(s2, 0x1040_5000))).toEqual([
      [0, 0x100, 'page', 0x8_0000_0000, 'rw XN', []],
      [0x100, 1, 'page', 0x8_0010_0000, 'rw XN', [30]],
      [0x101, 0xff, 'page', 0x8_0010_1000, 'rw XN', []],
    ]);
    // The path: 28 table reads (30 minus the STE and the CD), all done.
    expect(vm.path.length).toBe(28);
    expect(vm.path.every((p) => p.state === 'read')).toBe(true);
    expect(vm.path.find((p) => p.n === 21)).toMatchObject({ stage: 1, level: 2, table: 's1:7fffd000', index: 0x80, addr: 0x7fff_d400, pa: 0x8_3fff_d400 });
    expect(vm.path.find((p) => p.n === 20)).toMatchObject({ stage: 2, level: 3, purpose: 'TT', s1Level: 2, ipa: 0x7fff_d400, serves: 21, addr: 0x1060_4fe8 });
    expect(vm.path.find((p) => p.n === 5)).toMatchObject({ purpose: 'CD', ipa: 0x7fff_b000 });
    expect(vm.path.find((p) => p.n === 30)).toMatchObject({ purpose: 'IN', ipa: 0x4010_0040, table: 's2:10405000', index: 0x100 });
  });

  it('stays small: the 1G stage 2 (512 L3 tables, 262,144 pages) is counted, not listed', () => {
    const vm = vmAt(s, { step: dma, access: 0 }) as PageTablesVM;
    const size = JSON.stringify(vm).length;
    expect(size).toBeLessThan(20_000);
    const allRows = [vm.stage1, vm.stage2].flatMap((st) => st?.tables ?? []).reduce((a, t) => a + t.rows.length, 0);
    expect(allRows).toBeLessThanOrEqual(30);
    // Right after host.s2.map of the whole 1G, before any walk (the device is attached later:
    // the view shows the last attached one, none yet, so StreamID 0x10's abort STE).
    const mapped = vmAt(s, { step: stepOf(s, 'host.s2.map'), access: 0 }) as PageTablesVM;
    expect(mapped).toMatchObject({ config: 'abort', stage1: null, stage2: null, chosen: 'last-attached' });
    expect(JSON.stringify(mapped).length).toBeLessThan(1000);
  });

  it('inside the walk: the path lights read by read (read 14 is the current one)', () => {
    const vm = vmAt(s, { step: dma, access: 14 }) as PageTablesVM;
    expect(vm.outcome).toEqual({ kind: 'walking' });
    expect(vm.readsDone).toBe(14);
    expect(vm.currentWhat).toBe('S2');
    expect(vmAt(s, { step: dma, access: 6 })?.currentWhat).toBe('CD');
    expect(vm.path.length).toBe(28);           // the whole path is known; the rest is still to come
    const state = (n: number) => vm.path.find((p) => p.n === n)?.state;
    expect([state(13), state(14), state(15), state(16), state(30)]).toEqual(['read', 'current', 'unread', 'unread', 'unread']);
    // Read 14: stage 2, level 2, for the level-1 stage-1 descriptor at IPA 0x7fff_e000 (read 16).
    expect(vm.path.find((p) => p.n === 14)).toMatchObject({ stage: 2, level: 2, purpose: 'TT', s1Level: 1, ipa: 0x7fff_e000, serves: 16, index: 0x1ff });
    // The machine inside a walk is the one before the step: the same tables.
    expect(vm.stage2?.tables.map((t) => t.addr)).toEqual([0x1040_2000, 0x1040_3000, 0x1040_4000, 0x1060_4000, 0x1040_5000]);
  });

  it('a TLB hit reads nothing: the start tables, and a note', () => {
    const vm = vmAt(s, { step: stepOf(s, 'let again = dev.dma'), access: 0 }) as PageTablesVM;
    expect(vm.outcome).toEqual({ kind: 'tlb-hit', pa: 0x8_0010_0080 });
    expect(vm.path).toEqual([]);
    expect(vm.note).toMatch(/TLB hit/);
    expect(vm.stage1?.tables.map((t) => [t.addr, t.root])).toEqual([[0x7fff_f000, true]]);
    expect(vm.stage2?.tables.map((t) => [t.addr, t.root])).toEqual([[0x1040_2000, true]]);
  });

  it('the 3-level stage 2 of the second VM: start level 1, two concatenated tables of 512', () => {
    const vm = vmAt(s, { step: stepOf(s, 'let r2 = dev.dma'), access: 0 }) as PageTablesVM;
    expect(vm.sid).toBe(0x20);
    const s2 = vm.stage2 as StageVM;
    expect(s2).toMatchObject({ startLevel: 1, concatenated: 2, inputBits: 40, vmid: 2 });
    const root = s2.tables[0];
    expect(root).toMatchObject({ level: 1, entries: 1024, root: true, addr: s2.root });
    // IPA 0x4000_0000..0x7fff_ffff is L1 index 1 (IPA[39:30]).
    expect(root.rows.filter((r) => r.kind !== 'invalid').map((r) => r.first)).toEqual([1]);
    // (4+1)(3+1)-1 = 19 walk reads, plus 3 stage-2 reads for the CD.
    expect(vm.path.length).toBe(22);
    expect(vm.outcome).toEqual({ kind: 'ok', pa: 0x8_4010_0040 });
  });

  it('with no transaction at the position: the device attached last, its start tables', () => {
    const vm = vmAt(s, { step: stepOf(s, 'let ste = smmu.ste_addr'), access: 0 }) as PageTablesVM;
    expect(vm).toMatchObject({ sid: 0x10, chosen: 'last-attached', txn: null, outcome: null, path: [] });
    expect(vm.note).toMatch(/No transaction/);
    expect(vm.stage2?.counts.map((c) => c.tables)).toEqual([1, 1, 1, 512]);
  });

  it('the booted machine has no device: no model', () => {
    expect(vmAt(s, { step: 0, access: 0 })).toBe(null);
  });
});

describe('lesson 1: stage 1 only, the host\'s own tables at PAs', () => {
  const s = session(lesson('01-stage1-walk.lab'));
  const dma = stepOf(s, 'let r = dev.dma');

  it('one tree, host-owned; reads 3-6 are its four levels', () => {
    const vm = vmAt(s, { step: dma, access: 4 }) as PageTablesVM;
    expect(vm).toMatchObject({ config: 's1', stage2: null, readsDone: 4, readsTotal: 6 });
    // host.s1.new: the L0 table at 0x1040_2000; host.cd: 64 bytes at 0x1040_3000; host.s1.map:
    // L1, L2, L3 at 0x1040_4000, 0x1040_5000, 0x1040_6000.
    expect(vm.stage1).toMatchObject({ owner: 'host', tableSpace: 'PA', outputSpace: 'PA', root: 0x1040_2000, cd: { addr: 0x1040_3000, space: 'PA', asid: 1 } });
    expect(vm.stage1?.tables.map((t) => [t.level, t.addr])).toEqual([[0, 0x1040_2000], [1, 0x1040_4000], [2, 0x1040_5000], [3, 0x1040_6000]]);
    expect(vm.path.map((p) => [p.n, p.stage, p.level, p.index, p.state])).toEqual([
      [3, 1, 0, 0, 'read'], [4, 1, 1, 0, 'current'], [5, 1, 2, 0x80, 'unread'], [6, 1, 3, 0, 'unread'],
    ]);
    expect(vm.stage1?.tables[3].rows[0]).toMatchObject({ kind: 'page', addr: 0x8_0010_0000, perm: 'rwu XN' });
  });
});

describe('lesson 4: a stage-2 fault on a stage-1 table', () => {
  const s = session(lesson('04-s2-fault-on-s1-table.lab'));

  it('the path stops at the invalid stage-2 entry for IPA 0x7fff_d400, marked with the event', () => {
    const vm = vmAt(s, { step: stepOf(s, 'let f = dev.dma'), access: 0 }) as PageTablesVM;
    expect(vm.outcome).toEqual({ kind: 'fault', event: 'F_TRANSLATION', s2: true, cls: 'TT' });
    // STE and CD from the configuration cache: the 14 reads are all table reads.
    expect(vm.path.length).toBe(14);
    const last = vm.path[13];
    expect(last).toMatchObject({ n: 14, stage: 2, level: 3, index: 0x1fd, ipa: 0x7fff_d400, fault: 'F_TRANSLATION' });
    const l3 = table(vm.stage2, 0x1060_4000);
    expect(l3.rows.find((r) => r.first === 0x1fd)).toMatchObject({ kind: 'invalid', count: 1, reads: [14] });
    // The guest's level-2 table is no longer guest RAM: it is not drawn, and what is below it
    // cannot be counted.
    expect(vm.stage1?.tables.map((t) => t.level)).toEqual([0, 1]);
    expect(vm.stage1?.counts.map((c) => [c.level, c.tables, c.partial])).toEqual([[0, 1, false], [1, 1, false], [2, 1, false], [3, 0, true]]);
  });
});

describe('folding', () => {
  it('a fragmented table is bounded: stretches between path entries merge into mixed rows', () => {
    const src = [
      'let nic = host.assign("0000:01:00.0", sid: 0x10)',
      'let hpt = host.s1.new(granule: 4K, va_bits: 48)',
      'let hcd = host.cd(ttb0: hpt, asid: 1)',
      'host.attach_s1(nic, cd_table: hcd)',
      '# every other page of 0x1000_0000..0x1008_0000: 64 valid entries with 64 holes between them',
      'for va in 0x1000_0000..0x1008_0000 step 8K {',
      '  host.s1.map(hpt, iova: va, pa: 0x8_0010_0000 + (va - 0x1000_0000), size: 4K, perm: rw)',
      '}',
      'host.s1.map(hpt, iova: 0x1000_1000, pa: 0x8_0000_0000, size: 4K, perm: r)',
      'let r = dev.dma(nic, read, iova: 0x1000_1000, len: 8)',
    ].join('\n');
    const s = session(src);
    const vm = vmAt(s, { step: s.records.length, access: 0 }) as PageTablesVM;
    const l3 = vm.stage1?.tables.find((t) => t.level === 3) as TableVM;
    // Unfolded: entries 0..127 alternate (128 rows) and 128..511 are one invalid run: 129 rows,
    // over MAX_ROWS. Kept: entry 0 (alone before the path), entry 1 (the path, read-only),
    // then entries 2..511 as one mixed row with 63 valid entries (2, 4, ..., 126).
    expect(l3.rows.length).toBeLessThanOrEqual(MAX_ROWS);
    expect(l3.rows.map((r) => [r.first, r.count, r.kind, r.valid ?? null])).toEqual([
      [0, 1, 'page', null], [1, 1, 'page', null], [2, 510, 'mixed', 63],
    ]);
    expect(l3.rows[1]).toMatchObject({ addr: 0x8_0000_0000, perm: 'r-u XN', reads: [6] });
  });
});
