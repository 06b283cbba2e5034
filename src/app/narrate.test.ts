// The narration: sentences for real positions of the lessons (through the worker's service, as
// the app gets them), and for hand-made events where a lesson has no such step.

import { describe, expect, it } from 'vitest';
import { LabService } from '../worker/service';
import type { SessionView, TraceEvent } from '../worker/api';
import { DEFAULT_LESSON, findLesson } from '../scenarios';
import { hex, narrate } from './narrate';

function at(source: string, step: number, access = 0): SessionView {
  const svc = new LabService();
  const r = svc.openNow(source);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return svc.seek({ step, access });
}

/** The step of the lesson's first statement on `line` that contains `text` (1-based). */
function stepOfLine(source: string, text: string): number {
  const svc = new LabService();
  svc.openNow(source);
  const line = source.split('\n').findIndex((l) => l.includes(text)) + 1;
  expect(line).toBeGreaterThan(0);
  for (let v = svc.stepOver(); ; v = svc.stepOver()) {
    if (v.step?.line === line) return v.position.step;
    if (v.finished && v.position.step === v.executed) throw new Error(`no step on line ${line}`);
  }
}

describe('hex', () => {
  it('groups by 4 past 8 digits (VIEWS.md)', () => {
    expect(hex(0x800100040)).toBe('0x8_0010_0040');
    expect(hex(0x7fffe000)).toBe('0x7fffe000');
    expect(hex(0x1000_0040n)).toBe('0x10000040');
    expect(hex(0x9000_0000_0000n)).toBe('0x9000_0000_0000');
  });
});

describe('narrate: the default lesson, the nested 4x4 walk', () => {
  const src = DEFAULT_LESSON.source;
  const dma = stepOfLine(src, 'let r = dev.dma(nic');

  it('step 0', () => {
    expect(narrate(at(src, 0))).toMatch(/^Step 0: the machine as booted/);
  });

  it('the STE read: a PA, host-owned', () => {
    expect(narrate(at(src, dma, 1))).toBe('Read 1 of 30: the SMMU reads the STE for StreamID 0x10 at PA 0x10000400: host-owned, a PA, no stage 2.');
  });

  it('stage 2 translating the CD\'s IPA, then the CD', () => {
    expect(narrate(at(src, dma, 2))).toBe('Read 2 of 30: stage 2 translates the IPA of the guest\'s CD (0x7fffb000): level 0 of 4.');
    expect(narrate(at(src, dma, 6))).toBe('Read 6 of 30: the SMMU reads the guest\'s CD at IPA 0x7fffb000, which stage 2 sent to PA 0x8_3fff_b000.');
  });

  it('stage 2 translating a stage-1 descriptor\'s IPA, level by level (the VIEWS.md example)', () => {
    // Reads 12-15: the stage-2 walk for the guest's level-1 descriptor; 16: that descriptor.
    expect(narrate(at(src, dma, 12))).toBe('Read 12 of 30: stage 2 translates the IPA of the guest\'s level-1 descriptor (0x7fffe000): level 0 of 4.');
    expect(narrate(at(src, dma, 15))).toBe('Read 15 of 30: stage 2 translates the IPA of the guest\'s level-1 descriptor (0x7fffe000): level 3 of 4.');
    expect(narrate(at(src, dma, 16))).toBe('Read 16 of 30: stage 1 reads the guest\'s descriptor at IPA 0x7fffe000 (PA 0x8_3fff_e000): level 1 of 4.');
  });

  it('the output IPA', () => {
    expect(narrate(at(src, dma, 30))).toBe('Read 30 of 30: stage 2 translates the output IPA 0x40100040: level 3 of 4.');
  });

  it('the whole DMA step: where it went and what it cost', () => {
    expect(narrate(at(src, dma))).toBe(
      `Line ${src.split('\n').findIndex((l) => l.includes('let r = dev.dma(nic')) + 1}: the DMA read at IOVA 0x10000040 from StreamID 0x10 reached PA 0x8_0010_0040 after 30 SMMU reads, 24 of them the walk.`);
  });

  it('a TLB hit', () => {
    expect(narrate(at(src, stepOfLine(src, 'let again = dev.dma')))).toMatch(/reached PA 0x8_0010_0080 with no reads \(TLB hit\)\.$/);
  });

  it('a 3-level stage 2 starts at level 1', () => {
    const step = stepOfLine(src, 'let r2 = dev.dma(nic2');
    expect(narrate(at(src, step, 2))).toBe('Read 2 of 24: stage 2 translates the IPA of the guest\'s CD (0x7fffb000): level 1 of 3 (levels 1–3).');
  });

  it('an expect that holds, and a line that only writes memory and sends commands', () => {
    expect(narrate(at(src, stepOfLine(src, 'expect r.ok')))).toMatch(/^Line \d+: the expect holds \(r\.ok\)\.$/);
    expect(narrate(at(src, stepOfLine(src, 'host.set_pasid_table(nic,')))).toMatch(
      /^Line \d+: the host wrote \d+ words? of memory; the SMMU consumed CMD_CFGI_STE ×2, CMD_SYNC ×2\.$/);
  });

  it('a big map: the events are cut at EVENT_LIMIT, so it says "over"', () => {
    expect(narrate(at(src, stepOfLine(src, 'host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000')))).toMatch(
      /^Line \d+: the host wrote over 2,000 words of memory\.$/);
  });

  it('a line with a value', () => {
    expect(narrate(at(src, 1))).toBe('Line 5: the host wrote 7 words of memory; the SMMU consumed CMD_CFGI_STE, CMD_SYNC; it gives 0000:01:00.0 (StreamID 0x10).');
    expect(narrate(at(src, 2))).toBe('Line 9 gives VM 1.');
  });
});

