// The interpreter's semantics, rule by rule, with expected values worked out by hand (each
// table row says which rule it checks), plus a property test that compares the interpreter's
// arithmetic with an independent BigInt.asUintN(64, ...) evaluator written here.
//
// The programs run against a small registry of test builtins (`t.*`) over a machine that is a
// counter and a log, so a test can see whether (and in which order) a builtin ran.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from './parser';
import { Interpreter, type InterpOptions, type StepOutcome } from './interp';
import type { Builtin } from './registry-types';
import { record, word, type Value } from './values';

const U64 = (1n << 64n) - 1n;

// ---- a test machine and registry ------------------------------------------------------------

interface TM { counter: bigint; log: Value[] }

const int = { t: 'int' } as const;
function b(name: string, args: Builtin<TM>['args'], run: Builtin<TM>['run'], walks = false): Builtin<TM> {
  return { name, actor: 'mem', args, returns: { type: 'test', doc: '' }, doc: name, example: `${name}()`, walks, run };
}
const REG: Builtin<TM>[] = [
  b('t.add', [{ name: 'n', type: int, doc: '' }], (m, a) => { m.counter += a.n as bigint; return m.counter; }),
  b('t.log', [{ name: 'v', type: int, doc: '' }], (m, a) => { m.log.push(a.v); return a.v; }),
  b('t.fail', [], (_m, _a, ctx) => ctx.fail('0x9000_0000 is outside RAM')),
  b('t.boom', [], () => { throw new Error('the model broke'); }),
  b('t.walk', [{ name: 'reads', type: { t: 'int', min: 0n, max: 64n }, doc: '' }], (m, a) => { m.counter++; return record('walk', { reads: a.reads }); }, true),
  b('t.map', [
    { name: 'va', type: { t: 'int', align: 0x1000n }, doc: '' },
    { name: 'size', type: { t: 'int', min: 0x1000n, max: 0x4000_0000n }, default: 0x1000n, doc: '' },
    { name: 'perm', type: { t: 'word', words: ['r', 'w', 'rw'] }, default: word('rw'), doc: '' },
    { name: 'name', type: { t: 'str' }, default: 'x', doc: '' },
    { name: 'flag', type: { t: 'bool' }, default: false, doc: '' },
  ], (_m, a) => record('mapping', { ...a })),
  b('t.dev', [{ name: 'sid', type: int, doc: '' }], (_m, a) => ({ kind: 'handle', type: 'device', id: Number(a.sid), label: `dev${a.sid}` })),
  b('t.pt', [], () => ({ kind: 'handle', type: 'pt', id: 1, label: 'pt1' })),
  b('t.usedev', [{ name: 'dev', type: { t: 'handle', handle: 'device' }, doc: '' }], (_m, a) => (a.dev as { label: string }).label),
  b('t.rec', [], () => record('rec', { a: 1n, b: record('inner', { c: 2n }) })),
  b('t.pair', [{ name: 'a', type: int, doc: '' }, { name: 'b', type: int, doc: '' }], (_m, a) => record('pair', { a: a.a, b: a.b })),
  b('t.word', [{ name: 'w', type: { t: 'word', words: ['read', 'write', 'toString'] }, doc: '' }], (_m, a) => a.w),
  b('t.nothing', [], () => null),
];

// ---- helpers --------------------------------------------------------------------------------

function run(src: string, opts: InterpOptions = {}, maxSteps = 20_000) {
  const { program, diagnostics } = parse(src);
  expect(diagnostics.map((d) => d.message)).toEqual([]);
  const m: TM = { counter: 0n, log: [] };
  const interp = new Interpreter(program, REG, m, opts);
  const steps: StepOutcome[] = [];
  for (let k = 0; k < maxSteps; k++) {
    const o = interp.step();
    if (o === null) break;
    steps.push(o);
  }
  const err = steps.find((s) => s.error)?.error;
  const lineOf = (offset: number) => src.slice(0, offset).split('\n').length;
  return {
    steps, m, interp,
    env: interp.state.frames[0].env,
    /** The runtime error, with the source text its span covers. */
    error: err && { message: err.message, at: src.slice(err.span.start, err.span.end), start: err.span.start },
    /** Each step as `kind@line` (the line of its head). */
    trace: steps.map((s) => `${s.kind}@${lineOf(s.head.start)}`),
    failed: steps.filter((s) => s.expect && !s.expect.ok).map((s) => s.expect!.message),
  };
}

/** The value of one expression (`let v = <expr>`), which must not fail. */
function value(expr: string): Value {
  const r = run(`let v = ${expr}\n`);
  expect(r.error).toBeUndefined();
  return r.env.v;
}

/** The runtime error a program stops with. */
function failure(src: string, opts: InterpOptions = {}) {
  const r = run(src, opts);
  expect(r.error, `expected ${JSON.stringify(src)} to fail`).toBeDefined();
  expect(r.interp.state.done).toBe(true);
  return r.error!;
}

/** The error of one expression, as { message, at }. */
function exprFailure(expr: string) {
  const { message, at } = failure(`let v = ${expr}\n`);
  return { message, at };
}

// ---- arithmetic -----------------------------------------------------------------------------

