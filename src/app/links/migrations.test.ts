// Old links keep opening. The fixtures are frozen strings: links as the version that made them
// wrote them. Never regenerate them; when a version is added, add its fixtures beside these.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LESSONS } from '../../scenarios';
import { decodeState } from './codec';
import { MIGRATIONS, upgradePayload, upgradeWith, type Migration } from './migrations';
import { CURRENT_VERSION, DEFAULT_VIEWS, type LinkState } from './state';

const lessonSource = (id: string): string => LESSONS.find((l) => l.id === id)!.source;

/**
 * Version 0 links: the prototype's `#code/` + lz-string's compressToEncodedURIComponent of
 * { code, step?, panes?, lesson? } (docs/links.md, "Version 0").
 */
const V0_FIXTURES: Array<{ name: string; link: string; state: LinkState }> = [
  {
    // {"code":"let nic = host.assign(\"0000:01:00.0\", sid: 0x10)\nlet r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)\n","step":7,"panes":["grid","timeline"],"lesson":"nested-walk"}
    name: 'an edited lesson at step 7, two panes',
    link: '#code/N4Igxg9gJgpiBcIA2MAuACAdgSzOgvOgBYQDOqAdAIamnYDmmAFADogAMn787AjD+wrs2AGnR0o8dOwAevdgEoWmFBgBOBdLABuFKAFsqTHGDFqYVKGOwRtVKbPmcA+pwAs7MSkxSAbG6VMEBEQchgABwQAdhDwqkwYUgQAbRB6NWwoYJBUbH0YJGwEkABdEJRaCCDEBLCoAFoAdyokAGsQAF8gA',
    state: {
      v: 1,
      program: 'let nic = host.assign("0000:01:00.0", sid: 0x10)\nlet r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)\n',
      position: { step: 7, access: 0 },
      views: ['walk', 'timeline'],
      lesson: 'nested-walk',
    },
  },
  {
    // {"code":"# my own lab — café, 4 KiB pages\nlet pt = guest.s1.new(granule: 4K, va_bits: 48)\n"}
    name: 'the student\'s own program, non-ASCII, no step, no panes',
    link: '#code/N4Igxg9gJgpiBcIDEACAtgTxRA7gOxQBsBDAIxUBQCFMYgMwEuAaFAFhQGkBLAIRQAdiAcxgBnADp5CMAC79ZAXhSCArqOkA6EQEZ1eGDgAUggE7E8yqfFbtmAN2IB9Up2kirLABwBKCSAC+QA',
    state: {
      v: 1,
      program: '# my own lab — café, 4 KiB pages\nlet pt = guest.s1.new(granule: 4K, va_bits: 48)\n',
      position: { step: 0, access: 0 },
      views: [...DEFAULT_VIEWS],
      lesson: null,
    },
  },
  {
    // {"code":"expect 1 == 1\n","step":3,"panes":["smmu","grid","tables"]}
    name: 'panes in their own order',
    link: '#code/N4Igxg9gJgpiBcIYA8AOMwBcAEBGbAvAXgDoB2IANCAM6YyoIDM1qAhmTDQgNq0C2-AK5UQAcwBOASyijMbAEYAbLiAC6AXyA',
    state: { v: 1, program: 'expect 1 == 1\n', position: { step: 3, access: 0 }, views: ['smmu', 'walk', 'tables'], lesson: null },
  },
  {
    // The same link in the versioned form, which reads version 0 too.
    name: 'the same, as #v0/z/',
    link: '#v0/z/N4Igxg9gJgpiBcIYA8AOMwBcAEBGbAvAXgDoB2IANCAM6YyoIDM1qAhmTDQgNq0C2-AK5UQAcwBOASyijMbAEYAbLiAC6AXyA',
    state: { v: 1, program: 'expect 1 == 1\n', position: { step: 3, access: 0 }, views: ['smmu', 'walk', 'tables'], lesson: null },
  },
  {
    // {"code":"x","step":2,"lesson":"no-such-lesson"}: a lesson since removed; the program opens.
    name: 'a lesson that no longer exists',
    link: '#code/N4Igxg9gJgpiBcIAeIA0IDOAXGAHBATOgDYwYYQB2CIlEAtBgK5gAW9p5VIAvkA',
    state: { v: 1, program: 'x', position: { step: 2, access: 0 }, views: [...DEFAULT_VIEWS], lesson: null },
  },
];

