// The lab language's parser: recursive descent over the lexer's tokens, in the manner of
// TypeScript's parser (STYLE.md §7): errors are collected, never thrown; a second error at the
// same place is dropped; a gap gets a zero-width missing node; a list that meets a token it
// cannot use reports it in words fitting that list, then either skips it or, when an enclosing
// construct wants it (a '}' or a statement keyword), stops. After a broken statement the parser
// resynchronises at the next line (or the '}' of the enclosing block).
//
// Statements end at the end of their line. Inside ( ) line breaks mean nothing, so a long call
// may spread over several lines; outside, a new line starts a new statement. docs/language.md
// has the grammar.

import type {
  Arg, BinaryOp, Block, Expr, ForStmt, IfStmt, Name, Program, ProcStmt, Span, Stmt,
} from './ast';
import { type Diagnostic, LineMap, type MessageArgs, type MessageKey, type Related, makeDiagnostic } from './diagnostics';
import { KEYWORDS, type LexResult, type Token, type TokenKind, lex } from './lexer';

export interface ParseResult {
  readonly program: Program;
  /** Lexer and parser diagnostics, in source order. */
  readonly diagnostics: Diagnostic[];
}

/** Blocks, parentheses, arguments, unary operators and each link of an operator or member chain
 *  (`a + b + c`, `r.walk.reads`) count as a level; at most this many are open at once. Far beyond
 *  any real lesson, it keeps the parser within the JavaScript stack and bounds the depth of the
 *  tree (about 3 x MAX_NESTING), so the checker and interpreter may walk it recursively. */
export const MAX_NESTING = 100;

/** Parses a lab program. Never throws: whatever the text, a Program comes back, with the
 *  problems as diagnostics. */
export function parse(text: string): ParseResult {
  let body: Stmt[] = [];
  let result: LexResult = { tokens: [], comments: [], diagnostics: [] };
  let parserDiags: Diagnostic[] = [];
  try {
    result = lex(text);
    const p = new Parser(text, result.tokens);
    parserDiags = p.diagnostics;
    body = p.parseProgram();
  } catch (e) {
    // A bug here must not take the editor down with it; the fuzz tests look for this code.
    const detail = e instanceof Error ? e.message : String(e);
    parserDiags = [...parserDiags, makeDiagnostic('internalError', { start: 0, end: 0 }, { detail })];
  }
  const program: Program = { kind: 'Program', body, comments: result.comments, span: { start: 0, end: text.length } };
  return { program, diagnostics: merge(result.diagnostics, parserDiags) };
}

/** Lexer and parser diagnostics in source order, at most one per start offset (the first). */
function merge(a: Diagnostic[], b: Diagnostic[]): Diagnostic[] {
  const seen = new Set<number>();
  const out: Diagnostic[] = [];
  for (const d of [...a, ...b]) {
    if (seen.has(d.span.start)) continue;
    seen.add(d.span.start);
    out.push(d);
  }
  return out.sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
}

// ---------------------------------------------------------------------------------------------

/** Tokens that only ever start a statement: inside an argument list they mean a ')' is missing. */
const STATEMENT_KEYWORDS: ReadonlySet<TokenKind> = new Set<TokenKind>(['let', 'proc', 'return', 'if', 'else', 'for', 'expect']);

const RESERVED: ReadonlySet<string> = new Set(KEYWORDS);

const COMPARE: ReadonlySet<TokenKind> = new Set<TokenKind>(['==', '!=', '<', '<=', '>', '>=']);

