// The walk grid's layout in Node (STYLE.md 10: a view is a function of its model): the lessons'
// real view-models, laid out, checked for shape, containment, no overlaps, text that fits (or is
// marked to be squeezed), and the classes that carry owner and state.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../../engine/lab';
import { buildWalkGrid, type WalkGridVM } from '../../worker/models/walk';
import { CELL_H, CELL_W, layoutGrid, textWidth, TLB_W, type GridLayout, type LText } from './layout';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

function lessonAt(file: string, lineStart: string, access: number): WalkGridVM {
  const src = readFileSync(join(SCENARIOS, file), 'utf8');
  const s = openLab(src).session as LabSession;
  s.run();
  const line = src.split('\n').findIndex((l) => l.startsWith(lineStart)) + 1;
  const rec = s.records.find((r) => r.line === line);
  if (!rec) throw new Error(`no step for ${lineStart}`);
  const position = s.seek({ step: rec.step, access });
  const vm = buildWalkGrid({ machine: s.machineAt(position), position, events: s.visibleEvents(position), record: rec });
  if (vm === null) throw new Error('no grid');
  return vm;
}

const nestedMid = lessonAt('02-nested-walk.lab', 'let r = dev.dma', 23);
const nestedDone = lessonAt('02-nested-walk.lab', 'let r = dev.dma', 0);
const tlbHit = lessonAt('02-nested-walk.lab', 'let again = dev.dma', 0);
const fault = lessonAt('04-s2-fault-on-s1-table.lab', 'let f = dev.dma', 0);
const stage1 = lessonAt('01-stage1-walk.lab', 'let r = dev.dma', 0);

/** Every text either fits the room it was given or carries `fit` (draw.ts squeezes it). */
function textsFit(texts: readonly LText[], room: number): boolean {
  return texts.every((t) => t.fit !== undefined ? t.fit <= room : textWidth(t.text, t.size, t.mono) <= room + 2);
}

function overlaps(l: GridLayout): string[] {
  const out: string[] = [];
  for (let i = 0; i < l.cells.length; i++) {
    for (let j = i + 1; j < l.cells.length; j++) {
      const a = l.cells[i], b = l.cells[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`${a.id}/${b.id}`);
    }
  }
  return out;
}

