// The worker's view builders (view.ts) in Node: source ranges, read counters, scrubber marks and
// whole views of a real lab session. Walk counts come from docs/trace.md: a cold 4K
// 4-level-by-4-level nested walk reads STE, S2 x 4 (CD), CD, then (S2 x 4 (TT), S1) x 4, then
// S2 x 4 (IN): 30 reads, of which the last 24 are the 2D walk ((4 + 1)(4 + 1) - 1).

import { LabMachine } from '../model/lab/machine';
import { describe, expect, it } from 'vitest';
import { openLab, type LabSession } from '../engine/lab';
import type { StepRecord } from '../engine/session';
import type { FetchEvent, TraceEvent } from '../model/trace';
import { EVENT_LIMIT, MARK_ERROR, MARK_EXPECT_FAILED, MARK_FAULT, MARK_TLB_MISS } from './api';
import { SMALL } from './programs.test-util';
import { buildView, diagnosticView, eventPage, LineIndex, readCounters, SessionViewCache, stepFlags, type ViewableSession } from './view';


function open(src: string): { s: LabSession; cache: SessionViewCache } {
  const o = openLab(src);
  expect(o.diagnostics).toEqual([]);
  return { s: o.session as LabSession, cache: new SessionViewCache(src) };
}

const fetch = (what: FetchEvent['what'], purpose?: FetchEvent['purpose']): FetchEvent =>
  ({ type: 'smmu.fetch', what, addr: 0, lo: 0, hi: 0, ...(purpose ? { purpose } : {}) });

describe('LineIndex: offsets to 1-based line:col', () => {
  it.each([
    ['ab\ncd', 3, 2, 1],
    ['ab\r\ncd', 4, 2, 1],
    ['ab\rcd', 3, 2, 1],
    ['ab\ncd', 4, 2, 2],
    ['ab', 0, 1, 1],
    ['ab\n', 3, 2, 1],            // the end of the text, after a final line break
  ])('%j at %i is %i:%i', (text, offset, line, col) => {
    expect(new LineIndex(text).at(offset)).toEqual({ line, col });
  });

  it('a range ends where its span ends; a zero-width span ends where it starts', () => {
    const lines = new LineIndex('let a = 1\nfoo(\n');
    expect(lines.range({ start: 10, end: 13 })).toEqual({ line: 2, col: 1, endLine: 2, endCol: 4 });
    expect(lines.range({ start: 14, end: 14 })).toEqual({ line: 2, col: 5, endLine: 2, endCol: 5 });
  });
});

describe('diagnostics for Monaco markers', () => {
  it('carry code, severity, message, a range and related places', () => {
    const src = 'let x = 1\nlet y = mem.read64(0x8_0000_0000\n';
    const o = openLab(src);
    expect(o.session).toBe(null);
    const lines = new LineIndex(src);
    const views = o.diagnostics.map((d) => diagnosticView(d, lines));
    expect(views[0]).toMatchObject({ code: 'LAB2002', severity: 'error', line: 2, col: 33, endLine: 2, endCol: 33 });
    expect(views[0].message).toContain('mem.read64');
    expect(views[0].related[0]).toMatchObject({ line: 2, col: 19 });
  });
});

describe('readCounters: SMMU reads and the 2D walk\'s share', () => {
  it('counts every fetch as a read, and S1 plus non-CD S2 fetches as walk reads', () => {
    const events: TraceEvent[] = [
      { type: 'smmu.txn', sid: 16, iova: 0n, rnw: true, pnu: false, ind: false },
      fetch('STE'), fetch('S2', 'CD'), fetch('S2', 'CD'), fetch('CD'),
      fetch('S2', 'TT'), fetch('S1'), fetch('S2', 'IN'), fetch('L1CD'), fetch('L1STD'),
      { type: 'smmu.done', ok: true, pa: 0, reads: 9, walkReads: 3, event: null },
    ];
    expect(readCounters(events)).toEqual({ reads: 9, walkReads: 3 });
    expect(readCounters([])).toEqual({ reads: 0, walkReads: 0 });
  });

  it('a stage-2-only stream\'s S2 reads (purpose IN) are walk reads', () => {
    expect(readCounters([fetch('STE'), fetch('S2', 'IN'), fetch('S2', 'IN')])).toEqual({ reads: 3, walkReads: 2 });
  });
});

describe('stepFlags', () => {
  const rec = (events: TraceEvent[], expectOk?: boolean, error?: boolean): StepRecord => ({
    step: 1, line: 1, col: 1, span: { start: 0, end: 1 }, head: { start: 0, end: 1 }, kind: 'expr', events, accesses: 0,
    ...(expectOk === undefined ? {} : { expect: { ok: expectOk, message: '' } }),
    ...(error ? { error: { message: 'e', span: { start: 0, end: 1 } } } : {}),
  });
  const tlb = (hit: boolean): TraceEvent => ({ type: 'smmu.tlb', hit, kind: 'S1S2', vmid: 1, asid: 7, addr: 0 });
  const done = (ok: boolean): TraceEvent => ({ type: 'smmu.done', ok, reads: 0, walkReads: 0 });

  it.each([
    ['nothing', [], undefined, 0],
    ['a TLB hit and a translation', [tlb(true), done(true)], undefined, 0],
    ['a TLB miss', [tlb(false), tlb(true), done(true)], undefined, MARK_TLB_MISS],
    ['a fault', [tlb(true), done(false)], undefined, MARK_FAULT],
    ['a miss then a fault', [tlb(false), done(false)], undefined, MARK_FAULT | MARK_TLB_MISS],
    ['a passing expect', [], true, 0],
    ['a failing expect', [], false, MARK_EXPECT_FAILED],
  ] as [string, TraceEvent[], boolean | undefined, number][])('%s', (_name, events, ok, flags) => {
    expect(stepFlags(rec(events, ok))).toBe(flags);
  });

  it('a runtime error', () => {
    expect(stepFlags(rec([], undefined, true))).toBe(MARK_ERROR);
  });
});

