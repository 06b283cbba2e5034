// The registry as plain data (meta.ts): what the editor's completion, hover and signature help
// read, so it must say what docs/language.md says, and survive a trip to the main thread.

import { describe, expect, it } from 'vitest';
import type { Builtin } from '../registry-types';
import { formatType, signature } from './docs';
import { BUILTINS } from './index';
import { buildBuiltinsMeta } from './meta';

const meta = buildBuiltinsMeta(BUILTINS);
const byName = new Map(meta.map((m) => [m.name, m]));

describe('buildBuiltinsMeta', () => {
  it('has every builtin once, in the registry order, with its actor, doc and example', () => {
    expect(meta.map((m) => m.name)).toEqual(BUILTINS.map((b) => b.name));
    for (const [i, b] of BUILTINS.entries()) {
      expect(meta[i]).toMatchObject({ actor: b.actor, doc: b.doc, example: b.example, walks: b.walks === true });
    }
  });

  it('is plain data: no functions, no bigint, and a structured clone is equal', () => {
    const json = JSON.stringify(meta); // throws on bigint
    expect(JSON.parse(json)).toEqual(meta);
    expect(structuredClone(meta)).toEqual(meta);
    expect(json).not.toContain('"run"');
  });

  it('writes signatures as the docs do, built from the argument labels', () => {
    for (const [i, b] of BUILTINS.entries()) {
      const m = meta[i];
      expect(m.signature).toBe(signature(b));
      expect(m.signature).toBe(`${m.name}(${m.args.map((a) => a.label).join(', ')})`);
    }
    expect(byName.get('host.s2.map')?.args.map((a) => a.label)).toEqual(['ipa', 'pa', 'size', 'perm: rw', 'pgsize?', 'vm?']);
  });

  it('describes each argument: type text, kind, words, handle, required, default', () => {
    for (const b of BUILTINS) {
      for (const [j, a] of b.args.entries()) {
        const m = byName.get(b.name)!.args[j];
        expect(m.name).toBe(a.name);
        expect(m.type).toBe(formatType(a.type));
        expect(m.kind).toBe(a.type.t);
        expect(m.doc).toBe(a.doc);
        expect(m.required).toBe(a.default === undefined);
      }
    }
    const dma = byName.get('dev.dma')!;
    expect(dma.args[0]).toMatchObject({ name: 'dev', kind: 'handle', handle: 'device', required: true, default: null, words: [] });
    expect(dma.args[1]).toMatchObject({ name: 'access', kind: 'word', words: ['read', 'write'], handle: null, required: true });
    expect(dma.args.find((a) => a.name === 'len')).toMatchObject({ kind: 'int', required: false, default: '8', label: 'len: 8' });
    expect(dma.args.find((a) => a.name === 'ssid')).toMatchObject({ required: false, default: null, label: 'ssid?' });
    expect(dma.args.find((a) => a.name === 'priv')).toMatchObject({ kind: 'bool', default: 'false' });
    expect(byName.get('host.s2.map')!.args.find((a) => a.name === 'perm')).toMatchObject({ default: 'rw', words: ['r', 'w', 'rw', 'rx', 'rwx'] });
  });

  it('lists a result\'s type, in words, and its fields in order', () => {
    const dma = byName.get('dev.dma')!;
    expect(dma.returns).toMatchObject({ type: 'dma result', text: 'a dma result', doc: 'what the SMMU did with the transaction' });
    const fields = dma.returns.fields.map((f) => f.name);
    expect(fields.slice(0, 3)).toEqual(['ok', 'pa', 'event']);
    expect(fields).toContain('walk.walk_reads');
    expect(byName.get('host.s2.map')!.returns).toEqual({ type: 'nothing', text: 'nothing', doc: '', fields: [] });
  });

  it('copies word lists, so the data cannot change the registry', () => {
    const fake: Builtin<unknown> = {
      name: 'x.y', actor: 'dev', doc: 'd', example: 'x.y(a)', run: () => null,
      args: [{ name: 'a', type: { t: 'word', words: ['p', 'q'] }, doc: 'a word' }],
      returns: { type: 'int', doc: 'n' },
    };
    const [m] = buildBuiltinsMeta([fake]);
    m.args[0].words.push('z');
    expect(fake.args[0].type).toEqual({ t: 'word', words: ['p', 'q'] });
    expect(m.returns).toEqual({ type: 'int', text: 'a number', doc: 'n', fields: [] });
  });
});
