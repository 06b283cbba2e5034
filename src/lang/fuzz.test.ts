// parse() takes anything a student (or a shared link) can type: whatever the text, it returns a
// program and diagnostics and never throws. Random strings, token soup and mutations of valid
// programs (characters deleted, inserted, duplicated) check that, with the spans: every
// diagnostic and every node lies inside the text, and every node inside its parent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Node, children } from './ast';
import { CORPUS } from './corpus';
import { parse } from './parser';
import { BASIC_INSERTS, mutate, mutationOf, soupOf } from './fuzz.test-util';

function checkParse(text: string): void {
  const { program, diagnostics } = parse(text);
  for (const d of diagnostics) {
    expect(d.code).not.toBe('LAB2099'); // the parser's own safety net caught a bug
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.message).not.toMatch(/\{\w+\}/); // every placeholder filled
  }
  for (let i = 1; i < diagnostics.length; i++) expect(diagnostics[i].span.start).toBeGreaterThan(diagnostics[i - 1].span.start);
  checkSpans(program, text.length);
}

function checkSpans(node: Node, len: number): void {
  const { start, end } = node.span;
  if (!(start >= 0 && start <= end && end <= len)) throw new Error(`${node.kind} span ${start}..${end} outside 0..${len}`);
  let last = start;
  for (const c of children(node)) {
    if (c.span.start < last || c.span.end > end) {
      throw new Error(`${c.kind} ${c.span.start}..${c.span.end} not inside ${node.kind} ${start}..${end} after ${last}`);
    }
    last = c.span.end;
    checkSpans(c, len);
  }
}

/** Pieces that make lab-program-like soup: keywords, punctuation, numbers, line breaks. */
const PIECES = [
  'let ', 'proc ', 'return ', 'if ', 'else ', 'for ', ' in ', 'expect ', ' and ', ' or ', 'not ', 'true', 'false', 'step ',
  'x', 'guest.s1.map', 'r.pa', 'rw', 'va: ', 'elif ', 'while ', 'var ', 'assert ',
  '(', ')', '{', '}', ',', ':', ';', '.', '..', '..=', '=', '==', '!=', '<', '<=', '>>', '<<=', '+=', '+', '-', '*', '**',
  '/', '//', '/*', '*/', '%', '&', '&&', '|', '||', '^', '~', '!',
  '0', '0x', '0x4000_0000', '_', '4K', '1G', '7X', '0b', '99999999999999999999999', '1.5', '010',
  '"', '"str"', '\\', '\\x4', "'", '#', '# comment', '\n', '\r\n', '\r', ' ', '\t', '@', '\u00a0', '\ud83d\ude00', '\ud800',
];

const soup = soupOf(PIECES);
const mutation = mutationOf(BASIC_INSERTS);

describe('parse never throws, and its spans stay inside the text', () => {
  it('on the corpus itself (which is valid)', () => {
    for (const text of CORPUS) {
      expect(parse(text).diagnostics).toEqual([]);
      checkParse(text);
    }
  });

  it('on random strings of any code units', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 120 }), checkParse), { numRuns: 400 });
  });

  it('on lab-program-like token soup', () => {
    fc.assert(fc.property(soup, checkParse), { numRuns: 1500 });
  });

  it('on valid programs with characters deleted, inserted and duplicated', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, ms) => checkParse(mutate(text, ms))),
      { numRuns: 1500 },
    );
  });

  it('on nesting far deeper than any program (reported, not a stack overflow)', () => {
    for (const text of [
      '('.repeat(50_000),
      `let x = ${'('.repeat(5000)}1${')'.repeat(5000)}`,
      '-'.repeat(50_000),
      'not '.repeat(20_000),
      'if x {'.repeat(5000),
      `let a = 1\nexpect ${'f('.repeat(3000)}`,
      `${'x.'.repeat(20_000)}y`,
      `${'1 + '.repeat(20_000)}1`,
    ]) {
      checkParse(text);
    }
    const deep = parse(`let a = 1\nlet b = ${'('.repeat(500)}`);
    expect(deep.diagnostics.map((d) => d.code)).toEqual(['LAB2022']);
    expect(deep.program.body.map((s) => s.kind)).toEqual(['Let']); // what came before is kept
  });
});
