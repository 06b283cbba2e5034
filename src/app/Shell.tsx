// The app's root: the toolbar, the editor beside the views (resizable), the scrubber and the
// status line, the overlays; or, in embed mode, the views with a minimal step control. Thin on
// purpose: each part subscribes to its own slice of the store (STYLE.md 12).

import { useEffect, useRef, useState } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import { findLessonInfo } from '../scenarios/catalog';
import { editorBridge } from './editor-bridge';
import { EditorPane } from './EditorPane';
import { actionFor, keyOf } from './keys';
import { Overlays } from './Overlays';
import { linkStateOf, pageUrl } from './share';
import { encodeState } from './links';
import { positionText, Scrubber, StatusLine, StepControls, withKeys } from './Controls';
import { useLab, useLabStore } from './StoreContext';
import { ViewsPane } from './ViewsPane';
import type { LabStore } from './store';

/** The one key handler: the key table decides (keys.ts); the capture phase gets F-keys before
 *  the editor or the browser (F5 reload, F11 full screen) does. */
function useKeys(store: LabStore) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const t = e.target as HTMLElement | null;
      // Where the key landed, from the DOM (Monaco's own focus flag lags a tick behind a blur).
      const inEditor = !!t?.closest?.('[data-editor], [data-plain-editor]');
      const tag = t?.tagName ?? '';
      const onControl = !inEditor && (tag === 'BUTTON' || tag === 'SELECT' || tag === 'A' || tag === 'SUMMARY' ||
        (tag === 'INPUT' && (t as HTMLInputElement).type === 'range'));
      const typing = !inEditor && (tag === 'TEXTAREA' || (tag === 'INPUT' && (t as HTMLInputElement).type !== 'range') || !!t?.isContentEditable);
      const combo = keyOf(e);
      // Esc leaves the plain editor (so arrows and letters reach the app again); Monaco keeps
      // its Esc (closing its widgets), and F6 leaves it.
      if (combo === 'Escape' && inEditor && t?.closest?.('[data-plain-editor]') && store.getState().overlay === null) {
        document.getElementById('views')?.focus();
        e.preventDefault();
        return;
      }
      const action = actionFor(combo, { inEditor: inEditor || typing, onControl }, store.getState());
      if (!action) return;
      e.preventDefault();
      e.stopPropagation();
      action.perform(store.getState(), {
        editorLine: () => editorBridge.caretLine(),
        focusEditor: () => editorBridge.focus(),
        focusViews: () => document.getElementById('views')?.focus(),
        inEditor: () => inEditor,
      });
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [store]);
}

/** html[data-theme] (absent: follow the system) and html[data-presenter]. */
function useDocumentModes() {
  const theme = useLab((s) => s.theme);
  const presenter = useLab((s) => s.presenter);
  const embed = useLab((s) => s.embed);
  useEffect(() => {
    const html = document.documentElement;
    if (theme === 'system') html.removeAttribute('data-theme'); else html.dataset.theme = theme;
    if (presenter) html.dataset.presenter = ''; else html.removeAttribute('data-presenter');
    if (embed) html.dataset.embed = ''; else html.removeAttribute('data-embed');
  }, [theme, presenter, embed]);
}

function Notice() {
  const notice = useLab((s) => s.notice);
  const setNotice = useLab((s) => s.setNotice);
  const setOverlay = useLab((s) => s.setOverlay);
  if (!notice) return null;
  return (
    <div className="notice" role="alert" data-testid="notice">
      <span>{notice}</span>
      <button type="button" onClick={() => { setNotice(null); setOverlay('lessons'); }}>Lessons…</button>
      <button type="button" onClick={() => setNotice(null)} aria-label="Dismiss">×</button>
    </div>
  );
}

const THEME_LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;

