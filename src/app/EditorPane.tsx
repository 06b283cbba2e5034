// The left side: the lesson's narrative (collapsible), the program's editor, and its problems.
// The editor is Monaco's LabEditor (src/editor), a lazy chunk of about 1 MB: until it arrives
// the plain editor shows the program read-only; if it cannot load, the plain editor takes over.

import { Component, lazy, Suspense, useEffect, useSyncExternalStore, type ReactNode } from 'react';
import { findLessonInfo } from '../scenarios/catalog';
import { registerEditor } from './editor-bridge';
import { PlainEditor } from './PlainEditor';
import { useLab } from './StoreContext';

const LabEditor = lazy(() => import('../editor/LabEditor'));

function Problems() {
  const diagnostics = useLab((s) => s.diagnostics);
  if (diagnostics.length === 0) return null;
  return (
    <ul className="problems" data-testid="diagnostics" aria-label="Problems">
      {diagnostics.map((d, i) => (
        <li key={i} className={d.severity}>
          <span className="where">{d.line}:{d.col}</span> <span className="code">{d.code}</span> {d.message}
        </li>
      ))}
    </ul>
  );
}

function LessonIntro() {
  const lessonId = useLab((s) => s.lessonId);
  const edited = useLab((s) => s.source !== s.baseSource);
  const lesson = lessonId ? findLessonInfo(lessonId) : undefined;
  if (!lesson) return null;
  return (
    <details className="lesson-intro" open>
      <summary>
        <span className="lesson-title">{lesson.title}</span>
        {edited && <span className="edited"> · edited</span>}
      </summary>
      <p>{lesson.narrative}</p>
    </details>
  );
}

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

/** The theme in effect: the chosen one, or the system's. */
export function useResolvedTheme(): 'light' | 'dark' {
  const theme = useLab((s) => s.theme);
  const systemDark = useSyncExternalStore(
    (cb) => { const q = darkQuery(); q.addEventListener('change', cb); return () => q.removeEventListener('change', cb); },
    () => darkQuery().matches,
  );
  return theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
}

function MonacoEditor() {
  const source = useLab((s) => s.source);
  const setSource = useLab((s) => s.setSource);
  const diagnostics = useLab((s) => s.diagnostics);
  const head = useLab((s) => s.view?.step?.head ?? null);
  const breakpoints = useLab((s) => s.breakpoints);
  const toggleBreakpoint = useLab((s) => s.toggleBreakpoint);
  const builtins = useLab((s) => s.builtins);
  const loadBuiltins = useLab((s) => s.loadBuiltins);
  const presenter = useLab((s) => s.presenter);
  const theme = useResolvedTheme();
  useEffect(() => { void loadBuiltins(); }, [loadBuiltins]);
  return (
    <LabEditor
      value={source}
      onChange={setSource}
      diagnostics={diagnostics}
      currentLine={head?.line ?? null}
      head={head}
      breakpoints={breakpoints}
      onToggleBreakpoint={toggleBreakpoint}
      meta={builtins}
      theme={theme}
      fontSize={presenter ? 18 : 14}
      register={registerEditor}
    />
  );
}

/** Monaco failed to load (a chunk missing, an old browser): the plain editor, and why. */
class EditorBoundary extends Component<{ children: ReactNode; onFail(message: string): void }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(e: unknown) {
    this.props.onFail(`The editor could not load (${e instanceof Error ? e.message : String(e)}): the plain editor stands in.`);
  }
  override render() {
    return this.state.failed ? <PlainEditor /> : this.props.children;
  }
}

export function EditorPane() {
  const plain = useLab((s) => s.plainEditor);
  const setNotice = useLab((s) => s.setNotice);
  return (
    <section className="editor-pane" aria-label="Program">
      <LessonIntro />
      <div className="editor-box">
        {plain ? <PlainEditor /> : (
          <EditorBoundary onFail={setNotice}>
            <Suspense fallback={<PlainEditor readOnly />}>
              <MonacoEditor />
            </Suspense>
          </EditorBoundary>
        )}
      </div>
      <Problems />
    </section>
  );
}