/** Version 1 links as this version writes them (both compressors). */
const V1_FIXTURES: Array<{ name: string; link: string; state: LinkState }> = [
  {
    name: 'lesson link (deflate-raw)',
    link: '#v1/d/q1bKSS0uzs9TslLKSy0uSU3RLU_MyVaqBQA',
    state: { v: 1, program: lessonSource('nested-walk'), position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: 'nested-walk' },
  },
  {
    name: 'lesson link (lz-string)',
    link: '#v1/z/N4IgNgpgzlD2B2IBcJ7QC4QCYFoDuAhmANYgC+QA',
    state: { v: 1, program: lessonSource('nested-walk'), position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: 'nested-walk' },
  },
  ...(['d', 'z'] as const).map((c) => ({
    name: `own program, position, views, presenter (${c})`,
    link: c === 'd'
      ? '#v1/d/Lck9DsIwDAbQq1gfa5YKsVjqSShDFBkUQX5kO7RV1buz8NZ3oGt7aSxgXCjSM28-VJjKTm2t9N-lytYlOU00zzQtFQG9WfbcKviAuXTwLSCmJGbg6xnwzbIa-I41ft4IsFIGHgFdxaS6KNh1yPkD'
      : '#v1/z/N4IgDgTg9g5hCGBbEAuEBiABPTAzAlgB4AuArhAKYqaICemUA7gHaaSwKIA6zFhYFAMbFMARkwBeCWJ4gANOCgBnfMXxRmqUEuIUwqAKwL4gwRSVLUAZgC+CgG74KjSygDaIRvAA2Aa3kgSoiIpCAAugqQ5hTMuhCoxBCkFDZAA',
    state: {
      v: 1 as const,
      program: '# a fixture: my own program\nexpect 1 == 1\n',
      position: { step: 5, access: 3 },
      views: ['walk', 'smmu'],
      lesson: null,
      presenter: true,
    },
  })),
  ...(['d', 'z'] as const).map((c) => ({
    name: `edited lesson (${c})`,
    link: c === 'd'
      ? '#v1/d/q1bKSS0uzs9TslIqLknMSdXNzC_JSVLSUSooyk8vSsxVslLKSS1RqFCwVTBUUFZITcksSU2JyVOqBQA'
      : '#v1/z/N4IgNgpgzlD2B2IBcIoBcCGkC0BLWaYARiADQgAOATrAOZUYC2y4EaABAB7sC87AjOwDE7CABNcacQB1EAXyA',
    state: { v: 1 as const, program: 'let x = 1 # edited\n', position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson: 'stale-iotlb' },
  })),
];

describe('version 0 links keep opening', () => {
  it.each(V0_FIXTURES)('$name', async ({ link, state }) => {
    expect(await decodeState(link)).toEqual({ ok: true, state, migratedFrom: 0 });
  });

  it('a damaged version 0 link is an error, and names the old field', async () => {
    expect(await decodeState(V0_FIXTURES[0]!.link.slice(0, 60))).toEqual({ ok: false, error: 'this link is damaged: it does not decompress' });
    // {"code":"expect 1 == 1\n","panes":["walk"]}: 'walk' was not a pane name in version 0.
    expect(await decodeState('#code/N4Igxg9gJgpiBcIYA8AOMwBcAEBGbAvAXgDoB2IANCKgIZkwDOCA2iAO60A2A1iALoBfIA'))
      .toEqual({ ok: false, error: "the link's panes include one IOMMU Lab never had ('walk') (at panes[0])" });
  });
});

describe('version 1 links keep opening', () => {
  it.each(V1_FIXTURES)('$name', async ({ link, state }) => {
    expect(await decodeState(link)).toEqual({ ok: true, state });
  });
});

