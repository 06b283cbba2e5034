// The grammar run through Monaco's own Monarch compiler and tokenizer (pure code, no DOM), so
// these are the tokens the editor colours.

import { describe, expect, it } from 'vitest';
import { compile } from 'monaco-editor/editor/standalone/common/monarch/monarchCompile';
import { MonarchTokenizer } from 'monaco-editor/editor/standalone/common/monarch/monarchLexer';
import { BUILTINS } from '../../lang/builtins';
import { buildBuiltinsMeta } from '../../lang/builtins/meta';
import type { BuiltinMeta } from '../../worker/api';
import { LANGUAGE_ID, labMonarch, TOKEN_TYPES } from './monarch';

const META = buildBuiltinsMeta(BUILTINS);

/** Each line's tokens as [text, type] (type without ".lab"), whitespace left out. */
function tokenize(text: string, meta: readonly BuiltinMeta[] | null = META, signature = false): [string, string][][] {
  const lexer = compile(LANGUAGE_ID, labMonarch(meta, signature));
  const languageService = {
    languageIdCodec: { encodeLanguageId: () => 1, decodeLanguageId: () => LANGUAGE_ID },
    isRegisteredLanguageId: () => true,
    requestBasicLanguageFeatures() {},
  };
  const configuration = { getValue: () => 20_000, onDidChangeConfiguration: () => ({ dispose() {} }) };
  const tokenizer = new MonarchTokenizer(languageService, {}, LANGUAGE_ID, lexer, configuration);
  let state = tokenizer.getInitialState();
  const out: [string, string][][] = [];
  for (const line of text.split('\n')) {
    const r = tokenizer.tokenize(line, true, state);
    state = r.endState;
    out.push(r.tokens.map((t, i): [string, string] => [line.slice(t.offset, r.tokens[i + 1]?.offset ?? line.length), t.type.replace(/\.lab$/, '')])
      .filter(([s, type]) => type !== 'white' && s.trim() !== ''));
  }
  tokenizer.dispose();
  return out;
}

const one = (text: string, meta?: readonly BuiltinMeta[] | null) => tokenize(text, meta)[0];
const typeOf = (text: string, piece: string) => one(text).find(([s]) => s === piece)?.[1];

