// The walk grid's model on the real engine: the lessons' DMAs, at chosen reads. Every expected
// address and value is derived by hand from the lab's memory map (src/model/lab/machine.ts) and
// the lessons' own comments, not copied from a run:
//   - host kernel memory starts at 0x10000000: the stream table first (2^16 STEs x 64 bytes =
//     4 MiB), then the Command queue (4 KiB, 0x10400000) and the Event queue (4 KiB,
//     0x10401000); the first VM's stage-2 level-0 table is the next page, 0x10402000.
//   - StreamID 0x10's STE: 0x10000000 + 64 * 0x10 = 0x10000400.
//   - the guest allocates from the top of its RAM (IPA 0x40000000 + 1G) down: its level-0 table
//     at 0x7ffff000, then levels 1, 2, 3 at 0x7fffe000, 0x7fffd000, 0x7fffc000, the CD at
//     0x7fffb000 (lesson 4's comment); stage 2 maps IPA 0x40000000 + x to PA 0x8_0000_0000 + x.
//   - IOVA 0x10000040: index 0 at levels 0 and 1, IOVA[29:21] = 0x80 at level 2 (offset 0x400),
//     IOVA[20:12] = 0 at level 3; the leaf maps IPA 0x40100000.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../../engine/lab';
import { buildModels } from './index';
import { buildWalkGrid, type WalkCell, type WalkGridVM } from './walk';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '../../scenarios');
const lesson = (file: string): string => readFileSync(join(SCENARIOS, file), 'utf8');

