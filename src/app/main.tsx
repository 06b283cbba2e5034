// Browser entry: read the page's flags (?presenter, ?embed), make the store with the lab worker,
// open the first program (a link, else the saved work, else the default lesson), autosave, and
// mount the shell.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createLabWorker } from '../worker/client';
import { keepWorkAside } from './links';
import { autosave } from './share';
import { badLinkNotice, planStart } from './startup';
import { Shell } from './Shell';
import { createLabStore, type LabStore, type Theme, type WorkerApi } from './store';
import { LabStoreContext } from './StoreContext';
import { VIEW_LOADERS } from './view-loaders';
import './theme.css';
import './shell.css';

const THEME_KEY = 'iommu-lab:theme';

function savedTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

const params = new URLSearchParams(window.location.search);
const flag = (name: string) => params.has(name) && params.get(name) !== '0' && params.get(name) !== 'false';
const embed = flag('embed');

const store = createLabStore({
  spawn: (onCrash) => {
    const w = createLabWorker(onCrash);
    return { api: w.api as unknown as WorkerApi, terminate: w.terminate };
  },
  initial: { theme: savedTheme(), presenter: flag('presenter'), embed, plainEditor: params.get('editor') === 'plain' },
});
// The main view's chunk, fetched while the worker opens the first program.
void VIEW_LOADERS[store.getState().mainView]?.();

/** Open what the page should show first; later, a link pasted into the address bar of the open
 *  page (only its fragment changes). */
async function start(s: LabStore, hash: string): Promise<void> {
  let plan = await planStart(hash, { embed });
  const st = s.getState();
  if (plan.from === 'bad-link') {
    st.setNotice(badLinkNotice(plan.error));
    // A link pasted into the open page: the work on screen stays. A page opened on a bad link:
    // what it would have opened without one (the saved work, as it was, or the default lesson).
    if (s.getState().source.trim() !== '') return;
    plan = plan.then;
  }
  switch (plan.from) {
    case 'link':
    case 'saved': {
      if (plan.from === 'link' && !embed) {
        // The link's state replaces the work on the next autosave: keep a copy, and drop the
        // fragment so that a reload opens the (autosaved) work rather than the link again.
        keepWorkAside();
        history.replaceState(null, '', window.location.pathname + window.location.search);
      }
      const { state } = plan;
      if (plan.from === 'link') st.setNotice(null);
      st.setOpenViews(state.views);
      if (state.presenter) s.setState({ presenter: true });
      await st.load({ source: state.program, lessonId: state.lesson, position: state.position });
      return;
    }
    case 'lesson':
      await st.loadLesson(plan.lesson.id);
  }
}

/** Save the work a second after it changes (never in embed mode, never an empty program). */
function startAutosave(s: LabStore): void {
  s.subscribe((now, before) => {
    if (now.theme === before.theme) return;
    try { localStorage.setItem(THEME_KEY, now.theme); } catch { /* not saved: fine */ }
  });
  if (embed) return;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let shownError: string | null = null;
  s.subscribe((now, before) => {
    if (now.source === before.source && now.view === before.view && now.lessonId === before.lessonId &&
      now.mainView === before.mainView && now.openViews === before.openViews && now.presenter === before.presenter) return;
    if (now.source.trim() === '') return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const error = autosave(s.getState());
      if (error !== null && error !== shownError) s.getState().setNotice(error.charAt(0).toUpperCase() + error.slice(1) + '.');
      shownError = error;
    }, 1000);
  });
}

startAutosave(store);
void start(store, window.location.hash);
window.addEventListener('hashchange', () => {
  if (window.location.hash !== '' && window.location.hash !== '#') void start(store, window.location.hash);
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <LabStoreContext.Provider value={store}>
      <Shell />
    </LabStoreContext.Provider>
  </StrictMode>,
);
