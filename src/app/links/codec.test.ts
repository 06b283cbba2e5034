import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../scenarios';
import { decodeState, encodeState, LinkError, MAX_LINK_BYTES } from './codec';
import { compressText, deflateRaw, toBase64url, type Compressor } from './compress';
import { toPayload } from './payload';
import { canonical, CURRENT_VERSION, DEFAULT_VIEWS, MAX_PROGRAM_CHARS, validateState, VIEW_IDS, type LinkState } from './state';

const state = (program: string, lesson: string | null, extra: Partial<LinkState> = {}): LinkState => ({
  v: CURRENT_VERSION, program, position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson, ...extra,
});

/** A link of the current version holding exactly this payload text. */
const linkOf = async (json: string, c: Compressor = 'd'): Promise<string> => `#v1/${c}/${await compressText(json, c)}`;

async function decodeOk(fragment: string): Promise<LinkState> {
  const r = await decodeState(fragment);
  if (!r.ok) throw new Error(`expected ok, got: ${r.error}`);
  return r.state;
}
async function decodeError(fragment: string): Promise<string> {
  const r = await decodeState(fragment);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

/** A deterministic pseudo-random program of `n` characters from a 64-letter alphabet. */
function noise(n: number, seed = 0x1ab5eed): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 \n';
  let x = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    out += abc[((t ^ (t >>> 14)) >>> 0) % 64];
  }
  return out;
}

// Arbitrary valid states: programs of any UTF-16 (lone surrogates too), a lesson's own source
// (stored as the id alone) or nothing; positions up to the largest safe integer; any views.
const anyProgram = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 100 }),
  fc.constantFrom('', ...LESSONS.map((l) => l.source)),
);
const anyState: fc.Arbitrary<LinkState> = fc.record({
  v: fc.constant(CURRENT_VERSION as typeof CURRENT_VERSION),
  program: anyProgram,
  position: fc.record({ step: fc.maxSafeNat(), access: fc.oneof(fc.constant(0), fc.maxSafeNat()) }),
  views: fc.oneof(fc.constant([...DEFAULT_VIEWS]), fc.uniqueArray(fc.constantFrom(...VIEW_IDS), { maxLength: VIEW_IDS.length })).map((v): string[] => [...v]),
  lesson: fc.constantFrom(null, ...LESSONS.map((l) => l.id)),
  presenter: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['v', 'program', 'position', 'views', 'lesson'] });