describe('integer arithmetic: unsigned 64-bit, wrapping as uint64_t', () => {
  const rows: [string, bigint | boolean, string][] = [
    ['0xffff_ffff_ffff_ffff + 1', 0n, '+ wraps: 2^64 - 1 + 1 = 2^64 ≡ 0'],
    ['0xffff_ffff_ffff_ffff + 0xffff_ffff_ffff_ffff', U64 - 1n, '+ wraps: 2(2^64 - 1) = 2^64 + (2^64 - 2)'],
    ['0 - 1', U64, '- wraps: 0 - 1 ≡ 2^64 - 1'],
    ['5 - 7', U64 - 1n, '- wraps: -2 ≡ 2^64 - 2'],
    ['1 - 2 - 3', U64 - 3n, '- groups left: (1 - 2) - 3 = -4 ≡ 2^64 - 4'],
    ['0x1_0000_0000 * 0x1_0000_0000', 0n, '* wraps: 2^32 * 2^32 = 2^64 ≡ 0'],
    ['0xffff_ffff_ffff_ffff * 0xffff_ffff_ffff_ffff', 1n, '* wraps: (-1)(-1) = 1'],
    ['0x8000_0000_0000_0001 * 2', 2n, '* wraps: 2^64 + 2 ≡ 2'],
    ['0x1_0000_0001 * 0x1_0000_0001', 0x2_0000_0001n, '* wraps: (2^32+1)^2 = 2^64 + 2^33 + 1'],
    ['-1', U64, 'unary -: -1 ≡ 2^64 - 1'],
    ['-0', 0n, 'unary -: -0 = 0'],
    ['-(-5)', 5n, 'unary - twice is the identity'],
    ['-0x8000_0000_0000_0000', 0x8000_0000_0000_0000n, 'unary -: -2^63 ≡ 2^63'],
    ['-1 + 1', 0n, 'unary - binds tighter than +'],
    ['~0', U64, '~ flips all 64 bits'],
    ['~0xffff_ffff_ffff_ffff', 0n, '~ of all ones'],
    ['~0xf0', 0xffff_ffff_ffff_ff0fn, '~ of a small value'],
    ['~0 == -1', true, '~0 and -1 are the same value (docs)'],
    ['7 / 2', 3n, '/ truncates'],
    ['7 % 2', 1n, '% is the remainder'],
    ['0 / 5', 0n, '/ of 0'],
    ['-1 / 2', 0x7fff_ffff_ffff_ffffn, '/ is unsigned: (2^64 - 1) / 2'],
    ['-7 % 3', 0n, '% is unsigned: 2^64 - 7 = 3 * 6148914691236517203 (signed C: -1)'],
    ['-7 % 5', 4n, '% is unsigned: 2^64 ≡ 1 (mod 5), so 2^64 - 7 ≡ -6 ≡ 4 (signed C: -2)'],
    ['0xffff_ffff_ffff_ffff % 0x1_0000_0000', 0xffff_ffffn, '% of a 64-bit value'],
    ['2 * 3 % 4', 2n, '* and % group left: (2 * 3) % 4'],
    ['1 + 2 * 3', 7n, '* binds tighter than +'],
    ['1 << 63', 0x8000_0000_0000_0000n, '<< 63 is allowed'],
    ['3 << 63', 0x8000_0000_0000_0000n, '<< drops bits above bit 63'],
    ['0xff << 60', 0xf000_0000_0000_0000n, '<< drops bits above bit 63'],
    ['1 << 0', 1n, '<< 0 is the identity'],
    ['1 << 12 + 1', 0x2000n, '+ binds tighter than << (docs): 1 << 13'],
    ['0x8000_0000_0000_0000 >> 63', 1n, '>> 63 is allowed'],
    ['0xffff_ffff_ffff_ffff >> 4', 0x0fff_ffff_ffff_ffffn, '>> is logical: zeros come in'],
    ['1 >> 1', 0n, '>> drops low bits'],
    ['0b1100 & 0b1010', 0b1000n, '&'],
    ['0b1100 | 0b1010', 0b1110n, '|'],
    ['0b1100 ^ 0b1010', 0b0110n, '^'],
    ['0x10 | 0x1 ^ 0x11', 0x10n, '^ binds tighter than |: 0x10 | (0x1 ^ 0x11) = 0x10 | 0x10'],
    ['0xff & 0xf0 | 0x0f', 0xffn, '& binds tighter than |'],
    ['4K * 4', 0x4000n, 'size literals: 4K = 4096'],
    ['1T', 1n << 40n, 'size literals: 1T = 2^40'],
    ['1 < 2', true, '<'],
    ['2 < 2', false, '< is strict'],
    ['2 <= 2', true, '<='],
    ['3 > 3', false, '> is strict'],
    ['3 >= 3', true, '>='],
    ['-1 > 0', true, 'comparisons are unsigned: -1 is 2^64 - 1'],
    ['0xffff_ffff_ffff_ffff >= 0xffff_ffff_ffff_fffe', true, 'comparisons are exact at the top of the range'],
    ['6 & 3 == 2', true, '& binds tighter than == (docs): (6 & 3) == 2'],
  ];
  it.each(rows)('%s = %s (%s)', (src, want) => {
    expect(value(src)).toBe(want);
  });

  const errors: [string, string, string, string][] = [
    ['1 / 0', 'division by zero (0 is 0)', '/', '/ by zero is an error at the operator'],
    ['7 % 0', 'division by zero (0 is 0)', '%', '% by zero is an error at the operator'],
    ['7 / (3 - 3)', 'division by zero ((3 - 3) is 0)', '/', 'the divisor is shown as written'],
    ['1 << 64', 'a shift by 64 is 64 or more: the result would not fit', '<<', '<< 64 is an error at the operator'],
    ['1 >> 64', 'a shift by 64 is 64 or more: the result would not fit', '>>', '>> 64 is an error too'],
    ['1 << -1', 'a shift by 18446744073709551615 is 64 or more: the result would not fit', '<<', 'a "negative" shift is a huge one'],
  ];
  it.each(errors)('%s → %s at %s (%s)', (src, message, at) => {
    expect(exprFailure(src)).toEqual({ message, at });
  });

  it('the operator span is the failing operator, not the first one like it', () => {
    const src = 'let v = 1 / 1 + 2 / 0\n';
    expect(failure(src).start).toBe(src.lastIndexOf('/'));
  });
});

