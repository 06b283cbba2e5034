// The app's performance, measured on the built site in headless Chromium (never asserted in
// tests: the figures depend on the machine and on what else it is doing; bench/README.md).
//
//   npm run bench:app                 a readable table (builds first when dist/ is older than src/)
//   npm run -s bench:app -- --json    the same, then one single-line JSON object as the last line
//   --loads=N (default 5)  --no-build (measure dist/ as it is)
//
// (a) initial JS without Monaco: the script files the page loads before any user action (the
//     page, its lazy main view, the lab worker), gzip -9 bytes of each as served; Monaco's own
//     chunks (LabEditor, editor.worker), which load lazily behind the plain editor, are listed
//     apart. Target: at most 250 KB gzip.
// (b) navigation to an interactive toolbar: from navigationStart (performance.timeOrigin) to the
//     first frame where the "Step into ▶" button is enabled and the default lesson is open at
//     step 0, over N fresh loads (a new browser context each: empty cache, no saved work): best
//     and median. Target: at most 1.5 s.
// (c) main-thread Long Tasks (PerformanceObserver 'longtask', buffered) over 50 ms while stepping
//     60 times with F11 (each step waited for, as a student pressing quickly) and while playing
//     for 5 s (at the default 4 steps/s, and at 30/s, which reaches the lesson's end in about
//     3.5 s), then both again with the page tables drawn below the walk grid: count and longest.
//     Target: none.
//
// The preview server (vite preview on 127.0.0.1) runs in a process group of its own, killed at
// the end whatever happens.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from '@playwright/test';
import { findChromium, SYSTEM_CHROMIUM_ARGS } from '../e2e/browser.mjs';

const JSON_OUT = process.argv.includes('--json');
const NO_BUILD = process.argv.includes('--no-build');
const LOADS = Number(process.argv.find((a) => a.startsWith('--loads='))?.slice('--loads='.length) ?? 5);
const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const DEFAULT_TITLE = 'Why one DMA costs 24 reads';
const MONACO = /^(LabEditor|editor\.worker)-/;
const TARGET = { initialKb: 250, interactiveMs: 1500, longTasks: 0 };

const log = (s: string) => { if (!JSON_OUT) console.log(s); else console.error(s); };

// ---- build and serve ------------------------------------------------------------------------

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function buildIfNeeded(): void {
  const index = join(DIST, 'index.html');
  const stale = !existsSync(index) ||
    Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'index.html')).mtimeMs) > statSync(index).mtimeMs;
  if (!stale) return;
  if (NO_BUILD) throw new Error('bench:app: dist/ is missing or older than src/ (run `npm run build`, or drop --no-build)');
  log('bench:app: building (dist/ is missing or older than src/)...');
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('bench:app: vite build failed');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `vite preview` in a process group of its own (detached), so that killing the group kills npx,
 *  node and the server alike. */
async function serve(port: number): Promise<{ url: string; stop: () => void }> {
  const child: ChildProcess = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => { out += String(d); });
  child.stderr?.on('data', (d) => { out += String(d); });
  const stop = () => {
    if (child.pid === undefined) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    setTimeout(() => { try { process.kill(-(child.pid as number), 'SIGKILL'); } catch { /* gone */ } }, 1000).unref();
  };
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url);
      if (r.ok && (await r.text()).includes('<div id="root">')) return { url, stop };
    } catch { /* not up yet */ }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`bench:app: vite preview did not serve ${url}:\n${out}`);
}

// ---- in the page ----------------------------------------------------------------------------

/** Installed before the page's scripts: the Long Tasks observer, and a per-frame check for the
 *  interactive toolbar (the time goes to window.__ready, from timeOrigin = navigationStart).
 *  A string, not a function: tsx's transform would wrap a function's inner functions in a
 *  helper (__name) that the page does not have. */
