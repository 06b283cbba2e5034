// Share links: a LinkState to the URL fragment and back (docs/links.md).
//
//   #v<version>/<compressor>/<data>      e.g. #v1/d/q1YqKs1LT...   (and the prototype's #code/<lz>, version 0)
//
// The prefix says which version of the payload and which compressor, so either can change
// without breaking a link made before. The payload is JSON of only what differs from the defaults
// (payload.ts): a lesson link opened unchanged stores just its lesson id. decodeState never
// throws: anything wrong comes back as { ok: false, error } in words a student understands, and
// nothing is loaded.

import { loadLessons } from '../../scenarios/catalog';
import { compressText, decompressText, hasDeflate, isCompressor, type Compressor } from './compress';
import { stateFromPayload, toPayload, type LessonSource } from './payload';
import { CURRENT_VERSION, validateState, type LinkState } from './state';

/** The longest fragment encodeState makes and decodeState opens, '#' included. */
export const MAX_LINK_BYTES = 65_536;
/**
 * Decompression stops past this many bytes of payload JSON. The largest valid payload is a
 * 200,000-character program of characters JSON writes as \uXXXX (6 bytes each): 1.2 MB, so
 * 1.25 MiB opens every valid state and nothing much bigger.
 */
export const MAX_PAYLOAD_BYTES = 1_310_720;
/** The compressor encodeState uses: deflate-raw, the smaller on every lesson (docs/links.md, "Sizes"). */
export const DEFAULT_COMPRESSOR: Compressor = 'd';

export type DecodeResult = { ok: true; state: LinkState; migratedFrom?: number } | { ok: false; error: string };

export interface EncodeOptions {
  /** Default DEFAULT_COMPRESSOR ('z' where the platform has no CompressionStream). */
  compressor?: Compressor;
  /** The lessons whose sources a link may leave out. Default: the app's lessons (loadLessons). */
  lessons?: readonly LessonSource[];
}

export interface DecodeOptions {
  lessons?: readonly LessonSource[];
}

/** encodeState's refusals: the state is not valid, or its link would be longer than MAX_LINK_BYTES. */
export class LinkError extends Error {
  constructor(readonly code: 'invalid-state' | 'too-long', message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

const kb = (bytes: number): string => `${Math.ceil(bytes / 1024)} KB`;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The fragment for a state, '#' included. Rejects with a LinkError when the state is not valid
 * or the link would be over MAX_LINK_BYTES ("this link would be too long (70 KB; at most 64 KB)").
 */
export async function encodeState(s: LinkState, options: EncodeOptions = {}): Promise<string> {
  const valid = validateState(s);
  if (!valid.ok) throw new LinkError('invalid-state', `this state cannot be shared: ${valid.error}`);
  const lessons = options.lessons ?? await loadLessons();
  const compressor = options.compressor ?? (DEFAULT_COMPRESSOR === 'd' && !hasDeflate() ? 'z' : DEFAULT_COMPRESSOR);
  const json = JSON.stringify(toPayload(valid.state, lessons));
  const fragment = `#v${CURRENT_VERSION}/${compressor}/${await compressText(json, compressor)}`;
  const bytes = utf8Length(fragment);
  if (bytes > MAX_LINK_BYTES) {
    throw new LinkError(
      'too-long',
      `this link would be too long (${kb(bytes)}; at most ${kb(MAX_LINK_BYTES)}): shorten the program to share it`,
    );
  }
  return fragment;
}

const PREFIX = /^#?(?:v(0|[1-9][0-9]{0,8})\/([^/]*)\/|(code)\/)/;

/**
 * The state a fragment holds (location.hash, or a whole pasted URL), upgraded to the current
 * version (`migratedFrom` says from which), or why not. Never throws, never loads half a link.
 */
export async function decodeState(fragment: string, options: DecodeOptions = {}): Promise<DecodeResult> {
  try {
    return await decode(fragment, options.lessons ?? await loadLessons());
  } catch (e) {
    return { ok: false, error: `this link could not be opened (${e instanceof Error ? e.message : String(e)})` };
  }
}

async function decode(input: string, lessons: readonly LessonSource[]): Promise<DecodeResult> {
  if (typeof input !== 'string') return { ok: false, error: 'this link holds no lab state' };
  // Before anything else: a hostile length costs nothing more than this count.
  let text = input.trim();
  const hash = text.indexOf('#');
  if (hash > 0) text = text.slice(hash); // a whole URL pasted: only its fragment counts
  const bytes = utf8Length(text);
  if (bytes > MAX_LINK_BYTES) {
    return { ok: false, error: `this link is too long (${kb(bytes)}; at most ${kb(MAX_LINK_BYTES)})` };
  }
  if (text === '' || text === '#') return { ok: false, error: 'this link holds no lab state (nothing after the #)' };

  const m = PREFIX.exec(text);
  if (m === null) {
    return { ok: false, error: `this is not an IOMMU Lab link: it should start with #v${CURRENT_VERSION}/` };
  }
  const version = m[3] === 'code' ? 0 : Number(m[1]);
  const compressor = m[3] === 'code' ? 'z' : m[2]!;
  if (version > CURRENT_VERSION) {
    // First: a newer version may use a compressor this one does not know.
    return {
      ok: false,
      error: `this link was made by a newer IOMMU Lab (version ${version}); this one opens links up to version ${CURRENT_VERSION}: reload the page to get the newest`,
    };
  }
  if (!isCompressor(compressor)) {
    return { ok: false, error: `this link is damaged: it names a compression IOMMU Lab does not know ('${compressor.slice(0, 8)}')` };
  }
  let data = text.slice(m[0].length);
  if (data.includes('%')) {
    try {
      data = decodeURIComponent(data); // a mail or chat program escaped the link
    } catch {
      return { ok: false, error: 'this link is damaged: it does not decompress' };
    }
  }
  if (data === '') return { ok: false, error: 'this link is damaged: it ends after its prefix' };

  const out = await decompressText(data, compressor, MAX_PAYLOAD_BYTES);
  if (!out.ok) {
    switch (out.reason) {
      case 'corrupt': return { ok: false, error: 'this link is damaged: it does not decompress' };
      case 'too-big': return { ok: false, error: `this link is damaged: it expands to more than ${(MAX_PAYLOAD_BYTES / 1048576).toFixed(2)} MB, more than any lab state` };
      case 'not-text': return { ok: false, error: 'this link is damaged: what it decompresses to is not text' };
      case 'unsupported': return { ok: false, error: 'this browser cannot open this link: it cannot decompress deflate-raw (a current Chrome, Firefox or Safari can)' };
    }
  }
  // lz-string decompresses some damaged input to "" without complaint; so does an empty payload.
  if (out.text === '') return { ok: false, error: 'this link is damaged: it decompresses to nothing' };
  let json: unknown;
  try {
    json = JSON.parse(out.text);
  } catch {
    return { ok: false, error: 'this link is damaged: what it decompresses to is not a lab state (not JSON)' };
  }
  return stateFromPayload(version, json, lessons);
}