describe('equality: == and != on every kind of value (structural)', () => {
  const rows: [string, boolean, string][] = [
    ['0 == 0', true, 'numbers'],
    ['1 != 2', true, 'numbers'],
    ['-1 == 0xffff_ffff_ffff_ffff', true, 'numbers compare after wrapping'],
    ['"a" == "a"', true, 'strings by content'],
    ['"a" == "b"', false, 'strings by content'],
    ['"a" != "b"', true, 'strings by content'],
    ['"\\x41" == "A"', true, 'strings compare decoded'],
    ['true == true', true, 'booleans'],
    ['true != false', true, 'booleans'],
    ['(1 < 2) == true', true, 'a comparison is a boolean'],
    ['t.word(read) == t.word(read)', true, 'words by the word'],
    ['t.word(read) == t.word(write)', false, 'words by the word'],
    ['t.pair(1, 2) == t.pair(1, 2)', true, 'records field by field'],
    ['t.pair(1, 2) == t.pair(2, 1)', false, 'records field by field'],
    ['t.pair(1, 2) != t.rec()', true, 'records with other fields'],
    ['t.rec() == t.rec()', true, 'nested records'],
    ['t.dev(1) == t.dev(1)', true, 'handles by type and id'],
    ['t.dev(1) == t.dev(2)', false, 'handles by type and id'],
    ['t.dev(1) == t.pt()', false, 'handles of another type (same id 1)'],
    ['t.nothing() == t.nothing()', true, 'nothing equals nothing'],
    ['1 == "1"', false, 'mixed types are unequal, not an error'],
    ['0 == false', false, 'mixed types are unequal, not an error'],
    ['t.nothing() == 0', false, 'mixed types are unequal, not an error'],
    ['"read" == t.word(read)', false, 'a word is not a string'],
  ];
  it.each(rows)('%s is %s (%s)', (src, want) => {
    expect(value(src)).toBe(want);
  });
});

describe('and, or, not', () => {
  const rows: [string, boolean, string][] = [
    ['true and true', true, 'and'], ['true and false', false, 'and'], ['false and true', false, 'and'], ['false and false', false, 'and'],
    ['true or true', true, 'or'], ['true or false', true, 'or'], ['false or true', true, 'or'], ['false or false', false, 'or'],
    ['not true', false, 'not'], ['not false', true, 'not'], ['not not true', true, 'not nests'],
    ['not 1 == 2', true, 'not binds looser than ==: not (1 == 2)'],
    ['true or false and false', true, 'and binds tighter than or'],
    ['(true or false) and false', false, 'parentheses'],
    ['false and t.fail()', false, 'and short-circuits: the failing builtin is not called'],
    ['true or t.fail()', true, 'or short-circuits: the failing builtin is not called'],
    ['false and 1', false, 'and short-circuits: the right side is not even type-checked'],
  ];
  it.each(rows)('%s is %s (%s)', (src, want) => {
    expect(value(src)).toBe(want);
  });

  it('short-circuit: the right side has no effect on the machine', () => {
    const r = run('let a = false and t.add(1) == 1\nlet b = true or t.add(1) == 1\n');
    expect(r.m.counter).toBe(0n);
  });

  it('without a short-circuit the right side runs (and can fail)', () => {
    expect(exprFailure('true and t.fail()')).toEqual({ message: '0x9000_0000 is outside RAM', at: 't.fail()' });
    expect(exprFailure('false or t.fail()')).toEqual({ message: '0x9000_0000 is outside RAM', at: 't.fail()' });
  });
});

describe('type errors: exact messages, at the offending operand', () => {
  const stmts: [string, string, string][] = [
    ['if 1 { }', 'if needs true or false, but 1 is a number (write 1 != 0)', '1'],
    ['if "s" { }', 'if needs true or false, but "s" is a string', '"s"'],
    ['if t.nothing() { }', 'if needs true or false, but t.nothing() is nothing', 't.nothing()'],
    ['if t.rec() { }', 'if needs true or false, but t.rec() is a rec', 't.rec()'],
    ['let a = 5\nif a & 1 { }', 'if needs true or false, but a & 1 is a number (write a & 1 != 0)', 'a & 1'],
    ['expect 5', 'expect needs true or false, but 5 is a number (write 5 != 0)', '5'],
    ['expect 1 + 1', 'expect needs true or false, but 1 + 1 is a number (write 1 + 1 != 0)', '1 + 1'],
    ['let v = not 3', 'not needs true or false, but 3 is a number (write 3 != 0)', '3'],
    ['let v = 1 and true', 'and needs true or false, but 1 is a number (write 1 != 0)', '1'],
    ['let v = false or 2', 'or needs true or false, but 2 is a number (write 2 != 0)', '2'],
    ['let v = 1 + "a"', 'the right side of \'+\' must be a number, but "a" is a string', '"a"'],
    ['let v = true - 1', "the left side of '-' must be a number, but true is a boolean", 'true'],
    ['let v = -"a"', 'the operand of \'-\' must be a number, but "a" is a string', '"a"'],
    ['let v = ~true', "the operand of '~' must be a number, but true is a boolean", 'true'],
    ['let v = "a" < "b"', 'the left side of \'<\' must be a number, but "a" is a string', '"a"'],
    ['let v = t.nothing() + 1', "the left side of '+' must be a number, but t.nothing() is nothing", 't.nothing()'],
    ['let v = t.dev(1) * 2', "the left side of '*' must be a number, but t.dev(1) is a device", 't.dev(1)'],
    ['let v = 1 << t.word(read)', "the right side of '<<' must be a number, but t.word(read) is the word read", 't.word(read)'],
    ['let v = y', "unknown name 'y'", 'y'],
  ];
  it.each(stmts)('%s → %s', (src, message, at) => {
    const e = failure(src + '\n');
    expect({ message: e.message, at: e.at }).toEqual({ message, at });
  });
});

// ---- statements -----------------------------------------------------------------------------

