// What every end-to-end test checks (fixtures.ts applies it to every test by itself): no console
// errors (pages and their workers), no uncaught page errors, and no request to any host but the
// preview server's 127.0.0.1 (no CDN, no fonts, no telemetry). Such a request is recorded and
// aborted, so it never leaves the machine.
import { expect, type BrowserContext, type ConsoleMessage, type Page, type Worker } from '@playwright/test';

export interface ContextWatch {
  check(): void;
}

const local = (raw: string): boolean => {
  const url = new URL(raw);
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  return url.hostname === '127.0.0.1';
};

/** Watches every page (and worker) of `context`, those open now and those to come. */
export async function watchContext(context: BrowserContext): Promise<ContextWatch> {
  const consoleErrors: string[] = [];
  const foreign: string[] = [];
  const onConsole = (where: () => string) => (msg: ConsoleMessage) => {
    if (msg.type() === 'error') consoleErrors.push(`${where()}: ${msg.text()}`);
  };
  const watchWorker = (w: Worker) => w.on('console', onConsole(() => `worker ${w.url()}`));
  const watchPage = (p: Page) => {
    p.on('console', onConsole(() => `page ${p.url()}`));
    p.on('pageerror', (err) => consoleErrors.push(`page error: ${String(err)}`));
    p.on('worker', watchWorker);
    for (const w of p.workers()) watchWorker(w);
  };
  for (const p of context.pages()) watchPage(p);
  context.on('page', watchPage);
  context.on('request', (req) => { if (!local(req.url())) foreign.push(req.url()); });
  await context.route((url) => !local(url.href), async (route) => {
    foreign.push(route.request().url());
    await route.abort('blockedbyclient');
  });
  return {
    check() {
      expect({ consoleErrors: [...new Set(consoleErrors)], requestsToOtherHosts: [...new Set(foreign)] },
        'console errors, and requests to hosts other than 127.0.0.1').toEqual({ consoleErrors: [], requestsToOtherHosts: [] });
    },
  };
}
