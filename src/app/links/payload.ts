// Between a LinkState and what a link stores: only what differs from the defaults goes in, and
// the defaults come back on the way out. Pure: the lessons are passed in (codec.ts passes the
// app's LESSONS; tests pass their own).

import { upgradePayload } from './migrations';
import { CURRENT_VERSION, DEFAULT_VIEWS, sameViews, type LinkState, type PayloadV1 } from './state';

/** What the codec needs of a lesson. */
export interface LessonSource {
  readonly id: string;
  readonly source: string;
}

/**
 * The defaults a payload leaves out:
 * - program: the lesson's source when a lesson is named, else '' (so a lesson link stores only its id);
 * - position: step 0, access 0;  views: DEFAULT_VIEWS (same ids, same order);
 * - lesson: none (null);  presenter: off.
 */
export function toPayload(s: LinkState, lessons: readonly LessonSource[]): PayloadV1 {
  const p: PayloadV1 = {};
  const lesson = s.lesson === null ? undefined : lessons.find((l) => l.id === s.lesson);
  if (s.lesson !== null) p.lesson = s.lesson;
  const programIsDefault = s.lesson === null ? s.program === '' : lesson !== undefined && s.program === lesson.source;
  if (!programIsDefault) p.program = s.program;
  if (s.position.step !== 0 || s.position.access !== 0) p.position = { step: s.position.step, access: s.position.access };
  if (!sameViews(s.views, DEFAULT_VIEWS)) p.views = [...s.views] as PayloadV1['views'];
  if (s.presenter === true) p.presenter = true;
  return p;
}

export type FromPayload = { ok: true; state: LinkState } | { ok: false; error: string };

/**
 * The full state from a current-version payload. A lesson this IOMMU Lab does not have is an
 * error when the program was left out (there is nothing to open), and is dropped (lesson: null)
 * when the program is there: the program opens, as the student's own.
 */
export function fromPayload(p: PayloadV1, lessons: readonly LessonSource[]): FromPayload {
  const lessonId = p.lesson ?? null;
  const lesson = lessonId === null ? undefined : lessons.find((l) => l.id === lessonId);
  let program = p.program;
  if (program === undefined) {
    if (lessonId === null) program = '';
    else if (lesson === undefined) {
      return { ok: false, error: `this link opens a lesson this IOMMU Lab does not have ('${lessonId}')` };
    } else program = lesson.source;
  }
  const state: LinkState = {
    v: CURRENT_VERSION,
    program,
    position: { step: p.position?.step ?? 0, access: p.position?.access ?? 0 },
    views: p.views === undefined ? [...DEFAULT_VIEWS] : [...p.views],
    lesson: lesson === undefined ? null : lesson.id,
  };
  if (p.presenter === true) state.presenter = true;
  return { ok: true, state };
}

/** Keys that must not appear anywhere in a payload, at any depth. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper than any version's payload ever was (2: `views[i]`, `position.step`). */
export const MAX_PAYLOAD_DEPTH = 4;

/**
 * Checks parsed JSON before any schema sees it: no prototype keys, nothing nested deeper than a
 * lab state can be. Iterative, so a hostile depth cannot overflow the stack. null when fine.
 */
export function checkShape(root: unknown): string | null {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_PAYLOAD_DEPTH) return 'this link is damaged: its contents are nested too deeply';
    if (Array.isArray(value)) {
      for (const x of value) stack.push([x, depth + 1]);
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `this link is damaged: it holds a forbidden name ('${key}')`;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}

export type StateResult = { ok: true; state: LinkState; migratedFrom?: number } | { ok: false; error: string };

/** Parsed JSON of `version` to a current LinkState: shape check, migrations, defaults. Never throws. */
export function stateFromPayload(version: number, json: unknown, lessons: readonly LessonSource[]): StateResult {
  const bad = checkShape(json);
  if (bad !== null) return { ok: false, error: bad };
  const up = upgradePayload(version, json);
  if (!up.ok) return { ok: false, error: up.error };
  const r = fromPayload(up.payload, lessons);
  if (!r.ok) return r;
  return version < CURRENT_VERSION ? { ok: true, state: r.state, migratedFrom: version } : { ok: true, state: r.state };
}
