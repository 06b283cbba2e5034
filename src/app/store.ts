// The app's one store (zustand, vanilla: no React here, so Node tests drive it with a fake
// worker). It mirrors the worker's session: the program text, its diagnostics and breakpoints,
// the SessionView at the current position, which views are open, the lesson, the display modes,
// and whether the worker is busy or failed. Actions call the worker and set the view it returns;
// nothing heavy runs on the main thread.
//
// Calls to the worker go one at a time through a queue, each under a watchdog: a call that does
// not answer within `callTimeoutMs`, or a worker that crashes, gets the worker terminated and a
// new one started, the program re-opened and the last position sought again.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BuiltinMeta, DiagnosticView, LabWorkerApi, Position, SessionView, TraceEvent } from '../worker/api';
import { findLessonInfo, loadedLesson, loadLessons, type Lesson } from '../scenarios/catalog';
import { DEFAULT_OPEN_VIEWS, isViewId, type ViewId } from './views';

/** LabWorkerApi as the app sees it through comlink: every method answers with a Promise. */
export type WorkerApi = {
  [K in keyof LabWorkerApi]: (...args: Parameters<LabWorkerApi[K]>) => Promise<ReturnType<LabWorkerApi[K]>>;
};

export interface WorkerHandle {
  api: WorkerApi;
  terminate(): void;
}

/** Start a worker; `onCrash` hears a failure outside any call (src/worker/client.ts). */
export type SpawnWorker = (onCrash: (message: string) => void) => WorkerHandle;

export type Theme = 'system' | 'light' | 'dark';
export type Overlay = 'help' | 'lessons' | 'share' | null;

/** Steps a second that Play offers (each step is one read inside a walk). */
export const SPEEDS = [1, 2, 4, 8, 15, 30] as const;

export interface LabState {
  // ---- the program
  /** The editor's text. */
  source: string;
  /** What `source` is compared with to say "edited": the lesson's own text when a lesson is
   *  named (so a link or saved work holding an edited lesson still reads as edited, and opening
   *  another lesson asks first), else the text as last loaded. */
  baseSource: string;
  /** The lesson the program came from, if any. */
  lessonId: string | null;
  diagnostics: DiagnosticView[];
  /** Breakpoint lines (1-based), sorted. */
  breakpoints: number[];
  /** The builtins registry as data, for the editor's completion and hover (null until asked). */
  builtins: BuiltinMeta[] | null;

  // ---- the session in the worker
  /** The text the worker's session was opened with (null: nothing opened yet). */
  openedSource: string | null;
  /** The worker has a session for `openedSource` (false when that text has errors). */
  sessionOk: boolean;
  /** Counts the sessions opened in the worker: a view that pages through the worker refetches
   *  when it changes (a new program, a reset, a restarted worker). */
  sessionId: number;
  /** The view at the current position; kept (stale) while the program has errors. */
  view: SessionView | null;

  // ---- views and modes
  /** The views' tabs, in order. */
  openViews: ViewId[];
  /** The view shown large (always one of openViews), and the one below it (null: none). */
  mainView: ViewId;
  secondView: ViewId | null;
  theme: Theme;
  presenter: boolean;
  embed: boolean;
  editorCollapsed: boolean;
  /** The plain textarea editor instead of Monaco (?editor=plain, or Monaco failed to load). */
  plainEditor: boolean;
  overlay: Overlay;

  // ---- playing
  playing: boolean;
  /** Steps a second. */
  speed: number;

  // ---- status
  /** A worker call is under way. */
  busy: boolean;
  /** What went wrong with the last call (a rejected call, a worker restart). */
  failure: string | null;
  /** A message for the top of the page (a link that could not be read). */
  notice: string | null;

