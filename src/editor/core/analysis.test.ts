// Completion, hover and signature help as pure functions, fed the registry data exactly as the
// editor gets it: from the worker's builtinsMeta (LabService, called directly in Node).

import { describe, expect, it } from 'vitest';
import { LabService } from '../../worker/service';
import { completionsAt, hoverAt, signatureAt, type Completion } from './analysis';

const META = new LabService().builtinsMeta();

/** The text with `|` removed, and where it was. */
function at(src: string): [string, number] {
  const i = src.indexOf('|');
  if (i < 0) throw new Error('no | in the source');
  return [src.slice(0, i) + src.slice(i + 1), i];
}
const complete = (src: string) => completionsAt(...at(src), META);
const labels = (src: string, kind?: Completion['kind']) => complete(src).filter((c) => !kind || c.kind === kind).map((c) => c.label);
const hover = (src: string) => hoverAt(...at(src), META);
const sig = (src: string) => signatureAt(...at(src), META);

const PROGRAM = [
  'let nic = host.assign("0000:01:00.0", sid: 0x10)',
  'let pt = guest.s1.new(granule: 4K)',
  'let r = dev.dma(nic, read, iova: 0x1000_0040)',
].join('\n');

describe('the worker\'s builtinsMeta', () => {
  it('is the registry as data, the same answer each time', () => {
    const svc = new LabService();
    expect(svc.builtinsMeta()).toBe(svc.builtinsMeta());
    expect(META.some((b) => b.name === 'guest.s1.map')).toBe(true);
    expect(structuredClone(META)).toEqual(META);
  });
});

