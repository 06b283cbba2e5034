// The store against a fake worker: the real LabService called in-process behind promises, with
// switches to make a call hang or the worker crash. Checks the moves, edits that keep the
// position, errors, the scrubber's seek coalescing, play, and the watchdog: a hung or crashed
// worker is terminated, a new one started, the program re-opened and the position restored.

import { afterEach, describe, expect, it } from 'vitest';
import { LabService } from '../worker/service';
import type { LabWorkerApi } from '../worker/api';
import { DEFAULT_LESSON } from '../scenarios';
import { createLabStore, type LabStore, type SpawnWorker, type WorkerApi } from './store';

const PROGRAM = `let nic = host.assign("0000:01:00.0", sid: 0x10)
host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 2M, perm: rw, pgsize: 4K)
let pt = guest.s1.new(granule: 4K, va_bits: 48)
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)
let cd = guest.cd(asid: 7, ttb0: pt)
host.set_pasid_table(nic, cd_table: cd)
let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)
expect r.walk.walk_reads == 24
`;

/** A fake lab worker: LabService behind promises. `hang` makes the next call of that method
 *  never answer; `crashOn` makes it crash the worker (onCrash) instead. */
class FakeWorkers {
  spawned = 0;
  terminated = 0;
  calls: string[] = [];
  hang = new Set<keyof LabWorkerApi>();
  crashOn = new Set<keyof LabWorkerApi>();

  spawn: SpawnWorker = (onCrash) => {
    this.spawned++;
    const svc = new LabService();
    let alive = true;
    const api = {} as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const name of ['open', 'stepOver', 'stepInto', 'back', 'seek', 'run', 'view', 'events', 'builtinsMeta'] as const) {
      api[name] = (...args: unknown[]) => {
        this.calls.push(name);
        if (!alive) return new Promise(() => undefined);
        if (this.hang.delete(name)) return new Promise(() => undefined);
        if (this.crashOn.delete(name)) {
          alive = false;
          queueMicrotask(() => onCrash('out of memory'));
          return new Promise(() => undefined);
        }
        try {
          return Promise.resolve((svc[name] as (...a: unknown[]) => unknown).apply(svc, args));
        } catch (e) {
          return Promise.reject(e);
        }
      };
    }
    return { api: api as unknown as WorkerApi, terminate: () => { alive = false; this.terminated++; } };
  };
}

let store: LabStore | null = null;
afterEach(() => store?.getState().dispose());

function make(w = new FakeWorkers(), callTimeoutMs = 200): { s: LabStore; w: FakeWorkers } {
  store = createLabStore({ spawn: w.spawn, callTimeoutMs, editDebounceMs: 20 });
  return { s: store, w };
}

