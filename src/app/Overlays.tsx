// The panels over the app: the keys (help, from the key table), the lessons menu, and the share
// panel. One at a time (store.overlay); Escape or the close button closes it.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { LESSON_INFO, loadLessons, type LessonInfo } from '../scenarios/catalog';
import { KEY_ACTIONS, keyLabel, type ActionGroup } from './keys';
import { useLab, useLabStore } from './StoreContext';
import { shareLinks } from './share';

function Dialog({ title, children, wide = false }: { title: string; children: ReactNode; wide?: boolean }) {
  const setOverlay = useLab((s) => s.setOverlay);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus() ?? ref.current?.focus();
    return () => prev?.focus?.();
  }, []);
  return (
    <div className="overlay" onMouseDown={(e) => { if (e.target === e.currentTarget) setOverlay(null); }}>
      <div className={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} ref={ref} tabIndex={-1}>
        <header>
          <h2>{title}</h2>
          <button type="button" className="close" onClick={() => setOverlay(null)} aria-label="Close" title="Close (Esc)">×</button>
        </header>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

const GROUPS: ActionGroup[] = ['Stepping', 'Program', 'Views', 'Display'];

export function HelpOverlay() {
  return (
    <Dialog title="Keys" wide>
      <div className="keys-grid">
        {GROUPS.map((g) => (
          <section key={g}>
            <h3>{g}</h3>
            <dl>
              {KEY_ACTIONS.filter((a) => a.group === g).map((a) => (
                <div key={a.id}>
                  <dt>{a.keys.map((k) => <kbd key={k}>{keyLabel(k)}</kbd>)}</dt>
                  <dd>{a.label}{a.inEditor ? '' : ' *'}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="muted">* Not while typing in the editor (there the editor gets arrows, letters and Home/End): press F6 or Esc to leave it.
        The scrubber marks steps with a fault (red), a runtime error (red, tall), a failed expect (orange) and a TLB miss (grey, short).</p>
    </Dialog>
  );
}

export function LessonsMenu() {
  const lessonId = useLab((s) => s.lessonId);
  const edited = useLab((s) => s.source !== s.baseSource && s.source.trim() !== '');
  const loadLesson = useLab((s) => s.loadLesson);
  const [confirming, setConfirming] = useState<LessonInfo | null>(null);
  // The programs are a chunk of their own: fetch it while the student reads the menu (loadLesson
  // waits for it and says so if it fails).
  useEffect(() => { loadLessons().catch(() => undefined); }, []);
  const choose = (l: LessonInfo) => {
    if (edited) setConfirming(l);
    else void loadLesson(l.id);
  };
  return (
    <Dialog title="Lessons" wide>
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label="Discard your edits?">
          <p>You have edited the program. Open <b>{confirming.title}</b> and discard your edits?</p>
          <div className="buttons">
            <button type="button" className="danger" data-autofocus onClick={() => void loadLesson(confirming.id)}>Discard my edits and open it</button>
            <button type="button" onClick={() => setConfirming(null)}>Keep my edits</button>
          </div>
        </div>
      ) : (
        <ol className="lessons">
          {LESSON_INFO.map((l, i) => (
            <li key={l.id} className={l.id === lessonId ? 'current' : undefined}>
              <button type="button" onClick={() => choose(l)} data-autofocus={i === 0 ? true : undefined} data-lesson={l.id}>
                <span className="title">{l.title}</span>
                {l.exercise && <span className="tag">exercise</span>}
                {l.id === lessonId && <span className="tag">open</span>}
              </button>
              <p>{l.narrative}</p>
            </li>
          ))}
        </ol>
      )}
    </Dialog>
  );
}

export function SharePanel() {
  const store = useLabStore();
  const [links, setLinks] = useState<{ app: string; embed: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    shareLinks(store.getState(), window.location.href).then(
      (l) => { if (live) setLinks(l); },
      (e: unknown) => { if (live) setError(e instanceof Error ? e.message : String(e)); },
    );
    return () => { live = false; };
  }, [store]);
  const copy = async (what: string, url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(what);
    } catch {
      setCopied(null);
      setError('The browser did not let the page copy: select the link and copy it yourself.');
    }
  };
  return (
    <Dialog title="Share">
      {error && <p className="bad" role="alert">{error}</p>}
      {!links && !error && <p className="muted">Making the link…</p>}
      {links && (
        <>
          <p>This link opens the program at this step, with these views:</p>
          <div className="link-row">
            <input readOnly value={links.app} aria-label="Link" data-testid="share-url" data-autofocus onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy('link', links.app)}>Copy</button>
          </div>
          <p>For a slide or a page: only the views and a step control.</p>
          <div className="link-row">
            <input readOnly value={links.embed} aria-label="Embed link" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy('embed link', links.embed)}>Copy</button>
          </div>
          <p className="muted" aria-live="polite">{copied ? `The ${copied} is copied.` : `${links.app.length.toLocaleString('en-US')} characters.`}</p>
        </>
      )}
    </Dialog>
  );
}

export function Overlays() {
  const overlay = useLab((s) => s.overlay);
  if (overlay === 'help') return <HelpOverlay />;
  if (overlay === 'lessons') return <LessonsMenu />;
  if (overlay === 'share') return <SharePanel />;
  return null;
}
