// The start page: the default cold 4-level x 4-level nested walk.
import { test, expect } from '@playwright/test';

test('start page shows the cold nested walk: 24 walk reads, 30 in all', async ({ page, context }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  // Everything the page loads must come from the preview server: no CDN, no fonts, no telemetry.
  const foreign: string[] = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') foreign.push(req.url());
  });

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/start-page.png' });

  // Soft: a wrong count should not hide a console error or a foreign request below.
  // (n+1)(m+1)-1 = 24 descriptor reads; + 1 STE + (4 stage-2 reads + 1 read) for the CD = 30
  // (shared/domain/smmuv3-nested-msi.md §1.6); one table row per read.
  await expect.soft(page.getByTestId('walk-reads')).toHaveText('24');
  await expect.soft(page.getByTestId('all-reads')).toHaveText('30');
  await expect.soft(page.locator('table.trace tbody tr')).toHaveCount(30);

  expect(consoleErrors, 'console errors').toEqual([]);
  expect(foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
});