describe('the migration table', () => {
  it('has one migration for every version below the current, in order', () => {
    expect(MIGRATIONS).toHaveLength(CURRENT_VERSION);
    MIGRATIONS.forEach((m, i) => expect(m.from).toBe(i));
  });

  it('0 -> 1: code -> program, step -> position, panes -> views, grid -> walk', () => {
    expect(upgradePayload(0, { code: 'p', step: 4, panes: ['grid', 'grid', 'smmu'], lesson: 'stale-iotlb' }))
      .toEqual({ ok: true, payload: { program: 'p', lesson: 'stale-iotlb', position: { step: 4, access: 0 }, views: ['walk', 'smmu'] } });
    expect(upgradePayload(0, { code: '' })).toEqual({ ok: true, payload: { program: '' } });
  });

  it('refuses versions it does not know', () => {
    for (const v of [-1, 1.5, Number.NaN, 2 ** 60]) expect(upgradePayload(v, {}).ok).toBe(false);
    expect(upgradePayload(2, {})).toMatchObject({ ok: false, kind: 'newer' });
    expect(upgradePayload(99, {})).toMatchObject({ kind: 'newer', error: expect.stringContaining('a newer IOMMU Lab (version 99)') });
  });

  it('validates each version against its own schema before migrating it', () => {
    expect(upgradePayload(0, { program: 'x' })).toMatchObject({ ok: false, kind: 'invalid' });
    expect(upgradePayload(1, { code: 'x' })).toMatchObject({ ok: false, kind: 'invalid' });
    expect(upgradePayload(0, { code: 1 })).toEqual({ ok: false, kind: 'invalid', error: "the link's program is not text (at code)" });
  });

  // The machinery on a longer table: versions 0..3 of a toy payload, each migration checking
  // it got its own version's shape, so a link of any version falls through every later one.
  it('falls through 0 -> 1 -> 2 -> 3 on a longer table, from any version', () => {
    const v0 = z.strictObject({ a: z.number() });
    const v1 = z.strictObject({ b: z.number() });
    const v2 = z.strictObject({ b: z.number(), c: z.string() });
    const v3 = z.strictObject({ b: z.number(), c: z.string(), trail: z.array(z.number()) });
    const trail = (p: object): number[] => ('trail' in p ? (p.trail as number[]) : []);
    const table: Migration[] = [
      { from: 0, what: 'a -> b', schema: v0, up: ((p: z.output<typeof v0>) => ({ b: p.a })) as (p: never) => unknown },
      { from: 1, what: '+ c', schema: v1, up: ((p: z.output<typeof v1>) => ({ ...p, c: 'added in 2' })) as (p: never) => unknown },
      { from: 2, what: '+ trail', schema: v2, up: ((p: z.output<typeof v2>) => ({ ...p, trail: [...trail(p), 2] })) as (p: never) => unknown },
    ];
    const t = { migrations: table, current: 3, schema: v3 };
    expect(upgradeWith(t, 0, { a: 7 })).toEqual({ ok: true, payload: { b: 7, c: 'added in 2', trail: [2] } });
    expect(upgradeWith(t, 1, { b: 8 })).toEqual({ ok: true, payload: { b: 8, c: 'added in 2', trail: [2] } });
    expect(upgradeWith(t, 2, { b: 9, c: 'mine' })).toEqual({ ok: true, payload: { b: 9, c: 'mine', trail: [2] } });
    expect(upgradeWith(t, 3, { b: 1, c: 'x', trail: [] })).toEqual({ ok: true, payload: { b: 1, c: 'x', trail: [] } });
    expect(upgradeWith(t, 4, {})).toMatchObject({ ok: false, kind: 'newer' });
    // A version-1 payload given as version 0 fails at version 0's schema, not later.
    expect(upgradeWith(t, 0, { b: 1 })).toMatchObject({ ok: false, kind: 'invalid' });
    // A gap in the table is refused, not skipped.
    expect(upgradeWith({ ...t, migrations: [table[0]!, table[2]!] }, 0, { a: 1 })).toMatchObject({ ok: false, kind: 'unknown' });
  });
});
