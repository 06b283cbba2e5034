// The syntax tree of a lab program. Every node carries a span of UTF-16 offsets into the source
// text ([start, end)); line:col comes from diagnostics.ts (LineMap), never stored twice.
// A program with syntax errors still yields a complete tree: where something was missing the
// parser puts a zero-width `Missing` expression or a Name with `missing: true` (as TypeScript's
// createMissingNode does), so the editor can still offer hover and completion on it.

export interface Span {
  readonly start: number;
  readonly end: number;
}

// ---------------------------------------------------------------------------------------------
// Program, blocks, names

export interface Program {
  readonly kind: 'Program';
  readonly body: Stmt[];
  /** Every `# ...` comment, in order (text without the '#'); a view can caption a step with the
   *  comment at the end of its line. */
  readonly comments: Comment[];
  readonly span: Span;
}

export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export interface Block {
  readonly kind: 'Block';
  readonly body: Stmt[];
  readonly span: Span;
}

/** A name in a binding position (let, for, proc, parameters, named arguments, `.member`). */
export interface Name {
  readonly kind: 'Name';
  readonly text: string;
  readonly span: Span;
  /** Set when the parser made the name up to fill a gap; `text` is then ''. */
  readonly missing?: true;
}

// ---------------------------------------------------------------------------------------------
// Statements

export type Stmt = LetStmt | AssignStmt | ExprStmt | ExpectStmt | IfStmt | ForStmt | ProcStmt | ReturnStmt;

/** `let name = value` */
export interface LetStmt {
  readonly kind: 'Let';
  readonly name: Name;
  readonly value: Expr;
  readonly span: Span;
}

/** `name = value`: gives a name bound by `let` (or a parameter, or a loop variable) a new value. */
export interface AssignStmt {
  readonly kind: 'Assign';
  readonly target: Name;
  readonly value: Expr;
  readonly span: Span;
}

/** An expression on its own line, normally a call: `host.s2.map(...)`. */
export interface ExprStmt {
  readonly kind: 'ExprStmt';
  readonly expr: Expr;
  readonly span: Span;
}

/** `expect cond` or `expect cond, message`: how a lesson checks itself. */
export interface ExpectStmt {
  readonly kind: 'Expect';
  readonly cond: Expr;
  readonly message: Expr | null;
  readonly span: Span;
}

/** `if cond { } else if cond { } else { }`; an `else if` is an IfStmt in `else`. */
export interface IfStmt {
  readonly kind: 'If';
  readonly cond: Expr;
  readonly then: Block;
  readonly else: Block | IfStmt | null;
  readonly span: Span;
}

/** `for variable in from..to step s { }`: from, from+s, ... while below `to` (half-open). */
export interface ForStmt {
  readonly kind: 'For';
  readonly variable: Name;
  readonly from: Expr;
  readonly to: Expr;
  readonly step: Expr | null;
  readonly body: Block;
  readonly span: Span;
}

/** `proc name(a, b) { ... }`, top level only. */
export interface ProcStmt {
  readonly kind: 'Proc';
  readonly name: Name;
  readonly params: Name[];
  readonly body: Block;
  readonly span: Span;
}

