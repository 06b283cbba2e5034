// DEFAULT_COMPRESSOR is the measured choice: bench/link-sizes.ts prints these figures
// (docs/links.md, "Sizes"); this checks that the choice still holds for today's lessons.

import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../scenarios';
import { DEFAULT_COMPRESSOR, MAX_LINK_BYTES } from './codec';
import { measureLinkSizes, totals } from './measure';

describe('link sizes', () => {
  it('deflate-raw (d), the default, is smaller than lz-string (z) on every lesson and every edited program', async () => {
    const rows = await measureLinkSizes();
    expect(rows.filter((r) => r.kind === 'lesson-only')).toHaveLength(LESSONS.length);
    expect(DEFAULT_COMPRESSOR).toBe('d');
    for (const r of rows) expect(r.d, r.name).toBeLessThanOrEqual(r.z);
    const programs = totals(rows.filter((r) => r.kind === 'program'));
    // Measured with Node 20: d is 70 % of z over the edited programs (docs/links.md).
    expect(programs.d / programs.z).toBeLessThan(0.8);
    // The two compared only: zlib's header and checksum cost 8 characters; lz-string's bytes the same as its URI form.
    for (const r of rows) expect(r.zlib - r.d, r.name).toBe(8);
  });

  it('lesson links are at most 56 characters; every measured link is under the limit', async () => {
    const rows = await measureLinkSizes();
    for (const r of rows.filter((x) => x.kind === 'lesson-only')) expect(r.d, r.name).toBeLessThanOrEqual(56);
    // Edited programs stay far under it; every lesson pasted into one program (thirteen, about 900
    // lines) only under it.
    for (const r of rows.filter((x) => !x.name.startsWith('all '))) expect(r.d, r.name).toBeLessThan(MAX_LINK_BYTES / 4);
    for (const r of rows) expect(r.d, r.name).toBeLessThan(MAX_LINK_BYTES);
  });
});
