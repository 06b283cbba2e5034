// The page-table view's layout on real models: at every read of the lessons' walks, and at
// positions without one, nothing overflows its box, nothing overlaps, everything is inside the
// viewBox, and the path's rows and connectors are there.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../../engine/lab';
import { buildPageTables, type PageTablesVM } from '../../worker/models/tables';
import { DURATION } from './draw';
import { ASPECT, layoutPageTables, overflows, WIDTH, WIDTH_ONE_STAGE, type Layout } from './layout';

const lesson = (f: string): string => readFileSync(new URL(`../../scenarios/${f}`, import.meta.url), 'utf8');

function run(f: string): LabSession {
  const s = openLab(lesson(f)).session as LabSession;
  s.run();
  return s;
}

function vmAt(s: LabSession, step: number, access: number): PageTablesVM | null {
  const p = s.seek({ step, access });
  return buildPageTables({ machine: s.machineAt(p), position: p, events: s.visibleEvents(p), record: s.record(p.step) });
}

/** Every position of every step with reads (each read, and the step done), and the steps around. */
function positions(s: LabSession): { step: number; access: number }[] {
  const out: { step: number; access: number }[] = [];
  for (const r of s.records) {
    if (r.accesses === 0) continue;
    for (let a = 0; a <= r.accesses; a++) out.push({ step: r.step, access: a });
    if (r.step < s.records.length) out.push({ step: r.step + 1, access: 0 });
  }
  return out;
}

function check(l: Layout, where: string): void {
  expect(overflows(l), where).toEqual([]);
  for (const st of l.strips) {
    expect(st.x, where).toBeGreaterThanOrEqual(0);
    expect(st.x + st.w, where).toBeLessThanOrEqual(l.width + 0.01);
    expect(st.y + st.h, where).toBeLessThanOrEqual(l.height);
    let y = st.y + 20;
    for (const r of st.rows) {
      expect(r.y, `${where} ${r.key}`).toBeCloseTo(y, 5);     // rows stack without gaps or overlaps
      y += r.h;
    }
    expect(y, where).toBeCloseTo(st.y + st.h, 5);
  }
  for (let i = 0; i < l.strips.length; i++) {
    for (let j = i + 1; j < l.strips.length; j++) {
      const a = l.strips[i], b = l.strips[j];
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      expect(apart, `${where}: ${a.key} and ${b.key} overlap`).toBe(true);
    }
  }
  for (const c of l.columns) expect(c.x + c.w, where).toBeLessThanOrEqual(l.width + 0.01);
}

describe('layout of real walks', () => {
  for (const f of ['01-stage1-walk.lab', '02-nested-walk.lab', '04-s2-fault-on-s1-table.lab']) {
    it(`${f}: every read of every walk fits`, () => {
      const s = run(f);
      const ps = positions(s);
      expect(ps.length).toBeGreaterThan(5);
      for (const p of ps) {
        const vm = vmAt(s, p.step, p.access);
        if (vm === null) continue;
        const l = layoutPageTables(vm);
        const where = `${f} step ${p.step} access ${p.access}`;
        check(l, where);
        const both = vm.stage1 !== null && vm.stage2 !== null;
        expect(l.width).toBe(both ? WIDTH : vm.stage1 || vm.stage2 ? WIDTH_ONE_STAGE : WIDTH);
        expect(l.height).toBeGreaterThanOrEqual(Math.round(l.width * ASPECT));
        // The position's read is one highlighted row; the walk's path rows are all drawn.
        const rows = l.strips.flatMap((x) => x.rows);
        const current = vm.path.find((q) => q.state === 'current');
        expect(rows.filter((r) => r.state === 'current').length, where).toBe(current ? 1 : 0);
        for (const q of vm.path) expect(rows.some((r) => r.key === `${q.table}:${q.index}`), where).toBe(true);
      }
    });
  }

  it('the nested walk fits the 800x500 panel without growing', () => {
    const s = run('02-nested-walk.lab');
    const dma = s.records.find((r) => r.accesses === 30) as { step: number };
    for (const a of [0, 1, 14, 30]) {
      const l = layoutPageTables(vmAt(s, dma.step, a) as PageTablesVM);
      expect([l.width, l.height]).toEqual([800, 500]);
    }
  });

  it('draws the path: one connector per table a walk went on to, the current one marked', () => {
    const s = run('02-nested-walk.lab');
    const dma = s.records.find((r) => r.accesses === 30) as { step: number };
    const l = layoutPageTables(vmAt(s, dma.step, 14) as PageTablesVM);
    // Stage 1: L0->L1, L1->L2, L2->L3. Stage 2: L0->L1, L1->L2, L2[0x1ff]->L3 (0x1060_4000),
    // L2[0]->L3 (0x1040_5000).
    expect(l.connectors.filter((c) => c.owner === 'guest').length).toBe(3);
    expect(l.connectors.filter((c) => c.owner === 'host').length).toBe(4);
    // Read 14 is stage 2's level-2 read: the connector into the L2 table is the current one.
    expect(l.connectors.filter((c) => c.state === 'current').map((c) => c.key)).toEqual(['s2:10403000:1>s2:10404000']);
    // Read 16 (stage 1, level 1) waits for this stage-2 walk.
    expect(l.strips.flatMap((x) => x.rows).filter((r) => r.state === 'waiting').map((r) => r.key)).toEqual(['s1:7fffe000:0']);
    expect(l.columns.map((c) => c.now)).toEqual([
      'read 16 (L1) waits for stage 2 to translate its IPA',
      "read 14: S2 L2 for the S1 L1 descriptor's IPA 0x7fffe000",
    ]);
  });

  it('the fault is written out on its row, not only coloured', () => {
    const s = run('04-s2-fault-on-s1-table.lab');
    const f = s.records.filter((r) => r.accesses > 0).at(-1) as { step: number };
    const l = layoutPageTables(vmAt(s, f.step, 0) as PageTablesVM);
    const faulted = l.strips.flatMap((x) => x.rows).filter((r) => r.state === 'fault');
    expect(faulted.map((r) => r.center)).toEqual(['0x1fd ✕ F_TRANSLATION']);
    expect(l.statusKind).toBe('fault');
    expect(l.status).toContain('F_TRANSLATION (S2, CLASS TT)');
  });

  it('animates for at most 300 ms', () => {
    expect(DURATION).toBeLessThanOrEqual(300);
  });
});

describe('a wide, short panel (presenter mode at 1280x720: about 1264x480)', () => {
  const panel = { w: 1264, h: 480 };
  it('02-nested-walk.lab: every read fits, drawn larger than the 2x2 grid would be', () => {
    const s = run('02-nested-walk.lab');
    for (const p of positions(s)) {
      const vm = vmAt(s, p.step, p.access);
      if (vm === null) continue;
      const where = `step ${p.step} access ${p.access}`;
      const l = layoutPageTables(vm, panel);
      check(l, where);
      const grid = layoutPageTables(vm);
      const scale = (x: Layout) => Math.min(panel.w / x.width, panel.h / x.height);
      expect(scale(l), where).toBeGreaterThanOrEqual(scale(grid) - 1e-9);
    }
  });
});