describe('buildView over a real session', () => {
  it('at step 0: the boot events, no statement, nothing executed', () => {
    const { s, cache } = open(SMALL);
    const v = buildView(s, cache);
    expect(v.position).toEqual({ step: 0, access: 0 });
    expect(v).toMatchObject({ executed: 0, finished: false, stopReason: null, error: null, step: null, marks: [], failedExpects: [] });
    expect(v.events).toEqual(s.bootEvents);
    expect(v.eventCount).toBe(s.bootEvents.length);
    expect(v.counters).toEqual({ reads: 0, walkReads: 0 });
  });

  it('stepping into the DMA: reads 1..30, walk reads 0 for the STE and CD (6 reads), then one per read up to 24', () => {
    const { s, cache } = open(SMALL);
    s.seek({ step: 6, access: 0 });
    expect(buildView(s, cache).step).toMatchObject({ step: 6, line: 6, kind: 'expr' });
    for (let a = 1; a <= 30; a++) {
      s.stepInto();
      const v = buildView(s, cache);
      expect(v.position).toEqual({ step: 7, access: a });
      expect(v.counters).toEqual({ reads: a, walkReads: Math.max(0, a - 6) });
      expect(v.step).toMatchObject({ step: 7, line: 7, col: 1, kind: 'let', accesses: 30 });
    }
    s.back();
    expect(buildView(s, cache).counters).toEqual({ reads: 29, walkReads: 23 });
    s.stepOver();                                          // the end of the walk: the whole step
    const done = buildView(s, cache);
    expect(done.position).toEqual({ step: 7, access: 0 });
    expect(done.counters).toEqual({ reads: 30, walkReads: 24 });
    expect(done.events.at(-1)).toMatchObject({ type: 'smmu.done', ok: true, pa: 0x8_0010_0040, reads: 30, walkReads: 24 });
    expect(done.step?.value).toMatch(/^\{ ok: true, pa: 0x8_0010_0040, /);
    expect(done.step?.head).toEqual({ line: 7, col: 1, endLine: 7, endCol: 55 });
  });

  it('at the end: finished, the marks (TLB misses, the fault, the failed expect) and the failed expect', () => {
    const { s, cache } = open(SMALL);
    s.run();
    const v = buildView(s, cache);
    expect(v).toMatchObject({ executed: 10, finished: true, stopReason: 'end', error: null });
    expect(v.step).toMatchObject({ step: 10, line: 10, kind: 'expect', value: null, expect: { ok: false, message: 'expect failed: r2.ok' } });
    expect(v.failedExpects).toEqual([{ step: 10, line: 10, col: 1, message: 'expect failed: r2.ok' }]);
    expect(v.marks).toEqual([
      { step: 7, flags: MARK_TLB_MISS },
      { step: 9, flags: MARK_TLB_MISS | MARK_FAULT },
      { step: 10, flags: MARK_EXPECT_FAILED },
    ]);
    // Marks and failed expects are the same wherever the position is, once the steps ran.
    s.seek({ step: 1, access: 0 });
    const early = buildView(s, cache);
    expect(early.marks).toEqual(v.marks);
    expect(early.failedExpects).toEqual(v.failedExpects);
    expect(early.step?.value).toBe('0000:01:00.0 (StreamID 0x10)');
  });

  it('a runtime error: finished with the error and its range', () => {
    const src = 'let a = 1\nlet x = mem.read64(0x9000_0000_0000)\nexpect false\n';
    const { s, cache } = open(src);
    s.run();
    const v = buildView(s, cache);
    expect(v).toMatchObject({ executed: 2, finished: true, stopReason: 'error' });
    expect(v.error).toEqual({
      message: '0x9000_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)',
      line: 2, col: 9, endLine: 2, endCol: 37,
    });
    expect(v.failedExpects).toEqual([]);
    expect(v.marks).toEqual([{ step: 2, flags: MARK_ERROR }]);
  });

  it('sends at most EVENT_LIMIT events; eventPage gives the rest', () => {
    const many: TraceEvent[] = Array.from({ length: EVENT_LIMIT + 5 }, (_, i) => ({ type: 'mem.write', who: 'host', pa: BigInt(8 * i), value: 0n }));
    const fake: ViewableSession = {
      source: 'x', position: { step: 1, access: 0 }, finished: false, error: null, stopReason: null,
      records: [{ step: 1, line: 1, col: 1, span: { start: 0, end: 1 }, head: { start: 0, end: 1 }, kind: 'expr', events: many, accesses: 0 }],
      visibleEvents: () => many,
      machineAt: () => new LabMachine(),
    };
    const v = buildView(fake, new SessionViewCache('x'));
    expect(v.events).toHaveLength(EVENT_LIMIT);
    expect(v.eventCount).toBe(EVENT_LIMIT + 5);
    expect(eventPage(fake, EVENT_LIMIT, 100)).toEqual(many.slice(EVENT_LIMIT));
    expect(eventPage(fake, 0, 10 * EVENT_LIMIT)).toHaveLength(EVENT_LIMIT);
  });

  it('a view is plain data: structuredClone keeps it whole', () => {
    const { s, cache } = open(SMALL);
    s.seek({ step: 7, access: 12 });
    const v = buildView(s, cache);
    expect(structuredClone(v)).toEqual(v);
  });
});
