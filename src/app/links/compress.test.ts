import fc from 'fast-check';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { lzBomb, lzBombLength } from './bombs.test-util';
import { compressText, decompressText, deflateRaw, fromBase64url, inflateRaw, lzDecompressURI, toBase64url } from './compress';

const LZ_URI = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
const anyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 200 }),
);

describe('base64url', () => {
  it('round-trips any bytes, and agrees with Node\'s encoder', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const text = toBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64url(text)).toEqual(bytes);
    }));
  });

  it('is strict: other characters, padding, impossible lengths and stray low bits are refused', () => {
    for (const bad of ['AA==', 'AA+A', 'AA/A', 'A', 'AAAAA', 'AB', 'AAB', 'é', 'AA A']) expect(fromBase64url(bad)).toBeNull();
    expect(fromBase64url('')).toEqual(new Uint8Array(0));
    expect(fromBase64url('AA')).toEqual(new Uint8Array([0]));
  });
});

describe('lz-string, decompressed by the capped port', () => {
  it('gives back what lz-string compressed, for any UTF-16 text', () => {
    fc.assert(fc.property(anyText, (s) => {
      expect(lzDecompressURI(LZString.compressToEncodedURIComponent(s), Infinity)).toEqual({ ok: true, text: s });
    }), { numRuns: 300 });
  });

  it('agrees with the library on arbitrary input wherever the library gives text', () => {
    // Inputs whose first two bits are 11 are left out: the library has no case for that first
    // code and carries on with an undefined first character (it returns junk or throws); the
    // port calls it corrupt.
    const input = fc.string({ unit: fc.constantFrom(...LZ_URI), minLength: 1, maxLength: 60 }).filter((s) => LZ_URI.indexOf(s[0]!) < 48);
    fc.assert(fc.property(input, (input) => {
      let lib: string | null | 'threw';
      try {
        lib = LZString.decompressFromEncodedURIComponent(input) as string | null;
      } catch {
        lib = 'threw'; // the library throws on some input (a TypeError); the port never does
      }
      const port = lzDecompressURI(input, Infinity);
      if (typeof lib === 'string' && lib !== '' && lib !== 'threw') expect(port).toEqual({ ok: true, text: lib });
      else expect(port.ok === false || port.text === '').toBe(true); // the library's silent "" or null
    }), { numRuns: 2000 });
  });

  it('stops at the cap: a 5 KB link of 2 million characters', () => {
    const link = lzBomb(2000);
    expect(link.length).toBeLessThan(5000);
    expect(LZString.decompressFromEncodedURIComponent(link)).toHaveLength(lzBombLength(2000)); // the library's output
    expect(lzDecompressURI(link, 1_000_000)).toEqual({ ok: false, reason: 'too-big' });
    const all = lzDecompressURI(link, Infinity);
    expect(all.ok && all.text === LZString.decompressFromEncodedURIComponent(link)).toBe(true);
  });

  it('stops at the cap: a 45 KB link that the library would expand to 200 million characters', () => {
    const link = lzBomb(20_000);
    expect(link.length).toBeLessThan(60_000);
    const t0 = performance.now();
    expect(lzDecompressURI(link, 1_310_720)).toEqual({ ok: false, reason: 'too-big' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('refuses characters outside its alphabet (the library reads them as 0)', () => {
    const link = LZString.compressToEncodedURIComponent('hello');
    expect(lzDecompressURI(`${link.slice(0, 2)}_${link.slice(3)}`, Infinity)).toEqual({ ok: false, reason: 'corrupt' });
    expect(lzDecompressURI('', Infinity)).toEqual({ ok: false, reason: 'corrupt' });
    expect(lzDecompressURI('xAIA', Infinity)).toEqual({ ok: false, reason: 'corrupt' }); // first code 3: the library returns '\u0001'
  });
});

describe('deflate-raw', () => {
  it('round-trips text through the platform\'s streams', async () => {
    await fc.assert(fc.asyncProperty(anyText, async (s) => {
      // UTF-8 has no lone surrogates: TextEncoder writes U+FFFD for them (the codec's JSON escapes them first).
      const wellFormed = new TextDecoder().decode(new TextEncoder().encode(s));
      expect(await decompressText(await compressText(s, 'd'), 'd', Infinity)).toEqual({ ok: true, text: wellFormed });
    }), { numRuns: 100 });
  });

  it('stops reading past the cap: a 40 MB bomb in a 52 KB link', async () => {
    const bomb = await deflateRaw(new Uint8Array(40_000_000));
    expect(toBase64url(bomb).length).toBeLessThan(60_000);
    const t0 = performance.now();
    expect(await inflateRaw(bomb, 1_310_720)).toBe('too-big');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('reports a corrupt or truncated stream, never throws', async () => {
    const good = await deflateRaw(new TextEncoder().encode('hello hello hello'));
    expect(await inflateRaw(good.subarray(0, good.length - 2), 1000)).toBe('corrupt');
    expect(await inflateRaw(new Uint8Array([0xff, 0xff, 0xff, 1, 2]), 1000)).toBe('corrupt');
    expect(await inflateRaw(new Uint8Array(0), 1000)).toBe('corrupt');
    expect(await decompressText('_____w', 'd', 1000)).toEqual({ ok: false, reason: 'corrupt' });
  });
});