describe('let, assignment and scopes (one flat scope per frame, as implemented)', () => {
  it('let binds; a second let of the same name rebinds', () => {
    expect(run('let x = 1\nlet x = x + 1\n').env.x).toBe(2n);
  });

  it('assignment changes an existing variable; the step reports the value', () => {
    const r = run('let x = 1\nx = x * 10\n');
    expect(r.env.x).toBe(10n);
    expect(r.steps.map((s) => s.value)).toEqual([1n, 10n]);
  });

  it('assignment to a name never bound is an error at the name', () => {
    expect(failure('x = 5\n')).toMatchObject({ message: "unknown name 'x' (make it with 'let x = ...' first)", at: 'x' });
    expect(failure('if false {\n  let y = 1\n}\ny = 2\n')).toMatchObject({ message: "unknown name 'y' (make it with 'let y = ...' first)", at: 'y', start: 25 });
  });

  it('a let inside a block is visible after the block (the frame has one scope)', () => {
    expect(run('if true {\n  let y = 1\n}\nlet z = y + 1\n').env.z).toBe(2n);
    const r = run('for i in 0..3 {\n  let k = i * 2\n}\n');
    expect([r.env.i, r.env.k]).toEqual([2n, 4n]);
  });

  it('names of Object.prototype are not variables, and __proto__ is an ordinary one', () => {
    expect(failure('let v = constructor\n')).toMatchObject({ message: "unknown name 'constructor'", at: 'constructor' });
    expect(failure('let v = toString\n')).toMatchObject({ message: "unknown name 'toString'" });
    expect(run('let toString = 5\nlet v = toString + 1\n').env.v).toBe(6n);
    const r = run('let __proto__ = t.rec()\nlet v = __proto__.a\n');
    expect(r.env.v).toBe(1n);
    expect(Object.getPrototypeOf(r.env)).toBe(Object.prototype);
    expect(structuredClone(r.interp.state).frames[0].env).toEqual(r.env);
  });
});

describe('for: half-open ranges, step, each header a step', () => {
  it('every iteration runs the header as a step (forInit once, forNext each time round)', () => {
    const src = 'let s = 0\nfor i in 0..3 {\n  s = s + i\n}\nexpect s == 3\n';
    const r = run(src);
    expect(r.trace).toEqual([
      'let@1', 'forInit@2', 'assign@3', 'forNext@2', 'assign@3', 'forNext@2', 'assign@3', 'forNext@2', 'expect@5',
    ]);
    // The header's step reports the loop variable's new value; the last one (the exit) none.
    expect(r.steps.filter((s) => s.kind === 'forNext').map((s) => s.value)).toEqual([1n, 2n, undefined]);
    expect(r.failed).toEqual([]);
    // The header highlight runs from `for` to the `{`.
    expect(src.slice(r.steps[1].head.start, r.steps[1].head.end).trim()).toBe('for i in 0..3');
  });

  it('a loop of n iterations takes n + 1 header steps', () => {
    expect(run('for i in 0..1000 { }\n').steps).toHaveLength(1001);
  });

  const loops: [string, string, bigint[]][] = [
    ['0..4', 'half-open: 4 is not included', [0n, 1n, 2n, 3n]],
    ['0..10 step 3', 'step', [0n, 3n, 6n, 9n]],
    ['0..9 step 3', 'step: the end is still excluded', [0n, 3n, 6n]],
    ['0x1000..0x4000 step 4K', 'a page walk by 4K', [0x1000n, 0x2000n, 0x3000n]],
    ['5..5', 'an empty range skips the body', []],
    ['6..5', 'a backwards range is empty', []],
    ['0xffff_ffff_ffff_fffd..0xffff_ffff_ffff_ffff', 'a range ending at 2^64 - 1 terminates', [U64 - 2n, U64 - 1n]],
    ['0xffff_ffff_ffff_fff0..0xffff_ffff_ffff_ffff step 8', 'the next value 2^64 does not wrap to 0', [U64 - 15n, U64 - 7n]],
    ['0..10 step 0xffff_ffff_ffff_ffff', 'a step past 2^64 ends the loop', [0n]],
  ];
  it.each(loops)('for i in %s: %s', (range, _rule, want) => {
    const r = run(`for i in ${range} {\n  t.log(i)\n}\n`);
    expect(r.error).toBeUndefined();
    expect(r.m.log).toEqual(want);
  });

  it('an empty range is one step and never runs the body', () => {
    const r = run('for i in 5..5 {\n  t.fail()\n}\n');
    expect(r.trace).toEqual(['forInit@1']);
    expect(r.error).toBeUndefined();
  });

  it('the range is evaluated once; assigning the loop variable does not change the iteration', () => {
    expect(run('let n = 3\nfor i in 0..n {\n  n = 10\n  t.log(i)\n}\n').m.log).toEqual([0n, 1n, 2n]);
    const r = run('for i in 0..3 {\n  t.log(i)\n  i = 100\n}\n');
    expect(r.m.log).toEqual([0n, 1n, 2n]);
    expect(r.env.i).toBe(100n);   // the body's last assignment stays: the exit binds nothing
  });

  it('nested loops', () => {
    expect(run('for i in 0..2 {\n  for j in 0..2 {\n    t.log(i * 10 + j)\n  }\n}\n').m.log).toEqual([0n, 1n, 10n, 11n]);
  });

  const bad: [string, string, string][] = [
    ['for i in 1..5 step 0 { }', 'a loop step of 0 would never end', '0'],
    ['for i in "a"..3 { }', 'the start of a range must be a number, but "a" is a string', '"a"'],
    ['for i in 0..true { }', 'the end of a range must be a number, but true is a boolean', 'true'],
    ['for i in 0..3 step "x" { }', 'a step must be a number, but "x" is a string', '"x"'],
  ];
  it.each(bad)('%s → %s', (src, message, at) => {
    expect(failure(src + '\n')).toMatchObject({ message, at });
  });
});

describe('if / else if / else', () => {
  const src = (x: number) => `let x = ${x}\nif x == 1 {\n  t.log(1)\n} else if x == 2 {\n  t.log(2)\n} else {\n  t.log(3)\n}\nt.log(9)\n`;
  const rows: [number, string[], bigint[]][] = [
    [1, ['let@1', 'if@2', 'expr@3', 'expr@9'], [1n, 9n]],
    [2, ['let@1', 'if@2', 'if@4', 'expr@5', 'expr@9'], [2n, 9n]],
    [3, ['let@1', 'if@2', 'if@4', 'expr@7', 'expr@9'], [3n, 9n]],
  ];
  it.each(rows)('x = %s: each tested header is a step, one branch runs', (x, trace, log) => {
    const r = run(src(x));
    expect(r.trace).toEqual(trace);
    expect(r.m.log).toEqual(log);
  });

  it('if without else, false: skips the block', () => {
    const r = run('if 1 > 2 {\n  t.fail()\n}\nt.log(1)\n');
    expect(r.trace).toEqual(['if@1', 'expr@4']);
  });
});

