// docs/language.md against the registry: its "Builtins" section is exactly what the registry
// renders, and every ```lab example on the page checks clean against the real builtins and runs
// to its end with every expect holding. Blocks that show errors are fenced ```lab-broken (the
// parser's) and ```lab-checker (the checker's); diagnostics.test.ts and checker.test.ts compare
// those with the output the page shows.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLab } from '../../engine/lab';
import { builtinsSection, formatInt, formatType, renderBuiltinsDoc, returnType, signature, spliceBuiltinsDoc } from './docs';
import { BUILTINS, findBuiltin } from './index';

const PAGE = join(__dirname, '../../../docs/language.md');
const doc = readFileSync(PAGE, 'utf8');

/** Every fenced block: its info string, its text and where it starts. */
function fences(markdown: string): { info: string; text: string; at: number }[] {
  return [...markdown.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1], text: m[2], at: m.index ?? 0 }));
}

describe('docs/language.md, Builtins', () => {
  it('is what the registry renders', () => {
    const section = builtinsSection(doc);
    expect(section, 'docs/language.md has no <!-- builtins:begin --> ... <!-- builtins:end --> section').not.toBe(null);
    if (section !== renderBuiltinsDoc(BUILTINS)) {
      expect.fail('docs and registry disagree: run npm run docs');
    }
  });

  it('documents every builtin with its signature, example and each argument', () => {
    const section = builtinsSection(doc) ?? '';
    for (const b of BUILTINS) {
      expect(section, b.name).toContain(`#### ${b.name}\n`);
      expect(section, b.name).toContain(`${signature(b)}\n`);
      expect(section, b.name).toContain(`\`\`\`lab\n${b.example}\n\`\`\``);
      for (const a of b.args) expect(section, `${b.name}(${a.name})`).toContain(`| \`${a.name}\` |`);
    }
  });

  it('splicing keeps everything outside the markers and is idempotent', () => {
    const page = 'intro\n<!-- builtins:begin -->\nold\n<!-- builtins:end -->\noutro\n';
    const once = spliceBuiltinsDoc(page, 'new\ntext');
    expect(once).toBe('intro\n<!-- builtins:begin -->\nnew\ntext\n<!-- builtins:end -->\noutro\n');
    expect(spliceBuiltinsDoc(once, 'new\ntext')).toBe(once);
    expect(builtinsSection(once)).toBe('new\ntext');
    expect(() => spliceBuiltinsDoc('no markers', 'x')).toThrow(/no <!-- builtins:begin -->/);
  });
});

describe('rendering', () => {
  it('writes numbers as a program would: sizes, small decimals, grouped hex', () => {
    expect([0n, 64n, 1023n, 0x1000n, 0x20_0000n, 1n << 30n, 1n << 48n, 0xffffn, (1n << 48n) - 1n, (1n << 64n) - 1n].map(formatInt))
      .toEqual(['0', '64', '1023', '4K', '2M', '1G', '256T', '0xffff', '0xffff_ffff_ffff', '0xffff_ffff_ffff_ffff']);
  });

  it('says what each argument takes, and signatures show defaults and optional arguments', () => {
    expect(formatType({ t: 'int', min: 0n, max: (1n << 48n) - 1n, align: 0x1000n })).toBe('number, 0..0xffff_ffff_ffff, a multiple of 4K');
    expect(formatType({ t: 'word', words: ['read', 'write'] })).toBe('one of `read`, `write`');
    expect(formatType({ t: 'handle', handle: 'pt' })).toBe('a page table (pt)');
    expect(signature(findBuiltin('host.s2.map')!)).toBe('host.s2.map(ipa, pa, size, perm: rw, pgsize?, vm?)');
    expect(signature(findBuiltin('dev.dma')!)).toBe('dev.dma(dev, access, iova, len: 8, ssid?, priv: false, instr: false)');
    expect([returnType('int'), returnType('cd'), returnType('dma result'), returnType('event or nothing')])
      .toEqual(['a number', 'a CD', 'a dma result', 'an event, or nothing']);
  });
});

describe('docs/language.md, examples', () => {
  const begin = doc.indexOf('<!-- builtins:begin -->');
  const end = doc.indexOf('<!-- builtins:end -->');
  const blocks = fences(doc);
  // The Builtins section's examples are one line each, using variables other lines make;
  // registry.test.ts checks them after those lines.
  const standalone = blocks.filter((b) => b.info === 'lab' && (b.at < begin || b.at > end));

  it('fences lab programs as lab, and programs with errors as lab-broken or lab-checker', () => {
    const labs = blocks.filter((b) => b.info.startsWith('lab')).map((b) => b.info);
    expect(new Set(labs)).toEqual(new Set(['lab', 'lab-broken', 'lab-checker']));
    expect(standalone.length).toBeGreaterThanOrEqual(4);
  });

  it('every lab example checks clean against the registry and runs with its expects holding', () => {
    for (const b of standalone) {
      const { diagnostics, session } = openLab(b.text);
      const where = `the example starting "${b.text.split('\n')[0]}"`;
      expect(diagnostics.map((d) => `${d.code} ${d.message}`), where).toEqual([]);
      if (session === null) throw new Error(where);
      session.run();
      expect(session.error?.message ?? null, where).toBe(null);
      expect(session.stopReason, where).toBe('end');
      expect(session.failedExpects().map((r) => r.expect?.message), where).toEqual([]);
    }
  });

  it('shows what conditions take: no `if r.event`, `not r.event` or smmu.strtab_base', () => {
    for (const b of standalone) {
      expect(b.text).not.toMatch(/\bif r\.event\b|\bnot r\.event\b|strtab_base/);
    }
  });
});
