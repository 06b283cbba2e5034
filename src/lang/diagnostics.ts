// Every message the lab language can give, in one table with stable codes (as TypeScript's
// diagnosticMessages.json): LAB1xxx from the lexer, LAB2xxx from the parser, LAB3xxx from the
// checker; the interpreter will take LAB4xxx. A code, once published, keeps its meaning: change
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

  // --- checker ---------------------------------------------------------------------------------
  unknownBuiltin: { code: 'LAB3001', severity: 'error', text: "unknown builtin '{name}'{hint}" },
  unknownProc: { code: 'LAB3002', severity: 'error', text: "there is no proc or builtin called '{name}'{hint}" },
  notCallable: { code: 'LAB3003', severity: 'error', text: '{what} is not a builtin or a proc, so it cannot be called' },
  unknownArgument: { code: 'LAB3004', severity: 'error', text: "{callee} has no argument '{name}'{hint}" },
  missingArgument: { code: 'LAB3005', severity: 'error', text: 'missing {args} in the call to {callee}' },
  tooManyArguments: { code: 'LAB3006', severity: 'error', text: 'too many arguments: {callee} takes {count}' },
  argumentTwice: { code: 'LAB3007', severity: 'error', text: "the argument '{name}' is already given by position (argument {n})" },
  procNamedArgument: { code: 'LAB3008', severity: 'error', text: "a proc takes its arguments by position, not by name: drop '{name}:'" },
  procArity: { code: 'LAB3009', severity: 'error', text: '{proc} takes {count}, but the call gives {given}' },
  wrongType: { code: 'LAB3010', severity: 'error', text: '{arg} takes {expected}, not {got}{hint}' },
  tooLarge: { code: 'LAB3011', severity: 'error', text: '{arg} {value} is too large: the largest allowed is {max}' },
  tooSmall: { code: 'LAB3012', severity: 'error', text: '{arg} {value} is too small: the smallest allowed is {min}' },
  misaligned: { code: 'LAB3013', severity: 'error', text: '{arg} {value} must be a multiple of {align}' },
  notAWord: { code: 'LAB3014', severity: 'error', text: "'{word}' is not one of the words {arg} accepts: {hint}" },
  unknownName: { code: 'LAB3015', severity: 'error', text: "unknown name '{name}'{hint}" },
  assignUndeclared: { code: 'LAB3016', severity: 'error', text: "cannot give '{name}' a value: there is no variable '{name}' here{hint}" },
  unknownField: { code: 'LAB3017', severity: 'error', text: "'{name}' ({type}) has no field '{field}'{hint}" },
  notAValue: { code: 'LAB3018', severity: 'error', text: "'{name}' is {what}, not a value: {hint}" },
  wordOutOfPlace: { code: 'LAB3019', severity: 'error', text: "there is no variable '{word}' here, and the word {word} can only be given directly to an argument that accepts it{hint}" },
  stepZero: { code: 'LAB3020', severity: 'error', text: 'a loop with step 0 would never end: the step must be 1 or more' },
  emptyRange: { code: 'LAB3021', severity: 'warning', text: 'this loop never runs: it starts at {from}, which is not below its end {to}' },
  expectMessage: { code: 'LAB3022', severity: 'error', text: 'the message of an expect must be a string, not {got}: write expect …, "what went wrong"' },
  noReturnValue: { code: 'LAB3023', severity: 'error', text: "{proc} never returns a value, so its result cannot be used: add 'return …' to the proc, or call it on a line of its own" },
  duplicateProc: { code: 'LAB3024', severity: 'error', text: "a proc called '{name}' is already declared" },
  procNamedLikeBuiltin: { code: 'LAB3025', severity: 'error', text: "a proc cannot be called '{name}': that is the name of a builtin" },
  redeclared: { code: 'LAB3026', severity: 'warning', text: "'{name}' is already a variable here{hint}" },
  wordIsVariable: { code: 'LAB3027', severity: 'warning', text: "'{name}' here is the variable, not the word {name}: rename the variable to pass the word" },
  unusedValue: { code: 'LAB3028', severity: 'warning', text: "this line computes a value and does nothing with it: to check it, write 'expect …'; to keep it, write 'let name = …'" },
  checkerInternalError: { code: 'LAB3099', severity: 'error', text: 'internal error in the checker ({detail}); please report it with the program' },
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
