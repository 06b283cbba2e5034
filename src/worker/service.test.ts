// The object the worker exposes, called directly in Node: what each method returns, and that
// every misuse throws an Error with a message (comlink turns it into a rejected promise).

import { describe, expect, it } from 'vitest';
import { EVENT_LIMIT } from './api';
import { SMALL } from './programs.test-util';
import { LabService } from './service';

function opened(src = SMALL, opts = {}): LabService {
  const svc = new LabService();
  const r = svc.openNow(src, opts);
  expect(r.diagnostics).toEqual([]);
  expect(r.ok).toBe(true);
  return svc;
}

describe('LabService.open', () => {
  it('opens a program at step 0', () => {
    const r = new LabService().openNow(SMALL);
    expect(r.ok).toBe(true);
    expect(r.view?.position).toEqual({ step: 0, access: 0 });
    expect(r.view?.executed).toBe(0);
  });

  it('a program with errors: diagnostics with line:col, no view, and the old session is closed', () => {
    const svc = opened();
    svc.stepOver();
    const r = svc.openNow('let a = 1\nlet b = nosuch.thing(1)\n');
    expect(r.ok).toBe(false);
    expect(r.view).toBe(null);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', line: 2, col: 9 });
    expect(r.diagnostics[0].code).toMatch(/^LAB3\d{3}$/);
    expect(() => svc.view()).toThrow('view: no program is running: open one without errors first');
    expect(() => svc.stepOver()).toThrow(/^stepOver: no program is running/);
  });

  it('rejects a source that is not a string and budgets that are not positive numbers', async () => {
    const svc = new LabService();
    expect(() => svc.openNow(42 as unknown as string)).toThrow('open: the program must be a string, not 42');
    expect(() => svc.openNow('', { stepBudget: -1 })).toThrow('open: stepBudget must be a positive number, not -1');
    expect(() => svc.openNow('', { wallBudgetMs: 'x' as unknown as number })).toThrow('open: wallBudgetMs must be a positive number, not "x"');
    await expect(svc.open(42 as unknown as string)).rejects.toThrow('open: the program must be a string, not 42');
    await expect(svc.open('', { stepBudget: -1 })).rejects.toThrow('open: stepBudget must be a positive number, not -1');
  });

  it('passes the step budget to the session', () => {
    const svc = opened('for i in 0..1000 {\n  let x = i\n}\n', { stepBudget: 10 });
    const v = svc.run([]);
    expect(v).toMatchObject({ finished: true, stopReason: 'budget', executed: 10 });
    expect(v.error?.message).toBe('the program ran for more than 10 steps and was stopped here');
  });
});

describe('moving', () => {
  it('step over, step into a walk, back, seek, run', () => {
    const svc = opened();
    for (let i = 1; i <= 6; i++) expect(svc.stepOver().position).toEqual({ step: i, access: 0 });
    let v = svc.stepInto();
    expect(v.position).toEqual({ step: 7, access: 1 });
    while (v.counters.walkReads < 24) v = svc.stepInto();
    expect(v.position).toEqual({ step: 7, access: 30 });
    expect(v.counters).toEqual({ reads: 30, walkReads: 24 });
    expect(svc.back().counters).toEqual({ reads: 29, walkReads: 23 });
    expect(svc.seek({ step: 7, access: 6 }).counters).toEqual({ reads: 6, walkReads: 0 });
    v = svc.run([]);
    expect(v).toMatchObject({ finished: true, stopReason: 'end', position: { step: 10, access: 0 } });
    expect(v.failedExpects.map((f) => f.line)).toEqual([10]);
    expect(svc.view()).toEqual(v);
  });

  it('run stops before a breakpoint line (not finished)', () => {
    const svc = opened();
    const v = svc.run([7]);
    expect(v).toMatchObject({ finished: false, stopReason: null, position: { step: 6, access: 0 } });
    expect(v.step?.line).toBe(6);
  });

  it('a runtime error: the view says where, and the service keeps answering', () => {
    const svc = opened('let a = 1\nlet x = mem.read64(0x9000_0000_0000)\n');
    const v = svc.run([]);
    expect(v).toMatchObject({ finished: true, stopReason: 'error', executed: 2 });
    expect(v.error).toMatchObject({ line: 2, col: 9 });
    expect(v.error?.message).toMatch(/^0x9000_0000_0000 is outside RAM/);
    expect(svc.back().position).toEqual({ step: 1, access: 0 });
    expect(svc.openNow(SMALL).ok).toBe(true);
  });

  it('rejects bad positions and breakpoints with a message', () => {
    const svc = opened();
    expect(() => svc.seek({ step: -1, access: 0 })).toThrow(/^seek: a position is \{ step, access \}/);
    expect(() => svc.seek(null as unknown as { step: number; access: number })).toThrow(/not null$/);
    expect(() => svc.run([0])).toThrow('run: breakpoints are a list of line numbers from 1, not that list');
    expect(() => svc.run('7' as unknown as number[])).toThrow('run: breakpoints are a list of line numbers from 1, not "7"');
    expect(svc.view().position).toEqual({ step: 0, access: 0 });
  });
});

describe('events', () => {
  it('pages through the position\'s events', () => {
    const svc = opened();
    const v = svc.seek({ step: 2, access: 0 });       // a 2M stage-2 map: 512 descriptors and the tables
    expect(v.eventCount).toBe(v.events.length);
    expect(svc.events(0, 10)).toEqual(v.events.slice(0, 10));
    expect(svc.events(v.eventCount - 2, 10)).toEqual(v.events.slice(-2));
    expect(() => svc.events(0, EVENT_LIMIT + 1)).toThrow(`events: at most ${EVENT_LIMIT} events at a time`);
    expect(() => svc.events(-1, 1)).toThrow(/^events: start and count are whole numbers/);
  });
});

describe('engine failures', () => {
  it('an exception inside the engine comes out as an Error naming the method', () => {
    const svc = opened();
    // Break the session from outside, as a bug in the engine would.
    const s = (svc as unknown as { session: { stepOver(): never } }).session;
    s.stepOver = () => { throw 'boom'; };
    expect(() => svc.stepOver()).toThrow('stepOver: the engine failed: boom');
    expect(svc.stepInto().position).toEqual({ step: 1, access: 0 });
  });
});