/** `return` or `return value`, inside a proc. */
export interface ReturnStmt {
  readonly kind: 'Return';
  readonly value: Expr | null;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr = IntLit | StrLit | BoolLit | Ident | Member | Call | Unary | Binary | Paren | Missing;

/** An integer literal: `value` is exact, 0 ..= 2^64-1 (0 when the literal had an error);
 *  `text` is the source spelling (`0x4000_0000`, `4K`) for views that show it back. */
export interface IntLit {
  readonly kind: 'Int';
  readonly value: bigint;
  readonly text: string;
  readonly span: Span;
}

/** A string literal, escapes decoded. */
export interface StrLit {
  readonly kind: 'Str';
  readonly value: string;
  readonly span: Span;
}

export interface BoolLit {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

/** A bare name: a variable, a parameter, an actor (`guest`), or an enum-like word (`rw`,
 *  `read`, `CMD_TLBI_NH_VA`). Which one is the checker's business. */
export interface Ident {
  readonly kind: 'Ident';
  readonly name: string;
  readonly span: Span;
}

/** `object.name`: `guest.s1` (a builtin's dotted path) or `r.walk.reads` (a result's field). */
export interface Member {
  readonly kind: 'Member';
  readonly object: Expr;
  readonly name: Name;
  readonly span: Span;
}

export interface Call {
  readonly kind: 'Call';
  readonly callee: Expr;
  readonly args: Arg[];
  readonly span: Span;
}

/** One argument: positional (`name` null) or named (`va: 0x1000_0000`). In a valid program the
 *  positional ones come first and no name repeats. */
export interface Arg {
  readonly kind: 'Arg';
  readonly name: Name | null;
  readonly value: Expr;
  readonly span: Span;
}

export type UnaryOp = '-' | '~' | 'not';

export interface Unary {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type LogicOp = 'and' | 'or';
export type BinaryOp = ArithOp | CompareOp | LogicOp;

export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** Where the operator is, for messages such as "cannot add a string to a number". */
  readonly opSpan: Span;
  readonly span: Span;
}

/** `( expr )`, kept so that spans cover the parentheses and printing round-trips. */
export interface Paren {
  readonly kind: 'Paren';
  readonly expr: Expr;
  readonly span: Span;
}

/** A zero-width placeholder where an expression was expected but absent. */
export interface Missing {
  readonly kind: 'Missing';
  readonly span: Span;
}

export type Node = Program | Block | Name | Arg | Stmt | Expr;

// ---------------------------------------------------------------------------------------------
// Helpers for the checker, the editor and tests

/** The children of a node, in source order. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'Program':
    case 'Block':
      return node.body;
    case 'Let':
      return [node.name, node.value];
    case 'Assign':
      return [node.target, node.value];
    case 'ExprStmt':
      return [node.expr];
    case 'Expect':
      return node.message ? [node.cond, node.message] : [node.cond];
    case 'If':
      return node.else ? [node.cond, node.then, node.else] : [node.cond, node.then];
    case 'For':
      return node.step
        ? [node.variable, node.from, node.to, node.step, node.body]
        : [node.variable, node.from, node.to, node.body];
    case 'Proc':
      return [node.name, ...node.params, node.body];
    case 'Return':
      return node.value ? [node.value] : [];
    case 'Member':
      return [node.object, node.name];
    case 'Call':
      return [node.callee, ...node.args];
    case 'Arg':
      return node.name ? [node.name, node.value] : [node.value];
    case 'Unary':
      return [node.operand];
    case 'Binary':
      return [node.left, node.right];
    case 'Paren':
      return [node.expr];
    case 'Name':
    case 'Int':
    case 'Str':
    case 'Bool':
    case 'Ident':
    case 'Missing':
      return [];
  }
}

/** Visits `node` and its descendants, parents first; return false to skip a node's children. */
export function walk(node: Node, visit: (n: Node, parent: Node | null) => boolean | void, parent: Node | null = null): void {
  if (visit(node, parent) === false) return;
  for (const c of children(node)) walk(c, visit, node);
}

/** `guest.s1.map` for a chain of names joined by dots, else null (`f(x).y`, `(a).b`). */
export function dottedName(e: Expr): string | null {
  if (e.kind === 'Ident') return e.name;
  if (e.kind === 'Member' && !e.name.missing) {
    const left = dottedName(e.object);
    return left === null ? null : `${left}.${e.name.text}`;
  }
  return null;
}

/** Precedence levels, loosest first (docs/language.md, "Operators"). Unary - and ~ bind tighter
 *  than any binary operator; `not` sits between comparisons and `and`, as in Python. */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: 1,
  and: 2,
  // 3 is `not`
  '==': 4, '!=': 4, '<': 4, '<=': 4, '>': 4, '>=': 4,
  '|': 5,
  '^': 6,
  '&': 7,
  '<<': 8, '>>': 8,
  '+': 9, '-': 9,
  '*': 10, '/': 10, '%': 10,
};

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\0') out += '\\0';
    else if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Prints an expression back as lab-program source. With `full`, every unary and binary
 *  operation is wrapped in parentheses, which shows how the parser grouped it. */
export function printExpr(e: Expr, full = false): string {
  const p = (x: Expr) => printExpr(x, full);
  switch (e.kind) {
    case 'Int':
      return e.text;
    case 'Str':
      return quote(e.value);
    case 'Bool':
      return e.value ? 'true' : 'false';
    case 'Ident':
      return e.name;
    case 'Missing':
      return '<missing>';
    case 'Member':
      return `${p(e.object)}.${e.name.missing ? '<missing>' : e.name.text}`;
    case 'Paren':
      return `(${p(e.expr)})`;
    case 'Call':
      return `${p(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.text}: ${p(a.value)}` : p(a.value))).join(', ')})`;
    case 'Unary': {
      const s = e.op === 'not' ? `not ${p(e.operand)}` : `${e.op}${p(e.operand)}`;
      return full ? `(${s})` : s;
    }
    case 'Binary': {
      const s = `${p(e.left)} ${e.op} ${p(e.right)}`;
      return full ? `(${s})` : s;
    }
  }
}