// ---- procs ----------------------------------------------------------------------------------

const ADD3 = 'proc add3(a, b, c) {\n  let s = a + b\n  return s + c\n}\n';

describe('procs', () => {
  it('`let x = f(...)` steps into the proc: its statements are steps, the return binds x', () => {
    const r = run(ADD3 + 'let r = add3(1, 2, 3)\nexpect r == 6\n');
    expect(r.trace).toEqual(['let@5', 'let@2', 'return@3', 'expect@6']);
    expect(r.steps[0].value).toBeUndefined();   // entering: nothing yet
    expect(r.steps[2].value).toBe(6n);
    expect(r.env.r).toBe(6n);
    expect(r.failed).toEqual([]);
  });

  it('a call on its own line steps in too and drops the result', () => {
    const r = run('proc p() {\n  return 7\n}\np()\n');
    expect(r.trace).toEqual(['expr@4', 'return@2']);
    expect(Object.keys(r.env)).toEqual([]);
  });

  it('a proc inside an expression runs atomically within the step', () => {
    const r = run(ADD3 + 'let r = add3(1, 2, 3) + 0\n');
    expect(r.trace).toEqual(['let@5']);
    expect(r.env.r).toBe(6n);
    expect(r.interp.state.frames).toHaveLength(1);
  });

  const FACT = 'proc fact(n) {\n  if n == 0 {\n    return 1\n  }\n  return n * fact(n - 1)\n}\n';
  it('recursion inside an expression; * wraps (21! mod 2^64)', () => {
    const r = run(FACT + 'let a = fact(20) + 0\nlet b = fact(21) + 0\n');
    expect(r.env.a).toBe(2432902008176640000n);   // 20! < 2^64
    expect(r.env.b).toBe(0xc507_7d36_b8c4_0000n);  // 21! = 51090942171709440000 = 2 * 2^64 + 0xc5077d36b8c40000
  });

  it('recursion stepped into (let x = f(...) inside the proc)', () => {
    const FIB = 'proc fib(n) {\n  if n < 2 {\n    return n\n  }\n  let a = fib(n - 1)\n  let b = fib(n - 2)\n  return a + b\n}\n';
    const r = run(FIB + 'let f = fib(10)\n');
    expect(r.env.f).toBe(55n);
    expect(r.steps.length).toBeGreaterThan(100);
  });

  it('return leaves the proc at once, from inside a loop too', () => {
    const r = run('proc first(n) {\n  for i in 0..n {\n    if i * i > 50 {\n      return i\n    }\n  }\n  return 0\n}\nlet x = first(100) + 0\n');
    expect(r.env.x).toBe(8n);   // 7 * 7 = 49, 8 * 8 = 64
    expect(run('proc p() {\n  return\n  t.fail()\n}\nlet x = p()\n').env.x).toBe(null);
  });

  it('a proc without return gives nothing, stepped into or inside an expression', () => {
    const r = run('proc p() {\n  t.log(1)\n}\nlet x = p()\nlet y = (p())\n');
    expect(r.env.x).toBe(null);
    expect(r.env.y).toBe(null);
    expect(r.m.log).toEqual([1n, 1n]);
    expect(failure('proc p() {\n}\nlet x = p()\nlet y = x + 1\n').message).toBe("the left side of '+' must be a number, but x is nothing");
  });

  const arity: [string, string][] = [
    ['let x = f(1)', 'f(1)'],
    ['let x = f(1) + 0', 'f(1)'],
    ['f(1, 2, 3)', 'f(1, 2, 3)'],
    ['let x = f(1, b: 2)', 'f(1, b: 2)'],
  ];
  it.each(arity)('wrong arity or named arguments: %s', (stmt, at) => {
    expect(failure(`proc f(a, b) {\n  return a\n}\n${stmt}\n`)).toMatchObject({ message: 'f takes 2 argument(s) by position: (a, b)', at });
  });

  it('a proc sees its parameters only: not the caller\'s variables; its own do not leak', () => {
    expect(failure('let g = 1\nproc f() {\n  return g\n}\nlet x = f()\n')).toMatchObject({ message: "unknown name 'g'", at: 'g', start: 30 });
    const r = run('proc p(a) {\n  let inner = 1\n  a = 5\n  return a\n}\nlet a = 1\nlet b = p(a)\n');
    expect(r.env).toEqual({ a: 1n, b: 5n });   // parameters are copies; `inner` stayed in p
  });

  it('an expect failing inside a proc run within an expression is reported on that step', () => {
    const r = run('proc c(x) {\n  expect x == 1\n  return x\n}\nlet y = c(2) + 0\nexpect y == 3\n');
    expect(r.failed).toEqual(['expect failed: x == 1 (x is 2, 1 is 1) (in c)', 'expect failed: y == 3 (y is 2, 3 is 3)']);
    expect(r.steps[0].kind).toBe('let');
    // Stepped into, the proc's expect is a step of its own.
    expect(run('proc c(x) {\n  expect x == 1\n}\nc(2)\n').failed).toEqual(['expect failed: x == 1 (x is 2, 1 is 1)']);
    // Both the proc's and the statement's own failure.
    expect(run('proc c(x) {\n  expect x == 1\n  return x\n}\nexpect c(2) == 3\n').failed)
      .toEqual(['expect failed: x == 1 (x is 2, 1 is 1) (in c); expect failed: c(2) == 3 (c(2) is 2, 3 is 3)']);
  });
});

