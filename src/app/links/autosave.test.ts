import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { LESSONS } from '../../scenarios';
import { ASIDE_WORK_KEY, CORRUPT_WORK_KEY, hasWork, keepWorkAside, loadWork, MAX_SAVED_CHARS, saveWork, WORK_KEY, type WorkStorage } from './autosave';
import { canonical, CURRENT_VERSION, DEFAULT_VIEWS, MAX_PROGRAM_CHARS, VIEW_IDS, type LinkState } from './state';

/** A Map-backed Storage; `fail` makes the named methods throw as a browser's can. */
function fakeStorage(init: Record<string, string> = {}, fail: Partial<Record<'get' | 'set' | 'remove', Error>> = {}) {
  const map = new Map(Object.entries(init));
  const storage: WorkStorage = {
    getItem: (k) => {
      if (fail.get) throw fail.get;
      return map.get(k) ?? null;
    },
    setItem: (k, v) => {
      if (fail.set) throw fail.set;
      map.set(k, String(v));
    },
    removeItem: (k) => {
      if (fail.remove) throw fail.remove;
      map.delete(k);
    },
  };
  return { storage, map };
}

const state = (program: string, extra: Partial<LinkState> = {}): LinkState => ({
  v: CURRENT_VERSION, program, position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: null, ...extra,
});

const domError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('saveWork and loadWork', () => {
  it('round-trip any valid state', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.record({ step: fc.maxSafeNat(), access: fc.maxSafeNat() }),
      fc.uniqueArray(fc.constantFrom(...VIEW_IDS)),
      fc.constantFrom(null, ...LESSONS.map((l) => l.id)),
      fc.boolean(),
      (program, position, views, lesson, presenter) => {
        const { storage } = fakeStorage();
        const s = state(program, { position, views: [...views], lesson, presenter });
        expect(saveWork(s, storage)).toEqual({ ok: true });
        expect(loadWork(storage, LESSONS)).toEqual(canonical(s));
      },
    ));
  });

  it('hasWork: whether anything is saved; before the lessons are loaded only the default lesson is known', () => {
    const { storage } = fakeStorage();
    expect(hasWork(storage)).toBe(false);
    expect(hasWork(null)).toBe(false);
    expect(hasWork(fakeStorage({}, { get: domError('SecurityError', 'denied') }).storage)).toBe(false);
    saveWork(state('my program', { lesson: 'msi-journey' }), storage);
    expect(hasWork(storage)).toBe(true);
    // The app loads the lessons first (startup.ts); without them a lesson not known here is
    // dropped and the program kept, as for a lesson this IOMMU Lab does not have (payload.ts).
    expect(loadWork(storage, [])).toMatchObject({ program: 'my program', lesson: null });
    expect(loadWork(storage, LESSONS)).toMatchObject({ program: 'my program', lesson: 'msi-journey' });
  });

  it('store the state as its JSON, version included', () => {
    const { storage, map } = fakeStorage();
    saveWork(state('x', { presenter: false }), storage);
    expect(JSON.parse(map.get(WORK_KEY)!)).toEqual({ v: 1, program: 'x', position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: null });
  });

  it('give null when nothing is saved', () => {
    expect(loadWork(fakeStorage().storage)).toBeNull();
  });

  it('a saved lesson keeps its full program, even when the lesson changes later', () => {
    const { storage } = fakeStorage();
    saveWork(state('my edit of the lesson', { lesson: 'nested-walk' }), storage);
    expect(loadWork(storage, [{ id: 'nested-walk', source: 'a newer source' }])?.program).toBe('my edit of the lesson');
  });

  it('upgrade work saved by an older version (version 0\'s shape)', () => {
    const { storage } = fakeStorage({ [WORK_KEY]: JSON.stringify({ v: 0, code: 'old work', step: 4, panes: ['grid'] }) });
    expect(loadWork(storage)).toEqual(state('old work', { position: { step: 4, access: 0 }, views: ['walk'] }));
  });
});