  // ---- actions
  setSource(text: string): void;
  /** Open the editor's text in the worker now if it changed (else after a pause in typing). */
  sync(): Promise<void>;
  /** Load a program (a lesson, a link, saved work), open it and go to `position`. */
  load(p: { source: string; lessonId?: string | null; position?: Position; breakpoints?: number[] }): Promise<void>;
  loadLesson(id: string): Promise<void>;
  run(): Promise<void>;
  stepOver(): Promise<void>;
  stepInto(): Promise<void>;
  back(): Promise<void>;
  home(): Promise<void>;
  end(): Promise<void>;
  /** Re-open the program from scratch: step 0, nothing executed. */
  reset(): Promise<void>;
  /** Go to a position; while a seek waits its turn, a newer one replaces it (the scrubber). */
  seek(pos: Position): Promise<void>;
  play(): void;
  pause(): void;
  togglePlay(): void;
  setSpeed(stepsPerSecond: number): void;
  toggleBreakpoint(line: number): void;
  /** Show a view in the main slot, opening its tab if it was closed. */
  showView(id: ViewId): void;
  /** Close a view's tab (the last one stays). */
  closeView(id: ViewId): void;
  /** Show a view below the main one (null: only the main one). */
  setSecondView(id: ViewId | null): void;
  /** Set the open views (a link's), the first in the main slot. */
  setOpenViews(ids: readonly string[]): void;
  setTheme(theme: Theme): void;
  cycleTheme(): void;
  togglePresenter(): void;
  toggleEditor(): void;
  setOverlay(o: Overlay): void;
  setNotice(message: string | null): void;
  /** Ask the worker for the builtins registry once (the editor calls it when it mounts). */
  loadBuiltins(): Promise<void>;
  /** A queued, watchdogged call for a view that pages through the worker (the timeline). */
  request<T>(f: (api: WorkerApi) => Promise<T>): Promise<T>;
  /** The position's events from `start` (past the EVENT_LIMIT sent with the view). */
  events(start: number, count: number): Promise<TraceEvent[]>;
  /** Stop the worker and every timer. */
  dispose(): void;
}

export interface StoreOptions {
  spawn: SpawnWorker;
  /** A call not answered within this many ms means the worker hangs (default 10,000). */
  callTimeoutMs?: number;
  /** The pause in typing after which the editor's text is opened (default 400 ms). */
  editDebounceMs?: number;
  initial?: Partial<Pick<LabState, 'theme' | 'presenter' | 'embed' | 'openViews' | 'mainView' | 'secondView' | 'speed' | 'editorCollapsed' | 'plainEditor'>>;
}

/** The worker stopped answering or crashed: the call is lost and the worker must be replaced. */
class WorkerLost extends Error {}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const samePos = (a: Position, b: Position) => a.step === b.step && a.access === b.access;

/** The view is at the program's end: nothing further to step into. */
export function atEnd(v: SessionView | null): boolean {
  return v !== null && v.finished && v.position.step >= v.executed && v.position.access === 0;
}

export type LabStore = StoreApi<LabState>;

