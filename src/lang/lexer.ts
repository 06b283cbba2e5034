// The lab language's scanner: text -> tokens with spans, comments, and diagnostics. It never
// throws and never stops early: a bad character is reported and skipped, a bad number becomes an
// `int` token of value 0 with a diagnostic, an unterminated string ends at its line.
//
// Newlines are not tokens. Each token records whether a line break came before it (`nl`); the
// parser ends a statement there unless it is inside parentheses. Keeping the newline on the
// token rather than in the stream lets the parser look through line breaks inside a call and
// still notice one when a ')' went missing.
//
// Lexical rules, in brief (docs/language.md has them in full):
//   comment   '#' to the end of the line
//   ident     [A-Za-z_][A-Za-z0-9_]*  (keywords below are reserved)
//   int       decimal 1_000 | hex 0x4000_0000 | binary 0b1010; decimal may end in K M G T
//             (x 2^10, 2^20, 2^30, 2^40); '_' only between digits; value < 2^64
//   string    "..." on one line, escapes \n \t \r \0 \\ \" \xHH

import type { Span } from './ast';
import { type Diagnostic, type MessageArgs, type MessageKey, makeDiagnostic } from './diagnostics';

export const KEYWORDS = ['let', 'proc', 'return', 'if', 'else', 'for', 'in', 'expect', 'and', 'or', 'not', 'true', 'false'] as const;
export type Keyword = (typeof KEYWORDS)[number];

/** Punctuation and operators, longest first so the scanner can take the first that matches. */
const PUNCTUATION = [
  '<<=', '>>=', '..=',
  '==', '!=', '<=', '>=', '<<', '>>', '..', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '(', ')', '{', '}', ',', ':', ';', '.', '=', '+', '-', '*', '/', '%', '&', '|', '^', '~', '<', '>',
] as const;
export type Punctuation = (typeof PUNCTUATION)[number];

export type TokenKind = 'int' | 'string' | 'ident' | 'eof' | Keyword | Punctuation;

export interface Token {
  readonly kind: TokenKind;
  readonly span: Span;
  /** The source text of the token. */
  readonly text: string;
  /** A line break (or the start of the program) lies between the previous token and this one. */
  readonly nl: boolean;
  /** `int`: the exact value (0 if the literal had an error). */
  readonly int?: bigint;
  /** `string`: the decoded contents. */
  readonly str?: string;
}

export interface LexResult {
  readonly tokens: Token[];
  readonly comments: { text: string; span: Span }[];
  readonly diagnostics: Diagnostic[];
}

export const U64_MAX = (1n << 64n) - 1n;

/** Size suffixes on decimal numbers: powers of 1024, as the kernel's SZ_4K, SZ_2M, SZ_1G. */
export const SIZE_SUFFIXES: Readonly<Record<string, bigint>> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentChar = (c: string) => isIdentStart(c) || isDigit(c);
const isHexDigit = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isLineBreak = (c: string) => c === '\n' || c === '\r';

