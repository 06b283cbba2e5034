// The checker: runs after the parser and before anything runs. It resolves every name of a
// program against its variables, its procs and the builtins registry, and catches what can be
// known without running: unknown builtins, procs, names and result fields; unknown, missing,
// doubled or surplus arguments; and constant arguments of the wrong type, out of range or
// misaligned. Like the parser it never throws and never stops at the first problem; each
// problem is a Diagnostic (LAB3xxx) at the span of the offending name or argument.
//
// The registry is a parameter (the interpreter's and the tests' may differ). Besides the
// diagnostics, the checker returns CheckInfo: what each call and each name resolved to, for the
// editor's hover and completion and for the interpreter. docs/language.md, "Checking", states
// the rules.

import {
  type Arg, type Call, type Expr, type Ident, type Member, type Name, type Node, type Program, type ProcStmt, type Span,
  type Stmt, dottedName, printExpr, walk,
} from './ast';
import { type Diagnostic, type MessageArgs, type MessageKey, type Related, makeDiagnostic } from './diagnostics';
import type { ArgSpec, ArgType, Builtin } from './registry-types';

// ---------------------------------------------------------------------------------------------
// What the checker tells the editor and the interpreter

/** A variable: made by `let`, by a `for`, or a proc's parameter. */
export interface VariableInfo {
  readonly name: string;
  /** The name where it is declared (in its `let`, its `for`, its proc's parameter list). */
  readonly decl: Span;
  readonly kind: 'let' | 'loop' | 'param';
}

/** What a name resolved to. */
export type NameRef =
  /** A variable; `result` is the builtin whose result it holds at this point, when known. */
  | { readonly kind: 'variable'; readonly variable: VariableInfo; readonly result: Builtin | null }
  /** A bare word given to a builtin's argument that accepts it (`rw`, `read`, `CMD_SYNC`);
   *  builtin and arg are null for a word in the arguments of an unknown callee. */
  | { readonly kind: 'word'; readonly word: string; readonly builtin: Builtin | null; readonly arg: ArgSpec | null }
  /** The first name of a dotted builtin name (`guest` in `guest.s1.map`). */
  | { readonly kind: 'actor'; readonly actor: string }
  /** An undotted builtin's name, as a callee. */
  | { readonly kind: 'builtin'; readonly builtin: Builtin }
  | { readonly kind: 'proc'; readonly proc: ProcStmt };

/** What a `.name` resolved to. */
export type MemberRef =
  /** Part of a builtin's dotted name: `guest.s1` (builtin null), `guest.s1.map` (the builtin). */
  | { readonly kind: 'builtin-path'; readonly path: string; readonly builtin: Builtin | null }
  /** A field of a builtin's result: `walk` (a record: doc null) or `walk.reads`. */
  | { readonly kind: 'field'; readonly of: Builtin; readonly path: string; readonly doc: string | null };

/** A builtin call's arguments in the builtin's order: the Arg that gives each, or null (then
 *  the default applies, or the argument is missing and a diagnostic says so). */
export interface BoundArg {
  readonly spec: ArgSpec;
  readonly arg: Arg | null;
}

export type CallTarget =
  | { readonly kind: 'builtin'; readonly builtin: Builtin; readonly args: readonly BoundArg[] }
  /** `args[i]` gives `proc.params[i]`, or is null when the call gives too few. */
  | { readonly kind: 'proc'; readonly proc: ProcStmt; readonly args: readonly (Arg | null)[] };

/** Resolutions, keyed by the nodes of the program that was checked (node identity, as
 *  TypeScript's node links): only nodes that resolved appear. */
export interface CheckInfo {
  readonly calls: ReadonlyMap<Call, CallTarget>;
  /** Identifiers in expressions, and the targets of assignments. */
  readonly names: ReadonlyMap<Ident | Name, NameRef>;
  readonly members: ReadonlyMap<Member, MemberRef>;
  /** Every variable, by the Name that declares it. */
  readonly declarations: ReadonlyMap<Name, VariableInfo>;
  /** The program's procs by name (the first, when a name is declared twice). */
  readonly procs: ReadonlyMap<string, ProcStmt>;
}

export interface CheckResult {
  /** Checker diagnostics (not the parser's), in source order, at most one per start offset. */
  readonly diagnostics: Diagnostic[];
  readonly info: CheckInfo;
}

/** Checks a parsed program (with or without syntax errors) against a builtins registry. Never
 *  throws: whatever the program, diagnostics come back. */
export function check(program: Program, registry: readonly Builtin[]): CheckResult {
  const c = new Checker(registry);
  try {
    c.program(program);
  } catch (e) {
    // A bug here must not take the editor down; the fuzz tests look for this code.
    const detail = e instanceof Error ? e.message : String(e);
    c.report('checkerInternalError', { start: 0, end: 0 }, { detail });
  }
  return { diagnostics: c.sorted(), info: c.info() };
}

// ---------------------------------------------------------------------------------------------
// Spelling suggestions

