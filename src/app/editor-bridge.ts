// What the shell asks of whichever editor is mounted (the plain textarea or Monaco's LabEditor):
// the caret's line for F9, and the focus for F6. The mounted editor registers itself here and
// unregisters on unmount; with no editor (embed mode, editor hidden) the answers are null/no-ops.

export interface EditorBridge {
  caretLine(): number | null;
  focus(): void;
  /** The focus is inside the editor. */
  hasFocus(): boolean;
}

let current: EditorBridge | null = null;

export function registerEditor(e: EditorBridge): () => void {
  current = e;
  return () => { if (current === e) current = null; };
}

export const editorBridge: EditorBridge = {
  caretLine: () => current?.caretLine() ?? null,
  focus: () => current?.focus(),
  hasFocus: () => current?.hasFocus() ?? false,
};