describe('completionsAt', () => {
  it('after `actor.`: that actor\'s builtins, replacing the whole dotted name', () => {
    const items = complete('guest.|');
    expect(items.map((c) => c.label)).toEqual(META.filter((b) => b.actor === 'guest').map((b) => b.name));
    expect(items.every((c) => c.kind === 'builtin' && c.from === 0)).toBe(true);
    expect(labels('x = 1\nhost.s2.|')).toEqual(['host.s2.map', 'host.s2.unmap', 'host.s2.protect']);
    expect(complete('x = 1\nhost.s2.ma|')[0].from).toBe(6);
    expect(labels('  smmu.|').length).toBe(META.filter((b) => b.actor === 'smmu').length);
  });

  it('a builtin inserts its parentheses and opens signature help, unless a ( follows', () => {
    const map = complete('guest.s1.|').find((c) => c.label === 'guest.s1.map')!;
    expect(map).toMatchObject({ insertText: 'guest.s1.map($0)', snippet: true, triggerSignature: true });
    expect(map.detail).toBe(META.find((b) => b.name === 'guest.s1.map')!.signature);
    expect(map.documentation).toContain('Example:');
    expect(complete('smmu.sy|').find((c) => c.label === 'smmu.sync')).toMatchObject({ insertText: 'smmu.sync()', snippet: false });
    expect(complete('guest.s1.ma|(pt)').find((c) => c.label === 'guest.s1.map')).toMatchObject({ insertText: 'guest.s1.map', snippet: false });
  });

  it('at the start of a statement: builtins, variables, procs and statement keywords', () => {
    const items = complete(`${PROGRAM}\nproc twice(a) { return a }\n|`);
    const kinds = new Set(items.map((c) => c.kind));
    expect(kinds).toEqual(new Set(['builtin', 'variable', 'proc', 'keyword']));
    expect(items.filter((c) => c.kind === 'keyword').map((c) => c.label)).toEqual(['let', 'if', 'else', 'for', 'expect', 'proc', 'return']);
    expect(items.filter((c) => c.kind === 'variable').map((c) => c.label)).toEqual(['nic', 'pt', 'r']);
    expect(items.find((c) => c.kind === 'proc')).toMatchObject({ label: 'twice', detail: 'proc twice(a)', insertText: 'twice($0)' });
    expect(labels('let x = 1\nexpect x == 1 |', 'keyword')).toEqual(['and', 'or', 'not', 'true', 'false', 'in']);
  });

  it('variables: declared before the cursor; a proc\'s parameters inside its body only', () => {
    expect(labels('let a = 1\nlet b = |', 'variable')).toEqual(['a']);
    expect(labels('let a = 1\n|\nlet later = 2', 'variable')).toEqual(['a']);
    expect(labels('for i in 0..4 { let j = i\n  | }', 'variable')).toEqual(['i', 'j']);
    expect(labels('proc f(p, q) {\n  let k = p\n  |\n}', 'variable')).toEqual(['p', 'q', 'k']);
    expect(labels('proc f(p, q) { return p }\n|', 'variable')).toEqual([]);
    // The variable being written is not offered as itself.
    expect(labels('let abc = 1\nab|', 'variable')).toEqual(['abc']);
  });

  it('nothing where a new name is written, in comments or strings, or inside numbers', () => {
    for (const src of ['let |', 'let a|', 'for |', 'proc |', 'proc f(|', 'proc f(a, |', '# host.|', 'x = 1 # |',
      'host.assign("|', 'host.assign("00|00")', 'x = 0x40|', 'x = 4|K', 'x = f().|']) {
      expect(complete(src), src).toEqual([]);
    }
    expect(labels('host.assign("0000:01:00.0")|').length).toBeGreaterThan(0);
  });

  it('inside a builtin\'s parentheses: the arguments not given yet, with their docs', () => {
    const items = complete(`${PROGRAM}\nhost.s2.map(|`);
    const args = items.filter((c) => c.kind === 'argument');
    expect(args.map((c) => c.label)).toEqual(['ipa:', 'pa:', 'size:', 'perm:', 'pgsize:', 'vm:']);
    expect(args[0]).toMatchObject({ insertText: 'ipa: ', detail: 'number, 0..0xffff_ffff_ffff, a multiple of 4K' });
    expect(args[0].documentation).toContain('the guest-physical address of the range');
    expect(args[3].documentation).toContain('default `rw`');
    // Required ones sort before optional ones.
    expect(args.map((c) => c.sortText).sort()).toEqual(args.map((c) => c.sortText));
    expect(items.filter((c) => c.kind === 'variable').map((c) => c.label)).toEqual(['nic', 'pt', 'r']);
    expect(labels('host.s2.map(ipa: 0, size: 4K, |', 'argument')).toEqual(['pa:', 'perm:', 'pgsize:', 'vm:']);
    expect(labels('host.s2.map(0x4000, 0x8000, |', 'argument')).toEqual(['size:', 'perm:', 'pgsize:', 'vm:']);
    expect(labels('host.s2.map(\n  ipa: 0,\n  p|', 'argument')).toEqual(['pa:', 'size:', 'perm:', 'pgsize:', 'vm:']);
  });

  it('the words a word-typed argument takes, by name or by position; true/false for a flag', () => {
    expect(labels('host.s2.map(ipa: 0, perm: |', 'word')).toEqual(['r', 'w', 'rw', 'rx', 'rwx']);
    expect(complete('host.s2.map(ipa: 0, perm: |').find((c) => c.label === 'rw')?.detail).toBe('perm (default)');
    expect(labels('host.s2.map(ipa: 0, perm: r|', 'word')).toEqual(['r', 'w', 'rw', 'rx', 'rwx']);
    expect(labels(`${PROGRAM}\ndev.dma(nic, |`, 'word')).toEqual(['read', 'write']);
    expect(labels('smmu.cmd(|', 'word')).toContain('CMD_TLBI_NH_VA');
    expect(labels('dev.dma(nic, read, iova: 0, priv: |', 'constant')).toEqual(['true', 'false']);
    // After a value has started, only variables.
    expect(complete('host.s2.map(ipa: 0x1000 + |').map((c) => c.kind)).toEqual([]);
    expect(labels('let a = 1\nhost.s2.map(ipa: a + |', 'variable')).toEqual(['a']);
  });

  it('handles of the wanted kind come first', () => {
    const items = complete(`${PROGRAM}\nguest.cd(asid: 7, ttb0: |`).filter((c) => c.kind === 'variable');
    const sorted = [...items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((c) => c.label);
    expect(sorted[0]).toBe('pt');
  });

  it('fields of a result after `variable.`, one level at a time', () => {
    expect(labels(`${PROGRAM}\nexpect r.|`)).toEqual(['ok', 'pa', 'event', 'walk']);
    const walk = complete(`${PROGRAM}\nexpect r.walk.|`);
    expect(walk.map((c) => c.label)).toEqual(['reads', 'walk_reads', 'tlb']);
    expect(walk[0].documentation).toContain('every SMMU memory read');
    expect(walk[0].from).toBe(PROGRAM.length + 1 + 'expect r.walk.'.length);
    expect(labels(`${PROGRAM}\nexpect r.event.|`)).toContain('name');
    expect(labels('let x = 1\nexpect x.|')).toEqual([]);
    expect(labels('let r = 1\nr = dev.dma(nic, read, iova: 0)\nexpect r.|')).toContain('walk');
  });

  it('without registry data: keywords and variables still', () => {
    const items = completionsAt('let a = 1\n', 10, null);
    expect(items.some((c) => c.kind === 'builtin')).toBe(false);
    expect(items.map((c) => c.label)).toContain('a');
    expect(items.map((c) => c.label)).toContain('let');
  });
});

describe('hoverAt', () => {
  it('a builtin: signature, doc, arguments, result and example, over its whole dotted name', () => {
    const h = hover('let pt = guest.s1.n|ew(granule: 4K)')!;
    expect(h.from).toBe(9);
    expect(h.to).toBe(9 + 'guest.s1.new'.length);
    expect(h.contents[0]).toBe('```lab-signature\n' + META.find((b) => b.name === 'guest.s1.new')!.signature + '\n```');
    const all = h.contents.join('\n');
    expect(all).toContain('`granule` — ');
    expect(all).toContain('Returns a page table (pt)');
    expect(all).toContain('Example:');
    expect(hover('|guest.s1.new()')?.from).toBe(0);
    expect(hover('dev.d|ma(nic, read, iova: 0)')!.contents.join('\n')).toContain('Fields: `ok`, `pa`, `event`');
    expect(hover('guest.s1.mapp|(pt)')).toBe(null);
  });

  it('an argument name inside a builtin call: its type, default and doc', () => {
    const h = hover('host.s2.map(ipa: 0, pe|rm: rw)')!;
    expect(h.contents[0]).toContain('`perm` — one of `r`, `w`, `rw`, `rx`, `rwx` (default `rw`)');
    expect(h.contents[0]).toContain('an argument of `host.s2.map`');
    expect(hover('host.s2.map(ipa: 0, nosuch|: 1)')).toBe(null);
  });

  it('a word an argument takes, by name or position', () => {
    expect(hover('host.s2.map(ipa: 0, perm: r|w)')!.contents[0]).toBe('`rw` — one of the words `perm` takes');
    expect(hover('dev.dma(nic, re|ad, iova: 0)')!.contents[0]).toBe('`read` — one of the words `access` takes');
  });

  it('a result\'s field, and a variable holding a result', () => {
    const f = hover(`${PROGRAM}\nexpect r.walk.wa|lk_reads == 24`)!;
    expect(f.contents[0]).toMatch(/^`r\.walk\.walk_reads` — the 2D walk's descriptor reads/);
    expect(f.to - f.from).toBe('walk_reads'.length);
    expect(hover(`${PROGRAM}\nexpect r.wa|lk.reads == 24`)!.contents[0]).toMatch(/^`r\.walk` — what the translation cost/);
    expect(hover(`${PROGRAM}\nexpect |r.pa == 0`)!.contents[0]).toMatch(/^`r` — a dma result, from `dev\.dma`/);
    expect(hover(`let r| = dev.dma(nic, read, iova: 0)`)!.contents[0]).toMatch(/^`r` — a dma result/);
  });

  it('nothing over comments, strings, numbers, keywords, plain variables', () => {
    for (const src of ['# guest.s1.n|ew', 'host.assign("00|00:01:00.0")', 'x = 0x1|000', 'l|et a = 1', 'let a = 1\nexpect a| == 1']) {
      expect(hover(src), src).toBe(null);
    }
  });
});

describe('signatureAt', () => {
  const MAP = 'host.s2.map(ipa, pa, size, perm: rw, pgsize?, vm?)';

  it('the signature, with each parameter\'s place in it', () => {
    const s = sig('host.s2.map(|')!;
    expect(s.label).toBe(MAP);
    expect(s.parameters.map((p) => MAP.slice(...p.label))).toEqual(['ipa', 'pa', 'size', 'perm: rw', 'pgsize?', 'vm?']);
    expect(s.parameters[0].documentation).toContain('the guest-physical address');
    expect(s.activeParameter).toBe(0);
    expect(s.documentation).toContain('Returns nothing.');
  });

  it('the active parameter: by position, by name, or the first one not given yet', () => {
    const active = (src: string) => sig(src)?.activeParameter;
    expect(active('host.s2.map(0x4000, |')).toBe(1);
    expect(active('host.s2.map(0x4000, 0x8000, 4K|')).toBe(2);
    expect(active('host.s2.map(ipa: 0, perm: |')).toBe(3);
    expect(active('host.s2.map(ipa: 0, pgsize: 4K, vm|')).toBe(1);
    expect(active('host.s2.map(size: 4K, |')).toBe(0);
    expect(active('host.s2.map(nosuch: |')).toBe(-1);
    expect(active('host.s2.map(ipa: (1 + 2) * 3, pa: f(1, 2|')).toBe(undefined); // inside f's own call
    expect(active('host.s2.map(ipa: (1 + 2) * 3, pa: 4|')).toBe(1);
    expect(active('host.s2.map(\n  ipa: 0,\n  |')).toBe(1);
    expect(active('host.assign("0000:01|')).toBe(0);
    expect(active('dev.dma(nic, read, iova: 0, len: 64, ssid: 1, priv: true, instr: false, |')).toBe(-1);
  });

  it('the innermost builtin call only; none outside calls or in comments', () => {
    expect(sig('guest.cd(asid: 7, ttb0: guest.s1.new(|')!.label).toMatch(/^guest\.s1\.new\(/);
    expect(sig('guest.cd(asid: 7, ttb0: guest.s1.new(), |')!.label).toMatch(/^guest\.cd\(/);
    expect(sig('host.s2.map(ipa: 0)|')).toBe(null);
    expect(sig('host.s2.map|(ipa: 0)')).toBe(null);
    expect(sig('let x = (1 + |')).toBe(null);
    expect(sig('host.s2.map( # ipa|')).toBe(null);
    expect(sig('if a { host.s2.map(ipa: 0 }\n|')).toBe(null);
  });
});
