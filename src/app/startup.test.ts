// The first thing the app opens: link, else saved work, else the default lesson; a bad link
// loads nothing, leaves the saved work alone and opens it (or the default lesson).

import { describe, expect, it } from 'vitest';
import { DEFAULT_LESSON } from '../scenarios';
import { CURRENT_VERSION, encodeState, saveWork, loadWork, WORK_KEY, type LinkState, type WorkStorage } from './links';
import { badLinkNotice, planStart, type StartDeps } from './startup';
import { linkStateOf, pageUrl } from './share';

function memoryStorage(): WorkStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

const state = (program: string, step = 0): LinkState => ({
  v: CURRENT_VERSION, program, position: { step, access: 0 }, views: ['walk', 'tables', 'smmu', 'timeline'], lesson: null,
});

function deps(storage: WorkStorage): StartDeps {
  return {
    decode: async (f) => (await import('./links')).decodeState(f),
    loadSaved: () => loadWork(storage),
  };
}

describe('planStart', () => {
  it('a first visit opens the default lesson, the nested 4x4 walk', async () => {
    const plan = await planStart('', {}, deps(memoryStorage()));
    expect(plan).toEqual({ from: 'lesson', lesson: DEFAULT_LESSON });
    expect(DEFAULT_LESSON.id).toBe('nested-walk');
  });

  it('saved work comes back; an embed page ignores it', async () => {
    const storage = memoryStorage();
    expect(saveWork(state('let a = 1\n', 1), storage)).toEqual({ ok: true });
    expect(await planStart('', {}, deps(storage))).toMatchObject({ from: 'saved', state: { program: 'let a = 1\n', position: { step: 1 } } });
    expect(await planStart('#', { embed: true }, deps(storage))).toMatchObject({ from: 'lesson' });
  });

  it('a link wins over the saved work', async () => {
    const storage = memoryStorage();
    saveWork(state('let a = 1\n'), storage);
    const hash = await encodeState(state('let b = 2\n', 1));
    expect(await planStart(hash, {}, deps(storage))).toMatchObject({ from: 'link', state: { program: 'let b = 2\n', position: { step: 1 } } });
  });

  it('a bad link: an error, nothing loaded from it, then the saved work as it was', async () => {
    const storage = memoryStorage();
    saveWork(state('let a = 1\n'), storage);
    const before = storage.map.get(WORK_KEY);
    const plan = await planStart('#v1/d/AAAA', {}, deps(storage));
    expect(plan.from).toBe('bad-link');
    expect(plan.from === 'bad-link' && badLinkNotice(plan.error)).toBe(
      'This link is damaged: it does not decompress. Nothing was loaded from it, and your saved work is as you left it.');
    expect(plan).toMatchObject({ then: { from: 'saved', state: { program: 'let a = 1\n' } } });
    expect(storage.map.get(WORK_KEY)).toBe(before);
    expect((await planStart('#nonsense', {}, deps(storage))).from).toBe('bad-link');
  });

  it('a bad link with no saved work (or in an embed page) then opens the default lesson', async () => {
    const fresh = await planStart('#v1/d/AAAA', {}, deps(memoryStorage()));
    expect(fresh).toMatchObject({ from: 'bad-link', then: { from: 'lesson', lesson: DEFAULT_LESSON } });
    const storage = memoryStorage();
    saveWork(state('let a = 1\n'), storage);
    expect(await planStart('#v1/d/AAAA', { embed: true }, deps(storage))).toMatchObject({ from: 'bad-link', then: { from: 'lesson' } });
  });
});

describe('share', () => {
  it('the link state puts the main view first and keeps the position', () => {
    const s = linkStateOf({
      source: 'x', lessonId: 'nested-walk', presenter: true, mainView: 'tables', openViews: ['walk', 'tables', 'smmu'],
      view: { position: { step: 3, access: 2 } } as never,
    });
    expect(s).toEqual({ v: CURRENT_VERSION, program: 'x', position: { step: 3, access: 2 }, views: ['tables', 'walk', 'smmu'], lesson: 'nested-walk', presenter: true });
  });

  it('page URLs keep the path and replace the query and fragment', () => {
    expect(pageUrl('http://127.0.0.1:4173/lab/?embed#v1/d/x', '', '#v1/d/y')).toBe('http://127.0.0.1:4173/lab/#v1/d/y');
    expect(pageUrl('http://127.0.0.1:4173/index.html?presenter', '?embed', '#v1/d/y')).toBe('http://127.0.0.1:4173/index.html?embed#v1/d/y');
  });
});
