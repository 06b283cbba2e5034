// The timeline builder on the real engine, with hand-derived expectations (lesson 4's program):
//
// - host.s2.map of 1G at IPA 0x4000_0000 in 4K pages writes 262,144 leaves, 512 level-2 table
//   descriptors (one per 2M), one level-1 and one level-0 descriptor: 262,658 words, one row.
// - The first DMA (cold, nested 4x4): the STE and the CD are config fetches; the CD's IPA takes 4
//   stage-2 reads and the 2D walk 24 (4 x (4 + 1) + 4): 28 rows in the "walk reads" group.
// - After the host unmaps the page of the level-2 table and invalidates the VM, the second DMA reads
//   (4 + 1) + (4 + 1) + 4 = 14 descriptors and faults: 42 walk rows in all.
// - Stage 2's tables, in host memory from 0x1040_2000 (after the stream table and the two
//   queues): L0 at 0x1040_2000, L1 at 0x1040_3000, L2 at 0x1040_4000, then one L3 table per 2M.
//   The level-2 descriptor's IPA 0x7fff_d400: L1 index 0x7fff_d400 >> 30 = 1, so the S2 L1 read is
//   at 0x1040_3008 and holds the L2 table's address | 0b11 = 0x1040_4003.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../engine/lab';
import { MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS } from './api';
import { LabService } from './service';
import { TIMELINE_GROUPS, TimelineIndex, type TimelineRow } from './timeline';
import { SMALL } from './programs.test-util';

const lesson4 = readFileSync(new URL('../scenarios/04-s2-fault-on-s1-table.lab', import.meta.url), 'utf8');

function open(source: string): LabSession {
  const s = openLab(source, { wallBudgetMs: Infinity }).session;
  if (s === null) throw new Error('the program does not compile');
  return s;
}

function all(t: TimelineIndex, s: LabSession, filter: Parameters<TimelineIndex['page']>[3] = null): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (let start = 0; ; start += 1000) {
    const p = t.page(s, start, 1000, filter);
    rows.push(...p.rows);
    if (start + 1000 >= p.total) return rows;
  }
}

describe('TimelineIndex on lesson 4', () => {
  const s = open(lesson4);
  s.run();
  const t = new TimelineIndex();
  const rows = all(t, s);

  it('starts with the boot and gives every step a statement row, in step order', () => {
    expect(rows[0]).toMatchObject({ index: 0, step: 0, line: 0, kind: 'step', group: 'step' });
    expect(rows[0].text).toMatch(/^boot: /);
    expect(rows.filter((r) => r.kind === 'step')).toHaveLength(s.records.length + 1);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].step).toBeGreaterThanOrEqual(rows[i - 1].step);
      expect(rows[i].index).toBe(i);
    }
  });

  it('folds the 1G stage-2 map into one row that says so', () => {
    const map = s.records.find((r) => s.source.slice(r.head.start, r.head.end).startsWith('host.s2.map'))!;
    const mine = rows.filter((r) => r.step === map.step);
    expect(mine.map((r) => [r.kind, r.count])).toEqual([['step', 1], ['mem.write', 262_658]]);
    expect(mine[1].text).toMatch(/^host wrote 262,658 words \(262,658 mem\.write events folded into this row\)/);
    expect(mine[1].group).toBe('memory');
  });

  it('filters by group: 42 walk reads, 16 expects, all holding', () => {
    const walk = all(t, s, ['walk']);
    expect(walk).toHaveLength(42);
    expect(walk.every((r) => r.kind === 'smmu.fetch')).toBe(true);
    expect(walk.map((r) => r.index)).toEqual(walk.map((_, i) => i));
    const expects = all(t, s, ['expect']);
    expect(expects).toHaveLength(16);
    expect(expects.every((r) => r.flags === 0 && r.text.startsWith('expect holds: '))).toBe(true);
    expect(t.page(s, 0, 10, []).total).toBe(0);
  });

  it('names each read: the stage-2 walk of a stage-1 descriptor\'s IPA', () => {
    const r = rows.find((x) => x.text.startsWith('S2 L1 read for the gL2 descriptor\'s IPA 0x7fffd400'));
    expect(r?.text).toBe('S2 L1 read for the gL2 descriptor\'s IPA 0x7fffd400 (PA 0x10403008): 0x10404003 table');
    expect(r?.owner).toBe('host');                    // stage 2 is the host's
    const s1 = rows.find((x) => x.text.startsWith('S1 L2 read'));
    expect(s1?.text).toBe('S1 L2 read: the gL2 descriptor at IPA 0x7fffd400 (PA 0x8_3fff_d400): 0x7fffc003 table');
    expect(s1?.owner).toBe('guest');
  });

  it('flags the fault, its misses, and carries them on the step row', () => {
    const f = s.records.find((r) => s.source.slice(r.head.start, r.head.end).startsWith('let f = dev.dma'))!;
    const mine = rows.filter((r) => r.step === f.step);
    const done = mine.find((r) => r.kind === 'smmu.done')!;
    expect(done.flags).toBe(MARK_FAULT);
    expect(done.text).toMatch(/^FAULT F_TRANSLATION, S2 1, CLASS TT, StreamID 0x10, InputAddr 0x10000040, IPA 0x7fffd400 \(14 reads, 14 in the walk\)$/);
    expect(mine[0].kind).toBe('step');
    expect(mine[0].flags).toBe(MARK_FAULT | MARK_TLB_MISS);
    expect(mine.filter((r) => r.kind === 'smmu.tlb').every((r) => r.flags === MARK_TLB_MISS)).toBe(true);
  });

  it('points at the position\'s step', () => {
    s.seek({ step: 9, access: 0 });
    const p = t.page(s, 0, 1, null);
    expect(rows[p.current]).toMatchObject({ step: 9, kind: 'step' });
    expect(t.page(s, 0, 1, ['expect']).current).toBe(2);     // expects 1 and 2 are steps 7 and 8
  });
});

