// Links made to hurt: random text, damaged real links, decompression bombs, prototype keys,
// deep nesting. decodeState never throws, never hangs, and either refuses with a sentence or gives
// a state the schema accepts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../scenarios';
import { lzBomb } from './bombs.test-util';
import { decodeState, encodeState } from './codec';
import { compressText, deflateRaw, toBase64url } from './compress';
import { CURRENT_VERSION, DEFAULT_VIEWS, validateState, VIEW_IDS, type LinkState } from './state';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LZ_URI = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';

/** The property every input must have: a sentence, or a valid state. */
async function expectSafe(fragment: string): Promise<void> {
  const r = await decodeState(fragment);
  if (r.ok) expect(validateState(r.state)).toEqual({ ok: true, state: r.state });
  else {
    expect(typeof r.error).toBe('string');
    expect(r.error.length).toBeGreaterThan(10);
    expect(r.error.length).toBeLessThan(400);
  }
}

const linkOf = async (json: string, c: 'd' | 'z' = 'd'): Promise<string> => `#v1/${c}/${await compressText(json, c)}`;

describe('random input never throws', () => {
  it('any string', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })), expectSafe), { numRuns: 500 });
  });

  it('a right prefix and random data, for each compressor and version 0', async () => {
    const prefix = fc.constantFrom('#v1/d/', 'v1/d/', '#v1/z/', '#v0/z/', '#v0/d/', '#code/');
    const data = fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 400 }),
      fc.string({ unit: fc.constantFrom(...LZ_URI), maxLength: 400 }),
      fc.string({ maxLength: 100 }),
    );
    await fc.assert(fc.asyncProperty(prefix, data, async (p, d) => expectSafe(p + d)), { numRuns: 1000 });
  });

  it('random JSON, compressed properly', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom('d', 'z'), async (v, c) => {
      await expectSafe(await linkOf(JSON.stringify(v), c as 'd' | 'z'));
    }), { numRuns: 300 });
  });

  it('random objects with the right field names and wrong values', async () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant('__proto__'));
    const payload = fc.dictionary(fc.constantFrom('program', 'position', 'views', 'lesson', 'presenter', 'step', 'access', '__proto__'), value);
    await fc.assert(fc.asyncProperty(payload, async (p) => expectSafe(await linkOf(JSON.stringify(p)))), { numRuns: 300 });
  });
});

describe('damaged real links never throw', () => {
  const states: fc.Arbitrary<LinkState> = fc.record({
    v: fc.constant(CURRENT_VERSION as typeof CURRENT_VERSION),
    program: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(...LESSONS.map((l) => l.source))),
    position: fc.record({ step: fc.nat(), access: fc.nat() }),
    views: fc.oneof(fc.constant([...DEFAULT_VIEWS]), fc.uniqueArray(fc.constantFrom(...VIEW_IDS))).map((v): string[] => [...v]),
    lesson: fc.constantFrom(null, ...LESSONS.map((l) => l.id)),
  });
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: fc.constantFrom(...B64URL, ...LZ_URI, '%', '/', '#', ' ', 'é') }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), text: fc.string({ maxLength: 20 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  function mutate(link: string, m: Mutation): string {
    const at = 'at' in m ? m.at % (link.length + 1) : 0;
    switch (m.kind) {
      case 'flip': return link.slice(0, at) + m.ch + link.slice(at + 1);
      case 'cut': return link.slice(0, at) + link.slice(at + m.len);
      case 'dup': return link.slice(0, at + m.len) + link.slice(at, at + m.len) + link.slice(at + m.len);
      case 'truncate': return link.slice(0, at);
      case 'append': return link + m.text;
    }
  }
  it('flipped, cut, duplicated, truncated or extended, with either compressor', async () => {
    await fc.assert(fc.asyncProperty(states, fc.constantFrom('d', 'z'), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (s, c, ms) => {
      let link = await encodeState(s, { compressor: c as 'd' | 'z' });
      for (const m of ms) link = mutate(link, m);
      await expectSafe(link);
    }), { numRuns: 500 });
  });
});

describe('decompression bombs', () => {
  it('deflate: 40 MB of program in a 52 KB link is refused, quickly', async () => {
    const json = new TextEncoder().encode(`{"program":"${'a'.repeat(40_000_000)}"}`);
    const link = `#v1/d/${toBase64url(await deflateRaw(json))}`;
    expect(link.length).toBeLessThan(64 * 1024);
    const t0 = performance.now();
    expect(await decodeState(link)).toEqual({ ok: false, error: 'this link is damaged: it expands to more than 1.25 MB, more than any lab state' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('lz-string: a 45 KB link that lz-string would expand to 200 million characters is refused, quickly', async () => {
    const link = `#v1/z/${lzBomb(20_000)}`;
    expect(link.length).toBeLessThan(64 * 1024);
    const t0 = performance.now();
    expect(await decodeState(link)).toEqual({ ok: false, error: 'this link is damaged: it expands to more than 1.25 MB, more than any lab state' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('the largest valid payload still opens: 200,000 characters JSON escapes as \\u00XX', async () => {
    const program = '\u0001'.repeat(200_000);
    expect(JSON.stringify({ program }).length).toBeGreaterThan(1_200_000);
    const r = await decodeState(await encodeState({ v: 1, program, position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: null }));
    expect(r.ok && r.state.program === program).toBe(true);
  });
});

describe('prototype pollution and deep nesting', () => {
  it.each([
    ['{"__proto__":{"program":"x"}}', "this link is damaged: it holds a forbidden name ('__proto__')"],
    ['{"program":"x","position":{"__proto__":{"step":1},"step":0,"access":0}}', "this link is damaged: it holds a forbidden name ('__proto__')"],
    ['{"constructor":{"prototype":{"polluted":true}}}', "this link is damaged: it holds a forbidden name ('constructor')"],
    ['{"views":["walk",{"prototype":1}]}', "this link is damaged: it holds a forbidden name ('prototype')"],
  ])('%s', async (json, error) => {
    for (const c of ['d', 'z'] as const) expect(await decodeState(await linkOf(json, c))).toEqual({ ok: false, error });
    expect(({} as Record<string, unknown>).program).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a version 0 link with __proto__ is refused before its migration runs', async () => {
    const link = `#code/${await compressText('{"code":"x","__proto__":{"lesson":"nested-walk"}}', 'z')}`;
    expect(await decodeState(link)).toEqual({ ok: false, error: "this link is damaged: it holds a forbidden name ('__proto__')" });
  });

  it('100,000 nested lists are refused without overflowing the stack', async () => {
    const deep = `{"views":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(await decodeState(await linkOf(deep))).toEqual({ ok: false, error: 'this link is damaged: its contents are nested too deeply' });
    const deepObj = `{"position":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    expect(await decodeState(await linkOf(deepObj))).toEqual({ ok: false, error: 'this link is damaged: its contents are nested too deeply' });
  });

  it('a wide payload (100,000 views) is refused by count, not walked slowly', async () => {
    const wide = JSON.stringify({ views: Array(100_000).fill('walk') });
    const r = await decodeState(await linkOf(wide));
    expect(r).toEqual({ ok: false, error: "the link's views are too many (100,000; at most 16) (at views)" });
  });
});