/** Binary levels from `|` down to `*`, loosest first (ast.ts BINARY_PRECEDENCE). */
const ARITH_LEVELS: readonly (readonly TokenKind[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

const COMPOUND: Readonly<Partial<Record<TokenKind, string>>> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '<<=': '<<', '>>=': '>>', '&=': '&', '|=': '|', '^=': '^',
};

/** Words from other languages that a student may type at the start of a statement. `next`
 *  says what must follow on the same line for it to be that habit rather than a variable. */
const FOREIGN: Readonly<Record<string, { hint: string; next: readonly TokenKind[]; as?: 'let' | 'expect' }>> = {
  while: { hint: "loops are written 'for i in a..b { … }'", next: ['ident', 'int', '(', 'not', 'true', 'false'] },
  def: { hint: "procedures are declared with 'proc name(a, b) { … }'", next: ['ident'] },
  function: { hint: "procedures are declared with 'proc name(a, b) { … }'", next: ['ident'] },
  fn: { hint: "procedures are declared with 'proc name(a, b) { … }'", next: ['ident'] },
  var: { hint: "variables are made with 'let name = value'", next: ['ident'], as: 'let' },
  const: { hint: "variables are made with 'let name = value'", next: ['ident'], as: 'let' },
  elif: { hint: "write 'else if'", next: ['ident', 'int', '(', 'not', 'true', 'false'] },
  assert: { hint: "checks are written 'expect condition'", next: ['ident', 'int', 'string', 'not', '-', '~', 'true', 'false'], as: 'expect' },
};

/** Thrown (and caught at once) to unwind out of a program nested too deeply to parse. */
class Abandon {}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  private i = 0;
  /** How many ( ) we are inside: there, line breaks do not end anything. */
  private parenDepth = 0;
  private nesting = 0;
  private procDepth = 0;
  /** Set while parsing the left side of what may turn out to be `name = value`. */
  private assignAllowed = false;
  /** Index of the current statement's first token: its line break begins the statement. */
  private stmtFirst = 0;
  private readonly lines: LineMap;
  private readonly reported = new Set<number>();

  constructor(private readonly text: string, private readonly toks: Token[]) {
    this.lines = new LineMap(text);
  }

  // --- tokens --------------------------------------------------------------------------------

  private get tok(): Token {
    return this.toks[this.i];
  }

  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)];
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private is(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  /** The end of the last token taken (0 before the first). */
  private prevEnd(): number {
    return this.i === 0 ? 0 : this.toks[this.i - 1].span.end;
  }

  /** True where the current line's statement is over: end of line, '}', ';' or end of text. */
  private atStatementEnd(): boolean {
    const t = this.tok;
    return t.kind === 'eof' || t.kind === '}' || t.kind === ';' || this.lineBreakHere();
  }

  /** True if a line break ends the expression here (outside parentheses). */
  private lineBreakHere(): boolean {
    return this.tok.nl && this.parenDepth === 0 && this.i !== this.stmtFirst;
  }

  // --- diagnostics ---------------------------------------------------------------------------

  private report<K extends MessageKey>(key: K, span: Span, args: MessageArgs<K>, related?: Related[]): void {
    if (this.reported.has(span.start)) return;
    this.reported.add(span.start);
    this.diagnostics.push(makeDiagnostic(key, span, args, related));
  }

  /** Where something missing should have been: at the current token if it is on this line,
   *  else just after the last token (so "expected a value" points at the end of `let x =`). */
  private gap(): Span {
    const t = this.tok;
    if (t.kind === 'eof' || this.lineBreakHere()) return { start: this.prevEnd(), end: this.prevEnd() };
    return t.span;
  }

  /** Where a missing closer (')' or '}') belongs: at the current token if it is on the same
   *  line, else at the end of the line before it, even inside parentheses. */
  private closeGap(): Span {
    const t = this.tok;
    return t.kind === 'eof' || t.nl ? this.here() : t.span;
  }

  /** The current token as a message names it. */
  private found(): string {
    const t = this.tok;
    if (t.kind === 'eof') return 'the end of the program';
    if (this.lineBreakHere()) return 'the end of the line';
    return describeToken(t);
  }

  private expectedHere(expected: string): void {
    this.report('expected', this.gap(), { expected, found: this.found() });
  }

  /** Takes a token of `kind`, or reports what was expected and takes nothing. */
  private expect(kind: TokenKind, expected: string): Token | null {
    if (this.is(kind) && !(this.lineBreakHere() && kind !== '{')) return this.next();
    this.expectedHere(expected);
    return null;
  }

  private at(offset: number): string {
    return this.lines.at(offset);
  }

  private spanFrom(start: number): Span {
    return { start, end: Math.max(start, this.prevEnd()) };
  }

  /** Guards recursion: beyond MAX_NESTING, report once and abandon the rest of the text. */
  private enter(): void {
    if (++this.nesting > MAX_NESTING) {
      this.report('tooDeep', this.tok.span, { max: String(MAX_NESTING) });
      throw new Abandon();
    }
  }

  private leave(n = 1): void {
    this.nesting -= n;
  }

  // --- statements ----------------------------------------------------------------------------

  /** The top-level statements. Too deep a nesting abandons the statement it is in and the
   *  rest; the statements before it are kept. */
  parseProgram(): Stmt[] {
    const body: Stmt[] = [];
    try {
      this.parseStatements(null, body);
    } catch (e) {
      if (!(e instanceof Abandon)) throw e;
    }
    return body;
  }

  /** Statements up to the '}' of the block opened by `open` (null: the whole program). */
  private parseStatements(open: Token | null, body: Stmt[]): void {
    for (;;) {
      while (this.is(';')) this.next();
      const t = this.tok;
      if (t.kind === 'eof') break;
      if (t.kind === '}') {
        if (open) break;
        this.report('strayCloseBrace', t.span, {});
        this.next();
        continue;
      }
      const before = this.i;
      this.stmtFirst = this.i;
      const s = this.parseStatement();
      if (s) body.push(s);
      this.endStatement();
      if (this.i === before && !this.is('}') && !this.is('eof')) this.next(); // always progress
    }
  }

  /** After a statement: the line must be over. If not, say so and skip to the next line. */
  private endStatement(): void {
    if (this.is(';')) {
      this.next();
      return;
    }
    if (this.atStatementEnd()) return;
    const t = this.tok;
    if (t.kind === ')') this.report('strayCloseParen', t.span, {});
    else this.report('trailingTokens', t.span, { found: describeToken(t) });
    this.skipLine();
  }

  /** Skips to the start of the next line, or to a '}' that closes the enclosing block. A '{'
   *  skipped on the way is skipped with its whole block, so its '}' is not reported as stray. */
  private skipLine(): void {
    let braces = 0;
    let first = true;
    while (!this.is('eof')) {
      const t = this.tok;
      if (braces === 0 && !first && t.nl) break;
      if (t.kind === '}') {
        if (braces === 0) break;
        braces--;
      } else if (t.kind === '{') braces++;
      first = false;
      this.next();
    }
  }

  private parseStatement(): Stmt | null {
    const t = this.tok;
    switch (t.kind) {
      case 'let':
        return this.parseLet();
      case 'proc':
        return this.parseProc();
      case 'if':
        return this.parseIf();
      case 'for':
        return this.parseFor();
      case 'return':
        return this.parseReturn();
      case 'expect':
        return this.parseExpect();
      case 'else': {
        this.report('elseWithoutIf', t.span, {});
        this.skipLine();
        return null;
      }
      case 'ident': {
        const foreign = Object.hasOwn(FOREIGN, t.text) ? FOREIGN[t.text] : undefined;
        const n = this.peek();
        if (foreign && !n.nl && foreign.next.includes(n.kind)) {
          this.report('foreignKeyword', t.span, { word: t.text, hint: foreign.hint });
          if (foreign.as === 'let') return this.parseLet();
          if (foreign.as === 'expect') return this.parseExpect();
          this.skipLine();
          return null;
        }
        return this.parseExpressionStatement();
      }
      default:
        if (startsExpression(t.kind)) return this.parseExpressionStatement();
        if (t.kind === ')') this.report('strayCloseParen', t.span, {});
        else this.report('expected', t.span, { expected: 'a statement', found: describeToken(t) });
        this.skipLine();
        return null;
    }
  }

  private parseLet(): Stmt {
    const start = this.next().span.start; // 'let' (or 'var', 'const', already reported)
    const name = this.parseName("a name after 'let'");
    if (name.missing && !this.is('=') && this.peek().kind === '=' && !this.lineBreakHere()) this.next(); // `let 3x = 1`
    if (this.is('==') && !this.lineBreakHere()) {
      this.report('assignInExpression', this.tok.span, {});
      this.next();
    } else {
      this.expect('=', `'=' after 'let ${name.text || 'name'}'`);
    }
    const value = this.parseExpr();
    return { kind: 'Let', name, value, span: this.spanFrom(start) };
  }

  /** An expression on its own, or `name = value`, or a compound assignment we explain. */
  private parseExpressionStatement(): Stmt {
    const start = this.tok.span.start;
    this.assignAllowed = true;
    const expr = this.parseExpr();
    this.assignAllowed = false;
    const t = this.tok;
    const compound = Object.hasOwn(COMPOUND, t.kind) ? COMPOUND[t.kind] : undefined;
    if ((t.kind === '=' || compound) && !this.lineBreakHere()) {
      const target = this.assignTarget(expr);
      if (compound) {
        this.report('compoundAssignment', t.span, { op: t.kind, name: target.text || 'x', binop: compound });
      }
      this.next();
      const value = this.parseExpr(); // for `x += 1` just the `1`: the program will not run anyway
      return { kind: 'Assign', target, value, span: this.spanFrom(start) };
    }
    return { kind: 'ExprStmt', expr, span: this.spanFrom(start) };
  }

  private assignTarget(e: Expr): Name {
    if (e.kind === 'Ident') return { kind: 'Name', text: e.name, span: e.span };
    const target = this.text.slice(e.span.start, e.span.end);
    this.report('badAssignTarget', e.span, { target: shorten(target) || 'this' });
    return { kind: 'Name', text: '', span: e.span, missing: true };
  }

  private parseExpect(): Stmt {
    const start = this.next().span.start; // 'expect' (or 'assert', already reported)
    const cond = this.parseExpr();
    let message: Expr | null = null;
    if (this.is(',') && !this.lineBreakHere()) {
      this.next();
      message = this.parseExpr();
    }
    return { kind: 'Expect', cond, message, span: this.spanFrom(start) };
  }

  private parseReturn(): Stmt {
    const t = this.next();
    if (this.procDepth === 0) this.report('returnOutsideProc', t.span, {});
    const value = this.atStatementEnd() ? null : this.parseExpr();
    return { kind: 'Return', value, span: this.spanFrom(t.span.start) };
  }

  /** `if cond { } [else if ... | else { }]`; `kw` is given when the keyword was already taken
   *  (an `elif`, reported and read as `else if`). */
  private parseIf(kw: Token = this.next()): IfStmt {
    const word = kw.kind === 'if' ? "'if'" : `'${kw.text}'`;
    const cond = this.parseExpr();
    const then = this.parseBlock(word);
    let otherwise: Block | IfStmt | null = null;
    const t = this.tok;
    if (t.kind === 'ident' && t.text === 'elif' && !t.nl) {
      this.report('foreignKeyword', t.span, { word: 'elif', hint: "write 'else if'" });
      otherwise = this.parseIf(this.next());
    } else if (t.kind === 'else') {
      this.next();
      if (this.is('if') && !this.tok.nl) otherwise = this.parseIf();
      else otherwise = this.parseBlock("'else'");
    }
    return { kind: 'If', cond, then, else: otherwise, span: this.spanFrom(kw.span.start) };
  }

  private parseFor(): ForStmt {
    const kw = this.next(); // 'for'
    const variable = this.parseName("a loop variable after 'for'");
    this.expect('in', `'in' after 'for ${variable.text || 'i'}'`);
    const from = this.parseExpr();
    if (this.is('..=') && !this.lineBreakHere()) {
      this.report('inclusiveRange', this.tok.span, {});
      this.next();
    } else {
      this.expect('..', "'..' and the end of the range, as in 'for i in 0..8'");
    }
    const to = this.parseExpr();
    let step: Expr | null = null;
    if (this.is('ident') && this.tok.text === 'step' && !this.lineBreakHere()) {
      this.next();
      step = this.parseExpr();
    }
    const body = this.parseBlock("'for'");
    return { kind: 'For', variable, from, to, step, body, span: this.spanFrom(kw.span.start) };
  }

  private parseProc(): ProcStmt {
    const kw = this.next(); // 'proc'
    if (this.nesting > 0) this.report('procNotTopLevel', kw.span, {});
    const name = this.parseName("a name after 'proc'");
    const params: Name[] = [];
    const open = this.expect('(', `'(' and the parameters after 'proc ${name.text || 'name'}'`);
    if (open) this.parseParams(open, params);
    this.procDepth++;
    const body = this.parseBlock(name.text ? `proc ${name.text}` : 'the proc');
    this.procDepth--;
    return { kind: 'Proc', name, params, body, span: this.spanFrom(kw.span.start) };
  }

  private parseParams(open: Token, params: Name[]): void {
    const seen = new Set<string>();
    this.parenDepth++;
    for (;;) {
      if (this.is(')')) {
        this.next();
        break;
      }
      if (this.is('{') || this.is('}') || this.is('eof') || STATEMENT_KEYWORDS.has(this.tok.kind)) {
        this.report('unclosedParen', this.closeGap(), { at: this.at(open.span.start) }, [{ message: "the '(' to close", span: open.span }]);
        break;
      }
      const before = this.i;
      const p = this.parseName('a parameter name');
      if (!p.missing) {
        if (seen.has(p.text)) this.report('duplicateParameter', p.span, { name: p.text });
        seen.add(p.text);
        params.push(p);
      }
      if (this.is(',')) this.next();
      else if (this.is(')') || this.is('{') || this.is('}') || this.is('eof') || STATEMENT_KEYWORDS.has(this.tok.kind)) continue;
      else if (this.is('ident') && this.i > before) this.expectedHere("',' between parameters"); // `proc f(a b)`
      else {
        this.expectedHere("',' or ')' after a parameter");
        this.next();
      }
    }
    this.parenDepth--;
  }

  /** `{ statements }`. `owner` names the construct for messages ("'if'", "proc walk"). */
  private parseBlock(owner: string): Block {
    if (!this.is('{')) {
      this.expectedHere(`'{' to start the body of ${owner}`);
      // `if x == 1 then {`: a '{' later on the same line is probably the one meant.
      let j = this.i;
      while (!['eof', '{', '}'].includes(this.toks[j].kind) && (j === this.i || !this.toks[j].nl)) j++;
      if (this.toks[j].kind !== '{' || (j > this.i && this.toks[j].nl)) return { kind: 'Block', body: [], span: this.here() };
      this.i = j;
    }
    const open = this.next();
    this.enter();
    const body: Stmt[] = [];
    this.parseStatements(open, body);
    this.leave();
    if (this.is('}')) this.next();
    else {
      this.report('unclosedBlock', this.closeGap(), { owner, at: this.at(open.span.start) }, [{ message: `the block of ${owner}`, span: open.span }]);
    }
    return { kind: 'Block', body, span: this.spanFrom(open.span.start) };
  }

  /** A name where one is required; a reserved word is reported and used anyway. */
  private parseName(expected: string): Name {
    const t = this.tok;
    if (t.kind === 'ident' && !this.lineBreakHere()) {
      this.next();
      return { kind: 'Name', text: t.text, span: t.span };
    }
    if (RESERVED.has(t.kind) && !this.lineBreakHere() && !STATEMENT_KEYWORDS.has(t.kind)) {
      this.report('reservedWord', t.span, { word: t.text });
      this.next();
      return { kind: 'Name', text: t.text, span: t.span };
    }
    this.expectedHere(expected);
    return { kind: 'Name', text: '', span: this.here(), missing: true };
  }

  // --- expressions ---------------------------------------------------------------------------

  private parseExpr(): Expr {
    this.enter();
    const allowAssign = this.assignAllowed;
    this.assignAllowed = false;
    try {
      return this.parseOr(allowAssign);
    } finally {
      this.leave();
    }
  }

  private binary(op: BinaryOp, left: Expr, right: Expr, opTok: Token): Expr {
    return { kind: 'Binary', op, left, right, opSpan: opTok.span, span: { start: left.span.start, end: right.span.end } };
  }

  /** True if the current token continues an expression as one of `kinds`. */
  private atOp(kinds: readonly TokenKind[]): boolean {
    return kinds.includes(this.tok.kind) && !this.lineBreakHere();
  }

  private parseOr(allowAssign: boolean): Expr {
    let left = this.parseAnd(allowAssign);
    let links = 0;
    while (this.atOp(['or'])) {
      this.enter();
      links++;
      const op = this.next();
      left = this.binary('or', left, this.parseAnd(false), op);
    }
    this.leave(links);
    return left;
  }

  private parseAnd(allowAssign: boolean): Expr {
    let left = this.parseNot(allowAssign);
    let links = 0;
    while (this.atOp(['and'])) {
      this.enter();
      links++;
      const op = this.next();
      left = this.binary('and', left, this.parseNot(false), op);
    }
    this.leave(links);
    return left;
  }

  private parseNot(allowAssign: boolean): Expr {
    if (!this.atOp(['not'])) return this.parseComparison(allowAssign);
    const op = this.next();
    this.enter();
    const operand = this.parseNot(false);
    this.leave();
    return { kind: 'Unary', op: 'not', operand, span: { start: op.span.start, end: operand.span.end } };
  }

  /** Comparisons do not chain (`a < b < c` is an error, not C's surprise); a lone '=' here is
   *  taken as '==' after saying so, unless this may be the left side of an assignment. */
  private parseComparison(allowAssign: boolean): Expr {
    let left = this.parseArith(0);
    let first: Token | null = null;
    let links = 0;
    for (;;) {
      const t = this.tok;
      if (this.lineBreakHere()) break;
      let op: BinaryOp;
      if (COMPARE.has(t.kind)) op = t.kind as BinaryOp;
      else if (t.kind === '=' && !allowAssign) {
        this.report('assignInExpression', t.span, {});
        op = '==';
      } else break;
      if (first) {
        this.report('chainedComparison', t.span, { op1: first.text === '=' ? '==' : first.text, op2: op });
        this.enter();
        links++;
      }
      first = t;
      this.next();
      left = this.binary(op, left, this.parseArith(0), t);
    }
    this.leave(links);
    return left;
  }

  private parseArith(level: number): Expr {
    if (level === ARITH_LEVELS.length) return this.parseUnary();
    const ops = ARITH_LEVELS[level];
    let left = this.parseArith(level + 1);
    let links = 0;
    while (this.atOp(ops)) {
      this.enter();
      links++;
      const op = this.next();
      left = this.binary(op.kind as BinaryOp, left, this.parseArith(level + 1), op);
    }
    this.leave(links);
    return left;
  }

  private parseUnary(): Expr {
    const t = this.tok;
    if ((t.kind === '-' || t.kind === '~') && !this.lineBreakHere()) {
      this.next();
      this.enter();
      const operand = this.parseUnary();
      this.leave();
      return { kind: 'Unary', op: t.kind, operand, span: { start: t.span.start, end: operand.span.end } };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    let e = this.parsePrimary();
    let links = 0;
    for (;;) {
      if (this.lineBreakHere() || !(this.is('.') || this.is('('))) break;
      this.enter();
      links++;
      if (this.is('.')) {
        this.next();
        const name = this.parseName("a name after '.'");
        e = { kind: 'Member', object: e, name, span: { start: e.span.start, end: Math.max(name.span.end, this.prevEnd()) } };
      } else {
        e = this.parseCall(e);
      }
    }
    this.leave(links);
    return e;
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    if (this.lineBreakHere() || t.kind === 'eof') return this.missing('an expression');
    switch (t.kind) {
      case 'int':
        this.next();
        return { kind: 'Int', value: t.int ?? 0n, text: t.text, span: t.span };
      case 'string':
        this.next();
        return { kind: 'Str', value: t.str ?? '', span: t.span };
      case 'true':
      case 'false':
        this.next();
        return { kind: 'Bool', value: t.kind === 'true', span: t.span };
      case 'ident':
        this.next();
        return { kind: 'Ident', name: t.text, span: t.span };
      case '(':
        return this.parseParen();
      default:
        return this.missing('an expression');
    }
  }

  /** Reports the gap at the token that is there instead, but puts the placeholder just after
   *  the last token taken, so that it lies inside the node being built. */
  private missing(expected: string): Expr {
    this.expectedHere(expected);
    return { kind: 'Missing', span: this.here() };
  }

  /** Zero-width, just after the last token taken. */
  private here(): Span {
    return { start: this.prevEnd(), end: this.prevEnd() };
  }

  private parseParen(): Expr {
    const open = this.next();
    this.parenDepth++;
    const expr = this.parseExpr();
    if (this.is(')')) this.next();
    else this.report('unclosedParen', this.closeGap(), { at: this.at(open.span.start) }, [{ message: "the '(' to close", span: open.span }]);
    this.parenDepth--;
    return { kind: 'Paren', expr, span: this.spanFrom(open.span.start) };
  }

  /** `callee(args)`. Line breaks inside are free; but an argument followed by a new line that
   *  does not continue the list means the ')' was forgotten: say so, naming the call. */
  private parseCall(callee: Expr): Expr {
    const open = this.next();
    const args: Arg[] = [];
    const names = new Set<string>();
    let sawNamed = false;
    const unclosed = () => {
      const name = shorten(this.text.slice(callee.span.start, callee.span.end)) || 'this function';
      this.report('unclosedCall', this.closeGap(), { callee: name, at: this.at(open.span.start) }, [{ message: "the '(' to close", span: open.span }]);
    };
    this.parenDepth++;
    for (;;) {
      const t = this.tok;
      if (t.kind === ')') {
        this.next();
        break;
      }
      if (t.kind === 'eof' || t.kind === '}' || t.kind === '{' || STATEMENT_KEYWORDS.has(t.kind)) {
        unclosed();
        break;
      }
      const before = this.i;
      const arg = this.parseArg();
      if (arg.name) {
        if (names.has(arg.name.text)) this.report('duplicateArgument', arg.name.span, { name: arg.name.text });
        names.add(arg.name.text);
        sawNamed = true;
      } else if (sawNamed && arg.value.kind !== 'Missing') {
        this.report('positionalAfterNamed', arg.span, {});
      }
      args.push(arg);
      const n = this.tok;
      if (n.kind === ',') {
        this.next();
        continue;
      }
      if (n.kind === ')') continue;
      if (n.nl && !this.startsNamedArg()) {
        unclosed();
        break;
      }
      if (startsExpression(n.kind)) {
        this.report('missingComma', n.span, { found: describeToken(n) });
        continue;
      }
      if (n.kind === 'eof' || n.kind === '}' || n.kind === '{' || STATEMENT_KEYWORDS.has(n.kind)) {
        unclosed();
        break;
      }
      this.report('expected', n.span, { expected: "',' or ')' in the argument list", found: describeToken(n) });
      this.next();
      if (this.i === before) break; // unreachable: parseArg or next() always takes a token
    }
    this.parenDepth--;
    return { kind: 'Call', callee, args, span: this.spanFrom(callee.span.start) };
  }

  /** `name:` (or `name =`, a habit we correct) at the current token. */
  private startsNamedArg(): boolean {
    const n = this.peek();
    return this.is('ident') && (n.kind === ':' || n.kind === '=');
  }

  private parseArg(): Arg {
    const t = this.tok;
    if (this.startsNamedArg()) {
      this.next();
      const sep = this.next();
      if (sep.kind === '=') this.report('namedArgEquals', sep.span, { name: t.text });
      const name: Name = { kind: 'Name', text: t.text, span: t.span };
      const value = this.parseExpr();
      return { kind: 'Arg', name, value, span: { start: t.span.start, end: Math.max(value.span.end, sep.span.end) } };
    }
    const value = this.parseExpr();
    return { kind: 'Arg', name: null, value, span: value.span };
  }
}

// ---------------------------------------------------------------------------------------------

function startsExpression(k: TokenKind): boolean {
  return k === 'int' || k === 'string' || k === 'ident' || k === 'true' || k === 'false' || k === '(' || k === '-' || k === '~' || k === 'not';
}

/** Source text for a message: one line, at most 40 characters. */
function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
}

/** A token as a message names it: "')'", "'let'", "the number 0x10", "a string". */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the program';
    case 'int':
      return `the number ${shorten(t.text)}`;
    case 'string':
      return 'a string';
    case 'ident':
      return `'${shorten(t.text)}'`;
    default:
      return `'${t.text}'`;
  }
}
