// Which Chromium the end-to-end tests use: Debian's /usr/bin/chromium when present (CI, this
// workplace), otherwise Playwright's own (a laptop after `npx playwright install chromium`).
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Flags that keep a system Chromium headless, offline and quiet inside a container.
export const SYSTEM_CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
];

/** @returns {{ kind: 'system' | 'playwright', path: string } | null} */
export function findChromium() {
  if (existsSync(SYSTEM_CHROMIUM)) return { kind: 'system', path: SYSTEM_CHROMIUM };
  let own = '';
  try { own = chromium.executablePath(); } catch { /* no browser registered */ }
  if (own && existsSync(own)) return { kind: 'playwright', path: own };
  return null;
}
