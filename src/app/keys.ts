// Every keyboard shortcut in one table, read by the one key handler (useKeys in Shell.tsx) and by
// the help overlay, as Excalidraw's actions feed both its shortcuts and its menus. An action
// names its keys, says whether they work while the editor has the focus (function keys do;
// arrows, letters and Space belong to the editor there), and performs on the store.

import type { LabState } from './store';
import { APP_VIEW_IDS, viewSpec } from './views';

/** What an action may need beyond the store: things the shell owns. */
export interface KeyContext {
  /** The line of the editor's caret (for F9), or null. */
  editorLine(): number | null;
  focusEditor(): void;
  focusViews(): void;
  /** The focus is in the editor. */
  inEditor(): boolean;
}

export type ActionGroup = 'Stepping' | 'Program' | 'Views' | 'Display';

export interface KeyAction {
  id: string;
  group: ActionGroup;
  /** What it does, for the help overlay and tooltips. */
  label: string;
  /** Key combinations as keyOf() writes them: 'F10', 'Shift+F10', 'ArrowRight', '?', 'Ctrl+Enter'. */
  keys: readonly string[];
  /** The keys also work while the editor has the focus (else the editor gets them). */
  inEditor?: boolean;
  /** Whether it applies now (default: always); a key whose action does not apply is left alone. */
  applies?(s: LabState): boolean;
  perform(s: LabState, ctx: KeyContext): void;
}

const viewActions: KeyAction[] = APP_VIEW_IDS.map((id, i) => ({
  id: `view-${id}`,
  group: 'Views',
  label: `Show ${viewSpec(id).title}`,
  keys: [String(i + 1)],
  perform: (s) => s.showView(id),
}));

export const KEY_ACTIONS: readonly KeyAction[] = [
  { id: 'run', group: 'Stepping', label: 'Run to the end or the next breakpoint', keys: ['F5', 'Ctrl+Enter'], inEditor: true, perform: (s) => void s.run() },
  { id: 'step-over', group: 'Stepping', label: 'Step over: the next statement (a whole walk at once)', keys: ['F10'], inEditor: true, perform: (s) => void s.stepOver() },
  { id: 'step-into', group: 'Stepping', label: 'Step into: one SMMU read at a time inside a walk', keys: ['F11', 'ArrowRight'], inEditor: true, perform: (s) => void s.stepInto() },
  { id: 'back', group: 'Stepping', label: 'Back: one read, or one statement, back', keys: ['Shift+F10', 'ArrowLeft'], inEditor: true, perform: (s) => void s.back() },
  { id: 'home', group: 'Stepping', label: 'First step (the machine as booted)', keys: ['Home'], perform: (s) => void s.home() },
  { id: 'end', group: 'Stepping', label: 'Last step (runs to the end)', keys: ['End'], perform: (s) => void s.end() },
  { id: 'play', group: 'Stepping', label: 'Play or pause (steps into walks, read by read)', keys: ['Space'], perform: (s) => s.togglePlay() },
  { id: 'faster', group: 'Stepping', label: 'Play faster', keys: ['+', '='], perform: (s) => s.setSpeed(nextSpeed(s.speed, 1)) },
  { id: 'slower', group: 'Stepping', label: 'Play slower', keys: ['-'], perform: (s) => s.setSpeed(nextSpeed(s.speed, -1)) },
  { id: 'reset', group: 'Program', label: 'Reset: open the program afresh at step 0', keys: ['Shift+F5'], inEditor: true, perform: (s) => void s.reset() },
  {
    id: 'breakpoint', group: 'Program', label: 'Toggle a breakpoint on the caret\'s line', keys: ['F9'], inEditor: true,
    perform: (s, ctx) => { const line = ctx.editorLine(); if (line !== null) s.toggleBreakpoint(line); },
  },
  {
    id: 'focus', group: 'Program', label: 'Move the focus between the editor and the views', keys: ['F6'], inEditor: true,
    perform: (_s, ctx) => (ctx.inEditor() ? ctx.focusViews() : ctx.focusEditor()),
  },
  { id: 'lessons', group: 'Program', label: 'Lessons', keys: ['l'], perform: (s) => s.setOverlay(s.overlay === 'lessons' ? null : 'lessons') },
  { id: 'share', group: 'Program', label: 'Share a link to this program and step', keys: ['s'], perform: (s) => s.setOverlay(s.overlay === 'share' ? null : 'share') },
  ...viewActions,
  { id: 'editor', group: 'Display', label: 'Hide or show the editor', keys: ['e'], perform: (s) => s.toggleEditor() },
  { id: 'presenter', group: 'Display', label: 'Presenter mode (projector sizes, high contrast)', keys: ['p'], perform: (s) => s.togglePresenter() },
  { id: 'theme', group: 'Display', label: 'Theme: system, light, dark', keys: ['t'], perform: (s) => s.cycleTheme() },
  { id: 'help', group: 'Display', label: 'This list of keys', keys: ['?'], perform: (s) => s.setOverlay(s.overlay === 'help' ? null : 'help') },
  {
    id: 'close', group: 'Display', label: 'Close the open panel', keys: ['Escape'], inEditor: true,
    applies: (s) => s.overlay !== null, perform: (s) => s.setOverlay(null),
  },
];

const SPEED_STEPS = [0.5, 1, 2, 4, 8, 15, 30, 60];

/** The next speed up (+1) or down (-1) from `speed`. */
export function nextSpeed(speed: number, dir: 1 | -1): number {
  if (dir > 0) return SPEED_STEPS.find((s) => s > speed) ?? SPEED_STEPS[SPEED_STEPS.length - 1];
  return [...SPEED_STEPS].reverse().find((s) => s < speed) ?? SPEED_STEPS[0];
}

/** The fields of a KeyboardEvent keyOf reads. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** 'Shift+F10', 'Ctrl+Enter', 'ArrowRight', '?', 'Space': modifiers then the key; a printable
 *  character already says whether Shift was held ('?'), so Shift is left out for it. Cmd on a
 *  Mac counts as Ctrl. */
export function keyOf(e: KeyLike): string {
  const printable = e.key.length === 1 && e.key !== ' ';
  const key = e.key === ' ' ? 'Space' : printable ? e.key.toLowerCase() : e.key;
  const mods: string[] = [];
  if (e.ctrlKey || e.metaKey) mods.push('Ctrl');
  if (e.altKey) mods.push('Alt');
  if (e.shiftKey && !printable) mods.push('Shift');
  return [...mods, key].join('+');
}

/** The action a key combination performs, given where the focus is. */
export function actionFor(combo: string, where: { inEditor: boolean; onControl: boolean }, s: LabState): KeyAction | null {
  for (const a of KEY_ACTIONS) {
    if (!a.keys.includes(combo)) continue;
    // Arrows are the editor's; printable keys and Space are the focused control's or the editor's.
    if (where.inEditor && (!a.inEditor || combo.startsWith('Arrow'))) continue;
    if (where.onControl && (combo === 'Space' || combo.startsWith('Arrow') || combo === 'Home' || combo === 'End')) continue;
    if (a.applies && !a.applies(s)) continue;
    return a;
  }
  return null;
}

/** How a key combination reads in the help overlay: 'Shift+F10' -> 'Shift + F10', 'ArrowRight' -> '→'. */
export function keyLabel(combo: string): string {
  const names: Record<string, string> = { ArrowRight: '→', ArrowLeft: '←', Escape: 'Esc' };
  if (combo.length === 1) return combo;
  return combo.split('+').map((k) => names[k] ?? k).join(' + ');
}
