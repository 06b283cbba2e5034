// What the editor knows about a lab program at a cursor, as pure functions of (text, offset,
// registry data): completions, hover and signature help. No Monaco here (language.ts adapts the
// answers to it), so Node tests call them directly. The text is read with the language's own
// lexer (src/lang/lexer.ts), which knows strings, comments and numbers exactly; the registry comes
// as BuiltinMeta (the worker's builtinsMeta), never the registry module itself.

import { lex, type LexResult, type Token } from '../../lang/lexer';
import type { BuiltinArgMeta, BuiltinMeta } from '../../worker/api';
import { LANGUAGE_ID, SIGNATURE_LANGUAGE_ID } from './monarch';

export type CompletionKind = 'builtin' | 'argument' | 'word' | 'variable' | 'proc' | 'keyword' | 'field' | 'constant';

export interface Completion {
  label: string;
  kind: CompletionKind;
  /** Text to insert in place of [from, cursor). */
  insertText: string;
  /** `insertText` is a snippet (`$0` marks where the cursor goes). */
  snippet: boolean;
  /** Offset where the text the item replaces starts; the cursor is its end. */
  from: number;
  /** One line beside the label: a signature, a type. */
  detail: string;
  /** Markdown. */
  documentation: string;
  /** Lower sorts first. */
  sortText: string;
  /** Open signature help once inserted (a builtin's `(`). */
  triggerSignature: boolean;
}

export interface HoverInfo {
  /** The range the hover is about. */
  from: number;
  to: number;
  /** Markdown blocks. */
  contents: string[];
}

export interface SignatureInfo {
  /** `host.s2.map(ipa, pa, size, perm: rw, pgsize?, vm?)` */
  label: string;
  /** Markdown. */
  documentation: string;
  /** Each parameter's [start, end) in `label`, and its doc (markdown). */
  parameters: { label: [number, number]; documentation: string }[];
  /** The parameter the cursor is in, or -1 (a name the builtin does not have). */
  activeParameter: number;
}

// ---- reading the text ---------------------------------------------------------------------

const STATEMENT_KEYWORDS = ['let', 'if', 'else', 'for', 'expect', 'proc', 'return'];
const EXPRESSION_KEYWORDS = ['and', 'or', 'not', 'true', 'false', 'in'];

/** The registry data, indexed. */
interface Registry {
  byName: Map<string, BuiltinMeta>;
  actors: Set<string>;
  list: readonly BuiltinMeta[];
}

const registries = new WeakMap<readonly BuiltinMeta[], Registry>();

function registry(meta: readonly BuiltinMeta[] | null): Registry {
  const list = meta ?? [];
  let r = registries.get(list);
  if (r === undefined) {
    r = { byName: new Map(list.map((b) => [b.name, b])), actors: new Set(list.map((b) => b.actor)), list };
    registries.set(list, r);
  }
  return r;
}

// Completion, hover and signature help ask about the same text in turn: lex it once.
let lastText: string | null = null;
let lastLex: LexResult | null = null;
function lexed(text: string): LexResult {
  if (text !== lastText || lastLex === null) {
    lastLex = lex(text);
    lastText = text;
  }
  return lastLex;
}

/** Tokens without the end-of-file one. */
function tokensOf(text: string): Token[] {
  return lexed(text).tokens.filter((t) => t.kind !== 'eof');
}

function stringClosed(t: Token): boolean {
  const q = t.text[0];
  for (let i = 1; i < t.text.length; i++) {
    if (t.text[i] === '\\') i++;
    else if (t.text[i] === q) return i === t.text.length - 1;
  }
  return false;
}

/** The cursor is inside a comment or a string (after its opening quote, before its closing one). */
function inCommentOrString(text: string, offset: number): 'comment' | 'string' | null {
  const lx = lexed(text);
  if (lx.comments.some((c) => c.span.start < offset && offset <= c.span.end)) return 'comment';
  for (const t of lx.tokens) {
    if (t.kind !== 'string' || t.span.start >= offset) continue;
    if (offset < t.span.end || (offset === t.span.end && !stringClosed(t))) return 'string';
  }
  return null;
}

const isName = (t: Token | undefined): t is Token => t !== undefined && t.kind === 'ident';

