// The lab language inside Monaco: its id, brackets and comments, the Monarch grammar
// (monarch.ts), the themes (theme.ts), and completion, hover and signature help adapted from the
// pure functions of analysis.ts. Registered once per page; the registry data (BuiltinMeta, from
// the worker) arrives later through setLabMeta and feeds all of them.

import type { editor, IDisposable, languages } from 'monaco-editor/editor';
import type { BuiltinMeta } from '../../worker/api';
import { completionsAt, hoverAt, signatureAt, type CompletionKind } from './analysis';
import type { MonacoApi } from './monaco';
import { LANGUAGE_ID, labMonarch, SIGNATURE_LANGUAGE_ID } from './monarch';
import { MONACO_THEME, monacoTheme } from './theme';

let registered: MonacoApi | null = null;
let meta: readonly BuiltinMeta[] | null = null;
let tokens: IDisposable[] = [];

export const CONFIGURATION: languages.LanguageConfiguration = {
  comments: { lineComment: '#' },
  brackets: [['(', ')'], ['{', '}']],
  autoClosingPairs: [
    { open: '(', close: ')' },
    { open: '{', close: '}' },
    { open: '"', close: '"', notIn: ['string', 'comment'] },
  ],
  surroundingPairs: [{ open: '(', close: ')' }, { open: '{', close: '}' }, { open: '"', close: '"' }],
  // Names, and numbers with their _ and size suffix, are words (double-click, Ctrl+Left).
  wordPattern: /0[xXbB][0-9a-fA-F_]*|\d[\d_]*[KMGT]?|[A-Za-z_]\w*/,
  indentationRules: { increaseIndentPattern: /\{\s*(#.*)?$/, decreaseIndentPattern: /^\s*\}/ },
};

/** Register the language, its themes and providers (once; later calls do nothing). */
export function registerLabLanguage(monaco: MonacoApi): void {
  if (registered !== null) return;
  registered = monaco;
  monaco.languages.register({ id: LANGUAGE_ID, extensions: ['.lab'], aliases: ['Lab', 'lab'] });
  monaco.languages.register({ id: SIGNATURE_LANGUAGE_ID });
  monaco.languages.setLanguageConfiguration(LANGUAGE_ID, CONFIGURATION);
  setTokens(monaco);
  monaco.editor.defineTheme(MONACO_THEME.light, monacoTheme('light'));
  monaco.editor.defineTheme(MONACO_THEME.dark, monacoTheme('dark'));
  monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, completionProvider(monaco));
  monaco.languages.registerHoverProvider(LANGUAGE_ID, hoverProvider(monaco));
  monaco.languages.registerSignatureHelpProvider(LANGUAGE_ID, signatureProvider());
}

/** The registry data from the worker: completion, hover and signature help read it from now on,
 *  and the grammar learns the actors and the words arguments take. */
export function setLabMeta(monaco: MonacoApi, next: readonly BuiltinMeta[] | null): void {
  if (next === meta) return;
  meta = next;
  if (registered !== null) setTokens(monaco);
}

function setTokens(monaco: MonacoApi): void {
  for (const t of tokens) t.dispose();
  tokens = [
    monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, labMonarch(meta)),
    monaco.languages.setMonarchTokensProvider(SIGNATURE_LANGUAGE_ID, labMonarch(meta, true)),
  ];
}

function rangeOf(model: editor.ITextModel, from: number, to: number) {
  const a = model.getPositionAt(from);
  const b = model.getPositionAt(to);
  return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column };
}

function completionProvider(monaco: MonacoApi): languages.CompletionItemProvider {
  const K = monaco.languages.CompletionItemKind;
  const KINDS: Record<CompletionKind, languages.CompletionItemKind> = {
    builtin: K.Function, argument: K.Property, word: K.EnumMember, variable: K.Variable, proc: K.Method,
    keyword: K.Keyword, field: K.Field, constant: K.Constant,
  };
  return {
    triggerCharacters: ['.'],
    provideCompletionItems(model, position) {
      const offset = model.getOffsetAt(position);
      const items = completionsAt(model.getValue(), offset, meta);
      return {
        suggestions: items.map((c) => ({
          label: c.label,
          kind: KINDS[c.kind],
          insertText: c.insertText,
          insertTextRules: c.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
          range: rangeOf(model, c.from, offset),
          filterText: c.label.replace(/:$/, ''),
          detail: c.detail,
          documentation: c.documentation ? { value: c.documentation } : undefined,
          sortText: c.sortText,
          command: c.triggerSignature ? { id: 'editor.action.triggerParameterHints', title: 'Signature help' } : undefined,
        })),
      };
    },
  };
}

function hoverProvider(monaco: MonacoApi): languages.HoverProvider {
  return {
    provideHover(model, position) {
      const h = hoverAt(model.getValue(), model.getOffsetAt(position), meta);
      if (h === null) return null;
      const r = rangeOf(model, h.from, h.to);
      return {
        range: new monaco.Range(r.startLineNumber, r.startColumn, r.endLineNumber, r.endColumn),
        contents: h.contents.map((value) => ({ value })),
      };
    },
  };
}

function signatureProvider(): languages.SignatureHelpProvider {
  return {
    signatureHelpTriggerCharacters: ['(', ','],
    signatureHelpRetriggerCharacters: [':'],
    provideSignatureHelp(model, position) {
      const s = signatureAt(model.getValue(), model.getOffsetAt(position), meta);
      if (s === null) return null;
      return {
        value: {
          signatures: [{
            label: s.label,
            documentation: { value: s.documentation },
            parameters: s.parameters.map((p) => ({ label: p.label, documentation: { value: p.documentation } })),
          }],
          activeSignature: 0,
          // Monaco highlights nothing for an index past the last parameter.
          activeParameter: s.activeParameter < 0 ? s.parameters.length : s.activeParameter,
        },
        dispose() {},
      };
    },
  };
}
