import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Call, type Ident, type LetStmt, type Member, type Node, type Span, walk } from './ast';
import { BUILTINS } from './builtins';
import { check, editDistance, suggest } from './checker';
import { DESIGN_EXAMPLE, RAW_BITS, STALE_TLB } from './corpus';
import { type Diagnostic, formatDiagnostic, lineCol } from './diagnostics';
import { parse } from './parser';
import { BASIC_INSERTS, mutate, mutationOf, soupOf } from './fuzz.test-util';
import type { ArgSpec, ArgType, Builtin } from './registry-types';
import type { Value } from './values';

const int = (min?: bigint, max?: bigint, align?: bigint): ArgType => ({ t: 'int', min, max, align });
const arg = (name: string, type: ArgType, dflt?: Value): ArgSpec => (dflt === undefined ? { name, type, doc: name } : { name, type, default: dflt, doc: name });
function builtin(name: string, args: readonly ArgSpec[], type = 'nothing', fields?: Record<string, string>): Builtin {
  return { name, actor: name.split('.')[0] as Builtin['actor'], args, returns: { type, doc: type, fields }, doc: name, example: name, run: () => null };
}
const PERM: ArgType = { t: 'word', words: ['r', 'w', 'rw'] };
const FAKE: Builtin[] = [
  builtin('host.assign', [arg('bdf', { t: 'str' }), arg('sid', int(0n, 0xffffn))], 'device'),
  builtin('host.s2.map', [arg('ipa', int(0n, undefined, 0x1000n)), arg('pa', int(0n, undefined, 0x1000n)), arg('size', int(0x1000n, undefined, 0x1000n)), arg('perm', PERM, { kind: 'word', word: 'rw' }), arg('pgsize', int(0x1000n, 1n << 30n), 0x1000n)]),
  builtin('host.set_pasid_table', [arg('dev', { t: 'handle', handle: 'device' }), arg('cd_table', { t: 'handle', handle: 'cd' })]),
  builtin('guest.s1.new', [arg('granule', int(0x1000n, 0x10000n), 0x1000n), arg('va_bits', int(32n, 52n), 48n)], 'page table'),
  builtin('guest.s1.map', [arg('pt', { t: 'handle', handle: 'pt' }), arg('va', int(0n, undefined, 0x1000n)), arg('ipa', int(0n, undefined, 0x1000n)), arg('size', int(0x1000n, undefined, 0x1000n)), arg('perm', PERM, { kind: 'word', word: 'rw' })]),
  builtin('guest.s1.unmap', [arg('pt', { t: 'handle', handle: 'pt' }), arg('va', int(0n, undefined, 0x1000n)), arg('size', int(0x1000n, undefined, 0x1000n))]),
  builtin('guest.cd', [arg('asid', int(0n, 0xffffn)), arg('ttb0', { t: 'handle', handle: 'pt' })], 'context descriptor'),
  builtin('dev.dma', [arg('dev', { t: 'handle', handle: 'device' }), arg('access', { t: 'word', words: ['read', 'write'] }), arg('iova', int()), arg('len', int(1n, 4096n), 8n)], 'dma result',
    { ok: 'whether it completed', pa: 'the physical address', tlb_hit: 'whether the TLB answered', event: 'the event, or nothing', 'event.name': 'the event name', 'walk.reads': 'table reads' }),
  builtin('smmu.cmd', [arg('op', { t: 'word', words: ['CMD_SYNC', 'CMD_CFGI_STE', 'CMD_TLBI_NH_VA', 'CMD_TLBI_NH_ASID', 'CMD_TLBI_S12_VMALL'] }), arg('sid', int(0n, 0xffffn), 0n), arg('vmid', int(0n, 0xffffn), 0n), arg('asid', int(0n, 0xffffn), 0n), arg('addr', int(0n, undefined, 0x1000n), 0n)]),
  builtin('smmu.strtab_base', [], 'number'),
  builtin('mem.read64', [arg('addr', int(0n, undefined, 8n))], 'number'),
  builtin('mem.write64', [arg('addr', int(0n, undefined, 8n)), arg('value', int())]),
  builtin('log', [arg('value', { t: 'str' }), arg('label', { t: 'str' }, '')]),
];

/** Checker diagnostics as `LINE:COL: message [CODE]` (warnings say so); the program must parse
 *  cleanly, so that every message here is the checker's. */
function errors(text: string, registry: readonly Builtin[] = FAKE, handles: readonly string[] = []): string[] {
  const p = parse(text);
  expect(p.diagnostics.map((d) => d.message)).toEqual([]);
  const ds = check(p.program, registry).diagnostics;
  // Handles (`d`, `pt`) named in `handles` stand for variables the test does not bother to make.
  const own = ds.filter((d) => !(d.code === 'LAB3015' && handles.includes(text.slice(d.span.start, d.span.end))));
  return own.map((d) => formatDiagnostic(d, text, '').slice(1));
}

/** The source text each diagnostic underlines. */
function underlined(text: string): string[] {
  return check(parse(text).program, FAKE).diagnostics.map((d) => text.slice(d.span.start, d.span.end));
}

function checked(text: string) {
  const p = parse(text);
  expect(p.diagnostics).toEqual([]);
  return { program: p.program, ...check(p.program, FAKE) };
}