/** Index of the first token that does not end at or before `offset`. */
function countBefore(tokens: Token[], offset: number): number {
  let i = 0;
  while (i < tokens.length && tokens[i].span.end <= offset) i++;
  return i;
}

interface Call {
  /** Index of the call's `(`. */
  open: number;
  /** Its dotted callee (`guest.s1.map`, `f`), or null for a parenthesised expression. */
  callee: string | null;
}

/** The innermost call whose `(` is open before token `end` (exclusive), within the statement. */
function enclosingCall(tokens: Token[], end: number): Call | null {
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const k = tokens[i].kind;
    if (k === ')') depth++;
    else if (k === '(') {
      if (depth === 0) return { open: i, callee: chainEndingAt(tokens, i - 1) };
      depth--;
    } else if (k === '{' || k === '}') return null;
  }
  return null;
}

/** The dotted name `a.b.c` whose last part is token `i`, written without spaces. */
function chainEndingAt(tokens: Token[], i: number): string | null {
  if (!isName(tokens[i])) return null;
  let start = i;
  while (start >= 2 && tokens[start - 1].kind === '.' && isName(tokens[start - 2])
    && tokens[start - 2].span.end === tokens[start - 1].span.start && tokens[start - 1].span.end === tokens[start].span.start) start -= 2;
  return tokens.slice(start, i + 1).map((t) => t.text).join('');
}

/** The token indices of the dotted name around name token `i`: [first, last]. */
function chainAround(tokens: Token[], i: number): [number, number] {
  let a = i, b = i;
  const joined = (x: number, y: number) => tokens[x].span.end === tokens[y].span.start;
  while (a >= 2 && tokens[a - 1].kind === '.' && isName(tokens[a - 2]) && joined(a - 2, a - 1) && joined(a - 1, a)) a -= 2;
  while (b + 2 < tokens.length && tokens[b + 1].kind === '.' && isName(tokens[b + 2]) && joined(b, b + 1) && joined(b + 1, b + 2)) b += 2;
  return [a, b];
}

interface ArgState {
  /** Names given before the current argument, and how many came by position. */
  named: string[];
  positional: number;
  /** The current argument's tokens before the cursor. */
  current: Token[];
  /** The current argument is `name: ...` (and the cursor is after the ':'). */
  currentName: string | null;
}

/** The arguments of the call opening at `call.open`, up to token `end` (exclusive). */
function argState(tokens: Token[], call: Call, end: number): ArgState {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = call.open + 1; i < end; i++) {
    const t = tokens[i];
    if (t.kind === '(') depth++;
    else if (t.kind === ')') depth--;
    if (t.kind === ',' && depth === 0) args.push([]);
    else args[args.length - 1].push(t);
  }
  const current = args.pop() ?? [];
  const nameOf = (a: Token[]) => (isName(a[0]) && a[1]?.kind === ':' ? a[0].text : null);
  const named: string[] = [];
  let positional = 0;
  for (const a of args) {
    const n = nameOf(a);
    if (n !== null) named.push(n);
    else positional++;
  }
  return { named, positional, current, currentName: nameOf(current) };
}

/** The parameter a positional or named argument fills, or null. */
function paramFor(b: BuiltinMeta, s: ArgState): BuiltinArgMeta | null {
  if (s.currentName !== null) return b.args.find((a) => a.name === s.currentName) ?? null;
  return activeIndex(b, s) >= 0 ? b.args[activeIndex(b, s)] : null;
}

/** The parameter the current argument is for: by name; by position while no name has been
 *  given; else the first parameter given neither way. -1 when there is none. */
function activeIndex(b: BuiltinMeta, s: ArgState): number {
  if (s.currentName !== null) return b.args.findIndex((a) => a.name === s.currentName);
  if (s.named.length === 0) return s.positional < b.args.length ? s.positional : -1;
  return b.args.findIndex((a, i) => i >= s.positional && !s.named.includes(a.name));
}

// ---- names in the program -----------------------------------------------------------------

interface Variable {
  name: string;
  /** The builtin whose result the last `let`/assignment before the cursor gave it. */
  from: BuiltinMeta | null;
}

interface Names {
  variables: Map<string, Variable>;
  procs: Map<string, string[]>;
}

