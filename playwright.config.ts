// End-to-end tests against the BUILT site (run `npm run build` first; `npm test` does).
import { defineConfig } from '@playwright/test';
import { findChromium, SYSTEM_CHROMIUM_ARGS } from './e2e/browser.mjs';

const PORT = 4173;
const browser = findChromium();

export default defineConfig({
  testDir: 'e2e',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 1 : undefined,
  // JSON outside test-results/, which Playwright empties at the start of every run.
  reporter: [['list'], ['json', { outputFile: '.reports/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    viewport: { width: 1280, height: 720 },
    // An action that cannot happen (an element never clickable) fails in 10 s, with its reason,
    // rather than at the test's timeout.
    actionTimeout: 10_000,
    browserName: 'chromium',
    launchOptions:
      browser?.kind === 'system' ? { executablePath: browser.path, args: SYSTEM_CHROMIUM_ARGS } : {},
  },
  // Playwright owns the preview server: it starts it and stops it with its whole process tree.
  webServer: {
    command: `npm run -s preview -- --host 127.0.0.1 --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