describe('round trips', () => {
  for (const c of ['d', 'z'] as const) {
    it(`decode(encode(s)) is s, for arbitrary valid states (compressor ${c})`, async () => {
      await fc.assert(fc.asyncProperty(anyState, async (s) => {
        const link = await encodeState(s, { compressor: c });
        expect(link.startsWith(`#v1/${c}/`)).toBe(true);
        const r = await decodeState(link);
        expect(r).toEqual({ ok: true, state: canonical(s) });
      }), { numRuns: 200 });
    });
  }

  it('uses deflate-raw (d) by default', async () => {
    expect(await encodeState(state('x', null))).toMatch(/^#v1\/d\/[A-Za-z0-9_-]+$/);
  });

  it('every lesson, unchanged and edited, comes back', async () => {
    for (const l of LESSONS) {
      for (const program of [l.source, `${l.source}\n# mine\n`]) {
        const s = state(program, l.id, { position: { step: 3, access: 7 } });
        expect(await decodeOk(await encodeState(s))).toEqual(s);
      }
    }
  });
});

describe('only what differs from the defaults', () => {
  it('a lesson opened unchanged stores only its id', () => {
    expect(toPayload(state(LESSONS[1]!.source, LESSONS[1]!.id), LESSONS)).toEqual({ lesson: LESSONS[1]!.id });
  });

  it('an edited lesson stores its program; the default state stores nothing', () => {
    expect(toPayload(state('x', 'nested-walk'), LESSONS)).toEqual({ lesson: 'nested-walk', program: 'x' });
    expect(toPayload(state('', null), LESSONS)).toEqual({});
    expect(toPayload(state('p', null, { position: { step: 0, access: 2 }, views: ['smmu'], presenter: true }), LESSONS))
      .toEqual({ program: 'p', position: { step: 0, access: 2 }, views: ['smmu'], presenter: true });
    // The default views in another order are not the default.
    expect(toPayload(state('p', null, { views: [...DEFAULT_VIEWS].reverse() }), LESSONS).views).toEqual([...DEFAULT_VIEWS].reverse());
    expect(toPayload(state('p', null, { presenter: false }), LESSONS)).toEqual({ program: 'p' });
  });

  it('lesson links are short: at most 56 characters (measured: 41 to 53, docs/links.md)', async () => {
    for (const l of LESSONS) {
      const link = await encodeState(state(l.source, l.id));
      expect(link.length).toBeLessThanOrEqual(56);
      expect(await decodeOk(link)).toEqual(state(l.source, l.id));
    }
  });

  it('a lesson link opens the lesson as it is now (its source is not in the link)', async () => {
    const mine = [{ id: 'my-lesson', source: 'expect 1 == 1\n' }];
    const link = await encodeState(state('expect 1 == 1\n', 'my-lesson'), { lessons: mine });
    const later = [{ id: 'my-lesson', source: 'expect 2 == 2\n' }];
    expect(await decodeState(link, { lessons: later })).toEqual({ ok: true, state: state('expect 2 == 2\n', 'my-lesson') });
  });

  it('the empty default state makes a link too', async () => {
    expect(await decodeOk(await encodeState(state('', null)))).toEqual(state('', null));
  });
});

describe('forgiving input', () => {
  it('opens a pasted URL, a fragment without #, surrounding spaces, and an escaped link', async () => {
    const s = state('let a = 1\n', null, { position: { step: 2, access: 0 } });
    const d = await encodeState(s);
    const z = await encodeState(s, { compressor: 'z' });
    for (const f of [d, d.slice(1), `  https://example.org/lab/index.html?embed${d}\n`, z, z.slice(1)]) {
      expect(await decodeOk(f)).toEqual(s);
    }
    // lz-string's alphabet has + and $: a mail program may escape them, or turn + into a space.
    const escaped = z.replace(/\$/g, '%24').replace(/\+/g, '%2B');
    expect(await decodeOk(escaped)).toEqual(s);
    expect(await decodeOk(z.replace(/\+/g, ' '))).toEqual(s);
  });

  it('a link of the current version has no migratedFrom', async () => {
    const r = await decodeState(await encodeState(state('x', null)));
    expect(r.ok && 'migratedFrom' in r).toBe(false);
  });

  it('a lesson this IOMMU Lab does not have: its program opens as the student\'s own', async () => {
    const link = await linkOf('{"lesson":"gone-lesson","program":"expect 1 == 1\\n"}');
    expect(await decodeOk(link)).toEqual(state('expect 1 == 1\n', null));
  });
});

describe('errors, in words a student understands', () => {
  const cases: Array<[string, () => Promise<string>, string]> = [
    ['a newer version', async () => '#v7/d/AAAA', 'this link was made by a newer IOMMU Lab (version 7); this one opens links up to version 1: reload the page to get the newest'],
    ['a newer version with a compressor this one does not know', async () => '#v2/q/xyz', 'this link was made by a newer IOMMU Lab (version 2); this one opens links up to version 1: reload the page to get the newest'],
    ['not a link of ours', async () => '#section-3', 'this is not an IOMMU Lab link: it should start with #v1/'],
    ['a version with a leading zero', async () => '#v01/d/AAAA', 'this is not an IOMMU Lab link: it should start with #v1/'],
    ['nothing after the #', async () => '#', 'this link holds no lab state (nothing after the #)'],
    ['nothing after the prefix', async () => '#v1/d/', 'this link is damaged: it ends after its prefix'],
    ['an unknown compressor', async () => '#v1/x/AAAA', "this link is damaged: it names a compression IOMMU Lab does not know ('x')"],
    ['not base64url', async () => '#v1/d/AA!A', 'this link is damaged: it does not decompress'],
    ['base64 with padding', async () => '#v1/d/AAAA==', 'this link is damaged: it does not decompress'],
    ['bytes that do not inflate', async () => '#v1/d/_____w', 'this link is damaged: it does not decompress'],
    ['a truncated deflate link', async () => (await encodeState(state(LESSONS[0]!.source + 'x', null))).slice(0, 200), 'this link is damaged: it does not decompress'],
    ['a truncated lz-string link', async () => (await encodeState(state(LESSONS[0]!.source + 'x', null), { compressor: 'z' })).slice(0, 200), 'this link is damaged: it does not decompress'],
    ['an lz-string link with a character outside its alphabet', async () => '#v1/z/N4Ig_A', 'this link is damaged: it does not decompress'],
    ['a bad escape', async () => '#v1/z/N4%ZZ', 'this link is damaged: it does not decompress'],
    ['lz-string\'s silent empty result', async () => linkOf('', 'z'), 'this link is damaged: it decompresses to nothing'],
    ['deflate of nothing', async () => linkOf('', 'd'), 'this link is damaged: it decompresses to nothing'],
    ['not UTF-8', async () => `#v1/d/${toBase64url(await deflateRaw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))}`, 'this link is damaged: what it decompresses to is not text'],
    ['not JSON', async () => linkOf('hello'), 'this link is damaged: what it decompresses to is not a lab state (not JSON)'],
    ['JSON but not an object', async () => linkOf('[1,2]'), 'the link is not a lab state'],
    ['JSON null', async () => linkOf('null'), 'the link is not a lab state'],
    ['a program that is not text', async () => linkOf('{"program":42}'), "the link's program is not text (at program)"],
    ['a program as a list', async () => linkOf('{"program":["a"]}'), "the link's program is not text (at program)"],
    ['a program too long', async () => linkOf(JSON.stringify({ program: 'a'.repeat(MAX_PROGRAM_CHARS + 1) })), "the link's program is too long (200,001 characters; at most 200,000) (at program)"],
    ['a negative step', async () => linkOf('{"position":{"step":-1,"access":0}}'), "the link's step is not a whole number from 0 up (at position.step)"],
    ['a fractional access', async () => linkOf('{"position":{"step":1,"access":0.5}}'), "the link's access is not a whole number from 0 up (at position.access)"],
    ['a step beyond the safe integers', async () => linkOf('{"position":{"step":1e300,"access":0}}'), "the link's step is not a whole number from 0 up (at position.step)"],
    ['a position without its access', async () => linkOf('{"position":{"step":1}}'), "the link's access is not a whole number from 0 up (at position.access)"],
    ['a position that is a number', async () => linkOf('{"position":3}'), "the link's position is not a step and an access (at position)"],
    ['an unknown view', async () => linkOf('{"views":["walk","gird"]}'), "the link's views include one IOMMU Lab does not have ('gird'; it has walk, tables, smmu, timeline, iova, msi, replay, trace) (at views[1])"],
    ['a view listed twice', async () => linkOf('{"views":["walk","smmu","walk"]}'), "the link's views list 'walk' twice (at views[2])"],
    ['too many views', async () => linkOf(JSON.stringify({ views: Array(17).fill('walk') })), "the link's views are too many (17; at most 16) (at views)"],
    ['views that are not a list', async () => linkOf('{"views":"walk"}'), "the link's views are not a list of view names (at views)"],
    ['a malformed lesson id', async () => linkOf('{"lesson":"Nested Walk"}'), "the link's lesson id 'Nested Walk' is malformed (lower-case words joined by '-') (at lesson)"],
    ['a lesson this IOMMU Lab does not have, and no program', async () => linkOf('{"lesson":"no-such-lesson"}'), "this link opens a lesson this IOMMU Lab does not have ('no-such-lesson')"],
    ['presenter not a boolean', async () => linkOf('{"presenter":"yes"}'), "the link's presenter mode is not true or false (at presenter)"],
    ['an unknown field', async () => linkOf('{"program":"x","bugs":[1]}'), "the link holds something IOMMU Lab does not know ('bugs')"],
    ['a version field in the payload', async () => linkOf('{"v":1,"program":"x"}'), "the link holds something IOMMU Lab does not know ('v')"],
  ];
  it.each(cases)('%s', async (_name, make, message) => {
    expect(await decodeError(await make())).toBe(message);
  });
});

describe('the 64 KB limit, both ways', () => {
  // Noise of 64 letters compresses to about one link character a program character: 100,000 make ~98 KB.
  it('encodeState refuses a link over 64 KB, saying how long it would be', async () => {
    const s = state(noise(100_000), null);
    const err = await encodeState(s).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('too-long');
    expect((err as LinkError).message).toMatch(/^this link would be too long \((9\d|10\d) KB; at most 64 KB\): shorten the program to share it$/);
    await expect(encodeState(s, { compressor: 'z' })).rejects.toThrow(/this link would be too long \(\d+ KB; at most 64 KB\)/);
  });

  it('a link just under 64 KB is made and opens; a little more program is refused', async () => {
    // The longest noise program whose link fits, by bisection.
    let lo = 40_000;
    let hi = 70_000;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const ok = await encodeState(state(noise(mid), null)).then(() => true, () => false);
      if (ok) lo = mid;
      else hi = mid;
    }
    const link = await encodeState(state(noise(lo), null));
    expect(link.length).toBeLessThanOrEqual(MAX_LINK_BYTES);
    expect(link.length).toBeGreaterThan(MAX_LINK_BYTES - 100);
    expect((await decodeOk(link)).program).toBe(noise(lo));
    await expect(encodeState(state(noise(lo + 200), null))).rejects.toThrow(/too long \(65 KB; at most 64 KB\)/);
  });

  it('decodeState refuses a link over 64 KB, even a valid one, before decompressing it', async () => {
    const valid = await linkOf(JSON.stringify({ program: noise(100_000) }));
    expect(valid.length).toBeGreaterThan(70 * 1024);
    expect(await decodeError(valid)).toMatch(/^this link is too long \((9\d|10\d) KB; at most 64 KB\)$/);
    expect(await decodeError('#v1/d/' + 'A'.repeat(70 * 1024 - 6))).toBe('this link is too long (70 KB; at most 64 KB)');
  });

  it('counts bytes: 65,536 is not too long, 65,537 is; non-ASCII counts its UTF-8 bytes', async () => {
    const at = '#v1/d/' + 'A'.repeat(MAX_LINK_BYTES - 6);
    expect(await decodeError(at)).not.toMatch(/too long/);
    expect(await decodeError(at + 'A')).toBe('this link is too long (65 KB; at most 64 KB)');
    expect(await decodeError('#v1/d/' + 'é'.repeat(MAX_LINK_BYTES / 2))).toMatch(/^this link is too long \(65 KB/);
  });

  it('only the fragment of a pasted URL counts', async () => {
    const s = state('x', null);
    expect(await decodeOk(`https://example.org/${'p/'.repeat(40_000)}${await encodeState(s)}`)).toEqual(s);
  });
});

describe('encodeState refuses an invalid state', () => {
  it.each([
    [{ ...state('x', null), views: ['walk', 'gird'] }, "this state cannot be shared: the link's views include one IOMMU Lab does not have ('gird'"],
    [{ ...state('x', null), position: { step: -1, access: 0 } }, "this state cannot be shared: the link's step is not a whole number from 0 up (at position.step)"],
    [{ ...state('x', null), program: 'a'.repeat(MAX_PROGRAM_CHARS + 1) }, "this state cannot be shared: the link's program is too long"],
  ])('%#', async (s, message) => {
    const err = await encodeState(s as LinkState).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe('invalid-state');
    expect((err as Error).message.startsWith(message)).toBe(true);
  });

  it('the largest program there is makes a link when it compresses well', async () => {
    const s = state('expect 1 == 1\n'.repeat(MAX_PROGRAM_CHARS / 14), null);
    expect(validateState(s).ok).toBe(true);
    expect(await decodeOk(await encodeState(s))).toEqual(s);
  });
});
