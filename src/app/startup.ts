// What the app opens first: the state in the URL's fragment if there is one, else the student's
// saved work, else the default lesson (the nested 4x4 walk). A bad link is an error and nothing
// is loaded from it: the app says so and opens what it would have opened without the link (the
// saved work, untouched, or the default lesson). Pure apart from the injected loaders.

import { DEFAULT_LESSON, loadLessons, type Lesson } from '../scenarios/catalog';
import { decodeState, hasWork, loadWork, type LinkState } from './links';

export type StartPlan =
  | { from: 'link'; state: LinkState; migratedFrom?: number }
  | { from: 'bad-link'; error: string; then: SavedOrLesson }
  | SavedOrLesson;

/** What opens without a link. */
export type SavedOrLesson = { from: 'saved'; state: LinkState } | { from: 'lesson'; lesson: Lesson };

export interface StartDeps {
  decode: (fragment: string) => Promise<{ ok: true; state: LinkState; migratedFrom?: number } | { ok: false; error: string }>;
  loadSaved: () => LinkState | null | Promise<LinkState | null>;
}

/** Saved work may name any lesson: the lessons' programs are loaded first, only when there is some. */
async function loadSavedWork(): Promise<LinkState | null> {
  if (!hasWork()) return null;
  let lessons: readonly Lesson[] | undefined;
  try {
    lessons = await loadLessons();
  } catch {
    lessons = undefined;   // the saved program still opens; a lesson it names is dropped (payload.ts)
  }
  return loadWork(undefined, lessons);
}

const defaults: StartDeps = { decode: (f) => decodeState(f), loadSaved: loadSavedWork };

/** `hash` is location.hash; `embed` pages never open the saved work (an embedded slide shows its
 *  own link or the default lesson, not whatever the student was last doing). */
export async function planStart(hash: string, opts: { embed?: boolean } = {}, deps: StartDeps = defaults): Promise<StartPlan> {
  if (hash !== '' && hash !== '#') {
    const r = await deps.decode(hash);
    if (!r.ok) return { from: 'bad-link', error: r.error, then: await withoutLink(opts, deps) };
    return r.migratedFrom === undefined ? { from: 'link', state: r.state } : { from: 'link', state: r.state, migratedFrom: r.migratedFrom };
  }
  return withoutLink(opts, deps);
}

async function withoutLink(opts: { embed?: boolean }, deps: StartDeps): Promise<SavedOrLesson> {
  if (!opts.embed) {
    const saved = await deps.loadSaved();
    if (saved !== null && saved.program.trim() !== '') return { from: 'saved', state: saved };
  }
  return { from: 'lesson', lesson: DEFAULT_LESSON };
}

/** The notice for a link that could not be opened: capitalised, with what happened next. */
export function badLinkNotice(error: string): string {
  const e = error.charAt(0).toUpperCase() + error.slice(1);
  return `${e}. Nothing was loaded from it, and your saved work is as you left it.`;
}