function nodes<K extends Node['kind']>(root: Node, kind: K): Extract<Node, { kind: K }>[] {
  const out: Node[] = [];
  walk(root, (n) => { if (n.kind === kind) out.push(n); });
  return out as Extract<Node, { kind: K }>[];
}

describe('valid programs check clean', () => {
  it('the DESIGN.md example (docs/language.md, top)', () => {
    expect(errors(DESIGN_EXAMPLE)).toEqual([]);
  });

  it('the rest of the corpus: procs, loops, words, fields, the raw layer', () => {
    expect(errors(STALE_TLB)).toEqual([]);
    expect(errors(RAW_BITS)).toEqual([]);
  });

  it('procs called before their declaration, recursion, parameters in loops', () => {
    expect(errors(`let n = twice(3)
proc twice(x) {
  if x == 0 { return 0 }
  return 2 + twice(x - 1)
}
proc touch(pt, base) {
  for i in 0..4 { guest.s1.map(pt, va: base + i * 4K, ipa: base, size: 4K) }
}
let pt = guest.s1.new()
touch(pt, 0x1000)
`)).toEqual([]);
  });

  it('the examples of docs/language.md, against the real registry (builtins/docs.test.ts also runs them)', () => {
    const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
    const blocks = [...doc.matchAll(/```lab\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(errors(blocks[0], BUILTINS)).toEqual([]); // the example at the top
    const more = blocks.find((b) => b.includes('proc map_range'))!;
    expect(errors(more, BUILTINS)).toEqual([]);
  });
});

describe('calls', () => {
  it('unknown builtins: the nearest name, or the actor\'s builtins, or the actors', () => {
    expect(errors('guest.s1.mapp(1)\nguest.foo(1)\ngust.s1.map(1)\nfoo.bar(1)')).toEqual([
      "1:1: unknown builtin 'guest.s1.mapp' — did you mean 'guest.s1.map'? [LAB3001]",
      "2:1: unknown builtin 'guest.foo' — the guest builtins are guest.s1.new, guest.s1.map, guest.s1.unmap, guest.cd [LAB3001]",
      "3:1: unknown builtin 'gust.s1.map' — did you mean 'guest.s1.map'? [LAB3001]",
      "4:1: unknown builtin 'foo.bar' — builtin names start with host., guest., dev., smmu. or mem. [LAB3001]",
    ]);
    expect(underlined('  guest.s1.mapp(1)')).toEqual(['guest.s1.mapp']);
  });

  it('unknown procs: a proc or builtin one typo away, or dotted builtins ending that way', () => {
    expect(errors('proc setup(x) { }\nsetpu(1)\nmap(1)\nunmapp(1)\nfrobnicate()\nlgo("x")')).toEqual([
      "2:1: there is no proc or builtin called 'setpu' — did you mean 'setup'? [LAB3002]",
      "3:1: there is no proc or builtin called 'map' — did you mean 'host.s2.map' or 'guest.s1.map'? [LAB3002]",
      "4:1: there is no proc or builtin called 'unmapp' — did you mean 'guest.s1.unmap'? [LAB3002]",
      "5:1: there is no proc or builtin called 'frobnicate' [LAB3002]",
      "6:1: there is no proc or builtin called 'lgo' — did you mean 'log'? [LAB3002]",
    ]);
  });

  it('only builtins and procs can be called', () => {
    expect(errors('let r = mem.read64(0)\nr(1)\nr.walk(2)\n(1)(2)\nlet dev = host.assign("a", sid: 1)\ndev.dma(dev, read, iova: 0)')).toEqual([
      "2:1: 'r' (a variable) is not a builtin or a proc, so it cannot be called [LAB3003]",
      "3:1: 'r.walk' (a field of r) is not a builtin or a proc, so it cannot be called [LAB3003]",
      '4:1: this is not a builtin or a proc, so it cannot be called [LAB3003]',
    ]);
  });

  it('named arguments: unknown ones get the nearest name or the list', () => {
    expect(errors('guest.s1.map(pt, 0, 0, szie: 4K, perm: rw)\ndev.dma(d, read, iova: 0, x: 1)\nsmmu.strtab_base(at: 1)', FAKE, ['pt', 'd'])).toEqual([
      "1:24: guest.s1.map has no argument 'szie' — did you mean 'size'? [LAB3004]",
      "1:42: missing the argument 'size' in the call to guest.s1.map [LAB3005]",
      "2:27: dev.dma has no argument 'x' — its arguments are dev, access, iova, len [LAB3004]",
      "3:18: smmu.strtab_base has no argument 'at' — it takes no arguments [LAB3004]",
    ]);
    expect(underlined('guest.s1.map(pt, 0, 0, szie: 4K, perm: rw)')).toEqual(['pt', 'szie', ')']);
  });

  it('missing arguments: all of them in one message, at the closing parenthesis', () => {
    expect(errors('guest.s1.map(pt, va: 0)\nguest.s1.map(\n  pt,\n)\nhost.assign()', FAKE, ['pt'])).toEqual([
      "1:23: missing the arguments 'ipa' and 'size' in the call to guest.s1.map [LAB3005]",
      "4:1: missing the arguments 'va', 'ipa' and 'size' in the call to guest.s1.map [LAB3005]",
      "5:13: missing the arguments 'bdf' and 'sid' in the call to host.assign [LAB3005]",
    ]);
  });

  it('too many positional arguments, underlined together; an argument given twice', () => {
    expect(errors('host.s2.map(0, 0, 4K, rw, 4K, 7, 8)\nhost.s2.map(0, 0, 4K, ipa: 0)\nsmmu.strtab_base(1)')).toEqual([
      '1:31: too many arguments: host.s2.map takes 5 arguments (ipa, pa, size, perm, pgsize) [LAB3006]',
      "2:23: the argument 'ipa' is already given by position (argument 1) [LAB3007]",
      '3:18: too many arguments: smmu.strtab_base takes no arguments [LAB3006]',
    ]);
    expect(underlined('host.s2.map(0, 0, 4K, rw, 4K, 7, 8)')).toEqual(['7, 8']);
  });

  it('procs: arguments by position, as many as the parameters', () => {
    expect(errors('proc f(a, b) { return a + b }\nlet x = f(1, 2, 3)\nlet y = f(1)\nlet z = f()\nlet w = f(1, b: 2)')).toEqual([
      '2:17: f takes 2 arguments (a, b), but the call gives 3 [LAB3009]',
      '3:12: f takes 2 arguments (a, b), but the call gives 1 [LAB3009]',
      '4:11: f takes 2 arguments (a, b), but the call gives none [LAB3009]',
      "5:14: a proc takes its arguments by position, not by name: drop 'b:' [LAB3008]",
    ]);
    expect(errors('proc g() { }\ng(1)')).toEqual(['2:3: g takes no arguments, but the call gives 1 [LAB3009]']);
  });

  it('the result of a proc that never returns a value', () => {
    expect(errors('proc g(a) { return }\ng(1)\nlet q = g(1)\nexpect g(2) == 1')).toEqual([
      "3:9: g never returns a value, so its result cannot be used: add 'return …' to the proc, or call it on a line of its own [LAB3023]",
      "4:8: g never returns a value, so its result cannot be used: add 'return …' to the proc, or call it on a line of its own [LAB3023]",
    ]);
  });

  it('proc names: one proc per name, not a builtin\'s', () => {
    expect(errors('proc f() { }\nproc f(x) { }\nproc log(x) { }\nf()')).toEqual([
      "2:6: a proc called 'f' is already declared [LAB3024]",
      "3:6: a proc cannot be called 'log': that is the name of a builtin [LAB3025]",
    ]);
    const d = check(parse('proc f() { }\nproc f(x) { }').program, FAKE).diagnostics[0];
    expect(d.related).toEqual([{ message: "the first 'f'", span: { start: 5, end: 6 } }]);
  });
});

describe('argument values', () => {
  it('ranges and alignment of constants, shown as written and as computed', () => {
    expect(errors(`host.assign("a", sid: 0x1_0000)
host.assign("a", sid: -1)
guest.s1.new(va_bits: 31)
guest.s1.map(pt, va: 0x1000 + 1, ipa: 1 << 12, size: 0x1001)
guest.s1.map(pt, va: 4K, ipa: 2M, size: 0)
mem.read64(0x1004)
host.s2.map(0, 0, 4K, pgsize: 2G)`, FAKE, ['pt'])).toEqual([
      '1:23: sid 0x1_0000 is too large: the largest allowed is 0xffff [LAB3011]',
      '2:23: sid -1 (= 0xffff_ffff_ffff_ffff) is too large: the largest allowed is 0xffff [LAB3011]',
      '3:23: va_bits 31 is too small: the smallest allowed is 32 [LAB3012]',
      '4:22: va 0x1000 + 1 (= 0x1001) must be a multiple of 4K (0x1000) [LAB3013]',
      '4:54: size 0x1001 must be a multiple of 4K (0x1000) [LAB3013]',
      '5:41: size 0 is too small: the smallest allowed is 4096 [LAB3012]',
      '6:12: addr 0x1004 must be a multiple of 8 [LAB3013]',
      '7:31: pgsize 2G is too large: the largest allowed is 1G (0x4000_0000) [LAB3011]',
    ]);
    expect(underlined('let pt = guest.s1.new()\nguest.s1.map(pt, va: (0x1000 + 1), ipa: 0, size: 4K)')).toEqual(['(0x1000 + 1)']);
  });

  it('constants of the wrong kind', () => {
    expect(errors(`dev.dma(d, "read", iova: "x", len: true)
dev.dma(d, 1, iova: 0)
host.assign(rw, sid: 1)
host.assign("a", sid: rw)
guest.cd(asid: 1, ttb0: 0x1000)
log(1 == 1)`, FAKE, ['d'])).toEqual([
      '1:12: access takes one of read or write, not a string: write read without quotes [LAB3010]',
      '1:26: iova takes a number, not a string [LAB3010]',
      '1:36: len takes a number, not true [LAB3010]',
      '2:12: access takes one of read or write, not a number [LAB3010]',
      '3:13: bdf takes a string, not the word rw: write "rw" in quotes [LAB3010]',
      '4:23: sid takes a number, not the word rw [LAB3010]',
      '5:25: ttb0 takes a page table, not a number [LAB3010]',
      '6:5: value takes a string, not true [LAB3010]',
    ]);
  });

  it('words: one of the argument\'s, given directly', () => {
    expect(errors(`guest.s1.map(pt, va: 0, ipa: 0, size: 4K, perm: rx)
dev.dma(d, raed, iova: 0)
smmu.cmd(CMD_TLBI_NH_VAA)
smmu.cmd(CMD_TLBI_NH_VA, asid: 1)
let p = rw
guest.s1.map(pt, va: 0, ipa: 0, size: 4K, perm: (rw))
expect read == 1
proc f(x) { return x }
let q = f(read)`, FAKE, ['pt', 'd'])).toEqual([
      "1:49: 'rx' is not one of the words perm accepts: use r, w or rw [LAB3014]",
      "2:12: 'raed' is not one of the words access accepts: use read or write [LAB3014]",
      "3:10: 'CMD_TLBI_NH_VAA' is not one of the words op accepts: use CMD_SYNC, CMD_CFGI_STE, CMD_TLBI_NH_VA, CMD_TLBI_NH_ASID or CMD_TLBI_S12_VMALL [LAB3014]",
      "5:9: there is no variable 'rw' here, and the word rw can only be given directly to an argument that accepts it, such as perm of host.s2.map [LAB3019]",
      "6:50: there is no variable 'rw' here, and the word rw can only be given directly to an argument that accepts it, such as perm of host.s2.map [LAB3019]",
      "7:8: there is no variable 'read' here, and the word read can only be given directly to an argument that accepts it, such as access of dev.dma [LAB3019]",
      "9:11: there is no variable 'read' here, and the word read can only be given directly to an argument that accepts it, such as access of dev.dma [LAB3019]",
    ]);
  });

  it('long word lists: a suggestion rather than the list', () => {
    const ops = Array.from({ length: 20 }, (_, i) => `CMD_OP_${i}`);
    const reg = [builtin('smmu.cmd', [arg('op', { t: 'word', words: ['CMD_SYNC', ...ops] })])];
    expect(errors('smmu.cmd(CMD_SYNK)\nsmmu.cmd(NOPE)\nsmmu.cmd(1)', reg)).toEqual([
      "1:10: 'CMD_SYNK' is not one of the words op accepts: did you mean CMD_SYNC? [LAB3014]",
      "2:10: 'NOPE' is not one of the words op accepts: use one of CMD_SYNC, CMD_OP_0, CMD_OP_1, CMD_OP_2, CMD_OP_3, CMD_OP_4, CMD_OP_5, CMD_OP_6, … (21 words) [LAB3014]",
      '3:10: op takes a word such as CMD_SYNC, not a number [LAB3010]',
    ]);
  });

  it('a variable named like a word is the variable (a warning); a near-miss of a variable is a typo', () => {
    const text = 'let read = 1\nlet nic = 0\ndev.dma(nic, read, iova: 0)\ndev.dma(nick, read, iova: 0)\nlet acc = 0\ndev.dma(nic, accc, iova: 0)';
    expect(errors(text)).toEqual([
      "3:14: warning: 'read' here is the variable, not the word read: rename the variable to pass the word [LAB3027]",
      "4:9: unknown name 'nick' — did you mean 'nic'? [LAB3015]",
      "4:15: warning: 'read' here is the variable, not the word read: rename the variable to pass the word [LAB3027]",
      "6:14: unknown name 'accc' — did you mean 'acc'? [LAB3015]",
    ]);
  });

  it('expressions with names or calls are left to the interpreter', () => {
    expect(errors('let s = 0x1001\nguest.s1.map(pt, va: s, ipa: mem.read64(0), size: s + 1, perm: rw)\nhost.assign("a", sid: 1 / 0)', FAKE, ['pt'])).toEqual([]);
  });

  it('a literal with a lexical error is not checked as the 0 the parser gives it', () => {
    const { program } = parse('host.s2.map(0, 0, size: 4X)');
    expect(check(program, FAKE).diagnostics).toEqual([]);
  });
});

describe('names and scopes', () => {
  it('unknown names: the nearest variable, or why the variable is not visible', () => {
    expect(errors(`let nic = host.assign("a", sid: 1)
let r = dev.dma(nci, read, iova: 0)
expect later == 1
let later = 1
if true {
  let inner = 1
}
expect inner == 1
for i in 0..4 { }
expect i == 4
expect unknown_thing == 1
log(hello)
expect w.pa == 1`)).toEqual([
      "2:17: unknown name 'nci' — did you mean 'nic'? [LAB3015]",
      "3:8: unknown name 'later' — a variable can be used only after the statement that makes it (its let or for) [LAB3015]",
      "8:8: unknown name 'inner' — the variable 'inner' was made in a block that has ended: a variable lives until the end of the block that makes it [LAB3015]",
      "10:8: unknown name 'i' — the variable 'i' was made in a block that has ended: a variable lives until the end of the block that makes it [LAB3015]",
      "11:8: unknown name 'unknown_thing' [LAB3015]",
      '12:5: unknown name \'hello\' — for a string, write "hello" in quotes [LAB3015]',
      "13:8: unknown name 'w' [LAB3015]", // a word of perm, but words have no fields
    ]);
    const d = check(parse('expect x == 1\nlet x = 1').program, FAKE).diagnostics[0];
    expect(d.related).toEqual([{ message: "'x' is declared here", span: { start: 18, end: 19 } }]);
  });

  it('a let is not visible in its own value; a loop variable not in its range', () => {
    expect(errors('let a = a + 1\nfor j in 0..j { }')).toEqual([
      "1:9: unknown name 'a' — a variable can be used only after the statement that makes it (its let or for) [LAB3015]",
      "2:13: unknown name 'j' — a variable can be used only after the statement that makes it (its let or for) [LAB3015]",
    ]);
  });

  it('procs see their parameters and their own variables, not the program\'s', () => {
    expect(errors('let nic = 1\nproc f(a) {\n  let b = a + nic\n  nic = 2\n  return b\n}\nlet x = f(nic)')).toEqual([
      "3:15: unknown name 'nic' — 'nic' is a variable of the program, and a proc sees only its parameters and its own variables: pass it in as a parameter [LAB3015]",
      "4:3: cannot give 'nic' a value: there is no variable 'nic' here — 'nic' is a variable of the program, and a proc sees only its parameters and its own variables: pass it in as a parameter [LAB3016]",
    ]);
  });

  it('assigning to an undeclared name is reported once', () => {
    expect(errors('let total = 0\ntotl = 1\ncount = 0\ncount = count + 1\nexpect count == 1\nlet count = 2\nnew = 1')).toEqual([
      "2:1: cannot give 'totl' a value: there is no variable 'totl' here — did you mean 'total'? [LAB3016]",
      "3:1: cannot give 'count' a value: there is no variable 'count' here — a variable can be used only after the statement that makes it (its let or for) [LAB3016]",
      "7:1: cannot give 'new' a value: there is no variable 'new' here — make it first with let new = … [LAB3016]",
    ]);
  });

  it('let of a name that is already a variable: a warning, in the same block or an inner one', () => {
    expect(errors('let x = 1\nlet x = 2\nfor i in 0..2 {\n  let x = i\n  for x in 0..2 { }\n}\nproc f(a) { let a = 1 }')).toEqual([
      "2:5: warning: 'x' is already a variable here: to give it a new value, write x = … (without let) [LAB3026]",
      "4:7: warning: 'x' is already a variable here: to give it a new value, write x = … (without let) [LAB3026]",
      "5:7: warning: 'x' is already a variable here: the loop overwrites it, so give the loop variable another name [LAB3026]",
      "7:17: warning: 'a' is already a variable here: to give it a new value, write a = … (without let) [LAB3026]",
    ]);
    expect(errors('for i in 0..2 { }\nfor i in 0..2 { }\nif true { let t = 1 } else { let t = 2 }')).toEqual([]);
  });

  it('builtins, procs and actors are not values', () => {
    expect(errors('proc f() { return 1 }\nlet a = f\nlet b = guest\nlet c = guest.s1\nlet d = smmu.strtab_base + 1\nlet e = log\nlet g = smmu.nope')).toEqual([
      "2:9: 'f' is a proc, not a value: call it, as in f(…) [LAB3018]",
      "3:9: 'guest' is an actor, not a value: its builtins are called like guest.s1.new(…) [LAB3018]",
      "4:9: 'guest.s1' is the start of builtin names, not a value: call a builtin, as in guest.s1.new(…) [LAB3018]",
      "5:9: 'smmu.strtab_base' is a builtin, not a value: call it, as in smmu.strtab_base(…) [LAB3018]",
      "6:9: 'log' is a builtin, not a value: call it, as in log(…) [LAB3018]",
      "7:9: unknown builtin 'smmu.nope' — the smmu builtins are smmu.cmd, smmu.strtab_base [LAB3001]",
    ]);
    expect(underlined('let d = smmu.strtab_base + 1')).toEqual(['smmu.strtab_base']);
  });
});

describe('results and fields', () => {
  it('an unknown field, at the link that goes wrong, with the nearest field', () => {
    const text = `let r = dev.dma(d, read, iova: 0)
expect r.walk.read == 24
expect r.wlak.reads == 24
expect r.pa.lo == 1
expect r.walk.x == 1
expect dev.dma(d, read, iova: 0).tlb_hti == 1
expect (r).event.nam == "F_TRANSLATION"
expect r.walk.reads == 24 and r.event.name == "x" and r.tlb_hit and r.ok`;
    expect(errors(text, FAKE, ['d'])).toEqual([
      "2:15: 'r' (a dma result) has no field 'walk.read' — did you mean 'walk.reads'? [LAB3017]",
      "3:10: 'r' (a dma result) has no field 'wlak' — did you mean 'walk'? [LAB3017]",
      "4:13: 'r' (a dma result) has no field 'pa.lo' — its fields are ok, pa, tlb_hit, event, event.name, walk.reads [LAB3017]",
      "5:15: 'r' (a dma result) has no field 'walk.x' — its fields are ok, pa, tlb_hit, event, event.name, walk.reads [LAB3017]",
      "6:34: 'dev.dma(…)' (a dma result) has no field 'tlb_hti' — did you mean 'tlb_hit'? [LAB3017]",
      "7:18: 'r' (a dma result) has no field 'event.nam' — did you mean 'event.name'? [LAB3017]",
    ]);
    expect(underlined('let d = host.assign("a", sid: 1)\nlet r = dev.dma(d, read, iova: 0)\nexpect r.walk.read == 24')).toEqual(['read']);
  });

  it('follows let and assignment in the text; unknown results are not checked', () => {
    expect(errors(`let r = dev.dma(d, read, iova: 0)
let s = r
expect s.tlb_hti == 1
r = mem.read64(0)
expect r.anything == 1
let t = dev.dma(d, read, iova: 0)
if true { t = 5 }
expect t.anything == 1
let u = dev.dma(d, read, iova: 0)
if true { u = dev.dma(d, write, iova: 0) }
expect u.tlb_hti == 1
let v = host.assign("a", sid: 1)
expect v.anything == 1
let n = guest.s1.map(pt, va: 0, ipa: 0, size: 4K)
expect n.x == 1`, [...FAKE.filter((b) => b.name !== 'guest.s1.map'), builtin('guest.s1.map', FAKE.find((b) => b.name === 'guest.s1.map')!.args, 'nothing', {})], ['d', 'pt'])).toEqual([
      "3:10: 's' (a dma result) has no field 'tlb_hti' — did you mean 'tlb_hit'? [LAB3017]",
      "11:10: 'u' (a dma result) has no field 'tlb_hti' — did you mean 'tlb_hit'? [LAB3017]",
      "15:10: 'n' (a nothing) has no field 'x' — it has no fields [LAB3017]",
    ]);
  });

  it('a let in a block that reuses a name makes its result unknown after the block', () => {
    expect(errors('let r = dev.dma(d, read, iova: 0)\nif true {\n  let r = 5\n}\nexpect r.anything == 1', FAKE, ['d']).filter((e) => !e.includes('LAB3026'))).toEqual([]);
  });
});

describe('statements', () => {
  it('for: a constant step of 0 is an error, an empty constant range a warning', () => {
    expect(errors('for i in 0..8 step 4K - 4K { }\nfor i in 8..0 { }\nfor i in 4K..4K step 0 { }\nlet n = 0\nfor i in 0..n step n { }')).toEqual([
      '1:20: a loop with step 0 would never end: the step must be 1 or more [LAB3020]',
      '2:10: warning: this loop never runs: it starts at 8, which is not below its end 0 [LAB3021]',
      '3:10: warning: this loop never runs: it starts at 4K, which is not below its end 4K [LAB3021]',
      '3:22: a loop with step 0 would never end: the step must be 1 or more [LAB3020]',
    ]);
    expect(underlined('for i in 8..0 { }')).toEqual(['8..0']);
  });

  it('expect: the message must be a string', () => {
    expect(errors('expect 1 == 1, 5\nexpect 1 == 1, true\nexpect 1 == 1, "ok"\nlet m = "why"\nexpect 1 == 1, m')).toEqual([
      '1:16: the message of an expect must be a string, not a number: write expect …, "what went wrong" [LAB3022]',
      '2:16: the message of an expect must be a string, not true: write expect …, "what went wrong" [LAB3022]',
    ]);
  });

  it('a line that computes a value and drops it', () => {
    expect(errors('let x = 1\nx == 1\nx + 1\n(x)\nlog("a")\n(log("a"))\nmem.read64(0) + 1')).toEqual([
      "2:1: warning: this line computes a value and does nothing with it: to check it, write 'expect …'; to keep it, write 'let name = …' [LAB3028]",
      "3:1: warning: this line computes a value and does nothing with it: to check it, write 'expect …'; to keep it, write 'let name = …' [LAB3028]",
      "4:1: warning: this line computes a value and does nothing with it: to check it, write 'expect …'; to keep it, write 'let name = …' [LAB3028]",
    ]);
  });
});

describe('many problems at once', () => {
  const text = `let nic = host.assign("0000:01:00.0", sid: 0x10)
let pt = guest.s1.new(granule: 4K)
guest.s1.map(pt, va: 0x1000_0000, ipa: 0x4010_0000, size: 0x1001, perm: rx)
guest.s1.mapp(pt, va: 0x2000_0000, ipa: 0x4020_0000, size: 4K)
let r = dev.dma(nci, read, iova: 0x1000_0040, lne: 64)
expect r.walk.read == 24
for va in 0..16K step 0 {
  guest.s1.unmap(pt, va: va)
}
`;

  it('reports every one, in source order, one per place', () => {
    const result = errors(text);
    expect(result).toEqual([
      '3:59: size 0x1001 must be a multiple of 4K (0x1000) [LAB3013]',
      "3:73: 'rx' is not one of the words perm accepts: use r, w or rw [LAB3014]",
      "4:1: unknown builtin 'guest.s1.mapp' — did you mean 'guest.s1.map'? [LAB3001]",
      "5:17: unknown name 'nci' — did you mean 'nic'? [LAB3015]",
      "5:47: dev.dma has no argument 'lne' — did you mean 'len'? [LAB3004]",
      "6:15: 'r' (a dma result) has no field 'walk.read' — did you mean 'walk.reads'? [LAB3017]",
      '7:23: a loop with step 0 would never end: the step must be 1 or more [LAB3020]',
      "8:28: missing the argument 'size' in the call to guest.s1.unmap [LAB3005]",
    ]);
  });

  it('is the example of docs/language.md, "Checking", with what it shows', () => {
    const doc = readFileSync(join(__dirname, '../../docs/language.md'), 'utf8');
    const at = doc.indexOf('```lab-checker\n');
    const example = doc.slice(at).match(/```lab-checker\n([\s\S]*?)```/)![1];
    const shown = doc.slice(at).match(/```text\n([\s\S]*?)```/)![1];
    expect(example).toBe(text);
    const p = parse(example);
    expect(p.diagnostics).toEqual([]);
    const reported = check(p.program, FAKE).diagnostics.map((d) => formatDiagnostic(d, example, 'lesson.lab'));
    expect(reported.join('\n') + '\n').toBe(shown);
  });

  it('works on programs with syntax errors too, without repeating the parser', () => {
    const broken = 'let r = dev.dma(nic, read, iova: \nexpect r.tlb_hti == 1\nhost.s2.map(0, 0, size: 4K, 1)\nguest.s1.map(pt, va: 0x4000_0000_)';
    const p = parse(broken);
    expect(p.diagnostics.length).toBeGreaterThan(0);
    const lines = check(p.program, FAKE).diagnostics.map((d) => formatDiagnostic(d, broken, '').slice(1));
    expect(lines).toEqual([
      "1:17: unknown name 'nic' [LAB3015]",
      "2:10: 'r' (a dma result) has no field 'tlb_hti' — did you mean 'tlb_hit'? [LAB3017]",
      "4:14: unknown name 'pt' [LAB3015]",
      "4:34: missing the arguments 'ipa' and 'size' in the call to guest.s1.map [LAB3005]",
    ]);
  });

  it('checks against whatever registry it is given', () => {
    expect(errors('guest.s1.map(pt)\nlet x = rw', [], ['pt'])).toEqual([
      "1:1: unknown builtin 'guest.s1.map' [LAB3001]",
      "2:9: unknown name 'rw' [LAB3015]",
    ]);
  });
});

describe('CheckInfo', () => {
  const { program, info } = checked(DESIGN_EXAMPLE);
  const text = DESIGN_EXAMPLE;
  const src = (s: Span) => text.slice(s.start, s.end);
  const at = (s: Span) => { const { line, col } = lineCol(text, s.start); return `${line}:${col}`; };

  it('resolves every call to its builtin, with its arguments bound in order', () => {
    const calls = nodes(program, 'Call');
    expect(calls.map((c) => { const t = info.calls.get(c)!; return t.kind === 'builtin' ? t.builtin.name : t.proc.name.text; })).toEqual([
      'host.assign', 'host.s2.map', 'guest.s1.new', 'guest.s1.map', 'guest.cd', 'host.set_pasid_table', 'dev.dma',
    ]);
    const dma = info.calls.get(calls[6])!;
    expect(dma.kind === 'builtin' && dma.args.map((b) => [b.spec.name, b.arg === null ? null : src(b.arg.value.span)])).toEqual([
      ['dev', 'nic'], ['access', 'read'], ['iova', '0x1000_0040'], ['len', '64'],
    ]);
    const s1new = info.calls.get(calls[2])!;
    expect(s1new.kind === 'builtin' && s1new.args.map((b) => b.arg !== null)).toEqual([true, true]);
  });

  it('resolves every name: variables to their declaration, words, actors', () => {
    const idents = nodes(program, 'Ident');
    const seen = idents.map((id: Ident) => {
      const r = info.names.get(id);
      if (r === undefined) return `${id.name}?`;
      switch (r.kind) {
        case 'variable': return `${id.name}@${at(r.variable.decl)}${r.result ? `:${r.result.returns.type}` : ''}`;
        case 'word': return `${id.name}=word(${r.builtin?.name}.${r.arg?.name})`;
        case 'actor': return `${id.name}=actor`;
        case 'builtin': return `${id.name}=builtin`;
        case 'proc': return `${id.name}=proc`;
      }
    });
    expect(seen).toEqual([
      'host=actor', 'host=actor', 'rw=word(host.s2.map.perm)', 'guest=actor', 'guest=actor', 'pt@5:5:page table',
      'rw=word(guest.s1.map.perm)', 'guest=actor', 'pt@5:5:page table', 'host=actor', 'nic@2:5:device', 'cd@7:5:context descriptor',
      'dev=actor', 'nic@2:5:device', 'read=word(dev.dma.access)', 'r@10:5:dma result', 'r@10:5:dma result',
    ]);
    expect([...info.declarations.values()].map((v) => `${v.kind} ${v.name}@${at(v.decl)}`)).toEqual([
      'let nic@2:5', 'let pt@5:5', 'let cd@7:5', 'let r@10:5',
    ]);
  });

  it('resolves each .name: part of a builtin name, or a field of a result with its doc', () => {
    const members = nodes(program, 'Member');
    const seen = members.map((m: Member) => {
      const r = info.members.get(m);
      return r === undefined ? '?' : r.kind === 'field' ? `field ${r.path} of ${r.of.name}: ${r.doc}` : `path ${r.path}${r.builtin ? ' (builtin)' : ''}`;
    });
    expect(seen).toContain('path guest.s1.map (builtin)');
    expect(seen).toContain('path guest.s1');
    expect(seen.filter((s) => s.startsWith('field'))).toEqual([
      'field pa of dev.dma: the physical address',
      'field walk.reads of dev.dma: table reads',
      'field walk of dev.dma: null',
    ]);
    expect(seen).not.toContain('?');
  });

  it('resolves proc calls, with their arguments, and proc names', () => {
    const { program: p, info: i } = checked(STALE_TLB);
    const call = ((p.body.find((s) => s.kind === 'Let' && s.name.text === 'bytes') as LetStmt).value as Call);
    const t = i.calls.get(call)!;
    expect(t.kind).toBe('proc');
    expect(t.kind === 'proc' && [t.proc.name.text, t.args.map((a) => a && STALE_TLB.slice(a.span.start, a.span.end))]).toEqual(['map_pages', ['pt', '0x1000_0000', '8']]);
    expect(i.names.get(call.callee as Ident)).toEqual({ kind: 'proc', proc: t.kind === 'proc' && t.proc });
    expect([...i.procs.keys()]).toEqual(['map_pages']);
    const loopVar = [...i.declarations.values()].find((v) => v.name === 'i');
    expect(loopVar?.kind).toBe('loop');
    expect([...i.declarations.values()].filter((v) => v.kind === 'param').map((v) => v.name)).toEqual(['pt', 'base', 'n']);
  });

  it('marks the target of an assignment as the variable', () => {
    const { program: p, info: i } = checked('let x = 1\nx = 2');
    const assign = p.body[1];
    expect(assign.kind === 'Assign' && i.names.get(assign.target)).toMatchObject({ kind: 'variable', variable: { name: 'x', kind: 'let' } });
    expect((p.body[0] as LetStmt).name).toBe([...i.declarations.keys()][0]);
  });
});

describe('suggestions', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('nci', 'nic')).toBe(1);
    expect(editDistance('walk.read', 'walk.reads')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'abcdef', 2)).toBe(Infinity);
    expect(editDistance('', 'ab')).toBe(2);
  });

  it('suggests close names only; short names only by case', () => {
    expect(suggest('nci', ['pt', 'nic'])).toBe('nic');
    expect(suggest('x', ['r', 'X'])).toBe('X');
    expect(suggest('x', ['r'])).toBe(null);
    expect(suggest('frobnicate', ['guest', 'host'])).toBe(null);
    expect(suggest('guest.s1.mapp', ['guest.s1.map', 'guest.s1.unmap'])).toBe('guest.s1.map');
    expect(suggest('same', ['same'])).toBe(null);
  });
});