/** Variables visible (roughly) at `offset`: every `let` and loop variable before it, and the
 *  parameters of a proc whose body holds it; every proc, wherever declared. */
function namesAt(text: string, tokens: Token[], offset: number, reg: Registry, exclude: Token | null): Names {
  const variables = new Map<string, Variable>();
  const procs = new Map<string, string[]>();
  const add = (t: Token) => {
    if (t !== exclude && !variables.has(t.text)) variables.set(t.text, { name: t.text, from: null });
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'proc' && isName(tokens[i + 1])) {
      const params: string[] = [];
      let j = i + 2;
      if (tokens[j]?.kind === '(') {
        for (j++; j < tokens.length && tokens[j].kind !== ')' && tokens[j].kind !== '{'; j++) if (isName(tokens[j])) params.push(tokens[j].text);
      }
      procs.set(tokens[i + 1].text, params);
      const body = blockRange(tokens, j);
      if (body !== null && body[0] < offset && offset <= body[1]) {
        for (let k = i + 2; k < j; k++) if (isName(tokens[k])) add(tokens[k]);
      }
    }
    if (t.span.start >= offset) continue;
    if ((t.kind === 'let' || t.kind === 'for') && isName(tokens[i + 1]) && visibleAt(text, tokens, i, offset)) add(tokens[i + 1]);
    // `let v = guest.s1.new(...)` or `v = ...`: what v holds now.
    const target = t.kind === 'let' ? tokens[i + 1] : isName(t) && tokens[i - 1]?.kind !== '.' ? t : undefined;
    const eq = t.kind === 'let' ? i + 2 : i + 1;
    if (isName(target) && tokens[eq]?.kind === '=' && variables.has(target.text)) {
      variables.set(target.text, { name: target.text, from: assigned(tokens, eq, reg) });
    }
  }
  return { variables, procs };
}

/** The builtin whose result the `=` at token `eq` assigns (`= dev.dma(...)`), or null. */
function assigned(tokens: Token[], eq: number, reg: Registry): BuiltinMeta | null {
  if (!isName(tokens[eq + 1])) return null;
  const [, last] = chainAround(tokens, eq + 1);
  const callee = tokens[last + 1]?.kind === '(' ? chainEndingAt(tokens, last) : null;
  return callee === null ? null : reg.byName.get(callee) ?? null;
}

/** A `let`'s variable is visible once its statement has ended (a line break or `;` outside
 *  parentheses); a loop variable from its body's `{`. */
function visibleAt(text: string, tokens: Token[], decl: number, offset: number): boolean {
  const loop = tokens[decl].kind === 'for';
  let depth = 0;
  let i = decl + 2;
  for (; i < tokens.length && tokens[i].span.start < offset; i++) {
    const t = tokens[i];
    if (depth === 0 && (loop ? t.kind === '{' : t.nl || t.kind === ';' || t.kind === '}')) return true;
    if (t.kind === '(') depth++;
    else if (t.kind === ')') depth = Math.max(0, depth - 1);
  }
  const lastEnd = tokens[i - 1]?.span.end ?? offset;
  return !loop && depth === 0 && /[\r\n]/.test(text.slice(lastEnd, offset));
}

/** The token range [open, close] of the block starting at or after `i` (its braces' offsets). */
function blockRange(tokens: Token[], i: number): [number, number] | null {
  let j = i;
  while (j < tokens.length && tokens[j].kind !== '{') j++;
  if (j >= tokens.length) return null;
  let depth = 0;
  for (let k = j; k < tokens.length; k++) {
    if (tokens[k].kind === '{') depth++;
    else if (tokens[k].kind === '}' && --depth === 0) return [tokens[j].span.start, tokens[k].span.start];
  }
  return [tokens[j].span.start, Number.MAX_SAFE_INTEGER];
}

// ---- words for people -----------------------------------------------------------------------

/** A type text without the Markdown backticks, for one-line details. */
const plain = (s: string) => s.replace(/`/g, '');

function argLine(a: BuiltinArgMeta): string {
  const dflt = a.required ? 'required' : a.default !== null ? `default \`${a.default}\`` : 'optional';
  return `\`${a.name}\` — ${a.type} (${dflt}): ${a.doc}`;
}