describe('narrate: faults, failed expects, runtime errors', () => {
  it('a stage-2 fault on a stage-1 table (lesson 4)', () => {
    const src = (findLesson('s2-fault-on-s1-table') as { source: string }).source;
    const svc = new LabService();
    svc.openNow(src);
    let v = svc.stepOver();
    while (!v.events.some((e) => e.type === 'smmu.done' && !e.ok)) v = svc.stepOver();
    expect(narrate(v)).toMatch(/: the DMA read at IOVA 0x10000040 from StreamID 0x10 faulted: F_TRANSLATION \(stage 2, CLASS TT, IPA 0x7fffd400\) after 14 SMMU reads\.$/);
  });

  it('a failed expect', () => {
    const v = at('let a = 1\nexpect a == 2, "two"\n', 2);
    expect(narrate(v)).toMatch(/^Line 2: expect failed: a == 2.*two.*\.$/);
  });

  it('a runtime error stops the program', () => {
    const svc = new LabService();
    svc.openNow('let a = 1\nlet w = mem.read64(0x9000_0000_0000)\n');
    const v = svc.run([]);
    expect(narrate(v)).toMatch(/^Line 2 stopped the program: 0x9000_0000_0000 is outside RAM/);
  });

  it('several transactions in one step, hand-made', () => {
    const txn: TraceEvent = { type: 'smmu.txn', sid: 1, iova: 0x1000n, rnw: false, pnu: false, ind: false };
    const ok: TraceEvent = { type: 'smmu.done', ok: true, pa: 0x2000, reads: 0, walkReads: 0 };
    const bad: TraceEvent = { type: 'smmu.done', ok: false, event: null, reads: 1, walkReads: 0 };
    const v = {
      position: { step: 3, access: 0 }, executed: 5, finished: false, error: null, stopReason: null,
      step: { step: 3, line: 9, col: 1, head: { line: 9, col: 1, endLine: 9, endCol: 2 }, kind: 'expr' as const, value: null, expect: null, accesses: 1 },
      events: [txn, ok, txn, bad, txn, ok], eventCount: 6,
    };
    expect(narrate(v)).toBe('Line 9: 3 DMA transactions, 2 reached memory, 1 faulted (aborted).');
  });
});
