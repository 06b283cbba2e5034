// The two compressors a link may name in its prefix, both ways, with decompression capped so a
// small hostile link cannot expand into a large string (docs/links.md, "Hostile links"):
//   d  deflate-raw (the platform's CompressionStream), then base64url (RFC 4648 §5, no padding)
//   z  lz-string's compressToEncodedURIComponent (its own URI-safe alphabet A-Za-z0-9+-$)
// Compressing goes through the platform and lz-string; decompressing 'z' is a port of lz-string
// 1.5's decompressor that counts what it outputs and stops at the cap (the library's cannot be
// stopped: a crafted 64 KB input can make it build hundreds of megabytes).

// The default import: lz-string is CommonJS, and Node's ESM loader (tsx, Vite's runner) sees no named exports.
import LZString from 'lz-string';

export const COMPRESSORS = ['d', 'z'] as const;
export type Compressor = (typeof COMPRESSORS)[number];

export function isCompressor(c: string): c is Compressor {
  return (COMPRESSORS as readonly string[]).includes(c);
}

/** Why a payload did not come back. */
export type Inflated =
  | { ok: true; text: string }
  | { ok: false; reason: 'corrupt' | 'too-big' | 'not-text' | 'unsupported' };

// ---------------------------------------------------------------------------------------------
// base64url

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_VALUE[B64URL.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Strict: only the base64url alphabet, no padding, no length that cannot be whole bytes. */
export function fromBase64url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUE[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // The leftover bits of the last character must be zero, as an encoder writes them.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out.subarray(0, o);
}

// ---------------------------------------------------------------------------------------------
// deflate-raw through the platform's streams

/** Input is fed in slices, so each write can expand to at most about 1 MB before the cap is checked. */
const FEED_SLICE = 1024;

let deflateSupport: boolean | undefined;

/**
 * Whether the platform compresses and decompresses deflate-raw: the streams exist (Chrome 80,
 * Firefox 113, Safari 16.4, Node 18) and take the format (Chrome 103; Node 21.2 and 20.12).
 */
export function hasDeflate(): boolean {
  if (deflateSupport === undefined) {
    try {
      new CompressionStream('deflate-raw');
      new DecompressionStream('deflate-raw');
      deflateSupport = true;
    } catch {
      deflateSupport = false; // missing (ReferenceError) or the format refused (TypeError)
    }
  }
  return deflateSupport;
}

async function readAll(readable: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array | 'too-big'> {
  const reader = readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      reader.cancel().catch(() => {});
      return 'too-big';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Runs bytes through a transform stream, feeding slices while the output is read; never rejects. */
async function pump(
  stream: CompressionStream | DecompressionStream,
  bytes: Uint8Array,
  cap: number,
): Promise<Uint8Array | 'too-big' | 'error'> {
  const writer = stream.writable.getWriter();
  let stop = false;
  const feeding = (async () => {
    for (let i = 0; i < bytes.length && !stop; i += FEED_SLICE) {
      await writer.write(bytes.slice(i, i + FEED_SLICE));
    }
    if (!stop) await writer.close();
  })().catch(() => {}); // a corrupt stream errors both sides; the reader reports it
  let out: Uint8Array | 'too-big' | 'error';
  try {
    out = await readAll(stream.readable, cap);
  } catch {
    out = 'error';
  }
  stop = true;
  if (out !== 'too-big' && out !== 'error') await feeding;
  else writer.abort().catch(() => {});
  return out;
}

export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const out = await pump(new CompressionStream('deflate-raw'), bytes, Number.MAX_SAFE_INTEGER);
  if (typeof out === 'string') throw new Error('the browser could not compress the link (CompressionStream failed)');
  return out;
}

/** Inflates at most `cap` bytes; more, and it stops reading and reports 'too-big'. */
export async function inflateRaw(bytes: Uint8Array, cap: number): Promise<Uint8Array | 'too-big' | 'corrupt'> {
  const out = await pump(new DecompressionStream('deflate-raw'), bytes, cap);
  return out === 'error' ? 'corrupt' : out;
}

// ---------------------------------------------------------------------------------------------
// lz-string's URI form, decompressed with a cap

const LZ_URI = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
const LZ_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < LZ_URI.length; i++) LZ_VALUE[LZ_URI.charCodeAt(i)] = i;

/**
 * lz-string 1.5's `decompressFromEncodedURIComponent`, ported (libs/lz-string.js, `_decompress`
 * with 6-bit values read high bit first), with three differences: a character outside the
 * alphabet is an error (the library reads it as 0), running out of input or an impossible code is
 * an error (the library returns "" or null, silently), and output past `cap` characters stops it.
 * A space reads as '+', as in the library (a '+' that went through form encoding).
 */
export function lzDecompressURI(input: string, cap: number): { ok: true; text: string } | { ok: false; reason: 'corrupt' | 'too-big' } {
  const corrupt = { ok: false, reason: 'corrupt' } as const;
  const length = input.length;
  if (length === 0) return corrupt;
  const values = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    let c = input.charCodeAt(i);
    if (c === 32) c = 43; // ' ' -> '+'
    const v = c < 128 ? LZ_VALUE[c]! : -1;
    if (v < 0) return corrupt;
    values[i] = v;
  }
  let val = values[0]!;
  let position = 32;
  let index = 1;
  const readBits = (count: number): number => {
    let bits = 0;
    for (let power = 0; power < count; power++) {
      const bit = val & position;
      position >>= 1;
      if (position === 0) {
        position = 32;
        val = index < length ? values[index]! : 0; // the library reads past the end as 0
        index++;
      }
      if (bit > 0) bits |= 1 << power;
    }
    return bits;
  };

  const dictionary: string[] = [];
  let enlargeIn = 4;
  let dictSize = 4;
  let numBits = 3;
  const result: string[] = [];
  let total = 0;

  let c: string;
  switch (readBits(2)) {
    case 0: c = String.fromCharCode(readBits(8)); break;
    case 1: c = String.fromCharCode(readBits(16)); break;
    case 2: return { ok: true, text: '' };
    default: return corrupt;
  }
  dictionary[3] = c;
  let w = c;
  result.push(c);
  total = 1;
  for (;;) {
    if (index > length) return corrupt; // ran out of input before the end marker
    let code = readBits(numBits);
    switch (code) {
      case 0:
        dictionary[dictSize++] = String.fromCharCode(readBits(8));
        code = dictSize - 1;
        enlargeIn--;
        break;
      case 1:
        dictionary[dictSize++] = String.fromCharCode(readBits(16));
        code = dictSize - 1;
        enlargeIn--;
        break;
      case 2:
        return { ok: true, text: result.join('') };
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    const known = code >= 3 ? dictionary[code] : undefined;
    if (known !== undefined) entry = known;
    else if (code === dictSize) entry = w + w.charAt(0);
    else return corrupt;
    total += entry.length;
    if (total > cap) return { ok: false, reason: 'too-big' };
    result.push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    if (numBits > 30) return corrupt; // far beyond any input a link can hold
  }
}

// ---------------------------------------------------------------------------------------------
// Text in, link-safe text out

const utf8 = new TextEncoder();

/** The payload text (JSON) compressed into link-safe characters. */
export async function compressText(text: string, c: Compressor): Promise<string> {
  if (c === 'z') return LZString.compressToEncodedURIComponent(text);
  return toBase64url(await deflateRaw(utf8.encode(text)));
}

/** The payload text back, at most `cap` bytes (d) or characters (z) of it; never rejects. */
export async function decompressText(data: string, c: Compressor, cap: number): Promise<Inflated> {
  if (c === 'z') {
    const r = lzDecompressURI(data, cap);
    return r.ok ? r : { ok: false, reason: r.reason };
  }
  if (!hasDeflate()) return { ok: false, reason: 'unsupported' };
  const bytes = fromBase64url(data);
  if (bytes === null || bytes.length === 0) return { ok: false, reason: 'corrupt' };
  let out: Uint8Array | 'too-big' | 'corrupt';
  try {
    out = await inflateRaw(bytes, cap);
  } catch {
    return { ok: false, reason: 'corrupt' };
  }
  if (typeof out === 'string') return { ok: false, reason: out };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(out) };
  } catch {
    return { ok: false, reason: 'not-text' };
  }
}