function returnsLine(b: BuiltinMeta): string {
  const r = b.returns;
  if (r.type === 'nothing') return 'Returns nothing.';
  return `Returns ${r.text}${r.doc ? `: ${r.doc}` : ''}.`;
}

const code = (s: string, lang = LANGUAGE_ID) => '```' + lang + '\n' + s + '\n```';

/** Everything about a builtin: signature, doc, arguments, result, fields, example. */
export function builtinMarkdown(b: BuiltinMeta): string[] {
  const out = [code(b.signature, SIGNATURE_LANGUAGE_ID), b.doc];
  if (b.args.length > 0) out.push(b.args.map((a) => `- ${argLine(a)}`).join('\n'));
  let ret = returnsLine(b);
  if (b.returns.fields.length > 0) ret += ` Fields: ${b.returns.fields.map((f) => `\`${f.name}\``).join(', ')}.`;
  out.push(ret, `Example:\n\n${code(b.example)}`);
  return out;
}

function argMarkdown(b: BuiltinMeta, a: BuiltinArgMeta): string {
  return `${argLine(a)}\n\n(an argument of \`${b.name}\`)`;
}

function variableDetail(v: Variable): string {
  return v.from === null ? 'variable' : `${v.from.returns.text} (${v.from.name})`;
}

// ---- completion -----------------------------------------------------------------------------

/** What to offer at `offset`: builtins after `actor.`, fields after `result.`, named arguments
 *  and the words an argument takes inside a builtin's parentheses, variables, procs, keywords. */