describe('budgets: nothing a proc does can hang a step', () => {
  const LOOP = 'proc spin(n) {\n  for i in 0..n { }\n  return 1\n}\n';

  it('the nested budget counts the statements of procs run inside one step (n + 2 for spin(n))', () => {
    // spin(n) executes forInit, n forNext headers and return: n + 2 statements.
    expect(run(LOOP + 'let x = spin(8) + 0\n', { nestedBudget: 10 }).error).toBeUndefined();
    const e = failure(LOOP + 'let x = spin(9) + 0\n', { nestedBudget: 10 });
    expect(e.message).toBe("the call to spin ran for more than 10 statements within one step (an endless loop?); a proc called inside an expression runs to its end at once: call it on its own line or as 'let x = spin(...)' to step through it");
    expect(e.at).toBe('spin(9)');
  });

  it('the budget is per step and shared by every call in it; the error names the outermost call', () => {
    expect(run(LOOP + 'let x = spin(4) + 0\nlet y = spin(4) + 0\n', { nestedBudget: 10 }).error).toBeUndefined();
    const src = LOOP + 'proc twice() {\n  return spin(4) + spin(4)\n}\nlet x = twice() + 0\n';
    expect(failure(src, { nestedBudget: 10 })).toMatchObject({ at: 'twice()', message: expect.stringMatching(/^the call to twice ran for more than 10 statements/) });
  });

  it('an endless loop inside an expression stops at the default budget', () => {
    const e = failure('proc f() {\n  for i in 0..0xffff_ffff_ffff_ffff { }\n  return 1\n}\nlet y = f() + 1\n');
    expect(e.message).toMatch(/^the call to f ran for more than 1000000 statements within one step \(an endless loop\?\)/);
    expect(e.at).toBe('f()');
  });

  it('endless recursion inside an expression is stopped by the depth limit, and the frames unwound', () => {
    const r = run('proc f(n) {\n  return f(n + 1) + 1\n}\nlet y = f(0) + 1\n');
    expect(r.trace).toEqual(['let@4']);
    expect(r.error).toMatchObject({ message: 'procs call each other too deeply (more than 200 levels): does f call itself without end?', at: 'f(n + 1)' });
    expect(r.interp.state.frames).toHaveLength(1);
  });

  it('the depth limit is 200 proc frames', () => {
    const D = 'proc d(n) {\n  if n == 0 {\n    return 0\n  }\n  return d(n - 1) + 1\n}\n';
    expect(run(D + 'let x = d(199) + 0\n').env.x).toBe(199n);   // d(199) .. d(0): 200 frames
    expect(failure(D + 'let x = d(200) + 0\n').message).toMatch(/^procs call each other too deeply \(more than 200 levels\)/);
  });

  it('endless recursion stepped into is stopped by the same limit', () => {
    const r = run('proc f() {\n  f()\n}\nf()\n');
    expect(r.steps).toHaveLength(201);   // the call at the top, then 199 + 1 inside
    expect(r.error).toMatchObject({ message: 'procs call each other too deeply (more than 200 levels): does f call itself without end?', at: 'f()', start: 13 });
  });
});

// ---- builtins -------------------------------------------------------------------------------

describe('builtin calls: argument binding', () => {
  const mapping = (o: Record<string, Value>) => record('mapping', { va: 0n, size: 0x1000n, perm: word('rw'), name: 'x', flag: false, ...o });

  const ok: [string, Value, string][] = [
    ['t.map(0x1000, 8K)', mapping({ va: 0x1000n, size: 0x2000n }), 'positional, in order; defaults fill the rest'],
    ['t.map(size: 8K, va: 0x2000)', mapping({ va: 0x2000n, size: 0x2000n }), 'named, in any order'],
    ['t.map(0, perm: r, flag: true, name: "n")', mapping({ perm: word('r'), flag: true, name: 'n' }), 'positional then named'],
    ['t.map(va: 0, size: 1G)', mapping({ size: 0x4000_0000n }), 'int max is inclusive'],
    ['t.map(va: 0, size: 4K)', mapping({}), 'int min is inclusive'],
    ['t.map(va: 0, perm: w)', mapping({ perm: word('w') }), 'a bare word where the argument takes words'],
    ['t.word(toString)', word('toString'), 'a word named like an Object.prototype member is still a word'],
    ['t.usedev(t.dev(3))', 'dev3', 'a handle of the right type'],
  ];
  it.each(ok)('%s (%s)', (src, want) => {
    expect(value(src)).toEqual(want);
  });

  const bad: [string, string, string, string][] = [
    ['t.map()', "t.map needs the argument 'va'", 't.map()', 'a missing required argument is named; at the call'],
    ['t.map(size: 8K)', "t.map needs the argument 'va'", 't.map(size: 8K)', 'required even when others are given'],
    ['t.map(va: 0, colour: 1)', "t.map has no argument 'colour'", 'colour: 1', 'an unknown named argument'],
    ['t.add(1, 2)', 't.add takes at most 1 argument', '2', 'too many positional: at the extra one'],
    ['t.pair(1, 2, 3)', 't.pair takes at most 2 arguments', '3', 'too many positional'],
    ['t.fail(1)', 't.fail takes no arguments', '1', 'too many positional, for none'],
    ['t.add(1, n: 2)', "t.add: the argument 'n' is given twice (by position and by name)", 'n: 2', 'given by position and by name'],
    ['t.map(va: 0x1001)', 'va: 0x1001 (4097) must be a multiple of 0x1000 (4096)', '0x1001', 'alignment, at the argument'],
    ['t.map(va: 0, size: 1)', 'size: 1 is below the smallest allowed value 0x1000 (4096)', '1', 'min'],
    ['t.map(va: 0, size: 2G)', 'size: 0x80000000 is above the largest allowed value 0x40000000', '2G', 'max'],
    ['t.walk(65)', 'reads: 0x41 (65) is above the largest allowed value 0x40 (64)', '65', 'max on a positional argument'],
    ['t.map(va: "a")', 'va: expected a number, got a string', '"a"', 'int type'],
    ['t.map(va: 0, perm: x)', "perm: 'x' is not one of r, w, rw", 'x', 'a word outside the set'],
    ['t.map(va: 0, perm: 5)', 'perm: expected one of r, w, rw, got a number', '5', 'a number where words are taken'],
    ['t.map(va: 0, name: 5)', 'name: expected a string, got a number', '5', 'str type'],
    ['t.map(va: 0, flag: 1)', 'flag: expected true or false, got a number', '1', 'bool type'],
    ['t.usedev(5)', 'dev: expected a device, got a number', '5', 'handle type'],
    ['t.usedev(t.pt())', 'dev: expected a device, got a page table', 't.pt()', 'a handle of another type'],
    ['t.add(foo)', "unknown name 'foo'", 'foo', 'a bare name is a word only where words are taken'],
    ['t.map(va: 0, perm: (rw))', "unknown name 'rw'", 'rw', 'only a bare name is a word, not a parenthesised one'],
    ['t.nope(1)', "unknown builtin 't.nope'", 't.nope', 'unknown builtin, at the callee'],
    ['nope()', "unknown builtin 'nope'", 'nope', 'neither proc nor builtin'],
    ['t.fail()', '0x9000_0000 is outside RAM', 't.fail()', "the builtin's ctx.fail message, at the call"],
    ['t.boom()', 't.boom: the model broke', 't.boom()', "an exception from the model, prefixed with the builtin's name"],
  ];
  it.each(bad)('%s → %s (%s)', (src, message, at) => {
    expect(exprFailure(src)).toEqual({ message, at });
  });

  it('a variable named like a word shadows the word', () => {
    expect(failure('let rw = 3\nlet v = t.map(va: 0, perm: rw)\n')).toMatchObject({ message: 'perm: expected one of r, w, rw, got a number', at: 'rw', start: 38 });
    expect(failure('let rw = t.word(read)\nlet v = t.map(va: 0, perm: rw)\n').message).toBe("perm: 'read' is not one of r, w, rw");
  });

  it('arguments are evaluated in source order, after every binding check', () => {
    expect(run('let v = t.pair(b: t.log(1), a: t.log(2))\n').m.log).toEqual([1n, 2n]);
    expect(run('let v = t.pair(b: 1, a: 2)\n').env.v).toEqual(record('pair', { a: 2n, b: 1n }));
    // A missing argument is reported before any given one runs.
    const r = run('let v = t.map(size: t.log(4K))\n');
    expect(r.error?.message).toBe("t.map needs the argument 'va'");
    expect(r.m.log).toEqual([]);
  });

  it('after a runtime error the program is done', () => {
    const r = run('t.log(1)\nt.fail()\nt.log(2)\n');
    expect(r.trace).toEqual(['expr@1', 'expr@2']);
    expect(r.m.log).toEqual([1n]);
    expect(r.interp.step()).toBe(null);
  });
});