describe('layoutGrid', () => {
  it('the nested grid: 7 columns by 5 rows, every cell inside the viewBox, none overlapping', () => {
    const l = layoutGrid(nestedMid);
    expect(l.columns.map((c) => c.id)).toEqual(['STE', 'CD', 'gL0', 'gL1', 'gL2', 'gL3', 'out']);
    expect(l.rows.map((r) => r.id)).toEqual(['s2L0', 's2L1', 's2L2', 's2L3', 'read']);
    expect(l.cells).toHaveLength(31);
    for (const c of l.cells) {
      expect(c.x).toBeGreaterThanOrEqual(0);
      expect(c.y).toBeGreaterThanOrEqual(l.colHead);
      expect(c.x + c.w).toBeLessThanOrEqual(l.width);
      expect(c.y + c.h).toBeLessThanOrEqual(l.height);
    }
    expect(overlaps(l)).toEqual([]);
    // Column i, row j: one band each (the x and y scales).
    const cell = l.cells.find((c) => c.id === 'gL2:s2L1');
    expect(cell).toMatchObject({ ci: 4, ri: 1, w: CELL_W, h: CELL_H });
    // Readable when the grid gets ~800 px: the viewBox is under 1000 units wide.
    expect(l.width).toBeLessThan(1000);
  });

  it('texts fit their cells and headings, or are marked to be squeezed', () => {
    for (const vm of [nestedMid, nestedDone, fault, stage1, tlbHit]) {
      const l = layoutGrid(vm);
      for (const c of l.cells) expect(textsFit(c.texts, c.w - 8), c.id).toBe(true);
      for (const c of l.columns) expect(textsFit(c.texts, c.w), c.id).toBe(true);
    }
  });

  it('column headings name the address space above the number', () => {
    const l = layoutGrid(nestedMid);
    const gl2 = l.columns.find((c) => c.id === 'gL2');
    expect(gl2?.texts.map((t) => t.text)).toEqual(['gL2 table', 'IPA', '0x7fffd400']);
    expect(l.columns.find((c) => c.id === 'STE')?.texts.map((t) => t.text)).toEqual(['STE', 'PA', '0x10000400']);
    expect(l.columns.find((c) => c.id === 'out')?.texts.map((t) => t.text)).toEqual(['output IPA']);   // not known yet
    expect(l.rows.map((r) => r.texts[0].text)).toEqual(['S2 level 0', 'S2 level 1', 'S2 level 2', 'S2 level 3', 'stage-1 read']);
  });

  it('classes carry owner, state and kind; the current cell says so to a screen reader', () => {
    const l = layoutGrid(nestedMid);
    const by = (id: string) => l.cells.find((c) => c.id === id);
    expect(by('STE:read')?.cls).toBe('wg-cell owner-host state-done kind-STE');
    expect(by('gL0:read')?.cls).toBe('wg-cell owner-guest state-done kind-S1');
    expect(by('gL3:s2L1')?.cls).toBe('wg-cell owner-host state-current kind-S2');
    expect(by('out:s2L0')?.cls).toBe('wg-cell owner-host state-pending kind-S2');
    expect(by('gL3:s2L1')?.aria).toBe('read 23, stage-2 level-1 descriptor for the IPA of the guest\'s level-3 descriptor (0x7fffc000), table, current');
    expect(by('gL3:s2L1')?.texts.map((t) => t.text)).toEqual(['23', 'table']);
    expect(by('out:s2L0')?.texts.map((t) => t.text)).toEqual(['27']);
    const done = layoutGrid(nestedDone).cells.find((c) => c.id === 'out:read');
    expect(done?.cls).toBe('wg-cell owner-hw state-current kind-result result-ok');
    expect(done?.texts.map((t) => t.text)).toEqual(['→ PA', '0x8_0010_0040']);
  });

  it('a fault: the cell is marked, its event name written out, the result says aborted', () => {
    const l = layoutGrid(fault);
    const f = l.cells.find((c) => c.id === 'gL2:s2L3');
    expect(f?.cls).toBe('wg-cell owner-host state-current kind-S2 fault');
    expect(f?.texts.map((t) => t.text)).toEqual(['14', '✕', 'F_TRANSLATION']);
    expect(f?.aria).toContain('fault: F_TRANSLATION · S2 · CLASS TT · InputAddr 0x10000040 · IPA 0x7fffd400');
    const r = l.cells.find((c) => c.id === 'out:read');
    expect(r?.cls).toContain('result-fault');
    expect(r?.texts.map((t) => t.text)).toEqual(['✕', 'aborted', 'F_TRANSLATION']);
    expect(l.cells.filter((c) => c.cell.state === 'unreached').every((c) => c.texts.length === 0)).toBe(true);
  });

  it('a TLB hit: one wide cell with the entry\'s tags, no row headings', () => {
    const l = layoutGrid(tlbHit);
    expect(l.rows).toEqual([]);
    expect(l.cells).toHaveLength(1);
    expect(l.cells[0].w).toBe(TLB_W);
    expect(l.cells[0].texts.map((t) => t.text)).toEqual([
      '✓', 'TLB hit', 'combined stage 1 + stage 2 entry', 'VMID 1 · ASID 7 (nG = 1)', 'IOVA 0x10000000..0x10000fff (4K)',
      'IPA 0x40100000 → PA 0x8_0010_0000', 'no table reads (a miss: 24 walk reads)',
    ]);
  });

  it('stage 1 only: one row, host-owned cells', () => {
    const l = layoutGrid(stage1);
    expect(l.rows.map((r) => r.id)).toEqual(['read']);
    expect(l.cells.map((c) => c.cls.split(' ')[1])).toEqual(['owner-host', 'owner-host', 'owner-host', 'owner-host', 'owner-host', 'owner-host', 'owner-hw']);
    expect(l.height).toBeLessThan(200);
  });
});
