// A browser whose streams do not take 'deflate-raw' (Chrome 80-102) or that has none (Safari
// before 16.4): links are made with lz-string, and deflate links say why they cannot open.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

class NoDeflateRaw {
  constructor(format: string) {
    throw new TypeError(`Unsupported compression format: '${format}'`);
  }
}

describe('without deflate-raw', () => {
  beforeAll(() => {
    vi.stubGlobal('CompressionStream', NoDeflateRaw);
    vi.stubGlobal('DecompressionStream', NoDeflateRaw);
  });
  afterAll(() => vi.unstubAllGlobals());

  it('encodeState falls back to lz-string, and its links open', async () => {
    const { decodeState, encodeState } = await import('./codec');
    const s = { v: 1 as const, program: 'expect 1 == 1\n', position: { step: 1, access: 0 }, views: ['walk'], lesson: null };
    const link = await encodeState(s);
    expect(link.startsWith('#v1/z/')).toBe(true);
    expect(await decodeState(link)).toEqual({ ok: true, state: s });
  });

  it('a deflate link says this browser cannot open it', async () => {
    const { decodeState } = await import('./codec');
    expect(await decodeState('#v1/d/q1bKSS0uzs9TslLKSy0uSU3RLU_MyVaqBQA')).toEqual({
      ok: false,
      error: 'this browser cannot open this link: it cannot decompress deflate-raw (a current Chrome, Firefox or Safari can)',
    });
  });
});
