// The link sizes behind DEFAULT_COMPRESSOR: every lesson, unchanged (a lesson link) and edited,
// plus a few programs of other shapes, each through the real payload (toPayload) and four
// compressions. bench/link-sizes.ts prints the table (docs/links.md, "Sizes"); measure.test.ts
// checks that DEFAULT_COMPRESSOR is still the smaller of the two a link can name.

import LZString from 'lz-string';
import { LESSONS } from '../../scenarios';
import { DEFAULT_PROGRAM } from '../default-program';
import { encodeState } from './codec';
import { toBase64url } from './compress';
import { toPayload } from './payload';
import { CURRENT_VERSION, DEFAULT_VIEWS, type LinkState } from './state';

export interface SizeRow {
  name: string;
  kind: 'lesson-only' | 'program';
  /** Characters of the program the link carries (0 when it stores only the lesson id). */
  programChars: number;
  /** UTF-8 bytes of the payload JSON. */
  jsonBytes: number;
  /** Fragment lengths, '#' and prefix included: the two compressors a link can name... */
  d: number;
  z: number;
  /** ...and two measured for comparison only: deflate with its zlib header, lz-string's bytes in base64url. */
  zlib: number;
  lzBytes: number;
}

function state(program: string, lesson: string | null, extra: Partial<LinkState> = {}): LinkState {
  return { v: CURRENT_VERSION, program, position: { step: 0, access: 0 }, views: [...DEFAULT_VIEWS], lesson, ...extra };
}

/** One edit a student makes: a comment after the first line. */
export function editOf(program: string): string {
  const nl = program.indexOf('\n');
  return `${program.slice(0, nl + 1)}# my change: try asid: 8 and see the TLB miss\n${program.slice(nl + 1)}`;
}

const stripComments = (p: string): string =>
  p.split('\n').map((l) => l.replace(/\s*#.*$/, '')).filter((l) => l.trim() !== '').join('\n') + '\n';

/** The states measured, by name. */
export function measuredStates(): Array<{ name: string; state: LinkState; kind: 'lesson-only' | 'program' }> {
  const out: Array<{ name: string; state: LinkState; kind: 'lesson-only' | 'program' }> = [];
  for (const l of LESSONS) out.push({ name: `${l.id} (lesson link)`, state: state(l.source, l.id), kind: 'lesson-only' });
  for (const l of LESSONS) out.push({ name: `${l.id}, edited`, state: state(editOf(l.source), l.id), kind: 'program' });
  const nested = LESSONS.find((l) => l.id === 'nested-walk')!;
  out.push({ name: 'the session page\'s program (no lesson)', state: state(DEFAULT_PROGRAM, null), kind: 'program' });
  out.push({
    name: 'nested-walk without comments, no lesson (step 9, access 12, 2 views)',
    state: state(stripComments(nested.source), null, { position: { step: 9, access: 12 }, views: ['walk', 'smmu'] }),
    kind: 'program',
  });
  const dmas = Array.from({ length: 20 }, (_, i) =>
    `let r${i} = dev.dma(nic, read, iova: 0x1000_${(i * 0x40).toString(16).padStart(4, '0')}, len: 64)\nexpect r${i}.ok\n`).join('');
  out.push({ name: 'nested-walk + 20 DMAs appended', state: state(nested.source + dmas, 'nested-walk'), kind: 'program' });
  out.push({ name: `all ${LESSONS.length} lessons in one program`, state: state(LESSONS.map((l) => l.source).join('\n'), null), kind: 'program' });
  return out;
}

async function deflateZlibLength(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  return toBase64url(out).length;
}

export async function measureLinkSizes(): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  const prefix = `#v${CURRENT_VERSION}/d/`.length;
  for (const { name, kind, state: s } of measuredStates()) {
    const payload = toPayload(s, LESSONS);
    const json = JSON.stringify(payload);
    const bytes = new TextEncoder().encode(json);
    rows.push({
      name,
      kind,
      programChars: payload.program?.length ?? 0,
      jsonBytes: bytes.length,
      d: (await encodeState(s, { compressor: 'd' })).length,
      z: (await encodeState(s, { compressor: 'z' })).length,
      zlib: prefix + (await deflateZlibLength(bytes)),
      lzBytes: prefix + toBase64url(LZString.compressToUint8Array(json)).length,
    });
  }
  return rows;
}

/** The sums over the rows of one kind. */
export function totals(rows: readonly SizeRow[]): Pick<SizeRow, 'jsonBytes' | 'd' | 'z' | 'zlib' | 'lzBytes'> {
  const sum = (k: 'jsonBytes' | 'd' | 'z' | 'zlib' | 'lzBytes') => rows.reduce((a, r) => a + r[k], 0);
  return { jsonBytes: sum('jsonBytes'), d: sum('d'), z: sum('z'), zlib: sum('zlib'), lzBytes: sum('lzBytes') };
}
