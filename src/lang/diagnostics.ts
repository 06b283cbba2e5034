// Every message the lab language can give, in one table with stable codes (as TypeScript's
// diagnosticMessages.json): LAB1xxx from the lexer, LAB2xxx from the parser; the checker will
// take LAB3xxx and the interpreter LAB4xxx. A code, once published, keeps its meaning: change
// the wording freely, never reuse a number. docs/language.md lists them all (a test checks).
//
// Messages speak to a student: say what is wrong in the program's own words, and how to write
// it instead. `{name}` marks a value filled in at the point of use.

import type { Span } from './ast';

export type Severity = 'error' | 'warning';

interface MessageDef {
  readonly code: string;
  readonly severity: Severity;
  readonly text: string;
}

export const MESSAGES = {
  // --- lexer -----------------------------------------------------------------------------------
  unexpectedCharacter: { code: 'LAB1001', severity: 'error', text: 'unexpected character {char}' },
  unterminatedString: { code: 'LAB1002', severity: 'error', text: "this string has no closing '\"' before the end of the line" },
  unknownEscape: { code: 'LAB1003', severity: 'error', text: "unknown escape '{escape}' in a string (use \\n, \\t, \\r, \\0, \\\\, \\\" or \\xHH)" },
  badHexEscape: { code: 'LAB1004', severity: 'error', text: "'\\x' in a string must be followed by two hex digits, as in \\x41" },
  singleQuotes: { code: 'LAB1005', severity: 'error', text: 'strings are written in double quotes: {fixed}' },
  numberEndsWithUnderscore: { code: 'LAB1006', severity: 'error', text: "a number like {text} cannot end with '_'" },
  misplacedUnderscore: { code: 'LAB1007', severity: 'error', text: "'_' in {text} must stand between two digits" },
  badDigit: { code: 'LAB1008', severity: 'error', text: "'{char}' is not a {base} digit (in {text})" },
  missingDigits: { code: 'LAB1009', severity: 'error', text: "'{prefix}' must be followed by {base} digits" },
  unknownSuffix: { code: 'LAB1010', severity: 'error', text: "unknown size suffix '{suffix}' (use K, M, G or T)" },
  suffixOnHex: { code: 'LAB1011', severity: 'error', text: 'a size suffix can only follow a decimal number: write {fixed} instead of {text}' },
  numberTooBig: { code: 'LAB1012', severity: 'error', text: '{text} does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff)' },
  leadingZero: { code: 'LAB1013', severity: 'error', text: "a decimal number cannot start with '0' (C would read {text} as octal): write {fixed}, or 0x… for hex" },
  fraction: { code: 'LAB1014', severity: 'error', text: 'lab programs have whole numbers only: {text} has a fraction' },
  cOperator: { code: 'LAB1015', severity: 'error', text: "'{op}' is written '{word}' in lab programs" },
  cComment: { code: 'LAB1016', severity: 'error', text: "comments start with '#' in lab programs, not '{op}'" },
  noPower: { code: 'LAB1017', severity: 'error', text: "there is no '**' operator: for a power of two write 1 << n" },
  backslashContinuation: { code: 'LAB1018', severity: 'error', text: "'\\' does not continue a line: put a long expression or call inside parentheses, which may span lines" },

  // --- parser ----------------------------------------------------------------------------------
  expected: { code: 'LAB2001', severity: 'error', text: 'expected {expected}, found {found}' },
  unclosedCall: { code: 'LAB2002', severity: 'error', text: "expected ')' to close the call to {callee} started at {at}" },
  unclosedParen: { code: 'LAB2003', severity: 'error', text: "expected ')' to close the '(' at {at}" },
  unclosedBlock: { code: 'LAB2004', severity: 'error', text: "expected '}' to close the block of {owner} started at {at}" },
  strayCloseBrace: { code: 'LAB2005', severity: 'error', text: "unexpected '}' — there is no block to close" },
  strayCloseParen: { code: 'LAB2006', severity: 'error', text: "unexpected ')' — there is no '(' to close" },
  trailingTokens: { code: 'LAB2007', severity: 'error', text: 'expected the end of the statement, found {found} (each statement goes on a line of its own)' },
  missingComma: { code: 'LAB2008', severity: 'error', text: "expected ',' between arguments, found {found}" },
  namedArgEquals: { code: 'LAB2009', severity: 'error', text: "a named argument is written with ':', as in '{name}: …', not with '='" },
  positionalAfterNamed: { code: 'LAB2010', severity: 'error', text: 'a positional argument cannot follow named arguments: put it before them, or give it its name' },
  duplicateArgument: { code: 'LAB2011', severity: 'error', text: "the argument '{name}' is given twice" },
  chainedComparison: { code: 'LAB2012', severity: 'error', text: "comparisons cannot be chained: write 'a {op1} b and b {op2} c'" },
  procNotTopLevel: { code: 'LAB2013', severity: 'error', text: 'a proc can only be declared at the top level of the program, not inside a block' },
  compoundAssignment: { code: 'LAB2014', severity: 'error', text: "there is no '{op}' in lab programs: write '{name} = {name} {binop} …'" },
  badAssignTarget: { code: 'LAB2015', severity: 'error', text: "cannot assign to {target}: only a variable (a name made with 'let') can be given a new value" },
  assignInExpression: { code: 'LAB2016', severity: 'error', text: "'=' gives a variable a value; to compare two values, write '=='" },
  duplicateParameter: { code: 'LAB2017', severity: 'error', text: "the parameter '{name}' appears twice" },
  elseWithoutIf: { code: 'LAB2018', severity: 'error', text: "'else' without an 'if' just before it" },
  returnOutsideProc: { code: 'LAB2019', severity: 'error', text: "'return' can only be used inside a proc" },
  reservedWord: { code: 'LAB2020', severity: 'error', text: "'{word}' is a reserved word and cannot be used as a name" },
  foreignKeyword: { code: 'LAB2021', severity: 'error', text: "there is no '{word}' in lab programs: {hint}" },
  tooDeep: { code: 'LAB2022', severity: 'error', text: 'this is nested too deeply (more than {max} levels of parentheses, blocks or chained operators); the rest of the program was not read' },
  inclusiveRange: { code: 'LAB2023', severity: 'error', text: "there is no '..=': a range a..b stops just before b, so to include b write a..b+1" },
  internalError: { code: 'LAB2099', severity: 'error', text: 'internal error in the parser ({detail}); please report it with the program' },
} as const satisfies Record<string, MessageDef>;