export function completionsAt(text: string, offset: number, meta: readonly BuiltinMeta[] | null): Completion[] {
  if (inCommentOrString(text, offset) !== null) return [];
  const reg = registry(meta);
  const lineStart = Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
  const before = text.slice(lineStart, offset);
  const m = /(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.?$/.exec(before);
  if (m === null && /[\w.]$/.test(before)) return []; // inside a number, or after `).`
  const chain = m?.[0] ?? '';
  const parts = chain.split('.');
  const word = parts.pop() ?? '';
  const from = offset - word.length;
  const tokens = tokensOf(text);
  const n = countBefore(tokens, from);
  const typing = tokens[n] !== undefined && tokens[n].span.start === from && word !== '' ? tokens[n] : null;
  const names = namesAt(text, tokens, offset, reg, typing);

  if (parts.length > 0) {
    const head = parts[0];
    if (reg.actors.has(head)) return builtinItems(reg, offset - chain.length, `${parts.join('.')}.`, text, offset);
    const v = names.variables.get(head);
    if (v?.from) return fieldItems(v.from, parts.slice(1), from);
    return [];
  }

  // Naming something new: `let x`, `for i`, `proc f`, a proc's parameters.
  const prev = tokens[n - 1];
  if (prev !== undefined && (prev.kind === 'let' || prev.kind === 'for' || prev.kind === 'proc')) return [];
  const call = enclosingCall(tokens, n);
  if (call !== null && tokens[call.open - 2]?.kind === 'proc') return [];

  const items: Completion[] = [];
  const b = call?.callee ? reg.byName.get(call.callee) : undefined;
  if (call !== null && b !== undefined) {
    const s = argState(tokens, call, n);
    const param = paramFor(b, s);
    // At an argument's start: names to give, and values for the parameter by position; right
    // after `name:`, values for that one; inside an expression, variables.
    const atStart = s.currentName === null && s.current.length === 0;
    const atValue = atStart || (s.currentName !== null && s.current.length === 2);
    if (atStart) items.push(...namedArgItems(b, s, from));
    items.push(...(atValue && param !== null ? valueItems(b, param, names, from) : variableItems(names, from, null)));
    return items;
  }

  const stmtStart = call === null && (prev === undefined || prev.kind === ';' || prev.kind === '{' || prev.kind === '}'
    || /[\r\n]/.test(text.slice(prev.span.end, from)));
  items.push(...builtinItems(reg, from, '', text, offset));
  items.push(...variableItems(names, from, null));
  for (const [name, params] of names.procs) {
    items.push({
      label: name, kind: 'proc', insertText: `${name}($0)`, snippet: true, from, detail: `proc ${name}(${params.join(', ')})`,
      documentation: '', sortText: `2${name}`, triggerSignature: false,
    });
  }
  for (const k of stmtStart ? STATEMENT_KEYWORDS : EXPRESSION_KEYWORDS) {
    items.push({ label: k, kind: 'keyword', insertText: k, snippet: false, from, detail: 'keyword', documentation: '', sortText: `3${k}`, triggerSignature: false });
  }
  return items;
}

function builtinItems(reg: Registry, from: number, prefix: string, text: string, offset: number): Completion[] {
  const wordEnd = /^\w*/.exec(text.slice(offset))?.[0].length ?? 0;
  const hasParen = text[offset + wordEnd] === '(';
  return reg.list.filter((b) => b.name.startsWith(prefix)).map((b) => {
    const insertText = hasParen ? b.name : b.args.length === 0 ? `${b.name}()` : `${b.name}($0)`;
    return {
      label: b.name, kind: 'builtin', insertText, snippet: !hasParen && b.args.length > 0, from,
      detail: b.signature, documentation: [b.doc, returnsLine(b), `Example:\n\n${code(b.example)}`].join('\n\n'),
      sortText: `1${b.name}`, triggerSignature: !hasParen && b.args.length > 0,
    };
  });
}

/** The next part of a result's field names after `path` (`r.walk.` offers reads, walk_reads...). */
function fieldItems(b: BuiltinMeta, path: string[], from: number): Completion[] {
  const prefix = path.length > 0 ? `${path.join('.')}.` : '';
  const seen = new Set<string>();
  const items: Completion[] = [];
  for (const f of b.returns.fields) {
    if (!f.name.startsWith(prefix)) continue;
    const next = f.name.slice(prefix.length).split('.')[0];
    if (seen.has(next)) continue;
    seen.add(next);
    const full = `${prefix}${next}`;
    const doc = b.returns.fields.find((g) => g.name === full)?.doc ?? 'a record';
    items.push({
      label: next, kind: 'field', insertText: next, snippet: false, from, detail: `${b.returns.text}: ${full}`,
      documentation: doc, sortText: `0${String(items.length).padStart(3, '0')}`, triggerSignature: false,
    });
  }
  return items;
}

function namedArgItems(b: BuiltinMeta, s: ArgState, from: number): Completion[] {
  return b.args.flatMap((a, i) => {
    if (s.named.includes(a.name) || i < s.positional) return [];
    return [{
      label: `${a.name}:`, kind: 'argument' as const, insertText: `${a.name}: `, snippet: false, from, detail: plain(a.type),
      documentation: argMarkdown(b, a), sortText: `0${a.required ? 0 : 1}${String(i).padStart(2, '0')}`, triggerSignature: false,
    }];
  });
}

function valueItems(b: BuiltinMeta, a: BuiltinArgMeta, names: Names, from: number): Completion[] {
  const items: Completion[] = [];
  const doc = argMarkdown(b, a);
  for (const w of a.words) {
    items.push({
      label: w, kind: 'word', insertText: w, snippet: false, from, detail: `${a.name}${w === a.default ? ' (default)' : ''}`,
      documentation: doc, sortText: `00${String(items.length).padStart(3, '0')}`, triggerSignature: false,
    });
  }
  if (a.kind === 'bool') {
    for (const c of ['true', 'false']) {
      items.push({ label: c, kind: 'constant', insertText: c, snippet: false, from, detail: `${a.name}${c === a.default ? ' (default)' : ''}`, documentation: doc, sortText: `00${c}`, triggerSignature: false });
    }
  }
  items.push(...variableItems(names, from, a.handle));
  return items;
}

/** Variables; those holding the handle an argument wants first. */
function variableItems(names: Names, from: number, handle: string | null): Completion[] {
  return [...names.variables.values()].map((v) => ({
    label: v.name, kind: 'variable', insertText: v.name, snippet: false, from, detail: variableDetail(v),
    documentation: '', sortText: `${handle !== null && v.from?.returns.type === handle ? '01' : '1'}${v.name}`, triggerSignature: false,
  }));
}

// ---- hover ----------------------------------------------------------------------------------

/** What the name under `offset` is: a builtin, an argument name, a word an argument takes, a
 *  result's field, a variable holding a result. */
export function hoverAt(text: string, offset: number, meta: readonly BuiltinMeta[] | null): HoverInfo | null {
  if (inCommentOrString(text, offset) !== null) return null;
  const reg = registry(meta);
  const tokens = tokensOf(text);
  let i = tokens.findIndex((t) => t.span.start <= offset && offset < t.span.end);
  if (i < 0 || !isName(tokens[i])) i = tokens.findIndex((t) => t.span.end === offset && isName(t));
  if (i < 0 || !isName(tokens[i])) return null;
  const t = tokens[i];
  const [first, last] = chainAround(tokens, i);
  const parts = tokens.slice(first, last + 1).filter(isName).map((x) => x.text);
  const range = (a: Token, b: Token) => ({ from: a.span.start, to: b.span.end });

  if (parts.length > 1 && reg.actors.has(parts[0])) {
    const b = reg.byName.get(parts.join('.'));
    return b ? { ...range(tokens[first], tokens[last]), contents: builtinMarkdown(b) } : null;
  }
  const names = namesAt(text, tokens, t.span.start, reg, null);
  if (parts.length > 1 && i > first) {
    const v = names.variables.get(parts[0]);
    if (!v?.from) return null;
    const k = (i - first) / 2;
    const path = parts.slice(1, k + 1).join('.');
    const doc = v.from.returns.fields.find((f) => f.name === path)?.doc;
    if (doc === undefined) return null;
    return { ...range(t, t), contents: [`\`${parts[0]}.${path}\` — ${doc}`, `(a field of ${v.from.returns.text}, from \`${v.from.name}\`)`] };
  }
  if (parts.length === 1) {
    const call = enclosingCall(tokens, i);
    const b = call?.callee ? reg.byName.get(call.callee) : undefined;
    const prev = tokens[i - 1]?.kind;
    if (call !== null && b !== undefined && (prev === '(' || prev === ',' || prev === ':')) {
      const s = argState(tokens, call, i);
      if (tokens[i + 1]?.kind === ':' && prev !== ':') {
        const a = b.args.find((x) => x.name === t.text);
        return a ? { ...range(t, t), contents: [argMarkdown(b, a)] } : null;
      }
      const a = paramFor(b, s);
      const next = tokens[i + 1]?.kind;
      if (a !== null && a.words.includes(t.text) && (next === ',' || next === ')') && !names.variables.has(t.text)) {
        return { ...range(t, t), contents: [`\`${t.text}\` — one of the words \`${a.name}\` takes`, argMarkdown(b, a)] };
      }
    }
  }
  if (i === first) {
    const declared = tokens[i - 1]?.kind === 'let' && tokens[i + 1]?.kind === '=' ? assigned(tokens, i + 1, reg) : null;
    const v = declared !== null ? { name: t.text, from: declared } : names.variables.get(t.text);
    if (v?.from) {
      const f = v.from.returns.fields;
      const fields = f.length > 0 ? ` Fields: ${f.map((x) => `\`${x.name}\``).join(', ')}.` : '';
      return { ...range(t, t), contents: [`\`${t.text}\` — ${v.from.returns.text}, from \`${v.from.name}\`${v.from.returns.doc ? `: ${v.from.returns.doc}` : ''}.${fields}`] };
    }
  }
  return null;
}

// ---- signature help -------------------------------------------------------------------------

/** The builtin call around `offset` and the parameter the cursor is in. */
export function signatureAt(text: string, offset: number, meta: readonly BuiltinMeta[] | null): SignatureInfo | null {
  if (inCommentOrString(text, offset) === 'comment') return null;
  const reg = registry(meta);
  const tokens = tokensOf(text);
  // Tokens before the cursor, and the one it is inside (a name being typed, an open string).
  let n = countBefore(tokens, offset);
  if (tokens[n] !== undefined && tokens[n].span.start < offset) n++;
  const call = enclosingCall(tokens, n);
  const b = call?.callee ? reg.byName.get(call.callee) : undefined;
  if (call === null || b === undefined) return null;
  const s = argState(tokens, call, n);
  let pos = b.name.length + 1;
  const parameters = b.args.map((a) => {
    const label: [number, number] = [pos, pos + a.label.length];
    pos += a.label.length + 2;
    return { label, documentation: argLine(a) };
  });
  return { label: b.signature, documentation: [b.doc, returnsLine(b)].join('\n\n'), parameters, activeParameter: activeIndex(b, s) };
}

