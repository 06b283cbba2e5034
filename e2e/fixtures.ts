// The `test` every spec imports: Playwright's, with a guard on by itself (an auto fixture) over
// every page of the test's browser context and of every fresh context it makes: no console error,
// no uncaught page error, and no request to any host but 127.0.0.1 (such a request is also
// blocked, so a CDN, a font or telemetry would fail the test rather than reach the network).
//
//   import { test, expect } from './fixtures';
//   test('...', async ({ page, freshContext }) => {
//     const other = await freshContext();   // a new context: no cookies, no local storage
//   });

import { test as base, expect, type Browser, type BrowserContext } from '@playwright/test';
import { watchContext, type ContextWatch } from './watch';

export { expect };

interface Fixtures {
  /** Checks every page of `context` (and of the fresh contexts) when the test ends. */
  guard: void;
  /** A new browser context (fresh storage), with the project's base URL and viewport, guarded. */
  freshContext: () => Promise<BrowserContext>;
}

/** The guarded fresh contexts of the running test, checked and closed by the guard. */
const fresh = new Map<string, { context: BrowserContext; watch: ContextWatch }[]>();

export const test = base.extend<Fixtures>({
  guard: [async ({ context }, use, testInfo) => {
    const watch = await watchContext(context);
    fresh.set(testInfo.testId, []);
    await use();
    const made = fresh.get(testInfo.testId) ?? [];
    fresh.delete(testInfo.testId);
    try {
      watch.check();
      for (const f of made) f.watch.check();
    } finally {
      for (const f of made) await f.context.close();
    }
  }, { auto: true }],

  freshContext: async ({ browser, baseURL, viewport, guard: _guard }, use, testInfo) => {
    await use(async () => {
      const context = await newGuardedContext(browser, { baseURL, viewport });
      fresh.get(testInfo.testId)?.push(context);
      return context.context;
    });
  },
});

async function newGuardedContext(browser: Browser, opts: { baseURL?: string; viewport: { width: number; height: number } | null }) {
  const context = await browser.newContext({ baseURL: opts.baseURL, viewport: opts.viewport ?? undefined });
  const watch = await watchContext(context);
  return { context, watch };
}
