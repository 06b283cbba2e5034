#!/usr/bin/env node
// `.ci/run`'s smoke check of the README's `npm start`: the dev server's page, in Chromium, opens
// the default lesson at step 0 with its program in the editor, with no console error and no
// request to another host. Usage: node e2e/smoke-start.mjs http://127.0.0.1:5173/
import { chromium } from '@playwright/test';
import { findChromium, SYSTEM_CHROMIUM_ARGS } from './browser.mjs';

const url = process.argv[2];
const TITLE = 'Why one DMA costs 24 reads: the nested walk';
const found = findChromium();
if (!url || !found) {
  console.error(!url ? 'usage: node e2e/smoke-start.mjs URL' : 'smoke: no Chromium');
  process.exit(1);
}
const browser = await chromium.launch(found.kind === 'system' ? { executablePath: found.path, args: SYSTEM_CHROMIUM_ARGS } : {});
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.route((u) => u.hostname !== '127.0.0.1', (r) => { problems.push(`request to ${r.request().url()}`); return r.abort(); });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  const t0 = Date.now();
  await page.goto(url);
  // The first load of the dev server bundles the dependencies (Monaco among them): be patient.
  await page.getByTestId('lesson').filter({ hasText: TITLE }).waitFor({ timeout: 120_000 });
  await page.getByTestId('position').filter({ hasText: /^step 0$/ }).waitFor({ timeout: 120_000 });
  await page.getByTestId('walk-grid').waitFor({ timeout: 60_000 });
  await page.getByTestId('lab-editor').filter({ hasText: 'let nic = host.assign' }).waitFor({ timeout: 120_000 });
  console.log(`smoke: ${url} opened "${TITLE}" at step 0 with Monaco in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  problems.push(String(e instanceof Error ? e.message.split('\n')[0] : e));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(`smoke: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