const pos = (s: LabStore) => s.getState().view?.position;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('store: a session', () => {
  it('loads a program and steps over, into a walk, back, home, end', async () => {
    const { s } = make();
    await s.getState().load({ source: PROGRAM });
    expect(s.getState()).toMatchObject({ openedSource: PROGRAM, sessionOk: true, diagnostics: [], busy: false });
    expect(pos(s)).toEqual({ step: 0, access: 0 });
    for (let i = 0; i < 6; i++) await s.getState().stepOver();
    expect(pos(s)).toEqual({ step: 6, access: 0 });
    await s.getState().stepInto();
    expect(pos(s)).toEqual({ step: 7, access: 1 });
    for (let i = 1; i < 30; i++) await s.getState().stepInto();
    expect(pos(s)).toEqual({ step: 7, access: 30 });
    expect(s.getState().view?.counters).toEqual({ reads: 30, walkReads: 24 });
    await s.getState().back();
    expect(s.getState().view?.counters).toEqual({ reads: 29, walkReads: 23 });
    await s.getState().end();
    expect(s.getState().view).toMatchObject({ finished: true, stopReason: 'end', position: { step: 8, access: 0 } });
    await s.getState().home();
    expect(pos(s)).toEqual({ step: 0, access: 0 });
    expect(s.getState().view?.executed).toBe(8);
    await s.getState().reset();
    expect(s.getState().view?.executed).toBe(0);
  });

  it('queues moves made without waiting, in order', async () => {
    const { s } = make();
    void s.getState().load({ source: PROGRAM });
    const moves = [];
    for (let i = 0; i < 7; i++) moves.push(s.getState().stepInto());
    expect(s.getState().busy).toBe(true);
    await Promise.all(moves);
    expect(pos(s)).toEqual({ step: 7, access: 1 });
    expect(s.getState().busy).toBe(false);
  });

  it('runs to a breakpoint line', async () => {
    const { s } = make();
    await s.getState().load({ source: PROGRAM });
    s.getState().toggleBreakpoint(7);
    s.getState().toggleBreakpoint(3);
    s.getState().toggleBreakpoint(3);
    expect(s.getState().breakpoints).toEqual([7]);
    await s.getState().run();
    expect(pos(s)).toEqual({ step: 6, access: 0 });
  });

  it('loads a lesson, and a link\'s position', async () => {
    const { s } = make();
    await s.getState().loadLesson(DEFAULT_LESSON.id);
    expect(s.getState()).toMatchObject({ lessonId: DEFAULT_LESSON.id, source: DEFAULT_LESSON.source, baseSource: DEFAULT_LESSON.source });
    await s.getState().load({ source: PROGRAM, position: { step: 7, access: 12 } });
    expect(pos(s)).toEqual({ step: 7, access: 12 });
    expect(s.getState().lessonId).toBe(null);
    await s.getState().loadLesson('no-such-lesson');
    expect(s.getState().failure).toBe('There is no lesson "no-such-lesson".');
  });

  it('a link or saved work holding an edited lesson still reads as edited (its base is the lesson)', async () => {
    const { s } = make();
    const edited = `# my note\n${DEFAULT_LESSON.source}`;
    await s.getState().load({ source: edited, lessonId: DEFAULT_LESSON.id });
    expect(s.getState()).toMatchObject({ source: edited, baseSource: DEFAULT_LESSON.source, lessonId: DEFAULT_LESSON.id });
    await s.getState().load({ source: DEFAULT_LESSON.source, lessonId: DEFAULT_LESSON.id });
    expect(s.getState().baseSource).toBe(s.getState().source);
    await s.getState().load({ source: edited });
    expect(s.getState().baseSource).toBe(edited);
  });

  it('an edit is opened after a pause, keeping the position; errors keep the last view', async () => {
    const { s } = make();
    await s.getState().load({ source: PROGRAM, position: { step: 4, access: 0 } });
    const edited = PROGRAM.replace('len: 64', 'len: 32');
    s.getState().setSource(edited);
    expect(s.getState().openedSource).toBe(PROGRAM);
    await sleep(60);
    await s.getState().sync();
    expect(s.getState()).toMatchObject({ openedSource: edited, sessionOk: true });
    expect(pos(s)).toEqual({ step: 4, access: 0 });

    s.getState().setSource(edited.replace('dev.dma(', 'dev.dmaa('));
    await s.getState().sync();
    expect(s.getState().sessionOk).toBe(false);
    expect(s.getState().diagnostics[0]).toMatchObject({ code: 'LAB3001', line: 7, col: 9 });
    expect(pos(s)).toEqual({ step: 4, access: 0 });
    await s.getState().stepOver();
    expect(s.getState().failure).toMatch(/^The program has errors/);
    expect(pos(s)).toEqual({ step: 4, access: 0 });

    s.getState().setSource(edited);
    await s.getState().stepOver();
    expect(s.getState().sessionOk).toBe(true);
    expect(pos(s)).toEqual({ step: 5, access: 0 });
    expect(s.getState().failure).toBe(null);
  });

  it('a runtime error is in the view; a rejected call is shown and the store carries on', async () => {
    const { s } = make();
    await s.getState().load({ source: 'let a = 1\nlet w = mem.read64(0x9000_0000_0000)\n' });
    await s.getState().run();
    expect(s.getState().view).toMatchObject({ stopReason: 'error', error: { line: 2 } });
    await expect(s.getState().events(-1, 5)).rejects.toThrow(/^events: start and count are whole numbers/);
    await s.getState().back();
    expect(pos(s)).toEqual({ step: 1, access: 0 });
  });

  it('the scrubber: seeks waiting their turn collapse into the newest', async () => {
    const { s, w } = make();
    await s.getState().load({ source: PROGRAM });
    w.calls.length = 0;
    const a = s.getState().stepOver();
    const seeks = [1, 2, 3, 4, 5].map((step) => s.getState().seek({ step, access: 0 }));
    await Promise.all([a, ...seeks]);
    expect(w.calls).toEqual(['stepOver', 'seek']);
    expect(pos(s)).toEqual({ step: 5, access: 0 });
  });

  it('play steps into walks read by read, and stops at the end', async () => {
    const { s } = make();
    await s.getState().load({ source: PROGRAM, position: { step: 6, access: 0 } });
    s.getState().setSpeed(60);
    s.getState().play();
    expect(s.getState().playing).toBe(true);
    await sleep(150);
    const p = pos(s);
    expect(p?.step).toBe(7);
    expect(p?.access).toBeGreaterThan(1);
    s.getState().pause();
    expect(s.getState().playing).toBe(false);
    await sleep(50);
    const paused = pos(s);
    await sleep(50);
    expect(pos(s)).toEqual(paused);

    await s.getState().seek({ step: 7, access: 30 });
    s.getState().play();
    await sleep(200);
    expect(s.getState().playing).toBe(false);
    expect(s.getState().view).toMatchObject({ finished: true, position: { step: 8, access: 0 } });
  });
});