describe('TimelineIndex grows with the session', () => {
  it('indexes new steps without changing earlier rows; a failed expect is flagged', () => {
    const s = open(SMALL);
    const t = new TimelineIndex();
    s.seek({ step: 3, access: 0 });
    const early = t.page(s, 0, 1000, null);
    expect(early.executed).toBe(3);
    s.run();
    const late = t.page(s, 0, 1000, null);
    expect(late.total).toBeGreaterThan(early.total);
    expect(late.rows.slice(0, early.total)).toEqual(early.rows);
    const failed = late.rows.filter((r) => r.flags & MARK_EXPECT_FAILED);
    expect(failed.map((r) => r.kind)).toEqual(['step', 'expect']);
    expect(failed[1].text).toMatch(/^expect FAILED: /);
  });

  it('clamps pages to the list', () => {
    const s = open(SMALL);
    s.run();
    const t = new TimelineIndex();
    const p = t.page(s, 10_000, 50, null);
    expect(p.rows).toEqual([]);
    expect(p.start).toBe(p.total);
  });
});

describe('LabService.timeline', () => {
  it('pages the open session and checks its arguments', () => {
    const svc = new LabService();
    expect(() => svc.timeline(0, 10)).toThrow(/no program is running/);
    svc.openNow(SMALL);
    svc.run([]);
    const p = svc.timeline(0, 5, ['step']);
    expect(p.rows.map((r) => r.kind)).toEqual(['step', 'step', 'step', 'step', 'step']);
    expect(svc.timeline(0, 5).total).toBeGreaterThan(p.total);
    expect(() => svc.timeline(-1, 5)).toThrow(/whole numbers/);
    expect(() => svc.timeline(0, 5000)).toThrow(/at most 1000/);
    expect(() => svc.timeline(0, 5, ['nope' as (typeof TIMELINE_GROUPS)[number]])).toThrow(/a filter is a list of groups/);
    // A new program gets a new index.
    svc.openNow('let x = 1\n');
    expect(svc.timeline(0, 100).rows.map((r) => r.kind)).toEqual(['step', ...Array(svc.timeline(0, 100).total - 1).fill(expect.any(String))]);
    expect(svc.timeline(0, 100, ['step']).total).toBe(1);
  });
});