function open(source: string): LabSession {
  const { diagnostics, session } = openLab(source);
  expect(diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  if (session === null) throw new Error('no session');
  session.run();
  return session;
}

/** The step of the statement on 1-based `line` (the first time it runs). */
function stepOfLine(s: LabSession, line: number): number {
  const r = s.records.find((x) => x.line === line);
  if (!r) throw new Error(`no step on line ${line}`);
  return r.step;
}

function lineOf(source: string, text: string): number {
  const i = source.split('\n').findIndex((l) => l.startsWith(text));
  if (i < 0) throw new Error(`no line starting with ${text}`);
  return i + 1;
}

function gridAt(s: LabSession, step: number, access: number): WalkGridVM | null {
  const position = s.seek({ step, access });
  return buildWalkGrid({ machine: s.machineAt(position), position, events: s.visibleEvents(position), record: s.record(step) });
}

function grid(s: LabSession, step: number, access: number): WalkGridVM {
  const g = gridAt(s, step, access);
  if (g === null) throw new Error('no grid');
  return g;
}

const cell = (g: WalkGridVM, id: string): WalkCell => {
  const c = g.cells.find((x) => x.id === id);
  if (!c) throw new Error(`no cell ${id} in ${g.cells.map((x) => x.id).join(' ')}`);
  return c;
};
const field = (c: WalkCell, name: string) => {
  const f = c.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${c.fields.map((x) => x.name).join(' ')}`);
  return f;
};
const states = (g: WalkGridVM, state: WalkCell['state']): string[] => g.cells.filter((c) => c.state === state).map((c) => c.id);

const S2_ROWS = ['s2L0', 's2L1', 's2L2', 's2L3', 'read'];
const NESTED_COLS = ['STE', 'CD', 'gL0', 'gL1', 'gL2', 'gL3', 'out'];

describe('lesson 2: the cold nested walk, 4 levels by 4', () => {
  const src = lesson('02-nested-walk.lab');
  const s = open(src);
  const dma = stepOfLine(s, lineOf(src, 'let r = dev.dma'));

  it('has no grid on a step without a transaction', () => {
    expect(gridAt(s, dma + 1, 0)).toBe(null);            // expect r.ok
    expect(gridAt(s, 1, 0)).toBe(null);                  // host.assign: commands, no DMA
  });

  it('read 1: the STE; the whole 30-read shape is already there, pending', () => {
    const g = grid(s, dma, 1);
    expect(g.mode).toBe('walk');
    expect(g.config).toBe('nested');
    expect([g.n, g.m, g.s1Start, g.s2Start]).toEqual([4, 4, 0, 0]);
    expect(g.columns.map((c) => c.id)).toEqual(NESTED_COLS);
    expect(g.columns.map((c) => c.label)).toEqual(['STE', 'CD', 'gL0 table', 'gL1 table', 'gL2 table', 'gL3 table', 'output IPA']);
    expect(g.rows.map((r) => r.id)).toEqual(S2_ROWS);
    expect(g.rows.map((r) => r.label)).toEqual(['S2 level 0', 'S2 level 1', 'S2 level 2', 'S2 level 3', 'stage-1 read']);
    // STE: one cell; CD, gL0-3 and out: 4 + 1 each.
    expect(g.cells).toHaveLength(1 + 6 * 5);
    const ste = cell(g, 'STE:read');
    expect(ste).toMatchObject({ state: 'current', read: 1, pa: '0x10000400', owner: 'host', kind: 'STE' });
    // Word 0: S1ContextPtr = the CD's IPA 0x7fffb000, Config = 0b111 (bits 3:1), V = 1.
    expect(ste.value).toBe('0x7fffb00f');
    expect(field(ste, 'Config')).toMatchObject({ bits: '3:1', raw: '0b111' });
    expect(field(ste, 'V')).toMatchObject({ bits: '0', raw: '0b1' });
    expect(field(ste, 'S1ContextPtr')).toMatchObject({ bits: '55:6', meaning: 'IPA 0x7fffb000' });
    // VMID 1, S2T0SZ = 64 - 48 = 16, S2SL0 = 0b10 (level 0 with 4K), S2TG = 0b00 (4K), S2PS = 0b101 (48 bits).
    expect(field(ste, 'S2VMID')).toMatchObject({ bits: '143:128', meaning: 'VMID 1' });
    expect(field(ste, 'S2T0SZ')).toMatchObject({ bits: '165:160', raw: '0b010000' });
    expect(field(ste, 'S2SL0')).toMatchObject({ bits: '167:166', raw: '0b10', meaning: 'start at level 0' });
    expect(field(ste, 'S2TG')).toMatchObject({ raw: '0b00', meaning: '4K granule' });
    expect(field(ste, 'S2PS')).toMatchObject({ raw: '0b101', meaning: '48-bit output' });
    expect(field(ste, 'S2TTB')).toMatchObject({ bits: '243:196', meaning: 'PA 0x10402000' });
    // The CD's address is known from the STE; nothing after it is.
    expect(g.columns.find((c) => c.id === 'CD')?.addr).toBe('IPA 0x7fffb000');
    expect(g.columns.find((c) => c.id === 'gL0')?.addr).toBe(null);
    // Pending cells carry the read they will be, in walk order: the CD's stage-2 walk is 2..5.
    expect([2, 3, 4, 5, 6].map((n) => g.cells.find((c) => c.read === n)?.id)).toEqual(['CD:s2L0', 'CD:s2L1', 'CD:s2L2', 'CD:s2L3', 'CD:read']);
    expect(cell(g, 'out:s2L3')).toMatchObject({ state: 'pending', read: 30, value: null, pa: null });
    expect(cell(g, 'out:read')).toMatchObject({ kind: 'result', read: null, state: 'pending' });
    expect(g.counters).toEqual({ walkReads: 0, walkExpected: 24, reads: 1, readsExpected: 30 });
    expect(g.cfg).toEqual({ ste: 'miss', cd: null });
    expect(g.currentId).toBe('STE:read');
    expect(g.narration).toBe('The SMMU reads StreamID 0x10\'s STE at PA 0x10000400: Config = 0b111, nested: stage 1, then stage 2.');
  });

  it('read 2: stage 2 walks the CD\'s IPA, level 0 first, from S2TTB', () => {
    const g = grid(s, dma, 2);
    // IPA 0x7fffb000[47:39] = 0: the first entry of the level-0 table at 0x10402000, a table
    // descriptor pointing at the next page-table page the host allocated, 0x10403000.
    const c = cell(g, 'CD:s2L0');
    expect(c).toMatchObject({ state: 'current', read: 2, pa: '0x10402000', value: '0x10403003', owner: 'host', label: 'table', level: 0 });
    expect(field(c, 'Next-level table address')).toMatchObject({ bits: '47:12', raw: '0x10403', meaning: 'PA 0x10403000' });
    expect(field(c, 'type')).toMatchObject({ bits: '1', raw: '0b1', meaning: 'table' });
    expect(cell(g, 'STE:read').state).toBe('done');
    expect(g.narration).toBe('Stage 2 translates the IPA of the guest\'s CD (0x7fffb000): level 0 of 4.');
    expect(g.counters).toMatchObject({ walkReads: 0, reads: 2 });   // the CD's stage-2 walk is not the 2D walk
  });

  it('read 5 and 6: the CD\'s stage-2 leaf, then the CD itself', () => {
    const leaf = cell(grid(s, dma, 5), 'CD:s2L3');
    // PA 0x8_3fff_b000 (0x7fffb000 - 0x40000000 + 0x8_0000_0000); low bits 0x7ff: valid, page,
    // MemAttr 0b1111 (Normal Write-Back), S2AP 0b11, SH 0b11, AF; bit 54 set: XN.
    expect(leaf).toMatchObject({ label: 'page', value: '0x40_0008_3fff_b7ff' });
    expect(field(leaf, 'Output address')).toMatchObject({ bits: '47:12', meaning: 'PA 0x8_3fff_b000 (4K page)' });
    expect(field(leaf, 'S2AP')).toMatchObject({ bits: '7:6', raw: '0b11', meaning: 'read/write' });
    expect(field(leaf, 'MemAttr')).toMatchObject({ bits: '5:2', raw: '0b1111', meaning: 'Normal Write-Back' });
    expect(field(leaf, 'SH')).toMatchObject({ raw: '0b11', meaning: 'Inner Shareable' });
    expect(field(leaf, 'AF')).toMatchObject({ raw: '0b1' });
    expect(field(leaf, 'XN')).toMatchObject({ bits: '54:53', raw: '0b10', meaning: 'execute-never' });

    const g = grid(s, dma, 6);
    const cd = cell(g, 'CD:read');
    expect(cd).toMatchObject({ state: 'current', read: 6, pa: '0x8_3fff_b000', ipa: '0x7fffb000', owner: 'guest', label: 'ASID 7' });
    expect(cd.words).toHaveLength(8);
    expect(field(cd, 'ASID')).toMatchObject({ bits: '63:48', meaning: 'ASID 7' });
    expect(field(cd, 'V')).toMatchObject({ bits: '31', raw: '0b1' });
    expect(field(cd, 'T0SZ')).toMatchObject({ bits: '5:0', raw: '0b010000', meaning: '48-bit input (IOVA) range' });
    expect(field(cd, 'TG0')).toMatchObject({ raw: '0b00', meaning: '4K granule' });
    expect(field(cd, 'TTB0')).toMatchObject({ bits: '119:68', meaning: 'IPA 0x7ffff000: the start-level table' });
    expect(field(cd, 'AA64').raw).toBe('0b1');
    expect(field(cd, 'A').raw).toBe('0b1');
    // With the CD read, the first stage-1 descriptor's IPA is known: TTB0 + 8 * IOVA[47:39].
    expect(g.columns.find((c) => c.id === 'gL0')?.addr).toBe('IPA 0x7ffff000');
    expect(g.narration).toBe('The SMMU reads the guest\'s CD at IPA 0x7fffb000 (PA 0x8_3fff_b000): ASID 7, TTB0 = IPA 0x7ffff000.');
  });

  it('read 11: the guest\'s level-0 descriptor, after its IPA went through stage 2 (reads 7-10)', () => {
    const g = grid(s, dma, 11);
    const c = cell(g, 'gL0:read');
    expect(c).toMatchObject({ state: 'current', read: 11, ipa: '0x7ffff000', pa: '0x8_3fff_f000', value: '0x7fffe003', kind: 'S1', owner: 'guest', label: 'table' });
    expect(field(c, 'Next-level table address').meaning).toBe('IPA 0x7fffe000');
    expect(field(c, 'APTable')).toMatchObject({ bits: '62:61', raw: '0b00', meaning: 'no effect' });
    expect(['gL0:s2L0', 'gL0:s2L3'].map((id) => cell(g, id).state)).toEqual(['done', 'done']);
    expect(cell(g, 'gL0:s2L0').pa).toBe('0x10402000');
    expect(g.columns.find((c) => c.id === 'gL1')?.addr).toBe('IPA 0x7fffe000');
    expect(g.counters).toEqual({ walkReads: 5, walkExpected: 24, reads: 11, readsExpected: 30 });
    expect(g.narration).toBe('The SMMU reads the guest\'s level-0 descriptor at IPA 0x7ffff000 (PA 0x8_3fff_f000): a table at IPA 0x7fffe000.');
  });

  it('read 23: walk reads 17 of 24, all reads 23; stage 2 on the level-3 descriptor\'s IPA', () => {
    const g = grid(s, dma, 23);
    expect(g.counters).toEqual({ walkReads: 17, walkExpected: 24, reads: 23, readsExpected: 30 });
    expect(g.currentId).toBe('gL3:s2L1');
    expect(states(g, 'current')).toEqual(['gL3:s2L1']);
    expect(states(g, 'done')).toHaveLength(22);
    expect(states(g, 'pending')).toEqual(['gL3:s2L2', 'gL3:s2L3', 'gL3:read', 'out:s2L0', 'out:s2L1', 'out:s2L2', 'out:s2L3', 'out:read']);
    expect(g.columns.find((c) => c.id === 'gL2')?.addr).toBe('IPA 0x7fffd400');
    expect(g.columns.find((c) => c.id === 'gL3')?.addr).toBe('IPA 0x7fffc000');
    expect(g.narration).toBe('Stage 2 translates the IPA of the guest\'s level-3 descriptor (0x7fffc000): level 1 of 4.');
  });

  it('read 26: the stage-1 leaf, a page; the output IPA follows', () => {
    const g = grid(s, dma, 26);
    const c = cell(g, 'gL3:read');
    // 0x60_0000_4010_0f47: page at IPA 0x40100000, AttrIndx 1 (io-pgtable's MAIR: 0xff), AP 0b01,
    // SH 0b11, AF, nG; bits 53 and 54 set: PXN, UXN.
    expect(c).toMatchObject({ value: '0x60_0000_4010_0f47', label: 'page', pa: '0x8_3fff_c000' });
    expect(field(c, 'Output address').meaning).toBe('IPA 0x40100000 (4K page)');
    expect(field(c, 'AttrIndx')).toMatchObject({ bits: '4:2', raw: '0b001', meaning: 'MAIR[1] = 0xff: Normal Write-Back' });
    expect(field(c, 'AP[2:1]')).toMatchObject({ bits: '7:6', raw: '0b01', meaning: 'read/write at both privileges' });
    expect(field(c, 'nG')).toMatchObject({ bits: '11', raw: '0b1' });
    expect(field(c, 'PXN').raw).toBe('0b1');
    expect(field(c, 'UXN').raw).toBe('0b1');
    expect(field(c, 'Contiguous').raw).toBe('0b0');
    expect(g.columns.find((x) => x.id === 'out')?.addr).toBe('IPA 0x40100040');
    expect(g.narration).toBe('The SMMU reads the guest\'s level-3 descriptor at IPA 0x7fffc000 (PA 0x8_3fff_c000): a page, output IPA 0x40100000.');
  });

  it('the whole step: 30 reads, 24 of them the walk, IOVA -> IPA -> PA', () => {
    const g = grid(s, dma, 0);
    expect(g.counters).toEqual({ walkReads: 24, walkExpected: 24, reads: 30, readsExpected: 30 });
    expect(states(g, 'pending')).toEqual([]);
    expect(g.cells.filter((c) => c.read !== null).map((c) => c.read)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(g.outcome).toEqual({ status: 'ok', pa: 'PA 0x8_0010_0040', ipa: 'IPA 0x40100040', fault: null });
    expect(g.currentId).toBe('out:read');
    expect(cell(g, 'out:read')).toMatchObject({ state: 'current', label: 'PA 0x8_0010_0040' });
    expect(g.tlb).toEqual({ hit: false, vmid: 1, asid: 7 });
    expect(g.columns.every((c) => c.id === 'STE' || c.s2Tlb === 'miss')).toBe(true);
    expect(g.narration).toBe('Done: IOVA 0x10000040 → IPA 0x40100040 → PA 0x8_0010_0040, in 30 reads (24 in the walk).');
    // Plain data for structured clone and JSON alike.
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    const position = { step: dma, access: 0 };
    expect(buildModels({ machine: s.machineAt(position), position, events: s.visibleEvents(position), record: s.record(dma) }).walk).toEqual(g);
  });

  it('the same page again: a TLB hit collapses the grid to one cell with the entry\'s tags', () => {
    const again = stepOfLine(s, lineOf(src, 'let again = dev.dma'));
    const g = grid(s, again, 0);
    expect(g.mode).toBe('tlb-hit');
    expect(g.cfg).toEqual({ ste: 'hit', cd: 'hit' });
    expect(g.columns.map((c) => c.id)).toEqual(['tlb']);
    expect(g.cells).toHaveLength(1);
    const t = g.cells[0];
    expect(t).toMatchObject({ kind: 'tlb', owner: 'hw', label: 'TLB hit', state: 'current', read: null });
    expect(Object.fromEntries(t.fields.map((f) => [f.name, f.meaning]))).toEqual({
      Kind: 'combined stage 1 + stage 2', VMID: '1', ASID: '7 (nG = 1)', Input: 'IOVA 0x10000000..0x10000fff (4K)',
      IPA: '0x40100000', Output: 'PA 0x8_0010_0000', 'AP[2:1]': 'read/write at both privileges', S2AP: 'read/write',
    });
    expect(g.counters).toEqual({ walkReads: 0, walkExpected: 24, reads: 0, readsExpected: 24 });
    expect(g.narration).toBe('TLB hit (VMID 1, ASID 7): IOVA 0x10000080 → PA 0x8_0010_0080 with no table reads.');
  });

  it('a 3-level stage 2 (40-bit IPA, S2SL0 = 0b01) loses a row: 19 walk reads, 24 in all', () => {
    const step = stepOfLine(s, lineOf(src, 'let r2 = dev.dma'));
    const first = grid(s, step, 1);
    expect([first.n, first.m, first.s2Start]).toEqual([4, 3, 1]);
    expect(first.rows.map((r) => r.id)).toEqual(['s2L1', 's2L2', 's2L3', 'read']);
    expect(first.counters).toEqual({ walkReads: 0, walkExpected: 19, reads: 1, readsExpected: 24 });
    // StreamID 0x20's STE: 0x10000000 + 64 * 0x20.
    expect(cell(first, 'STE:read').pa).toBe('0x10000800');
    expect(cell(first, 'out:s2L3').read).toBe(24);
    const g = grid(s, step, 0);
    expect(g.counters).toEqual({ walkReads: 19, walkExpected: 19, reads: 24, readsExpected: 24 });
    expect(g.outcome.pa).toBe('PA 0x8_4010_0040');
    // Stage 2 begins at level 1: "level 1 (1 of 3)".
    expect(grid(s, step, 2).narration).toBe('Stage 2 translates the IPA of the guest\'s CD (0x7fffb000): level 1 (1 of 3).');
  });
});

describe('lesson 4: a stage-2 fault on a stage-1 table', () => {
  const src = lesson('04-s2-fault-on-s1-table.lab');
  const s = open(src);
  const step = stepOfLine(s, lineOf(src, 'let f = dev.dma'));

  it('the configuration cache has the STE and CD: no STE and CD columns', () => {
    const g = grid(s, step, 1);
    expect(g.cfg).toEqual({ ste: 'hit', cd: 'hit' });
    expect(g.columns.map((c) => c.id)).toEqual(['gL0', 'gL1', 'gL2', 'gL3', 'out']);
    expect(g.counters).toEqual({ walkReads: 1, walkExpected: 24, reads: 1, readsExpected: 24 });
    // From the cached CD the first descriptor's IPA is known before any read.
    expect(g.columns[0].addr).toBe('IPA 0x7ffff000');
  });

  it('read 14 (the last): stage 2 finds the level-3 entry for IPA 0x7fffd400 invalid', () => {
    const g = grid(s, step, 14);
    expect(cell(g, 'gL2:s2L3')).toMatchObject({ state: 'current', read: 14, value: '0x0', label: 'invalid', fault: null });
    expect(field(cell(g, 'gL2:s2L3'), 'valid')).toMatchObject({ raw: '0b0', meaning: 'invalid: a translation fault' });
    expect(g.outcome.status).toBe('walking');           // the event is not raised yet
    expect(g.narration).toBe('Stage 2 translates the IPA of the guest\'s level-2 descriptor (0x7fffd400): level 3 of 4: invalid, a translation fault.');
  });

  it('the whole step: the fault marks its cell, the rest is never reached', () => {
    const g = grid(s, step, 0);
    const fault = {
      name: 'F_TRANSLATION', stage: 2, cls: 'TT', input: '0x10000040', ipa: '0x7fffd400', why: null, recorded: true,
      text: 'F_TRANSLATION · S2 · CLASS TT · InputAddr 0x10000040 · IPA 0x7fffd400',
    };
    expect(g.outcome).toEqual({ status: 'fault', pa: null, ipa: null, fault });
    expect(g.currentId).toBe('gL2:s2L3');
    expect(cell(g, 'gL2:s2L3')).toMatchObject({ state: 'current', fault });
    expect(g.cells.filter((c) => c.fault !== null)).toHaveLength(1);
    expect(states(g, 'unreached')).toEqual([
      'gL2:read', 'gL3:s2L0', 'gL3:s2L1', 'gL3:s2L2', 'gL3:s2L3', 'gL3:read', 'out:s2L0', 'out:s2L1', 'out:s2L2', 'out:s2L3',
    ]);
    expect(cell(g, 'out:read').label).toBe('✕ F_TRANSLATION');
    expect(g.counters).toEqual({ walkReads: 14, walkExpected: 24, reads: 14, readsExpected: 24 });
    expect(g.narration).toBe('F_TRANSLATION at stage 2 (CLASS TT): stage 2 could not translate IPA 0x7fffd400, the guest\'s level-2 descriptor; the transaction is aborted.');
  });
});

describe('lesson 1: stage 1 only, 4 reads', () => {
  const src = lesson('01-stage1-walk.lab');
  const s = open(src);
  const step = stepOfLine(s, lineOf(src, 'let r = dev.dma'));

  it('no stage-2 rows; the host owns the CD and the tables, at PAs', () => {
    const g = grid(s, step, 0);
    expect(g.config).toBe('s1');
    expect([g.n, g.m]).toEqual([4, 0]);
    expect(g.rows.map((r) => r.id)).toEqual(['read']);
    expect(g.columns.map((c) => c.label)).toEqual(['STE', 'CD', 'L0 table', 'L1 table', 'L2 table', 'L3 table', 'output PA']);
    expect(g.counters).toEqual({ walkReads: 4, walkExpected: 4, reads: 6, readsExpected: 6 });
    expect(g.cells.map((c) => c.owner)).toEqual(['host', 'host', 'host', 'host', 'host', 'host', 'hw']);
    expect(cell(g, 'gL0:read').ipa).toBe(null);
    expect(cell(g, 'CD:read').pa).toBe(g.columns[1].addr?.replace('PA ', ''));
    expect(g.outcome).toMatchObject({ status: 'ok', pa: 'PA 0x8_0010_0040', ipa: null });
    expect(g.narration).toBe('Done: IOVA 0x10000040 → PA 0x8_0010_0040, in 6 reads (4 in the walk).');
  });
});

describe('stage 2 only (STE.Config = 0b110)', () => {
  // A 40-bit IPA space starts stage 2 at level 1 (S2SL0 = 0b01): m = 3. The second range is
  // mapped with 2M blocks: its walk ends at level 2.
  const src = [
    'let nic = host.assign("0000:01:00.0", sid: 0x10)',
    'let vm = host.vm(vmid: 3, ipa_bits: 40, granule: 4K)',
    'host.s2.map(ipa: 0x40000000, pa: 0x8_0000_0000, size: 2M, perm: rw, pgsize: 4K, vm: vm)',
    'host.s2.map(ipa: 0x80000000, pa: 0x8_4000_0000, size: 2M, perm: rw, pgsize: 2M, vm: vm)',
    'host.attach(nic, vm)',
    'let r = dev.dma(nic, read, iova: 0x40001040, len: 64)',
    'let b = dev.dma(nic, read, iova: 0x80001040, len: 64)',
    'let again = dev.dma(nic, read, iova: 0x40001080, len: 64)',
  ].join('\n');
  const s = open(src);

  it('one column, the input IPA, walked down: 3 walk reads and the STE', () => {
    const g = grid(s, 6, 0);
    expect(g.config).toBe('s2');
    expect([g.n, g.m]).toEqual([0, 3]);
    expect(g.columns.map((c) => [c.id, c.label, c.addr])).toEqual([['STE', 'STE', 'PA 0x10000400'], ['out', 'input IPA', 'IPA 0x40001040']]);
    expect(g.rows.map((r) => r.label)).toEqual(['S2 level 1', 'S2 level 2', 'S2 level 3', 'output']);
    expect(g.counters).toEqual({ walkReads: 3, walkExpected: 3, reads: 4, readsExpected: 4 });
    expect(cell(g, 'out:read').label).toBe('PA 0x8_0000_1040');
  });

  it('a 2M block at level 2: level 3 is not needed', () => {
    const g = grid(s, 7, 2);
    expect(cell(g, 'out:s2L2')).toMatchObject({ label: '2M block', state: 'current' });
    expect(cell(g, 'out:s2L3').state).toBe('skipped');
    expect(cell(g, 'out:s2L3').read).toBe(null);
    expect(grid(s, 7, 0).outcome.pa).toBe('PA 0x8_4000_1040');
  });

  it('the stage-2 TLB entry for the input is the TLB hit', () => {
    const g = grid(s, 8, 0);
    expect(g.mode).toBe('tlb-hit');
    expect(g.cells).toHaveLength(1);
    expect(g.cells[0].fields.find((f) => f.name === 'Input')?.meaning).toBe('IPA 0x40001000..0x40001fff (4K)');
  });
});

describe('every position of every lesson', () => {
  it('builds a grid whose cells are unique, with at most one current cell and every read placed once', () => {
    for (const file of ['01-stage1-walk.lab', '02-nested-walk.lab', '03-stale-iotlb.lab', '04-s2-fault-on-s1-table.lab', '05-exercise-stale-ring.lab']) {
      const s = open(lesson(file));
      for (const rec of s.records) {
        if (!rec.events.some((e) => e.type === 'smmu.txn')) continue;     // no grid (tested above)
        for (let access = 0; access <= rec.accesses; access++) {
          const g = gridAt(s, rec.step, access);
          if (g === null) continue;
          const where = `${file} step ${rec.step} access ${access}`;
          expect(new Set(g.cells.map((c) => c.id)).size, where).toBe(g.cells.length);
          expect(g.cells.filter((c) => c.state === 'current').length, where).toBeLessThanOrEqual(1);
          const read = g.cells.filter((c) => c.state === 'done' || c.state === 'current').map((c) => c.read).filter((n) => n !== null);
          expect(read.sort((a, b) => (a as number) - (b as number)), where).toEqual(Array.from({ length: g.counters.reads }, (_, i) => i + 1));
          expect(g.counters.walkReads, where).toBeLessThanOrEqual(g.counters.walkExpected);
          expect(g.narration.length, where).toBeGreaterThan(0);
        }
      }
    }
  }, 30_000);
});