describe('records: fields', () => {
  it('reads fields, nested and straight off a call', () => {
    const r = run('let r = t.rec()\nlet a = r.a\nlet c = r.b.c\nlet d = t.rec().b.c\n');
    expect([r.env.a, r.env.c, r.env.d]).toEqual([1n, 2n, 2n]);
  });

  const bad: [string, string, string][] = [
    ['let r = t.rec()\nlet v = r.zz', "r (a rec) has no field 'zz'; it has a, b", 'zz'],
    ['let r = t.rec()\nlet v = r.b.zz', "r.b (a inner) has no field 'zz'; it has c", 'zz'],
    ['let r = t.rec()\nlet v = r.constructor', "r (a rec) has no field 'constructor'; it has a, b", 'constructor'],
    ['let n = 5\nlet v = n.a', 'n is a number, which has no fields', 'n.a'],
    ['let v = t.nothing().a', 't.nothing() is nothing, which has no fields', 't.nothing().a'],
    ['let v = t.dev(1).sid', 't.dev(1) is a device, which has no fields', 't.dev(1).sid'],
  ];
  it.each(bad)('%s → %s', (src, message, at) => {
    expect(failure(src + '\n')).toMatchObject({ message, at });
  });
});

// ---- expect ---------------------------------------------------------------------------------

describe('expect', () => {
  const rows: [string, boolean, string, string][] = [
    ['let a = 5\nexpect a == 4', false, 'expect failed: a == 4 (a is 5, 4 is 4)', 'both sides of a comparison shown'],
    ['let a = 5\nexpect a == 5', true, 'ok: a == 5', 'a passing expect'],
    ['let a = 5\nexpect a < 3, "small"', false, 'expect failed: a < 3 (a is 5, 3 is 3): small', 'a user message after the details'],
    ['let x = 0x1000\nexpect x & 0xfff == 0x40', false, 'expect failed: x & 0xfff == 0x40 (x & 0xfff is 0, 0x40 is 0x40 (64))', 'values above 9 in hex, with the decimal up to 0xffff'],
    ['let big = 0x8_0010_0040\nexpect big == 0', false, 'expect failed: big == 0 (big is 0x8_0010_0040, 0 is 0)', 'values past 32 bits grouped by 4'],
    ['expect "a" == "b"', false, 'expect failed: "a" == "b" ("a" is "a", "b" is "b")', 'strings shown quoted'],
    ['expect t.word(read) == t.word(write)', false, 'expect failed: t.word(read) == t.word(write) (t.word(read) is read, t.word(write) is write)', 'words'],
    ['expect t.nothing() != t.nothing()', false, 'expect failed: t.nothing() != t.nothing() (t.nothing() is nothing, t.nothing() is nothing)', 'nothing'],
    ['expect false, "must fault"', false, 'expect failed: false: must fault', 'no details for a bare value'],
    ['let a = 5\nexpect a == 4 and true', false, 'expect failed: a == 4 and true', 'no details for and/or'],
    ['expect not true', false, 'expect failed: not true', 'no details for not'],
    ['expect false, 42', false, 'expect failed: false: 0x2a (42)', 'a non-string message is shown as a value'],
    ['expect true, t.fail()', true, 'ok: true', 'the message is evaluated only on failure'],
  ];
  it.each(rows)('%s → %s', (src, ok, message) => {
    const r = run(src + '\n');
    expect(r.error).toBeUndefined();
    const last = r.steps.at(-1)!;
    expect(last.kind).toBe('expect');
    expect(last.expect).toEqual({ ok, message });
  });

  it('a failed expect does not stop the program; every failure is reported', () => {
    const r = run('expect 1 == 2\nexpect 3 == 4\nt.log(1)\n');
    expect(r.failed).toEqual(['expect failed: 1 == 2 (1 is 1, 2 is 2)', 'expect failed: 3 == 4 (3 is 3, 4 is 4)']);
    expect(r.m.log).toEqual([1n]);
  });

  it('each side is evaluated once: the message shows the values compared, and effects happen once', () => {
    const r = run('expect t.add(1) == 5\n');
    expect(r.failed).toEqual(['expect failed: t.add(1) == 5 (t.add(1) is 1, 5 is 5)']);
    expect(r.m.counter).toBe(1n);
  });
});

