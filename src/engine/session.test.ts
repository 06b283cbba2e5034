import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../lang/parser';
import { Session, type Position } from './session';
import { fakeAdapter, fakeRegistry, type FakeMachine } from './fake-machine.test-util';

function session(src: string, opts = {}) {
  const { program, diagnostics } = parse(src);
  expect(diagnostics).toEqual([]);
  return new Session(src, program, fakeRegistry, fakeAdapter, opts);
}

const PROGRAM = `let a = m.add(1)
let w = m.walk(3)
expect w.reads == 3
for i in 0..3 {
  m.add(i)
}
let z = m.walk(2)
`;

describe('positions: step over, step into, back (DESIGN.md: (step, access))', () => {
  it('steps over statements; a loop header is a step each iteration', () => {
    const s = session(PROGRAM);
    const lines: number[] = [];
    for (;;) {
      const before = s.position.step;
      s.stepOver();
      if (s.position.step === before) break;
      lines.push(s.record(s.position.step)!.line);
    }
    // let a; let w; expect; for (init, i=0); add; for(next i=1); add; for(next i=2); add; for(exit); let z
    expect(lines).toEqual([1, 2, 3, 4, 5, 4, 5, 4, 5, 4, 7]);
    expect(s.finished).toBe(true);
    expect(s.failedExpects()).toEqual([]);
  });

  it('steps into a walk read by read, and back the same way', () => {
    const s = session(PROGRAM);
    s.stepOver();                                   // (1, 0)
    expect(s.stepInto()).toEqual({ step: 2, access: 1 });
    expect(s.stepInto()).toEqual({ step: 2, access: 2 });
    expect(s.stepInto()).toEqual({ step: 2, access: 3 });
    expect(s.visibleEvents().filter((e) => e.type === 'smmu.fetch')).toHaveLength(3);
    expect(s.stepInto()).toEqual({ step: 2, access: 0 });   // the walk done: its result
    expect(s.back()).toEqual({ step: 1, access: 0 });
    s.seek({ step: 2, access: 3 });
    expect(s.back()).toEqual({ step: 2, access: 2 });
    expect(s.visibleEvents().filter((e) => e.type === 'smmu.fetch')).toHaveLength(2);
    expect(s.back()).toEqual({ step: 2, access: 1 });
    expect(s.back()).toEqual({ step: 1, access: 0 });
    expect(s.stepOver()).toEqual({ step: 2, access: 0 });   // step over the whole walk
  });

  it('inside a walk the machine is the one before the step (reads change nothing)', () => {
    const s = session(PROGRAM);
    s.seek({ step: 2, access: 2 });
    expect(s.machineAt().counter).toBe(1n);
    s.seek({ step: 2, access: 0 });
    expect(s.machineAt().counter).toBe(2n);
  });
});