describe('a saved value that cannot be read gives null, is kept aside, and never throws', () => {
  it.each([
    ['not JSON', '{"v":1,"program":"x"'],
    ['JSON but not an object', '[1,2,3]'],
    ['no version', '{"program":"x"}'],
    ['a newer version', JSON.stringify({ ...state('x'), v: 7 })],
    ['an unknown view', JSON.stringify(state('x', { views: ['gird'] }))],
    ['a program that is not text', JSON.stringify({ ...state('x'), program: 42 })],
    ['a prototype key', '{"v":1,"program":"x","__proto__":{"lesson":"nested-walk"}}'],
    ['an unknown field', JSON.stringify({ ...state('x'), extra: 1 })],
    ['too long', JSON.stringify(state('x'.repeat(MAX_SAVED_CHARS)))],
  ])('%s', (_name, raw) => {
    const { storage, map } = fakeStorage({ [WORK_KEY]: raw });
    expect(loadWork(storage)).toBeNull();
    expect(map.get(CORRUPT_WORK_KEY)).toBe(raw);
    expect(map.has(WORK_KEY)).toBe(false);
    // The next save starts afresh and the unreadable value stays aside.
    expect(saveWork(state('new'), storage)).toEqual({ ok: true });
    expect(loadWork(storage)?.program).toBe('new');
    expect(map.get(CORRUPT_WORK_KEY)).toBe(raw);
  });

  it('when the value cannot be kept aside (storage full), it is left where it was', () => {
    const { storage, map } = fakeStorage({ [WORK_KEY]: 'garbage' }, { set: domError('QuotaExceededError', 'quota exceeded') });
    expect(loadWork(storage)).toBeNull();
    expect(map.get(WORK_KEY)).toBe('garbage');
  });
});

describe('storage that refuses', () => {
  it('saveWork says why; loadWork gives null', () => {
    const full = fakeStorage({}, { set: domError('QuotaExceededError', "Failed to execute 'setItem' on 'Storage': exceeded the quota") });
    expect(saveWork(state('x'), full.storage)).toEqual({ ok: false, error: "your work is not saved: the browser's local storage is full" });
    const denied = fakeStorage({}, { get: domError('SecurityError', 'The operation is insecure.'), set: domError('SecurityError', 'The operation is insecure.') });
    expect(saveWork(state('x'), denied.storage)).toEqual({ ok: false, error: 'your work is not saved: the browser refused (The operation is insecure.)' });
    expect(loadWork(denied.storage)).toBeNull();
  });

  it('no storage at all: nothing throws', () => {
    vi.stubGlobal('localStorage', undefined);
    expect(saveWork(state('x'))).toEqual({ ok: false, error: 'your work is not saved: this browser does not let IOMMU Lab use local storage' });
    expect(loadWork()).toBeNull();
    expect(keepWorkAside()).toBe(false);
    expect(saveWork(state('x'), null).ok).toBe(false);
    vi.unstubAllGlobals();
  });

  it('localStorage that throws on access (storage turned off, a sandboxed frame): nothing throws', () => {
    const before = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
    Object.defineProperty(globalThis, 'localStorage', { configurable: true, get: () => { throw domError('SecurityError', 'denied'); } });
    try {
      expect(saveWork(state('x')).ok).toBe(false);
      expect(loadWork()).toBeNull();
    } finally {
      if (before) Object.defineProperty(globalThis, 'localStorage', before);
      else delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });

  it('an invalid state is not saved, and says why in the student\'s words', () => {
    const { storage, map } = fakeStorage();
    expect(saveWork(state('a'.repeat(MAX_PROGRAM_CHARS + 1)), storage))
      .toEqual({ ok: false, error: 'your work is not saved: your program is too long (200,001 characters; at most 200,000) (at program)' });
    expect(saveWork(state('x', { views: ['gird'] }), storage).ok).toBe(false);
    expect(map.size).toBe(0);
  });
});

describe('keepWorkAside', () => {
  it('copies the saved work before a shared link replaces it', () => {
    const { storage, map } = fakeStorage();
    expect(keepWorkAside(storage)).toBe(false);
    saveWork(state('mine'), storage);
    expect(keepWorkAside(storage)).toBe(true);
    saveWork(state('from the link'), storage);
    expect(JSON.parse(map.get(ASIDE_WORK_KEY)!).program).toBe('mine');
    expect(loadWork(storage)?.program).toBe('from the link');
  });
});
