import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINARY_PRECEDENCE } from './ast';
import { LineMap, MESSAGES, type MessageKey, fill, formatDiagnostic, lineCol, makeDiagnostic } from './diagnostics';
import { parse } from './parser';

describe('the message table', () => {
  // Codes are published (in docs, in links people paste into issues): this list pins them.
  // Add new ones at the end of their range; never renumber or reuse one.
  const PINNED: Record<MessageKey, string> = {
    unexpectedCharacter: 'LAB1001', unterminatedString: 'LAB1002', unknownEscape: 'LAB1003', badHexEscape: 'LAB1004',
    singleQuotes: 'LAB1005', numberEndsWithUnderscore: 'LAB1006', misplacedUnderscore: 'LAB1007', badDigit: 'LAB1008',
    missingDigits: 'LAB1009', unknownSuffix: 'LAB1010', suffixOnHex: 'LAB1011', numberTooBig: 'LAB1012',
    leadingZero: 'LAB1013', fraction: 'LAB1014', cOperator: 'LAB1015', cComment: 'LAB1016', noPower: 'LAB1017',
    backslashContinuation: 'LAB1018',
    expected: 'LAB2001', unclosedCall: 'LAB2002', unclosedParen: 'LAB2003', unclosedBlock: 'LAB2004',
    strayCloseBrace: 'LAB2005', strayCloseParen: 'LAB2006', trailingTokens: 'LAB2007', missingComma: 'LAB2008',
    namedArgEquals: 'LAB2009', positionalAfterNamed: 'LAB2010', duplicateArgument: 'LAB2011', chainedComparison: 'LAB2012',
    procNotTopLevel: 'LAB2013', compoundAssignment: 'LAB2014', badAssignTarget: 'LAB2015', assignInExpression: 'LAB2016',
    duplicateParameter: 'LAB2017', elseWithoutIf: 'LAB2018', returnOutsideProc: 'LAB2019', reservedWord: 'LAB2020',
    foreignKeyword: 'LAB2021', tooDeep: 'LAB2022', inclusiveRange: 'LAB2023', internalError: 'LAB2099',
    unknownBuiltin: 'LAB3001', unknownProc: 'LAB3002', notCallable: 'LAB3003', unknownArgument: 'LAB3004',
    missingArgument: 'LAB3005', tooManyArguments: 'LAB3006', argumentTwice: 'LAB3007', procNamedArgument: 'LAB3008',
    procArity: 'LAB3009', wrongType: 'LAB3010', tooLarge: 'LAB3011', tooSmall: 'LAB3012', misaligned: 'LAB3013',
    notAWord: 'LAB3014', unknownName: 'LAB3015', assignUndeclared: 'LAB3016', unknownField: 'LAB3017', notAValue: 'LAB3018',
    wordOutOfPlace: 'LAB3019', stepZero: 'LAB3020', emptyRange: 'LAB3021', expectMessage: 'LAB3022', noReturnValue: 'LAB3023',
    duplicateProc: 'LAB3024', procNamedLikeBuiltin: 'LAB3025', redeclared: 'LAB3026', wordIsVariable: 'LAB3027',
    unusedValue: 'LAB3028', checkerInternalError: 'LAB3099',
  };

  it('keeps every code where it was published', () => {
    const actual = Object.fromEntries(Object.entries(MESSAGES).map(([k, m]) => [k, m.code]));
    expect(actual).toEqual(PINNED);
  });

  it('has unique codes of the form LABnnnn, lexer 1xxx, parser 2xxx, checker 3xxx', () => {
    const codes = Object.values(MESSAGES).map((m) => m.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^LAB[123]\d{3}$/);
  });

  it('fills placeholders and leaves unknown ones alone', () => {
    expect(fill('a {x} b {y} {x}', { x: '1', y: '2' })).toBe('a 1 b 2 1');
    expect(fill('a {z}', {})).toBe('a {z}');
    expect(fill('{toString}', {})).toBe('{toString}');
    const d = makeDiagnostic('unknownSuffix', { start: 3, end: 5 }, { suffix: 'X' });
    expect(d).toEqual({ code: 'LAB1010', key: 'unknownSuffix', severity: 'error', message: "unknown size suffix 'X' (use K, M, G or T)", span: { start: 3, end: 5 } });
  });
});

describe('positions', () => {
  // [text, offset, line, col]
  const cases: [string, number, number, number][] = [
    ['', 0, 1, 1],
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['abc', 3, 1, 4], // the end of the text is a position too
    ['ab\ncd', 3, 2, 1],
    ['ab\ncd', 4, 2, 2],
    ['ab\n', 3, 2, 1],
    ['ab\r\ncd', 4, 2, 1],
    ['ab\r\ncd', 3, 1, 4], // between \r and \n: still the first line
    ['ab\rcd', 3, 2, 1], // a lone \r breaks a line (as Monaco and the lexer agree)
    ['a\n\n\nb', 4, 4, 1],
    ['\u{1F600}x', 2, 1, 3], // UTF-16 columns: the emoji takes two
    ['abc', 99, 1, 4], // clamped
    ['abc', -5, 1, 1],
  ];
  it.each(cases)('%j at %i is %i:%i', (text, offset, line, col) => {
    expect(lineCol(text, offset)).toEqual({ line, col });
    expect(new LineMap(text).at(offset)).toBe(`${line}:${col}`);
  });

  it('formats FILE:LINE:COL: message [CODE], with warnings marked', () => {
    const text = 'let x = 1\nlet y = 4X';
    const d = makeDiagnostic('unknownSuffix', { start: 18, end: 20 }, { suffix: 'X' });
    expect(formatDiagnostic(d, text, 'a.lab')).toBe("a.lab:2:9: unknown size suffix 'X' (use K, M, G or T) [LAB1010]");
    expect(formatDiagnostic({ ...d, severity: 'warning' }, new LineMap(text))).toBe(
      "<program>:2:9: warning: unknown size suffix 'X' (use K, M, G or T) [LAB1010]",
    );
  });
});

describe('docs/language.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
  const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

  it('lists every diagnostic code', () => {
    for (const { code } of Object.values(MESSAGES)) expect(doc).toContain(`| ${code} |`);
  });

  it('has examples that parse without a diagnostic', () => {
    const examples = blocks('lab');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const text of examples) expect(parse(text).diagnostics).toEqual([]);
  });

  it('shows exactly what the parser reports for its broken example', () => {
    const [broken] = blocks('lab-broken');
    const shown = doc.slice(doc.indexOf('```lab-broken')).match(/```text\n([\s\S]*?)```/)![1];
    const reported = parse(broken).diagnostics.map((d) => formatDiagnostic(d, broken, 'lesson.lab'));
    expect(reported.join('\n') + '\n').toBe(shown);
  });

  it('has the precedence table of the parser (ast.ts BINARY_PRECEDENCE)', () => {
    const row = (level: number) => doc.split('\n').find((l) => l.startsWith(`| ${level} |`)) ?? '';
    for (const [op, level] of Object.entries(BINARY_PRECEDENCE)) {
      expect(row(level)).toContain(`\`${op.replace('|', '\\|')}\``);
    }
    expect(row(3)).toContain('`not`');
    expect(row(11)).toContain('`~`');
  });
});