export function createLabStore(opts: StoreOptions): LabStore {
  const timeoutMs = opts.callTimeoutMs ?? 10_000;
  const debounceMs = opts.editDebounceMs ?? 400;

  let handle: WorkerHandle | null = null;
  /** Rejects the call in flight when the worker crashes. */
  let failInFlight: ((e: Error) => void) | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  let pending = 0;
  let editTimer: ReturnType<typeof setTimeout> | null = null;
  let playTimer: ReturnType<typeof setTimeout> | null = null;
  let nextSeek: Position | null = null;
  /** Restarts since the last call that answered: a worker that keeps dying is given up on. */
  let restarts = 0;
  let disposed = false;

  const store = createStore<LabState>()((set, get) => {
    // ---- the worker ------------------------------------------------------------------------

    function worker(): WorkerHandle {
      if (handle === null) {
        let h: WorkerHandle | null = null;
        h = opts.spawn((message) => {
          if (h === null || h !== handle) return;
          if (failInFlight) failInFlight(new WorkerLost(`the worker crashed (${message})`));
          else void enqueue(() => restart(`the worker crashed (${message})`));
        });
        handle = h;
      }
      return handle as WorkerHandle;
    }

    /** Terminate the worker; the next call starts a new one. */
    function dropWorker(): void {
      const h = handle;
      handle = null;
      h?.terminate();
    }

    /** One call, under the watchdog. */
    function raw<T>(f: (api: WorkerApi) => Promise<T>): Promise<T> {
      const h = worker();
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new WorkerLost(`the worker did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
        failInFlight = (e) => { clearTimeout(timer); reject(e); };
        f(h.api).then(
          (v) => { clearTimeout(timer); restarts = 0; resolve(v); },
          (e) => { clearTimeout(timer); restarts = 0; reject(e instanceof Error ? e : new Error(String(e))); },
        );
      }).finally(() => { failInFlight = null; });
    }

    /** Tasks run one at a time, in order; `busy` is true while any waits or runs. */
    function enqueue<T>(task: () => Promise<T>): Promise<T> {
      pending++;
      set({ busy: true });
      const p = chain.then(task, task).finally(() => {
        if (--pending === 0) set({ busy: false });
      });
      chain = p.catch(() => undefined);
      return p;
    }

    /** A call inside a task: a rejection is shown; a lost worker is replaced and the session
     *  restored; either way the answer is undefined. */
    async function call<T>(f: (api: WorkerApi) => Promise<T>): Promise<T | undefined> {
      if (disposed) return undefined;
      try {
        return await raw(f);
      } catch (e) {
        if (e instanceof WorkerLost) await restart(e.message);
        else set({ failure: errorText(e) });
        return undefined;
      }
    }

    /** Replace the worker and restore the session: re-open the program, seek the position. */
    async function restart(reason: string): Promise<void> {
      dropWorker();
      stopPlaying();
      if (disposed) return;
      const { openedSource, view } = get();
      if (++restarts > 2) {
        set({ failure: `${reason}, again: the worker was stopped. Reset or edit the program to try once more.`, sessionOk: false, openedSource: null });
        restarts = 0;
        return;
      }
      set({ failure: `${reason}: it was restarted and the session restored.` });
      if (openedSource === null) return;
      try {
        const r = await raw((api) => api.open(openedSource));
        set({ diagnostics: r.diagnostics, sessionOk: r.ok, sessionId: get().sessionId + 1 });
        if (!r.ok || r.view === null) return;
        const pos = view?.position ?? { step: 0, access: 0 };
        set({ view: pos.step > 0 || pos.access > 0 ? await raw((api) => api.seek(pos)) : r.view });
      } catch (e) {
        dropWorker();
        set({
          failure: `${reason}; restoring the session failed too (${errorText(e)}): reset or edit the program to try again.`,
          sessionOk: false, openedSource: null,
        });
      }
    }

    // ---- the program -------------------------------------------------------------------------

    /** Open `source`; keep `keep` (the position before an edit) when the program still runs. */
    async function openSource(source: string, keep: Position | null): Promise<boolean> {
      const r = await call((api) => api.open(source));
      if (r === undefined) return false;
      set({ openedSource: source, diagnostics: r.diagnostics, sessionOk: r.ok, sessionId: get().sessionId + 1 });
      if (!r.ok || r.view === null) return false;
      let v: SessionView = r.view;
      if (keep && (keep.step > 0 || keep.access > 0)) v = (await call((api) => api.seek(keep))) ?? v;
      set({ view: v });
      return true;
    }

    /** Inside a task: make the worker run the editor's text, keeping the position. */
    async function ensureOpen(): Promise<boolean> {
      const { source, openedSource, sessionOk, view } = get();
      if (source === openedSource) {
        if (!sessionOk) set({ failure: 'The program has errors: fix them (see the problems under the editor) to run it.' });
        return sessionOk;
      }
      return openSource(source, view?.position ?? null);
    }

    function clearEditTimer() {
      if (editTimer !== null) clearTimeout(editTimer);
      editTimer = null;
    }

    /** A move: open the edited text first, then call the worker, then show its view. */
    function move(f: (api: WorkerApi) => Promise<SessionView>, opts: { keepPlaying?: boolean } = {}): Promise<void> {
      if (!opts.keepPlaying) stopPlaying();
      clearEditTimer();
      return enqueue(async () => {
        set({ failure: null });
        if (!(await ensureOpen())) return;
        const v = await call(f);
        if (v !== undefined) set({ view: v });
      });
    }

    // ---- playing -------------------------------------------------------------------------------

    function stopPlaying() {
      if (playTimer !== null) clearTimeout(playTimer);
      playTimer = null;
      if (get()?.playing) set({ playing: false });
    }

    function tick() {
      playTimer = null;
      if (!get().playing) return;
      const before = get().view?.position ?? null;
      void move((api) => api.stepInto(), { keepPlaying: true }).then(() => {
        const { view, playing, speed, failure } = get();
        if (!playing) return;
        if (view === null || failure !== null || atEnd(view) || (before !== null && samePos(before, view.position))) {
          stopPlaying();
          return;
        }
        playTimer = setTimeout(tick, 1000 / speed);
      });
    }

    const initial = opts.initial ?? {};
    return {
      source: '',
      baseSource: '',
      lessonId: null,
      diagnostics: [],
      breakpoints: [],
      builtins: null,
      openedSource: null,
      sessionOk: false,
      sessionId: 0,
      view: null,
      openViews: initial.openViews ?? [...DEFAULT_OPEN_VIEWS],
      mainView: initial.mainView ?? initial.openViews?.[0] ?? DEFAULT_OPEN_VIEWS[0],
      secondView: initial.secondView ?? null,
      theme: initial.theme ?? 'system',
      presenter: initial.presenter ?? false,
      embed: initial.embed ?? false,
      editorCollapsed: initial.editorCollapsed ?? false,
      plainEditor: initial.plainEditor ?? false,
      overlay: null,
      playing: false,
      speed: initial.speed ?? 4,
      busy: false,
      failure: null,
      notice: null,

      setSource(text) {
        if (text === get().source) return;
        set({ source: text });
        clearEditTimer();
        editTimer = setTimeout(() => { editTimer = null; void get().sync(); }, debounceMs);
      },

      sync() {
        clearEditTimer();
        return enqueue(async () => {
          const { source, openedSource, view } = get();
          if (source !== openedSource) await openSource(source, view?.position ?? null);
        });
      },

      load({ source, lessonId = null, position, breakpoints = [] }) {
        stopPlaying();
        clearEditTimer();
        // A lesson's program is here once loadLessons has run (a link, saved work and the menu
        // all load it first); if not, fetch it and compare then.
        const known = lessonId !== null ? loadedLesson(lessonId) : undefined;
        const baseSource = known?.source ?? source;
        set({ source, baseSource, lessonId, breakpoints: [...breakpoints].sort((a, b) => a - b), view: null, failure: null });
        if (lessonId !== null && known === undefined && findLessonInfo(lessonId) !== undefined) {
          loadLessons().then(() => {
            const l = loadedLesson(lessonId);
            if (l !== undefined && get().lessonId === lessonId && get().baseSource === baseSource) set({ baseSource: l.source });
          }, () => undefined);
        }
        return enqueue(async () => { await openSource(source, position ?? null); });
      },

      async loadLesson(id) {
        if (findLessonInfo(id) === undefined) {
          set({ failure: `There is no lesson "${id}".` });
          return;
        }
        let lesson: Lesson | undefined = loadedLesson(id);
        if (lesson === undefined) {
          // The other lessons' programs are a chunk of their own (scenarios/catalog.ts).
          try {
            lesson = (await loadLessons()).find((l) => l.id === id);
          } catch (e) {
            set({ failure: `The lesson could not be opened: ${errorText(e)}. Reload the page to try again.` });
            return;
          }
          if (lesson === undefined) return;
        }
        set({ overlay: null });
        return get().load({ source: lesson.source, lessonId: lesson.id });
      },

      run: () => move((api) => api.run(get().breakpoints)),
      stepOver: () => move((api) => api.stepOver()),
      stepInto: () => move((api) => api.stepInto()),
      back: () => move((api) => api.back()),
      home: () => move((api) => api.seek({ step: 0, access: 0 })),
      end: () => move((api) => api.run([])),

      reset() {
        stopPlaying();
        clearEditTimer();
        return enqueue(async () => {
          set({ failure: null });
          await openSource(get().source, null);
        });
      },

      seek(pos) {
        stopPlaying();
        clearEditTimer();
        const queued = nextSeek !== null;
        nextSeek = pos;
        if (queued) return Promise.resolve();
        return enqueue(async () => {
          const target = nextSeek as Position;
          nextSeek = null;
          set({ failure: null });
          if (!(await ensureOpen())) return;
          const v = await call((api) => api.seek(target));
          if (v !== undefined) set({ view: v });
        });
      },

      play() {
        if (get().playing) return;
        set({ playing: true });
        if (!atEnd(get().view)) { tick(); return; }
        // At the end, play from the start.
        void move((api) => api.seek({ step: 0, access: 0 }), { keepPlaying: true }).then(() => {
          if (get().playing && playTimer === null) playTimer = setTimeout(tick, 1000 / get().speed);
        });
      },

      pause: stopPlaying,

      togglePlay() {
        if (get().playing) get().pause(); else get().play();
      },

      setSpeed(stepsPerSecond) {
        const s = Math.max(0.25, Math.min(60, stepsPerSecond));
        set({ speed: s });
      },

      toggleBreakpoint(line) {
        const bps = get().breakpoints;
        set({ breakpoints: bps.includes(line) ? bps.filter((b) => b !== line) : [...bps, line].sort((a, b) => a - b) });
      },

      showView(id) {
        if (!isViewId(id)) return;
        const { openViews, mainView, secondView } = get();
        set({
          openViews: openViews.includes(id) ? openViews : [...openViews, id],
          mainView: id,
          // Showing the lower view on top swaps the two.
          secondView: secondView === id ? (mainView === id ? null : mainView) : secondView,
        });
      },

      closeView(id) {
        const { openViews, mainView, secondView } = get();
        if (!openViews.includes(id) || openViews.length === 1) return;
        const rest = openViews.filter((v) => v !== id);
        set({
          openViews: rest,
          mainView: mainView === id ? (secondView !== null && secondView !== id ? secondView : rest[0]) : mainView,
          secondView: secondView === id || mainView === id ? null : secondView,
        });
      },

      setSecondView(id) {
        if (id !== null && !isViewId(id)) return;
        const { openViews, mainView } = get();
        if (id === mainView) return;
        set({ secondView: id, openViews: id === null || openViews.includes(id) ? openViews : [...openViews, id] });
      },

      setOpenViews(ids) {
        const known = [...new Set(ids.filter(isViewId))];
        if (known.length === 0) return;
        set({ openViews: known, mainView: known[0], secondView: null });
      },

      setTheme: (theme) => set({ theme }),
      cycleTheme() {
        const order: Theme[] = ['system', 'light', 'dark'];
        set({ theme: order[(order.indexOf(get().theme) + 1) % order.length] });
      },
      togglePresenter: () => set({ presenter: !get().presenter }),
      toggleEditor: () => set({ editorCollapsed: !get().editorCollapsed }),
      setOverlay: (overlay) => set({ overlay }),
      setNotice: (notice) => set({ notice }),

      request(f) {
        return enqueue(async () => {
          try {
            return await raw(f);
          } catch (e) {
            if (e instanceof WorkerLost) await restart(e.message);
            throw e;
          }
        });
      },

      loadBuiltins() {
        if (get().builtins !== null) return Promise.resolve();
        return enqueue(async () => {
          if (get().builtins !== null) return;
          const meta = await call((api) => api.builtinsMeta());
          if (meta !== undefined) set({ builtins: meta });
        });
      },

      events(start, count) {
        return get().request((api) => api.events(start, count));
      },

      dispose() {
        disposed = true;
        stopPlaying();
        clearEditTimer();
        dropWorker();
      },
    };
  });
  return store;
}
