// The lab worker in Chromium, through session.html: open DESIGN.md's program, step into the
// DMA's nested walk read by read, back, run to the end; then a program with a checker error and
// one with a runtime error. Counts: the cold walk reads STE, 4 S2 + CD for the CD, then the 2D
// walk's (4 + 1)(4 + 1) - 1 = 24 descriptors (docs/trace.md): 30 reads in all.
import { test, expect, type Page } from '@playwright/test';

async function click(page: Page, name: string) {
  await page.getByRole('button', { name, exact: true }).click();
}

test('session page: the worker steps through the nested walk, reports errors and keeps going', async ({ page, context }) => {
  const consoleErrors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  // The worker included: everything must come from the preview server.
  const foreign: string[] = [];
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') foreign.push(req.url());
  });

  await page.goto('session.html');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('IOMMU Lab: session');
  const position = page.getByTestId('position');
  const line = page.getByTestId('line');
  const walkReads = page.getByTestId('walk-reads');
  const reads = page.getByTestId('reads');

  // Open DESIGN.md's program: step 0, nothing run, no diagnostics.
  await click(page, 'Open');
  await expect(position).toHaveText('step 0');
  await expect(page.getByTestId('diagnostics')).toHaveText('none');

  // Step over to the statement before the DMA (line 8, host.set_pasid_table: step 6).
  for (let step = 1; step <= 6; step++) {
    await click(page, 'Step over');
    await expect(position).toHaveText(`step ${step}`);
  }
  await expect(line).toHaveText('8');

  // Step into the DMA (line 10): reads 1-6 are the STE and the CD's, then one walk read each.
  for (let access = 1; access <= 30; access++) {
    await click(page, 'Step into');
    await expect(position).toHaveText(`step 7, read ${access}/30`);
    await expect(walkReads).toHaveText(String(Math.max(0, access - 6)));
  }
  await expect(line).toHaveText('10');
  await expect(walkReads).toHaveText('24');
  await expect(reads).toHaveText('30');
  await expect(page.locator('table.reads tbody tr')).toHaveCount(30);
  await page.screenshot({ path: 'docs/screenshots/session-worker.png' });

  await click(page, 'Back');
  await expect(position).toHaveText('step 7, read 29/30');
  await expect(walkReads).toHaveText('23');
  await expect(reads).toHaveText('29');

  // Run to the end: every expect holds.
  await click(page, 'Run');
  await expect(page.getByTestId('status')).toHaveText('finished (end)');
  await expect(position).toHaveText('step 10');
  await expect(line).toHaveText('13');
  await expect(page.getByTestId('failed-expects')).toHaveText('none');
  await expect(page.getByTestId('error')).toHaveText('none');

  // A checker error: the diagnostic with its line:col, and nothing to step.
  const source = page.getByTestId('source');
  const program = await source.inputValue();
  await source.fill(program.replace('dev.dma(', 'dev.dmaa('));
  await click(page, 'Open');
  await expect(page.getByTestId('diagnostics')).toHaveText("10:9 LAB3001 unknown builtin 'dev.dmaa' — did you mean 'dev.dma'?");
  await expect(position).toHaveText('—');
  await expect(page.getByRole('button', { name: 'Step over' })).toBeDisabled();

  // A runtime error: the model's message at its statement (line 14).
  await source.fill(`${program}let w = mem.read64(0x9000_0000_0000)\n`);
  await click(page, 'Open');
  await expect(page.getByTestId('diagnostics')).toHaveText('none');
  await click(page, 'Run');
  await expect(page.getByTestId('status')).toHaveText('finished (error)');
  await expect(page.getByTestId('error')).toHaveText(
    '14:9 0x9000_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)');
  await expect(line).toHaveText('14');
  await expect(position).toHaveText('step 11');

  // The worker carries on: back a statement, and a fresh program opens and steps.
  await click(page, 'Back');
  await expect(position).toHaveText('step 10');
  await expect(line).toHaveText('13');
  await source.fill(program);
  await click(page, 'Open');
  await click(page, 'Step over');
  await expect(position).toHaveText('step 1');
  await expect(page.getByTestId('error')).toHaveText('none');
  await expect(page.getByTestId('failure')).toHaveCount(0);

  expect(consoleErrors, 'console errors').toEqual([]);
  expect(foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
});
