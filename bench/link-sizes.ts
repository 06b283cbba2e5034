// Share-link sizes: each lesson and a few edited programs, through the real encoder, with the two
// compressors a link can name (d: deflate-raw + base64url, z: lz-string's URI form) and two more
// for comparison (deflate with its zlib header; lz-string's bytes in base64url). The figures in
// docs/links.md come from this script; they are sizes, not timings, so every run prints the same.
//
//   npx tsx bench/link-sizes.ts              the table (markdown) and the totals
//   npx tsx bench/link-sizes.ts --json       one JSON object
//   npx tsx bench/link-sizes.ts --chromium   also deflate-raw in Chromium (/usr/bin/chromium or
//                                            Playwright's), to compare with Node's zlib
//
// The lessons are imported with Vite's `?raw`, which tsx cannot load, so the measuring module
// (src/app/links/measure.ts) runs through Vite's module runner.

import { runnerImport } from 'vite';
import type * as Measure from '../src/app/links/measure';

const JSON_OUT = process.argv.includes('--json');
const CHROMIUM = process.argv.includes('--chromium');

const root = new URL('..', import.meta.url).pathname;
const { module: M } = await runnerImport<typeof Measure>(`${root}src/app/links/measure.ts`, {
  root,
  configFile: false,
  logLevel: 'silent',
});

const rows = await M.measureLinkSizes();

/** deflate-raw + base64url fragment lengths of the same payloads, compressed by Chromium. */
async function chromiumLengths(): Promise<number[] | string> {
  const { chromium } = await import('@playwright/test');
  const { findChromium, SYSTEM_CHROMIUM_ARGS } = (await import('../e2e/browser.mjs')) as {
    findChromium(): { kind: string; path: string } | null;
    SYSTEM_CHROMIUM_ARGS: string[];
  };
  const found = findChromium();
  if (found === null) return 'no Chromium found';
  const browser = await chromium.launch({ executablePath: found.path, args: SYSTEM_CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const { toPayload } = (await runnerImport<typeof import('../src/app/links/payload')>(`${root}src/app/links/payload.ts`, { root, configFile: false, logLevel: 'silent' })).module;
    const { LESSONS } = (await runnerImport<typeof import('../src/scenarios/index')>(`${root}src/scenarios/index.ts`, { root, configFile: false, logLevel: 'silent' })).module;
    const jsons = M.measuredStates().map(({ state }) => JSON.stringify(toPayload(state, LESSONS)));
    const version = await browser.version();
    const lengths = await page.evaluate(async (texts: string[]) => {
      const out: number[] = [];
      for (const t of texts) {
        const s = new Blob([new TextEncoder().encode(t)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
        const n = (await new Response(s).arrayBuffer()).byteLength;
        out.push('#v1/d/'.length + Math.ceil((n * 4) / 3));
      }
      return out;
    }, jsons);
    console.error(`chromium ${version}`);
    return lengths;
  } finally {
    await browser.close();
  }
}

const chrome = CHROMIUM ? await chromiumLengths() : null;
const lessonOnly = rows.filter((r) => r.kind === 'lesson-only');
const programs = rows.filter((r) => r.kind === 'program');
const tl = M.totals(lessonOnly);
const tp = M.totals(programs);

if (JSON_OUT) {
  console.log(JSON.stringify({ node: process.version, rows, totals: { lessonOnly: tl, programs: tp }, chromium_d: chrome }));
} else {
  const pct = (a: number, b: number) => `${Math.round((100 * a) / b)} %`;
  const head = ['link', 'program chars', 'JSON bytes', '**d** deflate-raw', '**z** lz-string URI', 'd / z', 'deflate (zlib)', 'lz-string bytes, base64url'];
  if (Array.isArray(chrome)) head.push('d in Chromium');
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  rows.forEach((r, i) => {
    const cells = [r.name, r.programChars, r.jsonBytes, r.d, r.z, pct(r.d, r.z), r.zlib, r.lzBytes].map(String);
    if (Array.isArray(chrome)) cells.push(String(chrome[i]));
    console.log(`| ${cells.join(' | ')} |`);
  });
  for (const [name, t, rs] of [['lesson links, total', tl, lessonOnly], ['edited programs, total', tp, programs]] as const) {
    const cells = [`**${name}**`, '', t.jsonBytes, t.d, t.z, pct(t.d, t.z), t.zlib, t.lzBytes].map(String);
    if (Array.isArray(chrome)) {
      const idx = rs.map((r) => rows.indexOf(r));
      cells.push(String(idx.reduce((a, i) => a + chrome[i]!, 0)));
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
  if (typeof chrome === 'string') console.log(`\n(Chromium: ${chrome})`);
  console.log(`\nNode ${process.version}. Lengths are characters of the fragment, '#v1/x/' included.`);
}