const pageProbe = (title: string): string => `(() => {
  window.__longTasks = [];
  window.__ready = null;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { /* no Long Tasks API */ }
  const check = () => {
    const step = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Step into \u25b6');
    const lesson = document.querySelector('[data-testid="lesson"]')?.textContent ?? '';
    const pos = document.querySelector('[data-testid="position"]')?.textContent ?? '';
    if (step && !step.disabled && lesson.includes(${JSON.stringify(title)}) && pos === 'step 0') {
      window.__ready = performance.now();
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

interface Script { file: string; bytes: number; gzip: number; monaco: boolean }

async function newPage(browser: Browser, url: string, scripts?: Set<string>): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  // Nothing leaves the machine (as in the e2e tests).
  await context.route((u) => u.hostname !== '127.0.0.1', (r) => r.abort('blockedbyclient'));
  const page = await context.newPage();
  if (scripts) {
    context.on('request', (req) => {
      const u = new URL(req.url());
      if (u.hostname === '127.0.0.1' && u.pathname.endsWith('.js')) scripts.add(basename(u.pathname));
    });
  }
  await page.addInitScript({ content: pageProbe(DEFAULT_TITLE) });
  await page.goto(url);
  return page;
}

async function readyMs(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as { __ready: number | null }).__ready !== null, undefined, { timeout: 30_000, polling: 50 });
  return page.evaluate(() => (window as unknown as { __ready: number }).__ready);
}

/** Long tasks since `from` (page time, ms). */
async function longTasksSince(page: Page, from: number): Promise<{ count: number; maxMs: number; all: number[] }> {
  const all = await page.evaluate((t0) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks
    .filter((e) => e.start >= t0).map((e) => Math.round(e.duration)), from);
  return { count: all.filter((d) => d > 50).length, maxMs: all.length ? Math.max(...all) : 0, all };
}

const now = (page: Page) => page.evaluate(() => performance.now());

async function stepping(page: Page, n: number): Promise<{ count: number; maxMs: number; all: number[]; ms: number }> {
  const pos = page.locator('[data-testid="position"]');
  await page.locator('#views').focus();
  const t0 = await now(page);
  for (let i = 0; i < n; i++) {
    const before = await pos.textContent();
    await page.keyboard.press('F11');
    await page.waitForFunction((b) => document.querySelector('[data-testid="position"]')?.textContent !== b, before, { polling: 'raf' });
  }
  await page.waitForTimeout(400);          // the last step's transitions
  const t1 = await now(page);
  return { ...(await longTasksSince(page, t0)), ms: Math.round(t1 - t0) };
}

async function playing(page: Page, speed: number, seconds: number): Promise<{ count: number; maxMs: number; all: number[]; steps: string }> {
  await page.locator('#views').focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid="position"]')?.textContent === 'step 0');
  await page.locator('select[aria-label="Play speed, steps a second"]').selectOption(String(speed));
  await page.locator('#views').focus();
  await page.waitForTimeout(300);
  const t0 = await now(page);
  await page.keyboard.press('Space');
  await page.waitForTimeout(seconds * 1000);
  // Pause, unless the program's end stopped it first (Space would then play it again).
  if ((await page.locator('[data-testid="play"]').textContent())?.includes('Pause')) await page.keyboard.press('Space');
  await page.waitForTimeout(400);
  const steps = (await page.locator('[data-testid="position"]').textContent()) ?? '';
  return { ...(await longTasksSince(page, t0)), steps };
}

// ---- main -----------------------------------------------------------------------------------

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const kb = (b: number) => (b / 1024).toFixed(1);

async function main(): Promise<void> {
  const started = Date.now();
  buildIfNeeded();
  const found = findChromium();
  if (!found) throw new Error('bench:app: no Chromium (apt-get install chromium, or npx playwright install chromium)');
  const server = await serve(await freePort());
  const cleanup = () => server.stop();
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch(found.kind === 'system' ? { executablePath: found.path, args: SYSTEM_CHROMIUM_ARGS } : {});

    // (b) N fresh loads; the first also lists (a) the scripts loaded before any user action.
    const loads: number[] = [];
    const names = new Set<string>();
    for (let i = 0; i < LOADS; i++) {
      const page = await newPage(browser, server.url, i === 0 ? names : undefined);
      loads.push(await readyMs(page));
      if (i === 0) await page.waitForLoadState('networkidle');
      await page.context().close();
    }
    const scripts: Script[] = [...names].sort().map((file) => {
      const buf = readFileSync(join(DIST, 'assets', file));
      return { file, bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length, monaco: MONACO.test(file) };
    });
    const initial = scripts.filter((s) => !s.monaco);
    const initialGzip = initial.reduce((a, s) => a + s.gzip, 0);
    const pageOnly = initial.filter((s) => !/\.worker-/.test(s.file)).reduce((a, s) => a + s.gzip, 0);

    // (c) Long tasks while stepping and playing, on one more fresh page.
    const page = await newPage(browser, server.url);
    await readyMs(page);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    const load = await longTasksSince(page, 0);
    const step = await stepping(page, 60);
    const stepPos = (await page.locator('[data-testid="position"]').textContent()) ?? '';
    const play4 = await playing(page, 4, 5);
    const play30 = await playing(page, 30, 5);
    // Again with the page tables drawn below the walk grid (two d3 views at every step).
    await page.locator('select[aria-label="Second view below the main one"]').selectOption('tables');
    await page.locator('[data-testid="page-tables"]').waitFor();
    await page.locator('#views').focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('[data-testid="position"]')?.textContent === 'step 0');
    await page.waitForTimeout(500);
    const step2 = await stepping(page, 60);
    const play2 = await playing(page, 30, 5);
    await page.context().close();

    const result = {
      initial_js_gzip_kb: Number(kb(initialGzip)),
      initial_js_gzip_kb_page_only: Number(kb(pageOnly)),
      initial_js_files: initial.map((s) => s.file),
      monaco_js_gzip_kb: Number(kb(scripts.filter((s) => s.monaco).reduce((a, s) => a + s.gzip, 0))),
      interactive_ms_best: Math.round(Math.min(...loads)),
      interactive_ms_median: Math.round(median(loads)),
      interactive_ms_all: loads.map(Math.round),
      longtasks_load_count: load.count, longtasks_load_max_ms: load.maxMs,
      longtasks_step60_count: step.count, longtasks_step60_max_ms: step.maxMs, step60_ms: step.ms,
      longtasks_play4_count: play4.count, longtasks_play4_max_ms: play4.maxMs,
      longtasks_play30_count: play30.count, longtasks_play30_max_ms: play30.maxMs,
      longtasks_two_views_step60_count: step2.count, longtasks_two_views_step60_max_ms: step2.maxMs,
      longtasks_two_views_play30_count: play2.count, longtasks_two_views_play30_max_ms: play2.maxMs,
      chromium: browser.version(),
      cpu: `${cpus()[0]?.model ?? '?'} x${cpus().length}`,
      seconds: Math.round((Date.now() - started) / 1000),
    };

    const ok = (b: boolean) => (b ? 'met' : 'MISSED');
    const out: string[] = [];
    out.push(`IOMMU Lab app benchmark — built site, headless Chromium ${result.chromium}, ${result.cpu}`);
    out.push('');
    out.push('(a) scripts loaded before any user action (gzip -9 of each file as served):');
    out.push(`    ${'file'.padEnd(36)} ${'bytes'.padStart(10)} ${'gzip'.padStart(10)}`);
    for (const s of scripts) out.push(`    ${s.file.padEnd(36)} ${s.bytes.toLocaleString('en-US').padStart(10)} ${s.gzip.toLocaleString('en-US').padStart(10)}${s.monaco ? '   Monaco (lazy, not counted)' : ''}`);
    out.push(`    initial JS without Monaco: ${result.initial_js_gzip_kb} KB gzip (${result.initial_js_gzip_kb_page_only} KB without the lab worker)   target <= ${TARGET.initialKb} KB: ${ok(result.initial_js_gzip_kb <= TARGET.initialKb)}`);
    out.push('');
    out.push(`(b) navigationStart -> "Step into" enabled with the default lesson open, ${LOADS} fresh loads:`);
    out.push(`    best ${result.interactive_ms_best} ms, median ${result.interactive_ms_median} ms   (${result.interactive_ms_all.join(', ')})   target <= ${TARGET.interactiveMs} ms: ${ok(result.interactive_ms_median <= TARGET.interactiveMs)}`);
    out.push('');
    out.push('(c) main-thread Long Tasks (the API reports only tasks over 50 ms): count, and the longest of them:');
    out.push(`    page load (not a target)         ${String(load.count).padStart(3)}   longest ${load.maxMs} ms`);
    out.push(`    stepping 60 times (F11)          ${String(step.count).padStart(3)}   longest ${step.maxMs} ms   (${step.ms} ms, to "${stepPos}")   ${ok(step.count === 0)}`);
    out.push(`    playing 5 s at 4 steps/s         ${String(play4.count).padStart(3)}   longest ${play4.maxMs} ms   (to "${play4.steps}")   ${ok(play4.count === 0)}`);
    out.push(`    playing 5 s at 30 steps/s        ${String(play30.count).padStart(3)}   longest ${play30.maxMs} ms   (to "${play30.steps}")   ${ok(play30.count === 0)}`);
    out.push(`    walk grid + page tables below:`);
    out.push(`    stepping 60 times (F11)          ${String(step2.count).padStart(3)}   longest ${step2.maxMs} ms   (${step2.ms} ms)   ${ok(step2.count === 0)}`);
    out.push(`    playing 5 s at 30 steps/s        ${String(play2.count).padStart(3)}   longest ${play2.maxMs} ms   (to "${play2.steps}")   ${ok(play2.count === 0)}`);
    out.push(`(${result.seconds} s in all)`);
    console.log(out.join('\n'));
    if (JSON_OUT) console.log(JSON.stringify(result));
  } finally {
    await browser?.close();
    cleanup();
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