describe('store: the watchdog', () => {
  it('a call that hangs: the worker is replaced, the program re-opened at the last position', async () => {
    const { s, w } = make(undefined, 100);
    await s.getState().load({ source: PROGRAM, position: { step: 7, access: 12 } });
    expect(w.spawned).toBe(1);
    w.hang.add('stepInto');
    await s.getState().stepInto();
    expect(w.terminated).toBe(1);
    expect(w.spawned).toBe(2);
    expect(s.getState().failure).toBe('the worker did not answer within 0.1 s: it was restarted and the session restored.');
    expect(s.getState().sessionOk).toBe(true);
    expect(pos(s)).toEqual({ step: 7, access: 12 });
    expect(s.getState().view?.counters).toEqual({ reads: 12, walkReads: 6 });
    // The new worker works: the same move again.
    await s.getState().stepInto();
    expect(pos(s)).toEqual({ step: 7, access: 13 });
    expect(s.getState().failure).toBe(null);
  });

  it('a worker that crashes during a call is replaced at once, not after the timeout', async () => {
    const { s, w } = make(undefined, 60_000);
    await s.getState().load({ source: PROGRAM, position: { step: 3, access: 0 } });
    w.crashOn.add('stepOver');
    const t0 = Date.now();
    await s.getState().stepOver();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(w.spawned).toBe(2);
    expect(s.getState().failure).toBe('the worker crashed (out of memory): it was restarted and the session restored.');
    expect(pos(s)).toEqual({ step: 3, access: 0 });
  });

  it('a worker that hangs again while restoring is given up on; a reset starts afresh', async () => {
    const { s, w } = make(undefined, 100);
    await s.getState().load({ source: PROGRAM, position: { step: 2, access: 0 } });
    w.hang.add('stepOver');
    w.hang.add('seek');
    await s.getState().stepOver();
    expect(s.getState().sessionOk).toBe(false);
    expect(s.getState().failure).toMatch(/restoring the session failed too .*: reset or edit the program to try again\.$/);
    expect(w.terminated).toBe(2);
    await s.getState().reset();
    expect(s.getState()).toMatchObject({ sessionOk: true, failure: null });
    expect(pos(s)).toEqual({ step: 0, access: 0 });
  });

  it('a view\'s paging request goes through the same watchdog', async () => {
    const { s, w } = make(undefined, 100);
    await s.getState().load({ source: PROGRAM, position: { step: 2, access: 0 } });
    w.hang.add('events');
    await expect(s.getState().events(0, 10)).rejects.toThrow('the worker did not answer within 0.1 s');
    expect(w.spawned).toBe(2);
    expect(pos(s)).toEqual({ step: 2, access: 0 });
    const page = await s.getState().events(0, 10);
    expect(page.length).toBeGreaterThan(0);
  });
});

describe('store: views and modes', () => {
  it('opens, swaps and closes views; a link\'s views', () => {
    const { s } = make();
    expect(s.getState()).toMatchObject({ openViews: ['walk', 'tables', 'smmu', 'timeline'], mainView: 'walk', secondView: null });
    s.getState().setSecondView('tables');
    expect(s.getState().secondView).toBe('tables');
    s.getState().showView('tables');
    expect(s.getState()).toMatchObject({ mainView: 'tables', secondView: 'walk' });
    s.getState().closeView('tables');
    expect(s.getState()).toMatchObject({ openViews: ['walk', 'smmu', 'timeline'], mainView: 'walk', secondView: null });
    s.getState().showView('tables');
    expect(s.getState().openViews).toEqual(['walk', 'smmu', 'timeline', 'tables']);
    s.getState().setOpenViews(['smmu', 'replay', 'walk', 'smmu']);
    expect(s.getState()).toMatchObject({ openViews: ['smmu', 'walk'], mainView: 'smmu', secondView: null });
  });

  it('themes cycle system -> light -> dark', () => {
    const { s } = make();
    s.getState().cycleTheme();
    expect(s.getState().theme).toBe('light');
    s.getState().cycleTheme();
    expect(s.getState().theme).toBe('dark');
    s.getState().cycleTheme();
    expect(s.getState().theme).toBe('system');
  });
});
