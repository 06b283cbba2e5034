#!/usr/bin/env node
// `npm run e2e`: make sure a Chromium exists, then run Playwright (extra arguments pass through).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { findChromium } from './browser.mjs';

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status ?? 1;
}

let browser = findChromium();
if (!browser && process.platform === 'linux' && process.getuid?.() === 0) {
  console.log('e2e: no Chromium found; installing Debian\'s chromium (apt-get, about 40 s)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update'], env) === 0) run('apt-get', ['install', '-y', 'chromium'], env);
  browser = findChromium();
}
if (!browser) {
  console.error([
    'e2e: no Chromium found. Install one, then run `npm run e2e` again:',
    '  npx playwright install chromium        (any OS; Playwright\'s own browser)',
    '  sudo apt-get install -y chromium       (Debian/Ubuntu; used from /usr/bin/chromium)',
  ].join('\n'));
  process.exit(1);
}
console.log(`e2e: using ${browser.kind} Chromium at ${browser.path}`);
mkdirSync('.reports', { recursive: true });
process.exit(run('npx', ['playwright', 'test', ...process.argv.slice(2)]));
