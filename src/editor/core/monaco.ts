// The one module that loads Monaco: the editor core (`monaco-editor/editor`, no languages), the
// few editor features the lab editor uses, and Monaco's own worker, all bundled locally (never the
// package root, which pulls every language and a 6.9 MB TypeScript worker; never a CDN). Only
// LabEditor imports it, and the app loads LabEditor lazily, so none of this is in the first chunk.

import * as monaco from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
// Features: hover (with marker messages), completion, signature help, brackets, Ctrl+/ comments,
// find/replace, clipboard and the context menu, F8 to the next problem, word-wise cursor moves,
// line moves and deletes, the read-only message, and the icons these widgets show.
import 'monaco-editor/features/hover/register';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/wordOperations/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/readOnlyMessage/register';
import 'monaco-editor/features/codicon/register';

// Monaco asks for its worker (model sync, diffs) only when it needs one.
self.MonacoEnvironment = {
  ...self.MonacoEnvironment,
  getWorker: () => new EditorWorker({ name: 'monaco-editor' }),
};

export type MonacoApi = typeof monaco;
export { monaco };