function Toolbar() {
  const lessonId = useLab((s) => s.lessonId);
  const edited = useLab((s) => s.source !== s.baseSource && s.source.trim() !== '');
  const setOverlay = useLab((s) => s.setOverlay);
  const theme = useLab((s) => s.theme);
  const cycleTheme = useLab((s) => s.cycleTheme);
  const presenter = useLab((s) => s.presenter);
  const togglePresenter = useLab((s) => s.togglePresenter);
  const editorCollapsed = useLab((s) => s.editorCollapsed);
  const toggleEditor = useLab((s) => s.toggleEditor);
  const lesson = lessonId ? findLessonInfo(lessonId) : undefined;
  return (
    <header className="toolbar">
      <h1 className="brand">IOMMU Lab</h1>
      <button type="button" className="lesson-button" onClick={() => setOverlay('lessons')} title={withKeys('lessons', 'Choose a lesson')} data-testid="lesson">
        {lesson ? lesson.title : 'Your program'}{edited ? ' (edited)' : ''} ▾
      </button>
      <StepControls />
      <span className="spacer" />
      <div className="mode-controls" role="group" aria-label="Display">
        <button type="button" onClick={toggleEditor} aria-pressed={!editorCollapsed} title={withKeys('editor')} className="hide-presenting">Editor</button>
        <button type="button" onClick={togglePresenter} aria-pressed={presenter} title={withKeys('presenter')}>Present</button>
        <button type="button" onClick={cycleTheme} title={withKeys('theme', THEME_LABEL[theme])} aria-label={THEME_LABEL[theme]} className="hide-presenting">
          {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
        </button>
        <button type="button" onClick={() => setOverlay('share')} title={withKeys('share')} className="hide-presenting">Share</button>
        <button type="button" onClick={() => setOverlay('help')} title={withKeys('help')} aria-label="Keys">?</button>
      </div>
    </header>
  );
}

export function Shell() {
  const store = useLabStore();
  useKeys(store);
  useDocumentModes();
  const embed = useLab((s) => s.embed);
  const editorCollapsed = useLab((s) => s.editorCollapsed);
  if (embed) return <EmbedShell />;
  return (
    <div className="app">
      <Toolbar />
      <Notice />
      <main className="workspace">
        {editorCollapsed ? (
          <ViewsPane />
        ) : (
          <Group orientation="horizontal" id="workspace">
            <Panel id="editor-panel" defaultSize="36%" minSize="18%" maxSize="70%">
              <EditorPane />
            </Panel>
            <Separator className="separator vertical" />
            <Panel id="views-panel" minSize="30%">
              <ViewsPane />
            </Panel>
          </Group>
        )}
      </main>
      <Scrubber />
      <StatusLine />
      <Overlays />
    </div>
  );
}

/** The link back to the full app, for the state on screen (re-made as it changes), and the
 *  position it holds. */
function useFullAppLink(): { href: string; at: string } {
  const store = useLabStore();
  const view = useLab((s) => s.view);
  const mainView = useLab((s) => s.mainView);
  const [link, setLink] = useState(() => ({ href: pageUrl(window.location.href, '', window.location.hash), at: '' }));
  const latest = useRef(0);
  useEffect(() => {
    const n = ++latest.current;
    const t = setTimeout(() => {
      const state = linkStateOf(store.getState());
      encodeState(state).then(
        (f) => { if (n === latest.current) setLink({ href: pageUrl(window.location.href, '', f), at: `${state.position.step}.${state.position.access}` }); },
        () => undefined,
      );
    }, 100);
    return () => clearTimeout(t);
  }, [store, view, mainView]);
  return link;
}

function EmbedShell() {
  const view = useLab((s) => s.view);
  const failure = useLab((s) => s.failure);
  const notice = useLab((s) => s.notice);
  const link = useFullAppLink();
  return (
    <div className="app embed">
      <header className="toolbar embed-bar">
        <StepControls compact />
        <span data-testid="position" className="pos">{view ? positionText(view) : '—'}</span>
        <span className="reads">walk reads <b data-testid="walk-reads">{view ? view.counters.walkReads : '—'}</b></span>
        <span className="reads">all reads <b data-testid="all-reads">{view ? view.counters.reads : '—'}</b></span>
        <span className="spacer" />
        <a href={link.href} target="_blank" rel="noopener" data-testid="full-app-link" data-position={link.at}>Open in IOMMU Lab ↗</a>
      </header>
      {(notice || failure) && <div className="notice" role="alert">{notice ?? failure}</div>}
      <main className="workspace"><ViewsPane embed /></main>
    </div>
  );
}
