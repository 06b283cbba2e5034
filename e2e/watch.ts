// What every end-to-end test checks: no console errors, no page errors, and no request to any
// host but the preview server's (no CDN, no fonts, no telemetry).
import { expect, type BrowserContext, type Page } from '@playwright/test';

export function watchPage(page: Page, context: BrowserContext) {
  const consoleErrors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') foreign.push(req.url());
  });
  return {
    check() {
      expect(consoleErrors, 'console errors').toEqual([]);
      expect(foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
    },
  };
}
