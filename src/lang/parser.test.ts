import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BINARY_PRECEDENCE, type BinaryOp, type Call, type Expr, type ExprStmt, type Span, type Stmt, dottedName } from './ast';
import { DESIGN_EXAMPLE, RAW_BITS, STALE_TLB } from './corpus';
import { LineMap, formatDiagnostic, lineCol } from './diagnostics';
import { parse } from './parser';

/** Diagnostics as `LINE:COL: message [code]`, the form a student sees. */
function errors(text: string): string[] {
  return parse(text).diagnostics.map((d) => formatDiagnostic(d, text, '').slice(1));
}

/** An expression fully parenthesised, without the source's own parentheses: how it grouped. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'Paren':
      return show(e.expr);
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return e.op === 'not' ? `(not ${show(e.operand)})` : `(${e.op}${show(e.operand)})`;
    case 'Member':
      return `${show(e.object)}.${e.name.text}`;
    case 'Call':
      return `${show(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.text}: ` : '') + show(a.value)).join(', ')})`;
    case 'Int':
      return e.text;
    case 'Str':
      return JSON.stringify(e.value);
    case 'Bool':
      return String(e.value);
    case 'Ident':
      return e.name;
    case 'Missing':
      return '?';
  }
}

function expr(text: string): Expr {
  const { program, diagnostics } = parse(text);
  expect(diagnostics).toEqual([]);
  expect(program.body).toHaveLength(1);
  return (program.body[0] as ExprStmt).expr;
}

describe('the DESIGN.md example', () => {
  const text = DESIGN_EXAMPLE;
  const { program, diagnostics } = parse(text);
  const src = (s: Span) => text.slice(s.start, s.end);
  const pos = (s: Span) => lineCol(text, s.start);

  it('parses without a diagnostic', () => {
    expect(diagnostics).toEqual([]);
  });

  it('has one statement per line, each spanning its code but not its comment', () => {
    expect(program.body.map((s) => [s.kind, pos(s.span).line, src(s.span)])).toEqual([
      ['Let', 2, 'let nic = host.assign("0000:01:00.0", sid: 0x10)'],
      ['ExprStmt', 3, 'host.s2.map(ipa: 0x4000_0000, pa: 0x8_0000_0000, size: 1G, perm: rw, pgsize: 4K)'],
      ['Let', 5, 'let pt = guest.s1.new(granule: 4K, va_bits: 48)'],
      ['ExprStmt', 6, 'guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 4K, perm: rw)'],
      ['Let', 7, 'let cd = guest.cd(asid: 7, ttb0: pt)'],
      ['ExprStmt', 8, 'host.set_pasid_table(nic, cd_table: cd)'],
      ['Let', 10, 'let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)'],
      ['Expect', 11, 'expect r.pa == 0x8_0010_0040'],
      ['Expect', 12, 'expect r.walk.reads == 24'],
    ]);
    expect(program.body.every((s) => pos(s.span).col === 1)).toBe(true);
    expect(program.span).toEqual({ start: 0, end: text.length });
  });

  it('keeps the comments, for captions', () => {
    expect(program.comments).toHaveLength(7);
    expect(program.comments[1].text).toBe(' vfio-pci; its IOMMU group');
    expect(lineCol(text, program.comments[1].span.start)).toEqual({ line: 2, col: 61 });
  });

  it('reads guest.s1.map as a dotted builtin with positional and named arguments', () => {
    const call = (program.body[3] as ExprStmt).expr as Call;
    expect(call.kind).toBe('Call');
    expect(dottedName(call.callee)).toBe('guest.s1.map');
    expect(call.args.map((a) => [a.name?.text ?? null, show(a.value)])).toEqual([
      [null, 'pt'], ['va', '0x1000_0000'], ['ipa', '0x4010_0000'], ['size', '4K'], ['perm', 'rw'],
    ]);
    const [, va, , size, perm] = call.args;
    expect(va.value).toMatchObject({ kind: 'Int', value: 0x1000_0000n });
    expect(size.value).toMatchObject({ kind: 'Int', value: 4096n, text: '4K' });
    expect(perm.value).toMatchObject({ kind: 'Ident', name: 'rw' });
    expect(src(va.span)).toBe('va: 0x1000_0000');
    expect(pos(va.span)).toEqual({ line: 6, col: 18 });
    expect(pos(va.name!.span)).toEqual({ line: 6, col: 18 });
    expect(pos(va.value.span)).toEqual({ line: 6, col: 22 });
    expect(src(call.callee.span)).toBe('guest.s1.map');
  });

  it('reads `expect r.pa == 0x8_0010_0040` with exact positions', () => {
    const e = program.body[7];
    expect(e.kind).toBe('Expect');
    if (e.kind !== 'Expect') return;
    expect(e.message).toBeNull();
    const cond = e.cond;
    expect(cond).toMatchObject({ kind: 'Binary', op: '==' });
    if (cond.kind !== 'Binary') return;
    expect(cond.left).toMatchObject({ kind: 'Member', object: { kind: 'Ident', name: 'r' }, name: { text: 'pa' } });
    expect(cond.right).toMatchObject({ kind: 'Int', value: 0x8_0010_0040n });
    expect([pos(cond.span), pos(cond.left.span), pos(cond.opSpan), pos(cond.right.span)]).toEqual([
      { line: 11, col: 8 }, { line: 11, col: 8 }, { line: 11, col: 13 }, { line: 11, col: 16 },
    ]);
    expect(src(cond.span)).toBe('r.pa == 0x8_0010_0040');
  });

  it('reads member chains left to right: r.walk.reads', () => {
    const e = program.body[8];
    if (e.kind !== 'Expect' || e.cond.kind !== 'Binary') throw new Error('shape');
    expect(dottedName(e.cond.left)).toBe('r.walk.reads');
    expect(show(e.cond)).toBe('(r.walk.reads == 24)');
  });
});

describe('statements', () => {
  it('parses the rest of the corpus without a diagnostic', () => {
    expect(parse(STALE_TLB).diagnostics).toEqual([]);
    expect(parse(RAW_BITS).diagnostics).toEqual([]);
  });

  it('proc, for with step, if / else if / else, return, expect with a message, assignment', () => {
    const { program, diagnostics } = parse(STALE_TLB);
    expect(diagnostics).toEqual([]);
    expect(program.body.map((s) => s.kind)).toEqual([
      'Proc', 'Let', 'Let', 'Expect', 'Let', 'Let', 'ExprStmt', 'Let', 'If', 'ExprStmt', 'ExprStmt',
    ]);
    const proc = program.body[0];
    if (proc.kind !== 'Proc') throw new Error('shape');
    expect(proc.name.text).toBe('map_pages');
    expect(proc.params.map((p) => p.text)).toEqual(['pt', 'base', 'n']);
    expect(proc.body.body.map((s) => s.kind)).toEqual(['For', 'Return']);
    const loop = proc.body.body[0];
    if (loop.kind !== 'For') throw new Error('shape');
    expect([loop.variable.text, show(loop.from), show(loop.to), loop.step]).toEqual(['i', '0', 'n', null]);
    // A call spread over two lines is one statement.
    expect(loop.body.body).toHaveLength(1);
    const expectStmt = program.body[3];
    if (expectStmt.kind !== 'Expect') throw new Error('shape');
    expect(expectStmt.message).toMatchObject({ kind: 'Str', value: 'eight pages' });
    const chain = program.body[8];
    if (chain.kind !== 'If') throw new Error('shape');
    expect(show(chain.cond)).toBe('(again.tlb_hit and (not r.event))');
    expect(chain.else?.kind).toBe('If');
    if (chain.else?.kind !== 'If') throw new Error('shape');
    expect(chain.else.else?.kind).toBe('Block');
  });

  it('for with a step; assignment', () => {
    const { program, diagnostics } = parse(RAW_BITS);
    expect(diagnostics).toEqual([]);
    const loop = program.body[5];
    if (loop.kind !== 'For') throw new Error('shape');
    expect([show(loop.from), show(loop.to), loop.step && show(loop.step)]).toEqual(['0', '64', '8']);
    expect(loop.body.body[0]).toMatchObject({ kind: 'Assign', target: { text: 'total' } });
    expect(program.body[8]).toMatchObject({ kind: 'Let', value: { kind: 'Str', value: 'tab\there, quote " and hex A\n' } });
  });

  // [program, statement kinds]: where lines end statements and where they do not.
  const layout: [string, string[]][] = [
    ['let x = (1 +\n  2)', ['Let']],
    ['f(a,\n  b,\n)', ['ExprStmt']],
    ['f(\n  a\n  + b\n)', ['ExprStmt']],
    ['foo\n(1)', ['ExprStmt', 'ExprStmt']], // a call's '(' must be on the callee's line
    ['a\n-1', ['ExprStmt', 'ExprStmt']],
    ['let a = 1; let b = 2;', ['Let', 'Let']],
    ['if x {\n}\nelse {\n}', ['If']],
    ['if x\n{\n  f()\n}', ['If']],
    ['for i in 0..8 { f(i) }', ['For']],
    ['proc p() {}\np()', ['Proc', 'ExprStmt']],
    ['', []],
    ['# only a comment', []],
    ['\n\n  \n', []],
  ];
  it.each(layout)('%j', (text, kinds) => {
    const { program, diagnostics } = parse(text);
    expect(diagnostics).toEqual([]);
    expect(program.body.map((s: Stmt) => s.kind)).toEqual(kinds);
  });
});

describe('operator precedence and grouping', () => {
  // [expression, how it groups]. Unlike C, & ^ | bind tighter than comparisons (as in Python,
  // Go and Rust), so `a & 1 == 0` tests a bit instead of computing a & (1 == 0).
  const table: [string, string][] = [
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['a % b / c * d', '(((a % b) / c) * d)'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    ['a & 1 == 0', '((a & 1) == 0)'],
    ['a | b ^ c & d', '(a | (b ^ (c & d)))'],
    ['1 << 2 + 3', '(1 << (2 + 3))'],
    ['x >> 4 & 0xf', '((x >> 4) & 0xf)'],
    ['1 << 12 | 3', '((1 << 12) | 3)'],
    ['-a * b', '((-a) * b)'],
    ['~a & b', '((~a) & b)'],
    ['- -a', '(-(-a))'],
    ['-r.pa', '(-r.pa)'],
    ['~0 << 12', '((~0) << 12)'],
    ['not a == b', '(not (a == b))'],
    ['not a and b', '((not a) and b)'],
    ['not not a', '(not (not a))'],
    ['a or b and c', '(a or (b and c))'],
    ['a and not b or c', '((a and (not b)) or c)'],
    ['a == b and c != d', '((a == b) and (c != d))'],
    ['a < b + 1', '(a < (b + 1))'],
    ['a <= b | c', '(a <= (b | c))'],
    ['r.walk.reads >= 4 * 6', '(r.walk.reads >= (4 * 6))'],
    ['f(x).y + -g(1, k: 2 + 3)', '(f(x).y + (-g(1, k: (2 + 3))))'],
    ['r.event.name == "F_TRANSLATION"', '(r.event.name == "F_TRANSLATION")'],
    ['(a < b) == (c < d)', '((a < b) == (c < d))'],
    ['true or false', '(true or false)'],
  ];
  it.each(table)('%s groups as %s', (text, grouped) => {
    expect(show(expr(text))).toBe(grouped);
  });

  // Random trees, printed with only the parentheses the precedence table requires, parse back to
  // the same tree: the parser and the documented table (ast.ts BINARY_PRECEDENCE) agree.
  const UNARY_PREC = 11;
  const NOT_PREC = 3;
  const ATOM = 12;
  type T = { op: BinaryOp; l: T; r: T } | { un: '-' | '~' | 'not'; e: T } | { atom: string };
  const prec = (t: T) => ('op' in t ? BINARY_PRECEDENCE[t.op] : 'un' in t ? (t.un === 'not' ? NOT_PREC : UNARY_PREC) : ATOM);
  const isCompare = (p: number) => p === BINARY_PRECEDENCE['=='];
  function minimal(t: T): string {
    if ('atom' in t) return t.atom;
    if ('un' in t) {
      const inner = prec(t.e) < prec(t) ? `(${minimal(t.e)})` : minimal(t.e);
      return t.un === 'not' ? `not ${inner}` : `${t.un}${inner}`;
    }
    const p = prec(t);
    const l = prec(t.l) < p || (isCompare(p) && prec(t.l) === p) ? `(${minimal(t.l)})` : minimal(t.l);
    const r = prec(t.r) <= p ? `(${minimal(t.r)})` : minimal(t.r);
    return `${l} ${t.op} ${r}`;
  }
  function grouped(t: T): string {
    if ('atom' in t) return t.atom;
    if ('un' in t) return t.un === 'not' ? `(not ${grouped(t.e)})` : `(${t.un}${grouped(t.e)})`;
    return `(${grouped(t.l)} ${t.op} ${grouped(t.r)})`;
  }
  const ops = Object.keys(BINARY_PRECEDENCE) as BinaryOp[];
  const tree = fc.letrec<{ t: T }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('a', 'b', 'x', '0x10', '4K', 'r.pa', 'f(1)').map((atom): T => ({ atom })),
      fc.record({ op: fc.constantFrom(...ops), l: tie('t'), r: tie('t') }) as fc.Arbitrary<T>,
      fc.record({ un: fc.constantFrom('-', '~', 'not'), e: tie('t') }) as fc.Arbitrary<T>,
    ),
  })).t;

  it('agrees with the precedence table on random expressions', () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(show(expr(`expect ${minimal(t)}`.slice(7)))).toBe(grouped(t));
      }),
      { numRuns: 400 },
    );
  });
});

describe('errors, with exact messages and positions', () => {
  // [program, diagnostics as LINE:COL: message [code]]
  const table: [string, string[]][] = [
    // The brief's examples.
    ['let pt = 1\nguest.s1.map(pt, va: 0x1000_0000\nlet x = 1', [
      "2:33: expected ')' to close the call to guest.s1.map started at 2:13 [LAB2002]",
    ]],
    ['let x = 1\n}\nlet y = 2', ["2:1: unexpected '}' — there is no block to close [LAB2005]"]],
    ['let base = 0x4000_0000_', ["1:12: a number like 0x4000_0000 cannot end with '_' [LAB1006]"]],
    ['host.s2.map(size: 4X)', ["1:19: unknown size suffix 'X' (use K, M, G or T) [LAB1010]"]],
    // Missing pieces: the message points where the piece belongs.
    ['let x =', ['1:8: expected an expression, found the end of the program [LAB2001]']],
    ['let x = 1 +\n  2', ['1:12: expected an expression, found the end of the line [LAB2001]']],
    ['let = 3', ["1:5: expected a name after 'let', found '=' [LAB2001]"]],
    ['let 3x = 1', ["1:5: unknown size suffix 'x' (use K, M, G or T) [LAB1010]"]],
    ['let x = 1 let y = 2', ["1:11: expected the end of the statement, found 'let' (each statement goes on a line of its own) [LAB2007]"]],
    ['print "hi"', ['1:7: expected the end of the statement, found a string (each statement goes on a line of its own) [LAB2007]']],
    ['let x 3', ["1:7: expected '=' after 'let x', found the number 3 [LAB2001]"]],
    ['expect r.', ["1:10: expected a name after '.', found the end of the program [LAB2001]"]],
    ['f(1, 2', ["1:7: expected ')' to close the call to f started at 1:2 [LAB2002]"]],
    ['let x = (1 + 2', ["1:15: expected ')' to close the '(' at 1:9 [LAB2003]"]],
    ['for i in 0..8 {\n  f(i)\n', ["2:7: expected '}' to close the block of 'for' started at 1:15 [LAB2004]"]],
    ['if x == 1 then {\n}', ["1:11: expected '{' to start the body of 'if', found 'then' [LAB2001]"]],
    ['for i 0..8 {}', ["1:7: expected 'in' after 'for i', found the number 0 [LAB2001]"]],
    ['for i in range(8) {}', ["1:19: expected '..' and the end of the range, as in 'for i in 0..8', found '{' [LAB2001]"]],
    ['proc f {}', ["1:8: expected '(' and the parameters after 'proc f', found '{' [LAB2001]"]],
    ['f(x) y', ["1:6: expected the end of the statement, found 'y' (each statement goes on a line of its own) [LAB2007]"]],
    ['f(x))', ["1:5: unexpected ')' — there is no '(' to close [LAB2006]"]],
    [', x', ["1:1: expected a statement, found ',' [LAB2001]"]],
    // Argument lists.
    ['f(a b)', ["1:5: expected ',' between arguments, found 'b' [LAB2008]"]],
    ['f(va = 1)', ["1:6: a named argument is written with ':', as in 'va: …', not with '=' [LAB2009]"]],
    ['f(va: 1, 2)', ['1:10: a positional argument cannot follow named arguments: put it before them, or give it its name [LAB2010]']],
    ['f(va: 1, va: 2)', ["1:10: the argument 'va' is given twice [LAB2011]"]],
    ['f(1 : 2)', ["1:5: expected ',' or ')' in the argument list, found ':' [LAB2001]"]],
    ['guest.s1.map(pt,\n  va: 1\n  ipa: 2)', ["3:3: expected ',' between arguments, found 'ipa' [LAB2008]"]],
    // Habits from other languages.
    ['expect a < b < c', ["1:14: comparisons cannot be chained: write 'a < b and b < c' [LAB2012]"]],
    ['expect r.pa = 1', ["1:13: '=' gives a variable a value; to compare two values, write '==' [LAB2016]"]],
    ['if x = 1 {}', ["1:6: '=' gives a variable a value; to compare two values, write '==' [LAB2016]"]],
    ['let x == 1', ["1:7: '=' gives a variable a value; to compare two values, write '==' [LAB2016]"]],
    ['x += 1', ["1:3: there is no '+=' in lab programs: write 'x = x + …' [LAB2014]"]],
    ['x <<= 1', ["1:3: there is no '<<=' in lab programs: write 'x = x << …' [LAB2014]"]],
    ['r.pa = 1', ["1:1: cannot assign to r.pa: only a variable (a name made with 'let') can be given a new value [LAB2015]"]],
    ['while x < 3 {\n  f()\n}', ["1:1: there is no 'while' in lab programs: loops are written 'for i in a..b { … }' [LAB2021]"]],
    ['def f(a):\n  return a', [
      "1:1: there is no 'def' in lab programs: procedures are declared with 'proc name(a, b) { … }' [LAB2021]",
      "2:3: 'return' can only be used inside a proc [LAB2019]",
    ]],
    ['var x = 1', ["1:1: there is no 'var' in lab programs: variables are made with 'let name = value' [LAB2021]"]],
    ['assert x == 1', ["1:1: there is no 'assert' in lab programs: checks are written 'expect condition' [LAB2021]"]],
    ['if a {} elif b {} else {}', ["1:9: there is no 'elif' in lab programs: write 'else if' [LAB2021]"]],
    ['for i in 0..=8 {}', ["1:11: there is no '..=': a range a..b stops just before b, so to include b write a..b+1 [LAB2023]"]],
    ['if a && !b {}', [
      "1:6: '&&' is written 'and' in lab programs [LAB1015]",
      "1:9: '!' is written 'not' in lab programs [LAB1015]",
    ]],
    // Structure.
    ['proc f(a, b, a) {}', ["1:14: the parameter 'a' appears twice [LAB2017]"]],
    ['proc f(a b) {}', ["1:10: expected ',' between parameters, found 'b' [LAB2001]"]],
    ['if x {\n  proc g() {}\n}', ['2:3: a proc can only be declared at the top level of the program, not inside a block [LAB2013]']],
    ['return 1', ["1:1: 'return' can only be used inside a proc [LAB2019]"]],
    ['let in = 1', ["1:5: 'in' is a reserved word and cannot be used as a name [LAB2020]"]],
    ['else {\n}\nlet x = 1', ["1:1: 'else' without an 'if' just before it [LAB2018]"]],
  ];
  it.each(table)('%j', (text, expected) => {
    expect(errors(text)).toEqual(expected);
  });

  it('reports several errors in one program together, and keeps the good statements', () => {
    const text = [
      'let nic = host.assign("0000:01:00.0", sid: 0x10)', // 1 fine
      'let pt = guest.s1.new(granule: 4X)', //                2 bad suffix
      'guest.s1.map(pt, va: 0x1000_0000, size: 4K', //        3 no ')'
      'let r = dev.dma(nic read, iova: 0x1000_0040)', //      4 missing ','
      'for i in 0..8 {', //                                   5
      '  expect r.pa = 0x8_0010_0040', //                     6 '=' for '=='
      '}', //                                                 7
      '}', //                                                 8 stray
      'expect r.walk.reads == 24', //                         9 fine
    ].join('\n');
    expect(errors(text)).toEqual([
      "2:32: unknown size suffix 'X' (use K, M, G or T) [LAB1010]",
      "3:43: expected ')' to close the call to guest.s1.map started at 3:13 [LAB2002]",
      "4:21: expected ',' between arguments, found 'read' [LAB2008]",
      "6:15: '=' gives a variable a value; to compare two values, write '==' [LAB2016]",
      "8:1: unexpected '}' — there is no block to close [LAB2005]",
    ]);
    const { program } = parse(text);
    expect(program.body.map((s) => s.kind)).toEqual(['Let', 'Let', 'ExprStmt', 'Let', 'For', 'Expect']);
  });

  it('fills gaps with zero-width missing nodes, where the piece belongs', () => {
    const text = 'let x = \nlet y = f(1, )\nexpect r.';
    const { program } = parse(text);
    const [x, , e] = program.body;
    expect(x).toMatchObject({ kind: 'Let', value: { kind: 'Missing', span: { start: 7, end: 7 } } }); // just after '='
    expect(e).toMatchObject({ kind: 'Expect', cond: { kind: 'Member', name: { text: '', missing: true } } });
    // A trailing comma is allowed: no missing argument.
    expect(program.body[1]).toMatchObject({ kind: 'Let', value: { kind: 'Call', args: [{ value: { kind: 'Int' } }] } });
  });

  it('gives each diagnostic one place: a second complaint at the same offset is dropped', () => {
    const starts = parse('let x = )\nf(,,)\nlet = = =').diagnostics.map((d) => d.span.start);
    expect(new Set(starts).size).toBe(starts.length);
  });

  it('formats positions with the file name, as compilers do', () => {
    const text = 'let a = 1\n  f(1, 2';
    const m = new LineMap(text);
    const [d] = parse(text).diagnostics;
    expect(formatDiagnostic(d, m, 'lessons/nested.lab')).toBe(
      "lessons/nested.lab:2:9: expected ')' to close the call to f started at 2:4 [LAB2002]",
    );
    expect(d.related).toEqual([{ message: "the '(' to close", span: { start: 13, end: 14 } }]);
  });
});
