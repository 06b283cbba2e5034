// The registry as data: what the checker, the editor and docs/language.md rely on.

import { describe, expect, it } from 'vitest';
import { check } from '../checker';
import { argTypeError } from '../interp';
import { KEYWORDS as KEYWORD_LIST } from '../lexer';
import { parse } from '../parser';
import { BUILTINS, findBuiltin } from './index';

const KEYWORDS: ReadonlySet<string> = new Set(KEYWORD_LIST);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

describe('the builtins registry', () => {
  it('has every builtin the lessons use, each name once', () => {
    const names = BUILTINS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of [
      'host.assign', 'host.vm', 'host.s2.map', 'host.s2.unmap', 'host.s2.protect', 'host.attach', 'host.set_pasid_table',
      'host.s1.new', 'host.s1.map', 'host.cd', 'host.attach_s1',
      'guest.s1.new', 'guest.s1.map', 'guest.s1.unmap', 'guest.s1.protect', 'guest.cd', 'guest.tlbi',
      'dev.dma', 'smmu.cmd', 'smmu.sync', 'smmu.read', 'smmu.write', 'smmu.events', 'smmu.last_event',
      'mem.read64', 'mem.write64',
    ]) expect(findBuiltin(n), n).toBeDefined();
    expect(findBuiltin('host.s3.map')).toBeUndefined();
  });

  it('names are dotted identifiers whose first part is the actor', () => {
    for (const b of BUILTINS) {
      const parts = b.name.split('.');
      expect(parts.length, b.name).toBeGreaterThanOrEqual(2);
      for (const p of parts) expect(IDENT.test(p) && !KEYWORDS.has(p), b.name).toBe(true);
      expect(parts[0]).toBe(b.actor);
    }
  });

  it('every example parses without diagnostics and calls its builtin', () => {
    for (const b of BUILTINS) {
      const { diagnostics } = parse(b.example);
      expect(diagnostics.map((d) => d.message), `${b.name}: ${b.example}`).toEqual([]);
      expect(b.example.includes(`${b.name}(`), b.name).toBe(true);
    }
  });

  it('every example passes the checker after the lines that make the variables it uses', () => {
    const prelude = [
      'let nic = host.assign("0000:01:00.0", sid: 0x10)', 'let pt = guest.s1.new()',
      'let cd = guest.cd(asid: 7, ttb0: pt)', 'let ste = smmu.ste_addr(0x10)',
      'let hpt = host.s1.new()', 'let hcd = host.cd(ttb0: hpt)',
      'let c = vfio.open("/dev/vfio/vfio")', 'let g = vfio.open("/dev/vfio/2")', 'let buf = process.mmap(2M)',
      'let d = vfio.get_device_fd(g.fd, "0000:00:02.0")', 'let e = process.eventfd()',
    ];
    for (const b of BUILTINS) {
      // An example that makes one of these variables takes that line's place.
      const at = prelude.findIndex((l) => b.example.startsWith(l.slice(0, l.indexOf('=') + 1)));
      const lines = at < 0 ? [...prelude, b.example] : prelude.map((l, i) => (i === at ? b.example : l));
      const { program } = parse(lines.join('\n'));
      expect(check(program, BUILTINS).diagnostics.map((d) => d.message), b.name).toEqual([]);
    }
  });

  it('argument names are identifiers, not keywords, each once per builtin', () => {
    for (const b of BUILTINS) {
      const names = b.args.map((a) => a.name);
      expect(new Set(names).size, b.name).toBe(names.length);
      for (const n of names) expect(IDENT.test(n) && !KEYWORDS.has(n), `${b.name}(${n})`).toBe(true);
    }
  });

  it('defaults satisfy their types (null: an optional argument left out)', () => {
    for (const b of BUILTINS) {
      for (const a of b.args) {
        if (a.default === undefined || a.default === null) continue;
        expect(argTypeError(a.type, a.default), `${b.name}(${a.name})`).toBe(null);
      }
    }
  });

  it('required arguments come first, so positional calls can skip the optional ones', () => {
    for (const b of BUILTINS) {
      const firstOptional = b.args.findIndex((a) => a.default !== undefined);
      if (firstOptional < 0) continue;
      expect(b.args.slice(firstOptional).every((a) => a.default !== undefined), b.name).toBe(true);
    }
  });

  it('integer ranges are consistent: min <= max, defaults aligned, word lists non-empty', () => {
    for (const b of BUILTINS) {
      for (const a of b.args) {
        const t = a.type;
        if (t.t === 'int' && t.min !== undefined && t.max !== undefined) expect(t.min <= t.max, `${b.name}(${a.name})`).toBe(true);
        if (t.t === 'word') expect(t.words.length, `${b.name}(${a.name})`).toBeGreaterThan(0);
        expect(a.doc.length, `${b.name}(${a.name}) has a doc`).toBeGreaterThan(0);
      }
    }
  });

  it('every builtin has a doc paragraph, a return type, and fields for record results', () => {
    for (const b of BUILTINS) {
      expect(b.doc.length, b.name).toBeGreaterThan(80);
      expect(b.returns.type.length, b.name).toBeGreaterThan(0);
      if (b.returns.type.endsWith('result') || b.returns.type.startsWith('event')) expect(b.returns.fields, b.name).toBeDefined();
    }
  });

  it('only dev.dma makes the SMMU walk', () => {
    expect(BUILTINS.filter((b) => b.walks).map((b) => b.name)).toEqual(['dev.dma']);
  });

  it('dev.dma documents every field of its result, nested ones dotted', () => {
    const f = findBuiltin('dev.dma')?.returns.fields ?? {};
    for (const k of ['ok', 'pa', 'event', 'event.name', 'event.stage', 'event.class', 'event.ipa', 'walk.reads', 'walk.walk_reads', 'walk.tlb']) {
      expect(Object.hasOwn(f, k), k).toBe(true);
    }
  });
});