describe('the lab grammar', () => {
  it('colours builtins by actor, the whole dotted name as one token', () => {
    expect(one('guest.s1.map(pt, va: 0x1000)')[0]).toEqual(['guest.s1.map', 'builtin.guest']);
    expect(one('host.s2.map(ipa: 0)')[0]).toEqual(['host.s2.map', 'builtin.host']);
    expect(one('let r = dev.dma(nic, read, iova: 0)')[3]).toEqual(['dev.dma', 'builtin.dev']);
    expect(one('smmu.sync()')[0]).toEqual(['smmu.sync', 'builtin.smmu']);
    expect(one('vfio.open("/dev/vfio/vfio")')[0]).toEqual(['vfio.open', 'builtin.vfio']);
    expect(one('process.mmap(2M)')[0]).toEqual(['process.mmap', 'builtin.process']);
    expect(one('mem.read64(0)')[0]).toEqual(['mem.read64', 'builtin.mem']);
    // Not a builtin: a field of a variable, an actor alone, a longer name.
    expect(one('expect r.walk.reads == 30').slice(0, 6)).toEqual([
      ['expect', 'keyword'], ['r', 'identifier'], ['.', 'delimiter'], ['walk', 'identifier'], ['.', 'delimiter'], ['reads', 'identifier'],
    ]);
    expect(typeOf('let x = hostile.y', 'hostile')).toBe('identifier');
    expect(typeOf('let dev = 1', 'dev')).toBe('identifier');
  });

  it('colours keywords, word operators and true/false', () => {
    expect(one('if a and not b or c { return true } else { x = false }').filter(([, t]) => t !== 'identifier')).toEqual([
      ['if', 'keyword'], ['and', 'keyword.operator'], ['not', 'keyword.operator'], ['or', 'keyword.operator'],
      ['{', 'delimiter.curly'], ['return', 'keyword'], ['true', 'constant.language'], ['}', 'delimiter.curly'],
      ['else', 'keyword'], ['{', 'delimiter.curly'], ['=', 'operator'], ['false', 'constant.language'], ['}', 'delimiter.curly'],
    ]);
    for (const k of ['let', 'proc', 'for', 'in', 'expect']) expect(typeOf(`${k} x`, k)).toBe('keyword');
  });

  it('numbers: decimal, hex and binary with _, sizes; malformed ones marked', () => {
    const nums = (s: string) => one(`x(${s})`).slice(2, -1);
    expect(nums('64, 1_000_000, 0')).toEqual([['64', 'number'], [',', 'delimiter'], ['1_000_000', 'number'], [',', 'delimiter'], ['0', 'number']]);
    expect(nums('0x4000_0000')).toEqual([['0x4000_0000', 'number.hex']]);
    expect(nums('0xffff_ffff_ffff_ffff')).toEqual([['0xffff_ffff_ffff_ffff', 'number.hex']]);
    expect(nums('0b1111_0000')).toEqual([['0b1111_0000', 'number.binary']]);
    for (const s of ['4K', '2M', '1G', '1T', '16K']) expect(nums(s)).toEqual([[s, 'number.size']]);
    for (const s of ['4KB', '0x10K', '010', '1__000', '0x4000_0000_', '1.5', '0x_10', '0b12']) {
      expect(nums(s), s).toEqual([[s, 'number.invalid']]);
    }
    expect(one('for i in 0..8 step 2 { }').slice(3, 6)).toEqual([['0', 'number'], ['..', 'operator'], ['8', 'number']]);
  });

  it('strings with escapes; an unterminated string ends at its line', () => {
    expect(one('host.assign("0000:01:00.0", sid: 1)').slice(2, 5)).toEqual([
      ['"', 'string.quote'], ['0000:01:00.0', 'string'], ['"', 'string.quote'],
    ]);
    // (Monaco merges neighbours of one type: `\\n\\t` is one escape token.)
    expect(one('expect a, "x\\n\\ty\\"z\\x41\\q"').slice(3)).toEqual([
      ['"', 'string.quote'], ['x', 'string'], ['\\n\\t', 'string.escape'], ['y', 'string'], ['\\"', 'string.escape'],
      ['z', 'string'], ['\\x41', 'string.escape'], ['\\q', 'string.escape.invalid'], ['"', 'string.quote'],
    ]);
    const [a, b] = tokenize('expect a, "no end\nlet x = 1');
    expect(a.slice(-1)).toEqual([['no end', 'string.invalid']]);
    expect(b[0]).toEqual(['let', 'keyword']);
    expect(tokenize('x("\nlet y = 2')[1][0]).toEqual(['let', 'keyword']);
    expect(tokenize('x("a\\\nlet y = 2')[1][0]).toEqual(['let', 'keyword']);
    expect(typeOf("x('single')", "'single'")).toBe('string.invalid');
  });

  it('comments run to the end of the line, # inside a string is not one', () => {
    expect(one('host.vm(1) # make VM 1 "quoted"')).toEqual([
      ['host.vm', 'builtin.host'], ['(', 'delimiter.parenthesis'], ['1', 'number'], [')', 'delimiter.parenthesis'],
      ['# make VM 1 "quoted"', 'comment'],
    ]);
    expect(one('expect a, "#1"')[4]).toEqual(['#1', 'string']);
    expect(one('x = 1 // C comment').slice(-1)).toEqual([['// C comment', 'invalid']]);
  });

  it('named arguments, and the words arguments take', () => {
    expect(one('host.s2.map(ipa: 0, perm: rw, pgsize: 4K)')).toEqual([
      ['host.s2.map', 'builtin.host'], ['(', 'delimiter.parenthesis'],
      ['ipa', 'variable.parameter'], [':', 'delimiter'], ['0', 'number'], [',', 'delimiter'],
      ['perm', 'variable.parameter'], [':', 'delimiter'], ['rw', 'constant.enum'], [',', 'delimiter'],
      ['pgsize', 'variable.parameter'], [':', 'delimiter'], ['4K', 'number.size'], [')', 'delimiter.parenthesis'],
    ]);
    // One-letter words only right after `name:`; `r` elsewhere is a variable.
    expect(typeOf('guest.s1.map(pt, perm: r)', 'r')).toBe('constant.enum');
    expect(typeOf('let r = 1', 'r')).toBe('identifier');
    expect(typeOf('dev.dma(nic, read, iova: 0)', 'read')).toBe('constant.enum');
    expect(typeOf('smmu.cmd(CMD_TLBI_NH_VA, vmid: 1)', 'CMD_TLBI_NH_VA')).toBe('constant.enum');
    expect(typeOf('x(a: pt)', 'pt')).toBe('identifier');
    expect(typeOf('x(a: host.s1.new())', 'host.s1.new')).toBe('builtin.host');
    expect(typeOf('x(leaf: true)', 'true')).toBe('constant.language');
  });

  it('a field is a field, even one named like a word', () => {
    expect(one('expect r.walk.read == 1').slice(1, 6)).toEqual([
      ['r', 'identifier'], ['.', 'delimiter'], ['walk', 'identifier'], ['.', 'delimiter'], ['read', 'identifier'],
    ]);
  });

  it('signatures: `?` marks an optional argument (an error in programs)', () => {
    const [line] = tokenize('host.s2.map(ipa, perm: rw, pgsize?, vm?)', META, true);
    expect(line.filter(([t]) => t.includes('?'))).toEqual([['?,', 'delimiter'], ['?', 'delimiter']]);
    expect(typeOf('x(a, b?)', '?')).toBe('invalid');
  });

  it('without the registry: default actors, CMD_ words', () => {
    expect(one('guest.s1.map(pt)', null)[0]).toEqual(['guest.s1.map', 'builtin.guest']);
    expect(one('smmu.cmd(CMD_SYNC)', null)[2]).toEqual(['CMD_SYNC', 'constant.enum']);
    expect(one('x(read)', null)[2]).toEqual(['read', 'identifier']);
  });

  it('operators, and the habits the lexer answers (&&, ||, !, **) marked', () => {
    expect(one('x = a << 2 | b & ~c ^ d >> 1 != e').filter(([, t]) => t === 'operator').map(([s]) => s))
      .toEqual(['=', '<<', '|', '&', '~', '^', '>>', '!=']);
    for (const op of ['&&', '||', '**', '!']) expect(typeOf(`x = a ${op} b`, op), op).toBe('invalid');
  });

  it('only produces the token types the themes colour', () => {
    const known = new Set<string>(TOKEN_TYPES);
    const sample = [
      '# c', 'let nic = host.assign("0000:01:00.0", sid: 0x10)', 'proc f(a, b) { return a + b }',
      'for i in 0..4K step 1 { expect f(i, 2) != 0, "bad\\x" }', 'smmu.cmd(CMD_SYNC, cs: 0b01, leaf: false)',
      "x = 'a' && 1.5 ** 4KB // no", 'x = @', 'let r = dev.dma(nic, write, iova: 1, priv: true)',
    ].join('\n');
    for (const line of tokenize(sample)) for (const [s, t] of line) expect(known.has(t), `${s}: ${t}`).toBe(true);
  });
});