// ---------------------------------------------------------------------------------------------
// Whatever the text, check() returns diagnostics and never throws (the fuzz approach of
// fuzz.test.ts, over pieces that reach the checker's rules).

function checkText(text: string): void {
  const { program } = parse(text);
  const { diagnostics, info } = check(program, FAKE);
  const inside = (s: Span) => s.start >= 0 && s.start <= s.end && s.end <= text.length;
  for (const d of diagnostics as Diagnostic[]) {
    expect(d.code).not.toBe('LAB3099');
    expect(inside(d.span)).toBe(true);
    for (const r of d.related ?? []) expect(inside(r.span)).toBe(true);
    expect(d.message).not.toMatch(/\{\w+\}/);
    expect(d.code).toMatch(/^LAB3\d{3}$/);
  }
  for (let i = 1; i < diagnostics.length; i++) expect(diagnostics[i].span.start).toBeGreaterThan(diagnostics[i - 1].span.start);
  for (const v of info.declarations.values()) expect(inside(v.decl)).toBe(true);
}

const PIECES = [
  'let ', 'proc ', 'return ', 'if ', 'else ', 'for ', ' in ', 'expect ', ' and ', ' or ', 'not ', 'true', 'false', ' step ',
  'x', 'r', 'nic', 'nci', 'pt', 'f', 'read', 'rw', 'rx', 'CMD_SYNC', 'guest', 'guest.s1.map', 'guest.s1.mapp', 'dev.dma', 'host.assign',
  'smmu.strtab_base', 'log', 'r.walk.reads', 'r.walk.read', 'r.pa', '.event', '.name', 'va: ', 'perm: ', 'size: ', 'sid: ', 'len: ', 'x: ',
  '(', ')', '{', '}', ',', ':', ';', '.', '..', '=', '==', '<', '+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '~',
  '0', '1', '0x1001', '4K', '1G', '-1', '0xffff_ffff_ffff_ffff', '64', '"s"', '"read"', '\n', ' ', '# c',
];
const soup = soupOf(PIECES);
const mutation = mutationOf([...BASIC_INSERTS, 'let ', 'proc p(a) {', 'r.', 'rw']);

describe('check never throws, and its spans stay inside the text', () => {
  const corpus = [DESIGN_EXAMPLE, STALE_TLB, RAW_BITS, `let nic = host.assign("a", sid: 1)\n${'x'}`];

  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), checkText), { numRuns: 200 });
  });

  it('on lab-program-like token soup', () => {
    fc.assert(fc.property(soup, checkText), { numRuns: 800 });
  });

  it('on valid programs with characters deleted, inserted and duplicated', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, ms) => checkText(mutate(text, ms))),
      { numRuns: 800 },
    );
  });

  it('on nesting as deep as the parser allows', () => {
    for (const text of [
      `let x = ${'('.repeat(99)}1${')'.repeat(99)}`,
      `let r = dev.dma(d, read, iova: 0)\nexpect ${'r.'.repeat(5000)}pa == 1`,
      `let x = ${'-'.repeat(5000)}1`,
      `${'if true {'.repeat(200)}`,
      `expect ${'f('.repeat(300)}`,
      `${'1 + '.repeat(5000)}1`,
      `host.assign("a", sid: ${'1 + '.repeat(90)}1)`,
    ]) {
      checkText(text);
    }
  });
});
