// The student's own work, kept in local storage so it survives a reload, a bad link and a crash.
// The saved value is the LinkState as JSON, `v` included, so a later IOMMU Lab upgrades it with
// the same migrations as links. Nothing here throws: a value that cannot be read is moved aside
// (CORRUPT_WORK_KEY), never deleted, and loadWork gives null.

import { loadedLessons } from '../../scenarios/catalog';
import type { LessonSource } from './payload';
import { stateFromPayload } from './payload';
import { canonical, validateState, type LinkState } from './state';

/** Where the work is saved. */
export const WORK_KEY = 'iommu-lab:work';
/** Where a saved value that could not be read is kept (the newest such value). */
export const CORRUPT_WORK_KEY = 'iommu-lab:work:unreadable';
/** Where keepWorkAside copies the work before a shared link replaces it. */
export const ASIDE_WORK_KEY = 'iommu-lab:work:before-link';
/** A saved value longer than this is not read (a LinkState's JSON is at most about 1.2 MB). */
export const MAX_SAVED_CHARS = 2_000_000;

/** The part of the Web Storage API used here; tests pass a Map-backed fake. */
export type WorkStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export type Saved = { ok: true } | { ok: false; error: string };

/** localStorage, or null where it is missing or refused (storage off, a sandboxed frame). */
function defaultStorage(): WorkStorage | null {
  try {
    const s = (globalThis as { localStorage?: WorkStorage }).localStorage;
    return s ?? null;
  } catch {
    return null;
  }
}

const NO_STORAGE = 'your work is not saved: this browser does not let IOMMU Lab use local storage';

/** Saves the state (validated first). Never throws: says why it did not save. */
export function saveWork(s: LinkState, storage: WorkStorage | null = defaultStorage()): Saved {
  if (storage === null) return { ok: false, error: NO_STORAGE };
  const valid = validateState(s, 'your');
  if (!valid.ok) return { ok: false, error: `your work is not saved: ${valid.error}` };
  try {
    storage.setItem(WORK_KEY, JSON.stringify(valid.state));
    return { ok: true };
  } catch (e) {
    const full = e instanceof Error && /quota/i.test(`${e.name} ${e.message}`);
    return {
      ok: false,
      error: full
        ? 'your work is not saved: the browser\'s local storage is full'
        : `your work is not saved: the browser refused (${e instanceof Error ? e.message : String(e)})`,
    };
  }
}

/**
 * The saved work, upgraded to the current version, or null when there is none or it cannot be
 * read (then it is moved to CORRUPT_WORK_KEY). Never throws. `lessons` defaults to those loaded
 * so far (catalog.ts): the app awaits loadLessons() first when there is saved work (hasWork).
 */
export function loadWork(
  storage: WorkStorage | null = defaultStorage(),
  lessons: readonly LessonSource[] = loadedLessons(),
): LinkState | null {
  if (storage === null) return null;
  let raw: string | null;
  try {
    raw = storage.getItem(WORK_KEY);
  } catch {
    return null;
  }
  if (raw === null) return null;
  const state = readSaved(raw, lessons);
  if (state === null) setAside(storage, raw);
  return state;
}

/** Whether there is a saved value to read (readable or not). Never throws. */
export function hasWork(storage: WorkStorage | null = defaultStorage()): boolean {
  try {
    return storage !== null && storage.getItem(WORK_KEY) !== null;
  } catch {
    return false;
  }
}

function readSaved(raw: string, lessons: readonly LessonSource[]): LinkState | null {
  if (typeof raw !== 'string' || raw.length > MAX_SAVED_CHARS) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const { v, ...rest } = json as Record<string, unknown>;
  if (typeof v !== 'number') return null;
  const r = stateFromPayload(v, rest, lessons);
  if (!r.ok) return null;
  // A current-version value was saved whole: check it as one (stateFromPayload fills defaults).
  const whole = validateState(r.state);
  return whole.ok ? canonical(whole.state) : null;
}

function setAside(storage: WorkStorage, raw: string): void {
  try {
    storage.setItem(CORRUPT_WORK_KEY, raw);
    storage.removeItem(WORK_KEY); // only once it is kept
  } catch {
    // Storage full or refused: leave the value where it is rather than lose it.
  }
}

/**
 * Copies the saved work to ASIDE_WORK_KEY: for the app to call before it opens a shared link,
 * whose state the next saveWork would otherwise write over the student's own. Never throws.
 */
export function keepWorkAside(storage: WorkStorage | null = defaultStorage()): boolean {
  if (storage === null) return false;
  try {
    const raw = storage.getItem(WORK_KEY);
    if (raw === null) return false;
    storage.setItem(ASIDE_WORK_KEY, raw);
    return true;
  } catch {
    return false;
  }
}