describe('time travel', () => {
  const LONG = `for i in 0..200 {\n  m.add(1)\n  m.walk(i % 3)\n}\n`;

  it('seeking to any position from anywhere gives the state and events of a fresh run to it', () => {
    const total = session(LONG, { snapshotEvery: 16 });
    total.run();
    const n = total.executed;
    const pos = fc.record({ step: fc.integer({ min: 0, max: n }), access: fc.integer({ min: 0, max: 2 }) });
    fc.assert(fc.property(pos, fc.array(pos, { maxLength: 5 }), (target, detour) => {
      const s = session(LONG, { snapshotEvery: 16 });
      for (const d of detour) s.seek(d);
      const got = s.seek(target);
      const fresh = session(LONG, { snapshotEvery: 16 });
      const want = fresh.seek(target);
      expect(got).toEqual(want);
      expect(s.digestAt()).toBe(fresh.digestAt());
      expect(s.visibleEvents()).toEqual(fresh.visibleEvents());
    }), { numRuns: 60 });
  });

  it('a step that makes many events is followed by a snapshot, so seeks past it do not replay it', () => {
    // 200 walks of 64 reads: by the 128th walk (step 256) the steps since the boot snapshot made
    // 8,192 events, which takes a snapshot although the periodic ones are 1,000 steps apart.
    const src = 'for i in 0..200 {\n  m.walk(64)\n}\n';
    let replayed = 0;
    const counting = { ...fakeAdapter, trace: (m: FakeMachine) => { replayed++; return fakeAdapter.trace(m); } };
    const s = new Session(src, parse(src).program, fakeRegistry, counting, { snapshotEvery: 1000 });
    s.run();
    replayed = 0;
    s.seek({ step: 300, access: 0 });
    s.machineAt();
    expect(replayed).toBe(300 - 256);
    const fresh = session(src, { snapshotEvery: 1000 });
    fresh.seek({ step: 300, access: 0 });
    expect(s.digestAt()).toBe(fresh.digestAt());
  });

  it('back then forward is the identity', () => {
    const s = session(LONG, { snapshotEvery: 8 });
    s.seek({ step: 40, access: 0 });
    fc.assert(fc.property(fc.array(fc.constantFrom('into', 'over'), { minLength: 1, maxLength: 8 }), (moves) => {
      const start = s.position;
      const digest = s.digestAt();
      const events = s.visibleEvents();
      const trail: Position[] = [];
      for (const m of moves) { trail.push(s.position); if (m === 'into') s.stepInto(); else s.stepOver(); }
      // Walk the trail back: each move undone by seeking to where it started.
      for (let i = trail.length - 1; i >= 0; i--) s.seek(trail[i]);
      expect(s.position).toEqual(start);
      expect(s.digestAt()).toBe(digest);
      expect(s.visibleEvents()).toEqual(events);
    }), { numRuns: 40 });
  });

  it('a machine that refuses snapshots (a LabMachine with a VFIO host) is replayed from the last good one', () => {
    // The fake refuses once its counter passes 10, as a LabMachine refuses once its host exists.
    // Two steps per iteration (the loop header, the add): the counter passes 10 at step 22.
    const src = 'for i in 0..60 {\n  m.add(1)\n}\n';
    let snapshots = 0, refused = 0;
    const refusing = {
      ...fakeAdapter,
      snapshot: (m: FakeMachine) => {
        if (m.counter > 10n) throw new Error('snapshot of a machine that refused');
        snapshots++;
        return fakeAdapter.snapshot(m);
      },
      canSnapshot: (m: FakeMachine) => { const ok = m.counter <= 10n; if (!ok) refused++; return ok; },
    };
    const mk = () => new Session(src, parse(src).program, fakeRegistry, refusing, { snapshotEvery: 4 });
    const s = mk();
    s.run();
    expect(refused).toBeGreaterThan(0);              // the session asked, and skipped
    expect(snapshots).toBeLessThanOrEqual(7);        // the boot and steps 4, 8, ..., 20 at most: counter <= 10
    // Back and seek give what a fresh reference run (which never replays) gives at each position.
    for (const target of [100, 60, 23, 22, 5, 0, 120, 40]) {
      s.seek({ step: target, access: 0 });
      const fresh = session(src, { snapshotEvery: 1_000_000 });
      fresh.seek({ step: target, access: 0 });
      expect(s.digestAt(), `step ${target}`).toBe(fresh.digestAt());
      expect(s.visibleEvents(), `step ${target}`).toEqual(fresh.visibleEvents());
      expect(s.machineAt().counter, `step ${target}`).toBe(fresh.machineAt().counter);
    }
    s.seek({ step: 50, access: 0 });
    expect(s.back()).toEqual({ step: 49, access: 0 });
    const fresh = session(src, { snapshotEvery: 1_000_000 });
    fresh.seek({ step: 49, access: 0 });
    expect(s.digestAt()).toBe(fresh.digestAt());
  });

  it('is deterministic: two runs give the same records, byte for byte', () => {
    const a = session(LONG); a.run();
    const b = session(LONG); b.run();
    const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    expect(json(a.records)).toBe(json(b.records));
  });
});

describe('budgets and errors', () => {
  it('an endless loop is stopped by the step budget at its line', () => {
    const s = session('let x = 0\nfor i in 0..0xffff_ffff_ffff_ffff {\n  x = x + 1\n}\n', { stepBudget: 1000 });
    const r = s.run();
    expect(r.reason).toBe('budget');
    expect(s.error?.message).toBe('the program ran for more than 1000 steps and was stopped here');
    expect([3, 2]).toContain(s.lineCol(s.error!.span.start).line);
  });

  it('the wall-clock budget stops a long run and names the line', () => {
    let t = 0;
    const s = session('for i in 0..1_000_000 {\n  m.add(1)\n}\n', { wallBudgetMs: 50, now: () => (t += 1) });
    const r = s.run();
    expect(r.reason).toBe('budget');
    expect(s.error?.message).toMatch(/more than 50 ms/);
  });

  it('a runtime error stops at its statement with a message, and the session stays usable', () => {
    const s = session('m.add(1)\nm.fail()\nm.add(2)\n');
    const r = s.run();
    expect(r.reason).toBe('error');
    expect(s.error?.message).toBe('0x9000_0000 is outside RAM');
    expect(s.lineCol(s.error!.span.start)).toEqual({ line: 2, col: 1 });
    expect(s.executed).toBe(2);
    expect(s.seek({ step: 1, access: 0 })).toEqual({ step: 1, access: 0 });
    expect(s.machineAt().counter).toBe(1n);
  });

  it('a failed expect is reported with both sides and the program goes on', () => {
    const s = session('let a = m.add(5)\nexpect a == 4\nm.add(1)\n');
    s.run();
    expect(s.finished).toBe(true);
    expect(s.failedExpects().map((r) => r.expect!.message)).toEqual(['expect failed: a == 4 (a is 5, 4 is 4)']);
    expect(s.executed).toBe(3);
  });

  it('breakpoints stop with the breakpoint line next', () => {
    const s = session(PROGRAM);
    const r = s.run(new Set([5]));
    expect(r.reason).toBe('breakpoint');
    expect(s.record(s.position.step + 1)!.line).toBe(5);
  });
});