/** Optimal string alignment distance (Levenshtein plus swapping two neighbours: `nci` is one
 *  edit from `nic`), or Infinity once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return Infinity;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return Infinity;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] > max ? Infinity : prev[b.length];
}

/** The candidate closest to `name`, if close enough to be a likely typo: a third of the
 *  length, at least one edit (at least two from 6 characters); names of 1 or 2 characters only
 *  match a difference of case, which is the closest of all. Ties go to the earlier candidate. */
export function suggest(name: string, candidates: Iterable<string>): string | null {
  const max = name.length <= 2 ? 0 : name.length < 6 ? 1 : Math.max(2, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0.5 : editDistance(name, c, max);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Wording

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function andList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** At most `n` items, then `…`. */
function some(items: readonly string[], n: number): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')}, …`;
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

const HANDLE_NOUNS: Readonly<Record<string, string>> = { device: 'a device', pt: 'a page table', cd: 'a context descriptor', vm: 'a VM' };

/** What an argument type takes, in words: "a number", "one of r, w or rw". */
function expectedText(t: ArgType): string {
  switch (t.t) {
    case 'int':
      return 'a number';
    case 'str':
      return 'a string';
    case 'bool':
      return 'true or false';
    case 'word':
      return t.words.length <= 8 ? `one of ${orList(t.words)}` : `a word such as ${t.words[0]}`;
    case 'handle':
      return HANDLE_NOUNS[t.handle] ?? `a ${t.handle}`;
  }
}

/** A number as messages write it: 0 to 9 in decimal, else hex with `_` between groups of four
 *  digits (`0x1000`, `0x1_0000`, `0xffff_ffff_ffff_ffff`), as programs write addresses. */
export function hex(n: bigint): string {
  if (n >= 0n && n <= 9n) return n.toString();
  const digits = n.toString(16);
  const groups: string[] = [];
  for (let i = digits.length; i > 0; i -= 4) groups.unshift(digits.slice(Math.max(0, i - 4), i));
  return `0x${groups.join('_')}`;
}

/** `4K (0x1000)` for sizes, else hex(). */
function sizeText(n: bigint): string {
  for (const [suffix, shift] of [['T', 40n], ['G', 30n], ['M', 20n], ['K', 10n]] as const) {
    const unit = 1n << shift;
    if (n >= unit && n % unit === 0n) return `${n / unit}${suffix} (${hex(n)})`;
  }
  return hex(n);
}

/** `N arguments (a, b, c)`, `1 argument (x)`, `no arguments`. */
function countText(names: readonly string[]): string {
  if (names.length === 0) return 'no arguments';
  return `${names.length} argument${names.length === 1 ? '' : 's'} (${names.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// Constant folding: literals and operators on them, wrapping as the interpreter does

type Const = { readonly t: 'int'; readonly v: bigint } | { readonly t: 'str'; readonly v: string } | { readonly t: 'bool'; readonly v: boolean };

const U64 = (1n << 64n) - 1n;

/** The spelling of a literal whose value really is 0 (the parser also gives 0 to a literal
 *  with a lexical error, which must not be checked as if it were 0). */
const ZERO_SPELLING = /^(?:0[xXbB])?0[0_]*[KMGT]?$/;

/** The value of an expression made only of literals, or null (names, calls, a division by zero:
 *  those are for the interpreter). */
function fold(e: Expr): Const | null {
  switch (e.kind) {
    case 'Int':
      return e.value === 0n && !ZERO_SPELLING.test(e.text) ? null : { t: 'int', v: e.value };
    case 'Str':
      return { t: 'str', v: e.value };
    case 'Bool':
      return { t: 'bool', v: e.value };
    case 'Paren':
      return fold(e.expr);
    case 'Unary': {
      const x = fold(e.operand);
      if (x === null) return null;
      if (e.op === 'not') return x.t === 'bool' ? { t: 'bool', v: !x.v } : null;
      if (x.t !== 'int') return null;
      return { t: 'int', v: e.op === '-' ? -x.v & U64 : ~x.v & U64 };
    }
    case 'Binary': {
      const a = fold(e.left);
      const b = fold(e.right);
      if (a === null || b === null) return null;
      if (e.op === 'and' || e.op === 'or') {
        if (a.t !== 'bool' || b.t !== 'bool') return null;
        return { t: 'bool', v: e.op === 'and' ? a.v && b.v : a.v || b.v };
      }
      if (e.op === '==' || e.op === '!=') return a.t === b.t ? { t: 'bool', v: (a.v === b.v) === (e.op === '==') } : null;
      if (a.t !== 'int' || b.t !== 'int') return null;
      const x = a.v;
      const y = b.v;
      const int = (v: bigint): Const => ({ t: 'int', v: v & U64 });
      switch (e.op) {
        case '+': return int(x + y);
        case '-': return int(x - y);
        case '*': return int(x * y);
        case '/': return y === 0n ? null : int(x / y);
        case '%': return y === 0n ? null : int(x % y);
        case '<<': return y >= 64n ? null : int(x << y);
        case '>>': return y >= 64n ? null : int(x >> y);
        case '&': return int(x & y);
        case '|': return int(x | y);
        case '^': return int(x ^ y);
        case '<': return { t: 'bool', v: x < y };
        case '<=': return { t: 'bool', v: x <= y };
        case '>': return { t: 'bool', v: x > y };
        case '>=': return { t: 'bool', v: x >= y };
      }
      return null;
    }
    default:
      return null;
  }
}

function constText(c: Const): string {
  return c.t === 'int' ? 'a number' : c.t === 'str' ? 'a string' : String(c.v);
}

/** A limit in the style of the argument it bounds: decimal after a decimal literal (`va_bits
 *  31 ... at least 32`), a size after a size (`2G ... at most 1G (0x4000_0000)`), else hex. */
function limitText(n: bigint, e: Expr): string {
  if (e.kind === 'Int' && /^[1-9][0-9_]*$|^0$/.test(e.text)) return n.toString();
  if (e.kind === 'Int' && /[KMGT]$/.test(e.text)) return sizeText(n);
  return hex(n);
}

/** A constant argument as the student wrote it: `0x1001`, or `0x1000 + 1 (= 0x1001)`. */
function valueText(e: Expr, v: bigint): string {
  return e.kind === 'Int' ? e.text : `${printExpr(e)} (= ${hex(v)})`;
}

function hasMissing(e: Node): boolean {
  let found = false;
  walk(e, (n) => {
    if (found) return false;
    if (n.kind === 'Missing' || (n.kind === 'Name' && n.missing)) found = true;
    return !found;
  });
  return found;
}

function hasCall(e: Node): boolean {
  let found = false;
  walk(e, (n) => {
    if (n.kind === 'Call') found = true;
    return !found;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Scopes

/** The code a variable can live in: the program's top level, or one proc. */
interface Frame {
  readonly proc: ProcStmt | null;
  /** Every variable declared anywhere in it (first declaration), for "not visible here". */
  readonly decls: ReadonlyMap<string, Decl>;
}

interface Var {
  readonly info: VariableInfo;
  readonly scope: Scope;
  /** The builtin whose result the variable holds, as far as the text shows. */
  result: Builtin | null;
  /** Made up after an assignment to an unknown name, so that it is reported once. */
  readonly implicit: boolean;
}

class Scope {
  readonly vars = new Map<string, Var>();
  constructor(readonly parent: Scope | null, readonly frame: Frame) {}

  lookup(name: string): Var | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Visible variable names, innermost first. */
  names(): string[] {
    const out: string[] = [];
    for (let s: Scope | null = this; s !== null; s = s.parent) out.push(...s.vars.keys());
    return out;
  }
}

/** Where a variable is declared: its name, and the statement (a `let`, a `for`). */
interface Decl {
  readonly name: Span;
  readonly stmt: Span;
}

/** Names declared by `let` and `for` in a body, blocks included, procs not. */
function declsOf(body: readonly Stmt[]): Map<string, Decl> {
  const out = new Map<string, Decl>();
  const visit = (list: readonly Stmt[]): void => {
    for (const s of list) {
      if (s.kind === 'Let' && !s.name.missing && !out.has(s.name.text)) out.set(s.name.text, { name: s.name.span, stmt: s.span });
      else if (s.kind === 'For') {
        if (!s.variable.missing && !out.has(s.variable.text)) out.set(s.variable.text, { name: s.variable.span, stmt: s.span });
        visit(s.body.body);
      } else if (s.kind === 'If') {
        visit(s.then.body);
        if (s.else !== null) visit(s.else.kind === 'If' ? [s.else] : s.else.body);
      }
    }
  };
  visit(body);
  return out;
}

// ---------------------------------------------------------------------------------------------

class Checker {
  private readonly diags: Diagnostic[] = [];
  private readonly calls = new Map<Call, CallTarget>();
  private readonly names = new Map<Ident | Name, NameRef>();
  private readonly members = new Map<Member, MemberRef>();
  private readonly declarations = new Map<Name, VariableInfo>();
  private readonly procs = new Map<string, ProcStmt>();
  private readonly returnsValue = new Set<ProcStmt>();

  private readonly builtins = new Map<string, Builtin>();
  /** First name of dotted builtin names -> those builtins, in registry order. */
  private readonly actors = new Map<string, Builtin[]>();
  /** Each word any builtin argument accepts -> the first argument that does. */
  private readonly words = new Map<string, { builtin: Builtin; arg: ArgSpec }>();
  private mainDecls: ReadonlyMap<string, Decl> = new Map();

  constructor(registry: readonly Builtin[]) {
    for (const b of registry) {
      if (this.builtins.has(b.name)) continue;
      this.builtins.set(b.name, b);
      const dot = b.name.indexOf('.');
      if (dot > 0) {
        const actor = b.name.slice(0, dot);
        const list = this.actors.get(actor);
        if (list) list.push(b);
        else this.actors.set(actor, [b]);
      }
      for (const arg of b.args) {
        if (arg.type.t !== 'word') continue;
        for (const w of arg.type.words) if (!this.words.has(w)) this.words.set(w, { builtin: b, arg });
      }
    }
  }

  report<K extends MessageKey>(key: K, span: Span, args: MessageArgs<K>, related?: readonly Related[]): void {
    this.diags.push(makeDiagnostic(key, span, args, related));
  }

  /** Source order, errors before warnings at one place, then one per start offset. */
  sorted(): Diagnostic[] {
    const rank = (d: Diagnostic) => (d.severity === 'error' ? 0 : 1);
    const all = this.diags
      .map((d, i) => ({ d, i }))
      .sort((x, y) => x.d.span.start - y.d.span.start || rank(x.d) - rank(y.d) || x.i - y.i);
    const out: Diagnostic[] = [];
    for (const { d } of all) if (out.length === 0 || out[out.length - 1].span.start !== d.span.start) out.push(d);
    return out;
  }

  info(): CheckInfo {
    return { calls: this.calls, names: this.names, members: this.members, declarations: this.declarations, procs: this.procs };
  }

  // ---- statements -----------------------------------------------------------------------------

  program(p: Program): void {
    for (const s of p.body) if (s.kind === 'Proc') this.declareProc(s);
    this.mainDecls = declsOf(p.body);
    const scope = new Scope(null, { proc: null, decls: this.mainDecls });
    for (const s of p.body) this.stmt(s, scope);
  }

  private declareProc(s: ProcStmt): void {
    if (s.name.missing) return;
    const name = s.name.text;
    if (this.builtins.has(name)) this.report('procNamedLikeBuiltin', s.name.span, { name });
    const first = this.procs.get(name);
    if (first !== undefined) {
      this.report('duplicateProc', s.name.span, { name }, [{ message: `the first '${name}'`, span: first.name.span }]);
      return;
    }
    this.procs.set(name, s);
    let value = false;
    walk(s.body, (n) => {
      if (n.kind === 'Return' && n.value !== null) value = true;
      return !value && n.kind !== 'Proc';
    });
    if (value) this.returnsValue.add(s);
  }

  private procBody(s: ProcStmt): void {
    const scope = new Scope(null, { proc: s, decls: declsOf(s.body.body) });
    for (const p of s.params) if (!p.missing) this.declare(p, 'param', scope, null);
    for (const st of s.body.body) this.stmt(st, scope);
  }

  private block(body: readonly Stmt[], scope: Scope): void {
    for (const s of body) this.stmt(s, scope);
  }

  private stmt(s: Stmt, scope: Scope): void {
    switch (s.kind) {
      case 'Let': {
        this.expr(s.value, scope);
        if (!s.name.missing) this.declare(s.name, 'let', scope, this.resultOf(s.value, scope));
        return;
      }
      case 'Assign': {
        this.expr(s.value, scope);
        if (s.target.missing) return;
        const result = this.resultOf(s.value, scope);
        const v = scope.lookup(s.target.text);
        if (v === undefined) {
          const name = s.target.text;
          const { hint, related } = this.nameHint(name, s.target.span, scope);
          this.report('assignUndeclared', s.target.span, { name, hint: hint || ` — make it first with let ${name} = …` }, related);
          this.declare(s.target, 'let', scope, result, true); // reported once, not at every use
          return;
        }
        this.names.set(s.target, { kind: 'variable', variable: v.info, result });
        // The result type follows the text: an assignment inside a nested block may or may not
        // run, so after it the type is only known if both agree.
        v.result = v.scope === scope || v.result === result ? result : null;
        return;
      }
      case 'ExprStmt':
        if (s.expr.kind === 'Call') this.call(s.expr, scope, false);
        else {
          this.expr(s.expr, scope);
          if (!hasMissing(s.expr) && !hasCall(s.expr)) this.report('unusedValue', s.expr.span, {});
        }
        return;
      case 'Expect': {
        this.expr(s.cond, scope);
        if (s.message === null) return;
        this.expr(s.message, scope);
        const m = fold(s.message);
        if (m !== null && m.t !== 'str') this.report('expectMessage', s.message.span, { got: constText(m) });
        return;
      }
      case 'If':
        this.expr(s.cond, scope);
        this.block(s.then.body, new Scope(scope, scope.frame));
        if (s.else !== null) {
          if (s.else.kind === 'If') this.stmt(s.else, scope);
          else this.block(s.else.body, new Scope(scope, scope.frame));
        }
        return;
      case 'For': {
        this.expr(s.from, scope);
        this.expr(s.to, scope);
        if (s.step !== null) {
          this.expr(s.step, scope);
          const st = fold(s.step);
          if (st !== null && st.t === 'int' && st.v === 0n) this.report('stepZero', s.step.span, {});
        }
        const from = fold(s.from);
        const to = fold(s.to);
        if (from !== null && to !== null && from.t === 'int' && to.t === 'int' && from.v >= to.v) {
          this.report('emptyRange', { start: s.from.span.start, end: s.to.span.end }, { from: valueText(s.from, from.v), to: valueText(s.to, to.v) });
        }
        const body = new Scope(scope, scope.frame);
        if (!s.variable.missing) this.declare(s.variable, 'loop', body, null);
        this.block(s.body.body, body);
        return;
      }
      case 'Proc':
        this.procBody(s);
        return;
      case 'Return':
        if (s.value !== null) this.expr(s.value, scope);
        return;
    }
  }

  private declare(name: Name, kind: VariableInfo['kind'], scope: Scope, result: Builtin | null, implicit = false): void {
    const old = scope.lookup(name.text);
    if (old !== undefined && !old.implicit && !implicit && kind !== 'param') {
      const hint = kind === 'loop'
        ? ': the loop overwrites it, so give the loop variable another name'
        : `: to give it a new value, write ${name.text} = … (without let)`;
      this.report('redeclared', name.span, { name: name.text, hint }, [{ message: `'${name.text}' is declared here`, span: old.info.decl }]);
    }
    // The interpreter keeps one variable per name in a frame: a `let` in a block that reuses an
    // outer name changes the outer variable too.
    if (old !== undefined && old.scope !== scope && old.result !== result) old.result = null;
    const info: VariableInfo = { name: name.text, decl: name.span, kind };
    this.declarations.set(name, info);
    scope.vars.set(name.text, { info, scope, result, implicit });
  }

  // ---- expressions ----------------------------------------------------------------------------

  private expr(e: Expr, scope: Scope): void {
    switch (e.kind) {
      case 'Int':
      case 'Str':
      case 'Bool':
      case 'Missing':
        return;
      case 'Ident':
        this.valueIdent(e, scope);
        return;
      case 'Member':
        this.member(e, scope);
        return;
      case 'Call':
        this.call(e, scope, true);
        return;
      case 'Unary':
        this.expr(e.operand, scope);
        return;
      case 'Binary':
        this.expr(e.left, scope);
        this.expr(e.right, scope);
        return;
      case 'Paren':
        this.expr(e.expr, scope);
        return;
    }
  }

  /** The builtin whose result `e` is, when the text shows it. */
  private resultOf(e: Expr, scope: Scope): Builtin | null {
    if (e.kind === 'Paren') return this.resultOf(e.expr, scope);
    if (e.kind === 'Ident') return scope.lookup(e.name)?.result ?? null;
    if (e.kind === 'Call') {
      const t = this.calls.get(e);
      return t !== undefined && t.kind === 'builtin' ? t.builtin : null;
    }
    return null;
  }

  private useVar(id: Ident, v: Var): void {
    this.names.set(id, { kind: 'variable', variable: v.info, result: v.result });
  }

  /** A name used for its value. `str`: the place takes a string (a hint to quote it);
   *  `object`: the name is read for a field (`r.pa`), so it cannot have meant a word. */
  private valueIdent(id: Ident, scope: Scope, str = false, object = false): void {
    const name = id.name;
    const v = scope.lookup(name);
    if (v !== undefined) return this.useVar(id, v);
    const proc = this.procs.get(name);
    if (proc !== undefined) {
      this.names.set(id, { kind: 'proc', proc });
      return this.report('notAValue', id.span, { name, what: 'a proc', hint: `call it, as in ${name}(…)` });
    }
    const b = this.builtins.get(name);
    if (b !== undefined) {
      this.names.set(id, { kind: 'builtin', builtin: b });
      return this.report('notAValue', id.span, { name, what: 'a builtin', hint: `call it, as in ${name}(…)` });
    }
    const of = this.actors.get(name);
    if (of !== undefined) {
      this.names.set(id, { kind: 'actor', actor: name });
      return this.report('notAValue', id.span, { name, what: 'an actor', hint: `its builtins are called like ${of[0].name}(…)` });
    }
    const w = object ? undefined : this.words.get(name);
    if (w !== undefined) {
      return this.report('wordOutOfPlace', id.span, { word: name, hint: `, such as ${w.arg.name} of ${w.builtin.name}` });
    }
    const { hint, related } = this.nameHint(name, id.span, scope, str);
    this.report('unknownName', id.span, { name, hint }, related);
  }

  /** Why a name is unknown, and what was probably meant. */
  private nameHint(name: string, at: Span, scope: Scope, str = false): { hint: string; related?: Related[] } {
    const here = scope.frame.decls.get(name);
    if (here !== undefined) {
      const related = [{ message: `'${name}' is declared here`, span: here.name }];
      if (at.start < here.stmt.end) return { hint: ` — a variable can be used only after the statement that makes it (its let or for)`, related };
      return { hint: ` — the variable '${name}' was made in a block that has ended: a variable lives until the end of the block that makes it`, related };
    }
    const top = this.mainDecls.get(name);
    if (scope.frame.proc !== null && top !== undefined) {
      return {
        hint: ` — '${name}' is a variable of the program, and a proc sees only its parameters and its own variables: pass it in as a parameter`,
        related: [{ message: `'${name}' is declared here`, span: top.name }],
      };
    }
    const s = suggest(name, scope.names());
    if (s !== null) return { hint: ` — did you mean '${s}'?` };
    if (str) return { hint: ` — for a string, write "${name}" in quotes` };
    return { hint: '' };
  }

  /** `a.b.c` read as a value: a result's field, or a builtin named without its call. */
  private member(m: Member, scope: Scope): void {
    const chain: Member[] = [];
    let base: Expr = m;
    while (base.kind === 'Member') {
      chain.unshift(base);
      base = base.object;
    }
    const cut = chain.findIndex((c) => c.name.missing);
    if (cut >= 0) chain.length = cut;
    if (chain.length === 0) return this.expr(base, scope);

    if (base.kind === 'Ident' && scope.lookup(base.name) === undefined) {
      let path = base.name;
      for (let k = 0; k < chain.length; k++) {
        path += `.${chain[k].name.text}`;
        const b = this.builtins.get(path);
        if (b !== undefined) {
          this.builtinPath(base, chain.slice(0, k + 1), b);
          return this.report('notAValue', { start: base.span.start, end: chain[k].span.end }, { name: path, what: 'a builtin', hint: `call it, as in ${path}(…)` });
        }
      }
      const longer = [...this.builtins.keys()].find((n) => n.startsWith(`${path}.`));
      if (longer !== undefined && this.actors.has(base.name)) {
        this.builtinPath(base, chain, null);
        return this.report('notAValue', { start: base.span.start, end: chain[chain.length - 1].span.end }, { name: path, what: 'the start of builtin names', hint: `call a builtin, as in ${longer}(…)` });
      }
      if (this.actors.has(base.name)) {
        this.names.set(base, { kind: 'actor', actor: base.name });
        return this.report('unknownBuiltin', { start: base.span.start, end: chain[chain.length - 1].span.end }, { name: path, hint: this.builtinHint(path) });
      }
      return this.valueIdent(base, scope, false, true);
    }

    this.expr(base, scope);
    const of = this.resultOf(base, scope);
    const fields = of?.returns.fields;
    if (of === null || fields === undefined) return;
    const keys = Object.keys(fields);
    const known = (p: string) => Object.hasOwn(fields, p) || keys.some((k) => k.startsWith(`${p}.`));
    let path = '';
    for (const c of chain) {
      path = path === '' ? c.name.text : `${path}.${c.name.text}`;
      if (known(path)) {
        this.members.set(c, { kind: 'field', of, path, doc: Object.hasOwn(fields, path) ? fields[path] : null });
        continue;
      }
      // Paths as deep as this one: `walk.x` is compared with `walk.reads`, not with `walk`.
      const depth = path.split('.').length;
      const peers = new Set<string>();
      for (const k of keys) {
        const parts = k.split('.');
        if (parts.length >= depth) peers.add(parts.slice(0, depth).join('.'));
      }
      const s = suggest(path, peers);
      const hint = s !== null ? ` — did you mean '${s}'?` : keys.length ? ` — its fields are ${some(keys, 12)}` : ' — it has no fields';
      return this.report('unknownField', c.name.span, { name: describe(base), type: article(of.returns.type), field: path, hint });
    }
  }

  /** Records `guest` as an actor and `guest.s1`, `guest.s1.map` as parts of a builtin name. */
  private builtinPath(head: Ident, chain: readonly Member[], b: Builtin | null): void {
    this.names.set(head, { kind: 'actor', actor: head.name });
    let path = head.name;
    chain.forEach((c, i) => {
      path += `.${c.name.text}`;
      this.members.set(c, { kind: 'builtin-path', path, builtin: i === chain.length - 1 ? b : null });
    });
  }

  private builtinHint(name: string): string {
    const actor = name.slice(0, name.indexOf('.'));
    const list = this.actors.get(actor);
    if (list !== undefined) {
      // The actor is right: compare what follows it, so `guest.foo` is not "close" to `guest.cd`.
      const tail = (n: string) => n.slice(actor.length + 1);
      const s = suggest(tail(name), list.map((b) => tail(b.name)));
      if (s !== null) return ` — did you mean '${actor}.${s}'?`;
      return ` — the ${actor} builtins are ${some(list.map((b) => b.name), 12)}`;
    }
    const s = suggest(name, this.builtins.keys());
    if (s !== null) return ` — did you mean '${s}'?`;
    if (this.actors.size) return ` — builtin names start with ${orList([...this.actors.keys()].map((a) => `${a}.`))}`;
    return '';
  }

  private procHint(name: string): string {
    const undotted = [...this.procs.keys(), ...[...this.builtins.keys()].filter((n) => !n.includes('.'))];
    const s = suggest(name, undotted);
    if (s !== null) return ` — did you mean '${s}'?`;
    const tail = (n: string) => n.slice(n.lastIndexOf('.') + 1);
    const dotted = [...this.builtins.keys()].filter((n) => n.includes('.'));
    let same = dotted.filter((n) => tail(n) === name);
    if (same.length === 0) {
      const t = suggest(name, dotted.map(tail));
      if (t !== null) same = dotted.filter((n) => tail(n) === t);
    }
    return same.length ? ` — did you mean ${orList(same.slice(0, 3).map((n) => `'${n}'`))}?` : '';
  }

  // ---- calls ----------------------------------------------------------------------------------

  private call(c: Call, scope: Scope, used: boolean): void {
    const callee = c.callee;
    const name = hasMissing(callee) ? null : dottedName(callee);
    let target: { b: Builtin } | { p: ProcStmt } | null = null;
    if (hasMissing(callee)) {
      // The parser has said what is wrong with it.
    } else if (name !== null && callee.kind === 'Member') {
      const b = this.builtins.get(name);
      const chain: Member[] = [];
      let head: Expr = callee;
      while (head.kind === 'Member') {
        chain.unshift(head);
        head = head.object;
      }
      const id = head as Ident;
      if (b !== undefined) {
        this.builtinPath(id, chain, b);
        target = { b };
      } else {
        const v = scope.lookup(id.name);
        if (v !== undefined) {
          this.useVar(id, v);
          this.report('notCallable', callee.span, { what: `'${name}' (a field of ${id.name})` });
        } else {
          if (this.actors.has(id.name)) this.names.set(id, { kind: 'actor', actor: id.name });
          this.report('unknownBuiltin', callee.span, { name, hint: this.builtinHint(name) });
        }
      }
    } else if (name !== null && callee.kind === 'Ident') {
      const p = this.procs.get(name);
      const b = this.builtins.get(name);
      const v = scope.lookup(name);
      if (p !== undefined) {
        this.names.set(callee, { kind: 'proc', proc: p });
        target = { p };
      } else if (b !== undefined) {
        this.names.set(callee, { kind: 'builtin', builtin: b });
        target = { b };
      } else if (v !== undefined) {
        this.useVar(callee, v);
        this.report('notCallable', callee.span, { what: `'${name}' (a variable)` });
      } else {
        this.report('unknownProc', callee.span, { name, hint: this.procHint(name) });
      }
    } else {
      this.expr(callee, scope);
      this.report('notCallable', callee.span, { what: 'this' });
    }

    if (target === null) {
      for (const a of c.args) this.looseArg(a.value, scope);
    } else if ('b' in target) {
      this.builtinArgs(c, target.b, scope);
    } else {
      this.procArgs(c, target.p, scope);
      if (used && !this.returnsValue.has(target.p)) this.report('noReturnValue', callee.span, { proc: target.p.name.text });
    }
  }

  /** An argument of a call that did not resolve: words are let through, not reported. */
  private looseArg(e: Expr, scope: Scope): void {
    if (e.kind === 'Ident' && scope.lookup(e.name) === undefined && this.words.has(e.name)) {
      this.names.set(e, { kind: 'word', word: e.name, builtin: null, arg: null });
      return;
    }
    this.expr(e, scope);
  }

  private builtinArgs(c: Call, b: Builtin, scope: Scope): void {
    const bound: (Arg | null)[] = b.args.map(() => null);
    const extra: Arg[] = [];
    let pos = 0;
    let named = false;
    for (const a of c.args) {
      if (a.name === null) {
        if (a.value.kind === 'Missing') continue; // the parser reported the gap
        if (named) this.looseArg(a.value, scope); // after a named one: the parser's LAB2010
        else if (pos < b.args.length) bound[pos++] = a;
        else extra.push(a);
        continue;
      }
      named = true;
      if (a.name.missing) {
        this.looseArg(a.value, scope);
        continue;
      }
      const name = a.name.text;
      const i = b.args.findIndex((s) => s.name === name);
      if (i < 0) {
        const s = suggest(name, b.args.map((x) => x.name));
        const hint = s !== null ? ` — did you mean '${s}'?` : b.args.length ? ` — its arguments are ${b.args.map((x) => x.name).join(', ')}` : ' — it takes no arguments';
        this.report('unknownArgument', a.name.span, { callee: b.name, name, hint });
        this.looseArg(a.value, scope);
        continue;
      }
      const prev = bound[i];
      if (prev !== null) {
        // Given twice by name is the parser's LAB2011.
        if (prev.name === null) this.report('argumentTwice', a.name.span, { name, n: String(i + 1) }, [{ message: `argument ${i + 1}`, span: prev.span }]);
        this.looseArg(a.value, scope);
        continue;
      }
      bound[i] = a;
    }
    if (extra.length) {
      this.report('tooManyArguments', { start: extra[0].span.start, end: extra[extra.length - 1].span.end }, { callee: b.name, count: countText(b.args.map((x) => x.name)) });
      for (const a of extra) this.looseArg(a.value, scope);
    }
    b.args.forEach((spec, i) => {
      const a = bound[i];
      if (a !== null) this.arg(a.value, spec, b, scope);
    });
    const missing = b.args.filter((spec, i) => bound[i] === null && spec.default === undefined).map((s) => `'${s.name}'`);
    if (missing.length) {
      const args = missing.length === 1 ? `the argument ${missing[0]}` : `the arguments ${andList(missing)}`;
      this.report('missingArgument', closeSpan(c), { args, callee: b.name });
    }
    this.calls.set(c, { kind: 'builtin', builtin: b, args: b.args.map((spec, i) => ({ spec, arg: bound[i] })) });
  }

  private procArgs(c: Call, p: ProcStmt, scope: Scope): void {
    const args = c.args.filter((a) => !(a.name === null && a.value.kind === 'Missing'));
    for (const a of args) {
      if (a.name !== null && !a.name.missing) this.report('procNamedArgument', a.name.span, { name: a.name.text });
      this.expr(a.value, scope);
    }
    const params = p.params.filter((x) => !x.missing);
    if (args.length !== params.length) {
      const span = args.length > params.length ? { start: args[params.length].span.start, end: args[args.length - 1].span.end } : closeSpan(c);
      const given = args.length === 0 ? 'none' : String(args.length);
      this.report('procArity', span, { proc: p.name.text, count: countText(params.map((x) => x.text)), given });
    }
    this.calls.set(c, { kind: 'proc', proc: p, args: p.params.map((_, i) => args[i] ?? null) });
  }

  /** One argument given to a builtin's parameter: a word, a variable, or a checked constant. */
  private arg(e: Expr, spec: ArgSpec, b: Builtin, scope: Scope): void {
    const t = spec.type;
    if (e.kind === 'Ident') {
      const name = e.name;
      const v = scope.lookup(name);
      if (v !== undefined) {
        this.useVar(e, v);
        if (t.t === 'word' && t.words.includes(name)) {
          this.report('wordIsVariable', e.span, { name }, [{ message: `the variable '${name}'`, span: v.info.decl }]);
        }
        return;
      }
      if (t.t === 'word') {
        if (t.words.includes(name)) {
          this.names.set(e, { kind: 'word', word: name, builtin: b, arg: spec });
          return;
        }
        if (this.procs.has(name) || this.builtins.has(name) || this.actors.has(name)) return this.valueIdent(e, scope);
        const w = suggest(name, t.words);
        const vs = suggest(name, scope.names());
        if (w === null && vs !== null) return this.report('unknownName', e.span, { name, hint: ` — did you mean '${vs}'?` });
        const hint = t.words.length <= 8 ? `use ${orList(t.words)}` : w !== null ? `did you mean ${w}?` : `use one of ${some(t.words, 8)} (${t.words.length} words)`;
        return this.report('notAWord', e.span, { word: name, arg: spec.name, hint });
      }
      if (this.words.has(name) && !this.procs.has(name) && !this.builtins.has(name) && !this.actors.has(name)) {
        const hint = t.t === 'str' ? `: write "${name}" in quotes` : '';
        return this.report('wrongType', e.span, { arg: spec.name, expected: expectedText(t), got: `the word ${name}`, hint });
      }
      return this.valueIdent(e, scope, t.t === 'str');
    }
    this.expr(e, scope);
    const c = fold(e);
    if (c === null) return;
    const wrong = (hint = '') => this.report('wrongType', e.span, { arg: spec.name, expected: expectedText(t), got: constText(c), hint });
    switch (t.t) {
      case 'int': {
        if (c.t !== 'int') return wrong();
        const value = valueText(e, c.v);
        if (t.min !== undefined && c.v < t.min) return this.report('tooSmall', e.span, { arg: spec.name, value, min: limitText(t.min, e) });
        if (t.max !== undefined && c.v > t.max) return this.report('tooLarge', e.span, { arg: spec.name, value, max: limitText(t.max, e) });
        if (t.align !== undefined && t.align > 0n && c.v % t.align !== 0n) {
          return this.report('misaligned', e.span, { arg: spec.name, value, align: sizeText(t.align) });
        }
        return;
      }
      case 'str':
        return c.t === 'str' ? undefined : wrong();
      case 'bool':
        return c.t === 'bool' ? undefined : wrong();
      case 'word':
        return wrong(c.t === 'str' && t.words.includes(c.v) ? `: write ${c.v} without quotes` : '');
      case 'handle':
        return wrong();
    }
  }
}

/** Where a missing argument belongs: the call's closing ')'. */
function closeSpan(c: Call): Span {
  return { start: Math.max(c.span.start, c.span.end - 1), end: c.span.end };
}

/** How a message names the thing whose field is read: `r`, `dev.dma(…)`. */
function describe(e: Expr): string {
  if (e.kind === 'Paren') return describe(e.expr);
  if (e.kind === 'Call') {
    const n = dottedName(e.callee);
    if (n !== null) return `${n}(…)`;
  }
  return printExpr(e);
}
