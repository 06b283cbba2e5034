// The store <-> the links module (src/app/links): the LinkState of what is on screen, the share
// and embed URLs for it, and the autosave of the student's work.

import { CURRENT_VERSION, encodeState, saveWork, type LinkState } from './links';
import type { LabState } from './store';

/** What a link carries of the store: the program, the position, the views (the main one first,
 *  so the link opens on it), the lesson and presenter mode. */
export function linkStateOf(s: Pick<LabState, 'source' | 'view' | 'openViews' | 'mainView' | 'lessonId' | 'presenter'>): LinkState {
  const pos = s.view?.position ?? { step: 0, access: 0 };
  const state: LinkState = {
    v: CURRENT_VERSION,
    program: s.source,
    position: { step: pos.step, access: pos.access },
    views: [s.mainView, ...s.openViews.filter((v) => v !== s.mainView)],
    lesson: s.lessonId,
  };
  if (s.presenter) state.presenter = true;
  return state;
}

/** The page's address without query or fragment, plus `query` and `fragment`. */
export function pageUrl(href: string, query: string, fragment: string): string {
  const u = new URL(href);
  u.search = query;
  u.hash = '';
  return u.toString().replace(/#$/, '') + fragment;
}

/** The full app's link and the embed link for the state on screen (rejects with a LinkError's
 *  sentence when the program is too long to share). */
export async function shareLinks(s: LabState, href: string): Promise<{ app: string; embed: string }> {
  const fragment = await encodeState(linkStateOf(s));
  return { app: pageUrl(href, '', fragment), embed: pageUrl(href, '?embed', fragment) };
}

/** Save the work now; the error sentence when it could not be saved. */
export function autosave(s: LabState): string | null {
  const r = saveWork(linkStateOf(s));
  return r.ok ? null : r.error;
}