describe('walked: set when a builtin with walks: true ran in the step', () => {
  it('per step, including procs run inside an expression, not short-circuited calls', () => {
    const src = [
      'proc w() {', '  return t.walk(1)', '}',
      't.walk(1)',                               // walked
      'let x = 1',                               // not
      'expect t.walk(0).reads == 0',             // walked
      'let b = false and t.walk(1).reads == 1',  // not: short-circuited
      'let r = w().reads',                       // walked: w runs inside the expression
      'let q = w()',                             // not: the call steps in...
      '',                                        // ...and its return walks
    ].join('\n');
    const r = run(src);
    expect(r.trace).toEqual(['expr@4', 'let@5', 'expect@6', 'let@7', 'let@8', 'let@9', 'return@2']);
    expect(r.steps.map((s) => s.walked)).toEqual([true, false, true, false, true, false, true]);
  });
});

// ---- property: the interpreter's arithmetic against an independent evaluator ----------------

type ANode =
  | { k: 'lit'; v: bigint }
  | { k: 'un'; op: '-' | '~'; e: ANode }
  | { k: 'bin'; op: string; l: ANode; r: ANode };

const OPS = ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^'] as const;

const leaf = fc.oneof(
  fc.bigInt({ min: 0n, max: U64 }),
  fc.bigInt({ min: 0n, max: 70n }),                     // small: zero divisors, shifts near 64
  fc.constantFrom(0n, 1n, 63n, 64n, U64, 1n << 63n),
).map((v): ANode => ({ k: 'lit', v }));

const tree: fc.Arbitrary<ANode> = fc.letrec<{ node: ANode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    leaf,
    fc.record({ k: fc.constant('un' as const), op: fc.constantFrom('-' as const, '~' as const), e: tie('node') }),
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom(...OPS), l: tie('node'), r: tie('node') }),
  ),
})).node;

/** Fully parenthesised source; records where each binary operator lands. */
function printTree(n: ANode, at: number, ops: Map<ANode, number>): string {
  if (n.k === 'lit') return n.v < 1000n ? n.v.toString() : `0x${n.v.toString(16)}`;
  if (n.k === 'un') return `${n.op}(${printTree(n.e, at + 2, ops)})`;
  const l = printTree(n.l, at + 1, ops);
  const opAt = at + 1 + l.length + 1;
  ops.set(n, opAt);
  const r = printTree(n.r, opAt + n.op.length + 1, ops);
  return `(${l} ${n.op} ${r})`;
}

class Stop {
  constructor(readonly why: 'div' | 'shift', readonly node: ANode) {}
}

/** The independent checker: C's uint64_t, via BigInt.asUintN(64, ...), left operand first. */
function reference(n: ANode): bigint {
  const w = (x: bigint) => BigInt.asUintN(64, x);
  if (n.k === 'lit') return n.v;
  if (n.k === 'un') return n.op === '-' ? w(-reference(n.e)) : w(~reference(n.e));
  const a = reference(n.l);
  const b = reference(n.r);
  switch (n.op) {
    case '+': return w(a + b);
    case '-': return w(a - b);
    case '*': return w(a * b);
    case '/': if (b === 0n) throw new Stop('div', n); return a / b;
    case '%': if (b === 0n) throw new Stop('div', n); return a % b;
    case '<<': if (b >= 64n) throw new Stop('shift', n); return w(a << b);
    case '>>': if (b >= 64n) throw new Stop('shift', n); return a >> b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
  }
  throw new Error(`op ${n.op}`);
}

describe('property: arithmetic equals an independent uint64_t evaluation', () => {
  it('random expression trees over random 64-bit values', () => {
    fc.assert(fc.property(tree, (t) => {
      const ops = new Map<ANode, number>();
      const prefix = 'let v = ';
      const src = `${prefix}${printTree(t, prefix.length, ops)}\n`;
      let want: bigint | Stop;
      try { want = reference(t); } catch (e) { if (!(e instanceof Stop)) throw e; want = e; }
      const r = run(src);
      if (want instanceof Stop) {
        expect(r.error?.message).toMatch(want.why === 'div' ? /^division by zero/ : /^a shift by \d+ is 64 or more/);
        expect(r.error?.start).toBe(ops.get(want.node));   // the same (first) failing operator
      } else {
        expect(r.error).toBeUndefined();
        expect(r.env.v).toBe(want);
      }
    }), { numRuns: 400 });
  });

  it('comparisons and equality of random 64-bit values', () => {
    const u64 = fc.oneof(fc.bigInt({ min: 0n, max: U64 }), fc.constantFrom(0n, U64, 1n << 63n));
    const cmp = { '<': (a: bigint, b: bigint) => a < b, '<=': (a: bigint, b: bigint) => a <= b, '>': (a: bigint, b: bigint) => a > b,
      '>=': (a: bigint, b: bigint) => a >= b, '==': (a: bigint, b: bigint) => a === b, '!=': (a: bigint, b: bigint) => a !== b };
    fc.assert(fc.property(u64, u64, fc.constantFrom(...(Object.keys(cmp) as (keyof typeof cmp)[])), fc.boolean(), (a, b, op, same) => {
      const y = same ? a : b;
      expect(value(`0x${a.toString(16)} ${op} 0x${y.toString(16)}`)).toBe(cmp[op](a, y));
    }), { numRuns: 200 });
  });
});