export type MessageKey = keyof typeof MESSAGES;

/** The placeholder names of a message template: 'a {x} b {y}' -> 'x' | 'y'. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
export type MessageArgs<K extends MessageKey> = Record<Placeholders<(typeof MESSAGES)[K]['text']>, string>;

export interface Related {
  readonly message: string;
  readonly span: Span;
}

export interface Diagnostic {
  readonly code: string;
  readonly key: MessageKey;
  readonly severity: Severity;
  readonly message: string;
  /** Where to underline; zero-width when something is missing (at the place it should be). */
  readonly span: Span;
  /** Other places that explain this one, e.g. the '(' that a missing ')' should close. */
  readonly related?: readonly Related[];
}

/** Fills a template; unknown placeholders are left as they are. */
export function fill(template: string, args: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (Object.hasOwn(args, name) ? args[name] : m));
}

export function makeDiagnostic<K extends MessageKey>(key: K, span: Span, args: MessageArgs<K>, related?: readonly Related[]): Diagnostic {
  const def: MessageDef = MESSAGES[key];
  const d = { code: def.code, key, severity: def.severity, message: fill(def.text, args as Record<string, string>), span };
  return related && related.length ? { ...d, related } : d;
}

// ---------------------------------------------------------------------------------------------
// Positions

export interface LineCol {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units from the start of the line (as Monaco counts columns). */
  readonly col: number;
}

/** Line starts of a text, for many offset -> line:col lookups. A line ends at "\n", "\r\n" or
 *  a lone "\r", the same line breaks the lexer sees. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  /** line:col of an offset; offsets outside the text are clamped to it. */
  lineCol(offset: number): LineCol {
    const o = Math.max(0, Math.min(Math.trunc(offset) || 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: o - this.starts[lo] + 1 };
  }

  /** "3:14" */
  at(offset: number): string {
    const { line, col } = this.lineCol(offset);
    return `${line}:${col}`;
  }
}

export function lineCol(text: string, offset: number): LineCol {
  return new LineMap(text).lineCol(offset);
}

/** `FILE:LINE:COL: message [LAB2002]`, the form compilers use, so editors and terminals can jump
 *  to it; warnings say so before the message. */
export function formatDiagnostic(d: Diagnostic, text: string | LineMap, file = '<program>'): string {
  const map = typeof text === 'string' ? new LineMap(text) : text;
  const { line, col } = map.lineCol(d.span.start);
  const sev = d.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${line}:${col}: ${sev}${d.message} [${d.code}]`;
}
