import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineMap } from './diagnostics';
import { SIZE_SUFFIXES, U64_MAX, lex } from './lexer';

/** Diagnostics as `line:col-line:col: message [code]`, the whole span, for exact comparison. */
function diags(text: string): string[] {
  const m = new LineMap(text);
  return lex(text).diagnostics.map((d) => `${m.at(d.span.start)}-${m.at(d.span.end)}: ${d.message} [${d.code}]`);
}

function oneInt(text: string): bigint | undefined {
  const toks = lex(text).tokens;
  expect(toks.map((t) => t.kind)).toEqual(['int', 'eof']);
  return toks[0].int;
}

describe('number literals', () => {
  // [literal, exact value]. Size suffixes are powers of 1024 (the kernel's SZ_4K, SZ_2M, SZ_1G).
  const good: [string, bigint][] = [
    ['0', 0n],
    ['7', 7n],
    ['1_000', 1000n],
    ['1_000_000', 1_000_000n],
    ['0x10', 16n],
    ['0x4000_0000', 0x4000_0000n],
    ['0x8_0010_0040', 0x8_0010_0040n],
    ['0XfF', 255n],
    ['0x0', 0n],
    ['0b1010', 10n],
    ['0b1111_0000', 0xf0n],
    ['4K', 4096n],
    ['64K', 65536n],
    ['2M', 2n * 1024n * 1024n],
    ['1G', 1n << 30n],
    ['512G', 1n << 39n],
    ['1T', 1n << 40n],
    ['0K', 0n],
    ['1_024K', 1n << 20n],
    ['16777215T', U64_MAX - ((1n << 40n) - 1n)],
    ['18446744073709551615', U64_MAX],
    ['18_446_744_073_709_551_615', U64_MAX],
    ['0xffff_ffff_ffff_ffff', U64_MAX],
    ['0x0800000000000000', 0x0800_0000_0000_0000n], // sPAPR's 64-bit DMA window
    ['0b' + '1'.repeat(64), U64_MAX],
  ];
  it.each(good)('%s is %s', (text, value) => {
    expect(oneInt(text)).toBe(value);
    expect(diags(text)).toEqual([]);
  });

  // [literal, the message]; every error spans the whole literal and leaves an int token of value 0.
  const bad: [string, string][] = [
    ['0x4000_0000_', "a number like 0x4000_0000 cannot end with '_' [LAB1006]"],
    ['1_000_', "a number like 1_000 cannot end with '_' [LAB1006]"],
    ['4_K', "a number like 4K cannot end with '_' [LAB1006]"],
    ['1__000', "'_' in 1__000 must stand between two digits [LAB1007]"],
    ['0x_10', "'_' in 0x_10 must stand between two digits [LAB1007]"],
    ['4X', "unknown size suffix 'X' (use K, M, G or T) [LAB1010]"],
    ['4KB', "unknown size suffix 'KB' (use K, M, G or T) [LAB1010]"],
    ['4k', "unknown size suffix 'k' (use K, M, G or T) [LAB1010]"],
    ['1e6', "unknown size suffix 'e6' (use K, M, G or T) [LAB1010]"],
    ['0x10K', 'a size suffix can only follow a decimal number: write 16K instead of 0x10K [LAB1011]'],
    ['0x12g4', "'g' is not a hex digit (in 0x12g4) [LAB1008]"],
    ['0x10KB', "'K' is not a hex digit (in 0x10KB) [LAB1008]"],
    ['0b102', "'2' is not a binary digit (in 0b102) [LAB1008]"],
    ['0x', "'0x' must be followed by hex digits [LAB1009]"],
    ['0b', "'0b' must be followed by binary digits [LAB1009]"],
    ['0x_', "'0x' must be followed by hex digits [LAB1009]"],
    ['010', "a decimal number cannot start with '0' (C would read 010 as octal): write 10, or 0x… for hex [LAB1013]"],
    ['00', "a decimal number cannot start with '0' (C would read 00 as octal): write 0, or 0x… for hex [LAB1013]"],
    ['1.5', 'lab programs have whole numbers only: 1.5 has a fraction [LAB1014]'],
    ['18446744073709551616', '18446744073709551616 does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff) [LAB1012]'],
    ['0x1_0000_0000_0000_0000', '0x1_0000_0000_0000_0000 does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff) [LAB1012]'],
    ['16777216T', '16777216T does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff) [LAB1012]'],
    ['0b1' + '0'.repeat(64), `0b1${'0'.repeat(64)} does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff) [LAB1012]`],
    ['99999999999999999999999999999999999999999999', '99999999999999999999999999999999999999999999 does not fit in 64 bits (the largest number is 0xffff_ffff_ffff_ffff) [LAB1012]'],
  ];
  it.each(bad)('%s: %s', (text, message) => {
    expect(oneInt(text)).toBe(0n);
    expect(diags(text)).toEqual([`1:1-1:${text.length + 1}: ${message}`]);
  });

  it('a range is not a fraction: 0..8 is 0, .., 8', () => {
    expect(lex('0..8').tokens.map((t) => t.kind)).toEqual(['int', '..', 'int', 'eof']);
    expect(lex('0..=8').tokens.map((t) => t.kind)).toEqual(['int', '..=', 'int', 'eof']);
  });

  /** Writes a value with '_' at random places between digits, as a student might group them. */
  const spelled = (digits: string, cuts: boolean[]) =>
    [...digits].map((d, i) => (i > 0 && cuts[i % cuts.length] ? `_${d}` : d)).join('');

  it('reads back every 64-bit value exactly, in hex, decimal and binary, grouped or not', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MAX }), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (v, cuts) => {
        for (const text of [`0x${spelled(v.toString(16), cuts)}`, spelled(v.toString(10), cuts), `0b${spelled(v.toString(2), cuts)}`]) {
          if (text.length > 1 && /^0[0-9_]/.test(text)) continue; // leading zeros only for 0 itself
          const { tokens, diagnostics } = lex(text);
          expect(diagnostics).toEqual([]);
          expect(tokens[0].int).toBe(v);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports every value of 2^64 or more, whatever the suffix, instead of wrapping', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 30n }), fc.constantFrom('K', 'M', 'G', 'T'), (n, s) => {
        const text = `${n}${s}`;
        const big = n * SIZE_SUFFIXES[s] > U64_MAX;
        const { tokens, diagnostics } = lex(text);
        expect(diagnostics.map((d) => d.code)).toEqual(big ? ['LAB1012'] : []);
        expect(tokens[0].int).toBe(big ? 0n : n * SIZE_SUFFIXES[s]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tokens', () => {
  it('carry spans, text, and whether a line break comes before them', () => {
    const text = 'let x = 0x10   # the size\n  r.walk(a: "s")';
    const { tokens, comments, diagnostics } = lex(text);
    expect(diagnostics).toEqual([]);
    expect(tokens.map((t) => [t.kind, t.text, t.span.start, t.span.end, t.nl])).toEqual([
      ['let', 'let', 0, 3, true],
      ['ident', 'x', 4, 5, false],
      ['=', '=', 6, 7, false],
      ['int', '0x10', 8, 12, false],
      ['ident', 'r', 28, 29, true],
      ['.', '.', 29, 30, false],
      ['ident', 'walk', 30, 34, false],
      ['(', '(', 34, 35, false],
      ['ident', 'a', 35, 36, false],
      [':', ':', 36, 37, false],
      ['string', '"s"', 38, 41, false],
      [')', ')', 41, 42, false],
      ['eof', '', 42, 42, false],
    ]);
    expect(comments).toEqual([{ text: ' the size', span: { start: 15, end: 25 } }]);
  });

  it('reads keywords as keywords and everything else as names', () => {
    const kinds = lex('let proc return if else for in expect and or not true false step rw CMD_TLBI_NH_VA _x x1').tokens.map((t) => t.kind);
    expect(kinds).toEqual([
      'let', 'proc', 'return', 'if', 'else', 'for', 'in', 'expect', 'and', 'or', 'not', 'true', 'false',
      'ident', 'ident', 'ident', 'ident', 'ident', 'eof',
    ]);
  });

  it('takes the longest operator', () => {
    const kinds = lex('<<= >>= << >> <= >= == != .. ..= += = < > . ~ ^ | & % / * - +').tokens.map((t) => t.kind);
    expect(kinds.join(' ')).toBe('<<= >>= << >> <= >= == != .. ..= += = < > . ~ ^ | & % / * - + eof');
  });

  it('counts \\n, \\r\\n and a lone \\r as line breaks', () => {
    expect(lex('a\nb\r\nc\rd e').tokens.map((t) => t.nl)).toEqual([true, true, true, true, false, false]);
  });
});

describe('strings', () => {
  it('decode their escapes', () => {
    const t = lex('"tab\\t, nl\\n, cr\\r, nul\\0, bs\\\\, q\\", x\\x41, café ☕"').tokens[0];
    expect(t.kind).toBe('string');
    expect(t.str).toBe('tab\t, nl\n, cr\r, nul\0, bs\\, q", xA, café ☕');
  });

  const bad: [string, string[]][] = [
    ['"F_TRANSLATION', ['1:1-1:15: this string has no closing \'"\' before the end of the line [LAB1002]']],
    ['"abc\nlet', ['1:1-1:5: this string has no closing \'"\' before the end of the line [LAB1002]']],
    ['"a\\qb"', ["1:3-1:5: unknown escape '\\q' in a string (use \\n, \\t, \\r, \\0, \\\\, \\\" or \\xHH) [LAB1003]"]],
    ['"\\x4"', ["1:2-1:4: '\\x' in a string must be followed by two hex digits, as in \\x41 [LAB1004]"]],
    ["'rw'", ['1:1-1:5: strings are written in double quotes: "rw" [LAB1005]']],
  ];
  it.each(bad)('%j', (text, expected) => {
    expect(diags(text)).toEqual(expected);
    expect(lex(text).tokens[0].kind).toBe('string');
  });
});

describe('habits from C and Python get an answer, and lexing goes on', () => {
  const cases: [string, string[], string[]][] = [
    ['a && b || !c', ['ident', 'and', 'ident', 'or', 'not', 'ident'], [
      "1:3-1:5: '&&' is written 'and' in lab programs [LAB1015]",
      "1:8-1:10: '||' is written 'or' in lab programs [LAB1015]",
      "1:11-1:12: '!' is written 'not' in lab programs [LAB1015]",
    ]],
    ['a != b', ['ident', '!=', 'ident'], []],
    ['x = 1 // one', ['ident', '=', 'int'], ["1:7-1:9: comments start with '#' in lab programs, not '//' [LAB1016]"]],
    ['x /* a\nb */ y', ['ident', 'ident'], ["1:3-1:5: comments start with '#' in lab programs, not '/*' [LAB1016]"]],
    ['2 ** 12', ['int', '*', 'int'], ["1:3-1:5: there is no '**' operator: for a power of two write 1 << n [LAB1017]"]],
    ['a + \\\n b', ['ident', '+', 'ident'], ["1:5-1:6: '\\' does not continue a line: put a long expression or call inside parentheses, which may span lines [LAB1018]"]],
  ];
  it.each(cases)('%j', (text, kinds, expected) => {
    expect(lex(text).tokens.map((t) => t.kind).slice(0, -1)).toEqual(kinds);
    expect(diags(text)).toEqual(expected);
  });

  it('the /* */ comment keeps the line break inside it', () => {
    expect(lex('x /* a\nb */ y').tokens[1].nl).toBe(true);
  });
});

describe('stray characters', () => {
  const cases: [string, string[]][] = [
    ['a @ b', ['1:3-1:4: unexpected character \'@\' [LAB1001]']],
    ['a @$` b', ['1:3-1:6: unexpected character \'@\' [LAB1001]']], // one message for the run
    ['a\u00a0b', ['1:2-1:3: unexpected character U+00A0 [LAB1001]']],
    ['x = \u{1F600}', ['1:5-1:7: unexpected character U+1F600 [LAB1001]']],
    ['x[1]', ["1:2-1:3: unexpected character '[' [LAB1001]", "1:4-1:5: unexpected character ']' [LAB1001]"]],
    ['\\', ["1:1-1:2: '\\' does not continue a line: put a long expression or call inside parentheses, which may span lines [LAB1018]"]],
    ['a \\ b', ["1:3-1:4: unexpected character '\\' [LAB1001]"]],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(diags(text)).toEqual(expected);
  });
});
