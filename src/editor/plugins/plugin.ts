// The editor's shell features (markers, the current step, breakpoints) are plugins over the
// Monaco core, each with a lifecycle: mounted once on a live editor, updated with its slice of
// LabEditor's props whenever that slice changes, unmounted (every listener and decoration gone)
// before the editor is disposed. LabEditor owns the list; a new feature is one more plugin.

import type { editor } from 'monaco-editor/editor';
import type { MonacoApi } from '../core/monaco';

export interface EditorContext {
  monaco: MonacoApi;
  editor: editor.IStandaloneCodeEditor;
  model: editor.ITextModel;
}

export interface EditorPlugin<P> {
  readonly name: string;
  mount(ctx: EditorContext): void;
  update(props: P): void;
  unmount(): void;
}

/** A plugin and how it reads its props from the component's (compared shallowly each render). */
export interface PluginSlot<Props> {
  plugin: EditorPlugin<never>;
  select(props: Props): object;
  last: object | null;
}

export function slot<Props, P extends object>(plugin: EditorPlugin<P>, select: (props: Props) => P): PluginSlot<Props> {
  return { plugin: plugin as EditorPlugin<never>, select, last: null };
}

export function shallowEqual(a: object | null, b: object): boolean {
  if (a === null) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && Object.is(x[k], y[k]));
}

/** Update each plugin whose slice of the props changed since its last update. */
export function syncPlugins<Props>(slots: readonly PluginSlot<Props>[], props: Props): void {
  for (const s of slots) {
    const next = s.select(props);
    if (shallowEqual(s.last, next)) continue;
    s.last = next;
    (s.plugin as EditorPlugin<object>).update(next);
  }
}