/** A character as a message shows it: '@', or U+00A0 for what would not print. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp > 0x20 && cp < 0x7f) return `'${ch}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function lex(text: string): LexResult {
  return new Lexer(text).run();
}

class Lexer {
  private pos = 0;
  private nl = true;
  private readonly tokens: Token[] = [];
  private readonly comments: { text: string; span: Span }[] = [];
  private readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly text: string) {}

  run(): LexResult {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (isLineBreak(c)) {
        this.pos++;
        this.nl = true;
      } else if (c === '#') this.comment(this.pos + 1);
      else if (isDigit(c)) this.number();
      else if (isIdentStart(c)) this.ident();
      else if (c === '"') this.string('"');
      else if (c === "'") this.string("'");
      else this.punctuation();
    }
    this.push('eof', this.pos, this.pos);
    return { tokens: this.tokens, comments: this.comments, diagnostics: this.diagnostics };
  }

  private push(kind: TokenKind, start: number, end: number, extra?: { int?: bigint; str?: string }): void {
    this.tokens.push({ kind, span: { start, end }, text: this.text.slice(start, end), nl: this.nl, ...extra });
    this.nl = false;
  }

  private report<K extends MessageKey>(key: K, start: number, end: number, args: MessageArgs<K>): void {
    this.diagnostics.push(makeDiagnostic(key, { start, end }, args));
  }

  private lineEnd(from: number): number {
    let i = from;
    while (i < this.text.length && !isLineBreak(this.text[i])) i++;
    return i;
  }

  /** From `bodyStart` to the end of the line; the comment's start is the character before. */
  private comment(bodyStart: number): void {
    const end = this.lineEnd(bodyStart);
    this.comments.push({ text: this.text.slice(bodyStart, end), span: { start: bodyStart - 1, end } });
    this.pos = end;
  }

  private ident(): void {
    const start = this.pos;
    while (this.pos < this.text.length && isIdentChar(this.text[this.pos])) this.pos++;
    const word = this.text.slice(start, this.pos);
    this.push(KEYWORD_SET.has(word) ? (word as Keyword) : 'ident', start, this.pos);
  }

  // --- numbers -------------------------------------------------------------------------------

  /** Takes the whole run of letters, digits and '_' that starts with a digit, so that `4KB`,
   *  `0x12g4` and `1_000_` are one token with one precise complaint rather than several. */
  private number(): void {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && isIdentChar(t[this.pos])) this.pos++;
    // `1.5`: a fraction (but `0..8` is a range, and `x.y` never starts with a digit).
    if (t[this.pos] === '.' && isDigit(t[this.pos + 1] ?? '')) {
      this.pos++;
      while (this.pos < t.length && isIdentChar(t[this.pos])) this.pos++;
      this.report('fraction', start, this.pos, { text: t.slice(start, this.pos) });
      this.push('int', start, this.pos, { int: 0n });
      return;
    }
    const word = t.slice(start, this.pos);
    const r = scanNumber(word);
    if (r.error) this.report(r.error.key, start, this.pos, r.error.args as never);
    this.push('int', start, this.pos, { int: r.error ? 0n : r.value });
  }

  // --- strings -------------------------------------------------------------------------------

  private string(quote: '"' | "'"): void {
    const t = this.text;
    const start = this.pos++;
    let value = '';
    let closed = false;
    while (this.pos < t.length && !isLineBreak(t[this.pos])) {
      const c = t[this.pos];
      if (c === quote) {
        this.pos++;
        closed = true;
        break;
      }
      if (c !== '\\') {
        value += c;
        this.pos++;
        continue;
      }
      value += this.escape();
    }
    if (quote === "'") {
      const fixed = `"${t.slice(start + 1, closed ? this.pos - 1 : this.pos).replace(/"/g, '\\"')}"`;
      this.report('singleQuotes', start, this.pos, { fixed });
    } else if (!closed) {
      this.report('unterminatedString', start, this.pos, {});
    }
    this.push('string', start, this.pos, { str: value });
  }

  /** At a backslash inside a string: decodes one escape, reporting a bad one. */
  private escape(): string {
    const t = this.text;
    const at = this.pos;
    const e = t[at + 1];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"' };
    if (e !== undefined && Object.hasOwn(simple, e)) {
      this.pos += 2;
      return simple[e];
    }
    if (e === 'x') {
      const hex = t.slice(at + 2, at + 4);
      if (hex.length === 2 && isHexDigit(hex[0]) && isHexDigit(hex[1])) {
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      this.pos += 2;
      this.report('badHexEscape', at, this.pos, {});
      return '';
    }
    if (e === undefined || isLineBreak(e)) {
      // A backslash at the end of the line: the string is unterminated; say that once.
      this.pos += 1;
      return '';
    }
    const ch = String.fromCodePoint(t.codePointAt(at + 1) ?? 0);
    this.pos += 1 + ch.length;
    this.report('unknownEscape', at, this.pos, { escape: `\\${ch}` });
    return ch;
  }

  // --- punctuation and strays ----------------------------------------------------------------

  private punctuation(): void {
    const t = this.text;
    const start = this.pos;
    const two = t.slice(start, start + 2);
    // C and Python habits with an exact answer: say it, then carry on as if written our way.
    if (two === '//' || two === '/*') {
      this.report('cComment', start, start + 2, { op: two });
      if (two === '//') this.comment(start + 2);
      else {
        const close = t.indexOf('*/', start + 2);
        const end = close < 0 ? t.length : close + 2;
        for (let i = start; i < end; i++) if (isLineBreak(t[i])) this.nl = true;
        this.comments.push({ text: t.slice(start + 2, close < 0 ? end : close), span: { start, end } });
        this.pos = end;
      }
      return;
    }
    const cOps: Record<string, 'and' | 'or'> = { '&&': 'and', '||': 'or' };
    if (Object.hasOwn(cOps, two)) {
      this.report('cOperator', start, start + 2, { op: two, word: cOps[two] });
      this.pos += 2;
      this.push(cOps[two], start, this.pos);
      return;
    }
    if (t[start] === '!' && t[start + 1] !== '=') {
      this.report('cOperator', start, start + 1, { op: '!', word: 'not' });
      this.pos += 1;
      this.push('not', start, this.pos);
      return;
    }
    if (two === '**') {
      this.report('noPower', start, start + 2, {});
      this.pos += 2;
      this.push('*', start, this.pos);
      return;
    }
    for (const p of PUNCTUATION) {
      if (t.startsWith(p, start)) {
        this.pos += p.length;
        this.push(p, start, this.pos);
        return;
      }
    }
    if (t[start] === '\\') {
      let i = start + 1;
      while (t[i] === ' ' || t[i] === '\t') i++;
      if (i >= t.length || isLineBreak(t[i])) {
        this.report('backslashContinuation', start, start + 1, {});
        this.pos = start + 1;
        return;
      }
    }
    // Anything else: report the run of unknown characters once and skip it.
    let end = start;
    while (end < t.length && this.isStray(end)) end += (t.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
    if (end === start) end = start + 1; // a lone surrogate or the like: still make progress
    this.report('unexpectedCharacter', start, end, { char: describeChar(String.fromCodePoint(t.codePointAt(start) ?? 0)) });
    this.pos = end;
  }

  private isStray(i: number): boolean {
    const c = this.text[i];
    if (c === ' ' || c === '\t' || isLineBreak(c) || c === '#' || c === '"' || c === "'" || c === '!' || c === '\\') return false;
    if (isIdentChar(c)) return false;
    return !PUNCTUATION.some((p) => p[0] === c);
  }
}

// ---------------------------------------------------------------------------------------------
// Number literals

type NumberError = { key: MessageKey; args: Record<string, string> };

const BASES = {
  16: { name: 'hex', prefix: '0x', ok: isHexDigit },
  2: { name: 'binary', prefix: '0b', ok: (c: string) => c === '0' || c === '1' },
  10: { name: 'decimal', prefix: '', ok: isDigit },
} as const;

/** Checks '_' placement in a run of digits and underscores. */
function underscoreError(digits: string, text: string): NumberError | null {
  if (digits.startsWith('_') || digits.includes('__')) return { key: 'misplacedUnderscore', args: { text } };
  // Shown as it should be: "a number like 0x4000_0000 cannot end with '_'".
  if (digits.endsWith('_')) return { key: 'numberEndsWithUnderscore', args: { text: text.replace(/_+(?=[A-Za-z]*$)/, '') } };
  return null;
}

/** Reads one number literal (the whole word): its exact value, or the first thing wrong with it. */
export function scanNumber(text: string): { value: bigint; error?: NumberError } {
  const lower = text.slice(0, 2).toLowerCase();
  const base = lower === '0x' ? 16 : lower === '0b' ? 2 : 10;
  const b = BASES[base];
  const body = base === 10 ? text : text.slice(2);
  let n = 0;
  while (n < body.length && (b.ok(body[n]) || body[n] === '_')) n++;
  const digits = body.slice(0, n);
  const rest = body.slice(n);
  const clean = digits.replace(/_/g, '');
  const fail = (key: MessageKey, args: Record<string, string>) => ({ value: 0n, error: { key, args } });

  if (base !== 10 && clean === '' && (rest === '' || !isDigit(rest[0]))) {
    return fail('missingDigits', { prefix: text.slice(0, 2), base: b.name });
  }
  let unit = 1n;
  if (rest !== '') {
    if (base === 10 && isIdentStart(rest[0])) {
      if (!Object.hasOwn(SIZE_SUFFIXES, rest)) return fail('unknownSuffix', { suffix: rest });
      unit = SIZE_SUFFIXES[rest];
    } else if (base === 16 && Object.hasOwn(SIZE_SUFFIXES, rest) && clean !== '') {
      const v = BigInt(`0x${clean}`);
      return fail('suffixOnHex', { fixed: `${v}${rest}`, text });
    } else {
      return fail('badDigit', { char: rest[0], base: b.name, text });
    }
  }
  const u = underscoreError(digits, text);
  if (u) return { value: 0n, error: u };
  if (base === 10 && clean.length > 1 && clean[0] === '0') {
    return fail('leadingZero', { text, fixed: `${BigInt(clean)}${rest}` });
  }
  const value = BigInt(base === 10 ? clean : `${b.prefix}${clean}`) * unit;
  if (value > U64_MAX) return fail('numberTooBig', { text });
  return { value };
}
