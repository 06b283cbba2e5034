// The acceptance, in its own words and order, on the built site with Monaco (no
// ?editor=plain anywhere): open the default lesson and step into the DMA until the grid shows 24
// walk reads; step back and see 23; edit a line to introduce an error and see the marker; fix it;
// share, open the link in a fresh page and land on the same program and step; open a corrupt
// link and see the error with the autosaved work intact. (Presenter mode at 1280x720:
// app-modes.spec.ts; no console errors and no request leaving 127.0.0.1: every test, fixtures.ts.)
import type { Locator, Page } from '@playwright/test';
import { caretToLine } from './editor';
import { test, expect } from './fixtures';

const WORK_KEY = 'iommu-lab:work';
const DMA_LINE = 36;                       // `let r = dev.dma(nic, read, iova: 0x1000_0040, len: 64)`
const NOTE = '# my note: the DMA below costs 24 walk reads';

const savedWork = (page: Page) => page.evaluate((k) => localStorage.getItem(k), WORK_KEY);

/** Monaco's rendered line that contains `text` (Monaco renders only the lines in sight). */
const monacoLine = (page: Page, text: string): Locator =>
  page.getByTestId('lab-editor').locator('.view-line').filter({ hasText: text });

test('the issue\'s acceptance: 24 walk reads, 23 back, a marker and its fix, a shared link, a corrupt link', async ({ page, freshContext }) => {
  test.setTimeout(60_000);
  const position = page.getByTestId('position');
  const gridWalkReads = page.getByTestId('grid-walk-reads');

  // 1. The default lesson, stepped into the DMA until the GRID shows 24 walk reads; back: 23.
  await page.goto('/');
  await expect(page.getByTestId('lesson')).toContainText('Why one DMA costs 24 reads');
  await expect(page.getByTestId('lab-editor')).toBeVisible();
  await expect(position).toHaveText('step 0');
  for (let i = 0; i < 9; i++) await page.keyboard.press('F10');
  await expect(position).toHaveText('step 9');
  for (let read = 1; read <= 30; read++) {
    await page.keyboard.press(read % 2 ? 'F11' : 'ArrowRight');
    await expect(position).toHaveText(`step 10 · read ${read} of 30`);
  }
  await expect(gridWalkReads).toHaveText('24');
  await expect(page.getByTestId('walk-grid').locator('g.wg-cell[data-state="done"], g.wg-cell[data-state="current"]')).toHaveCount(30);
  await page.keyboard.press('Shift+F10');
  await expect(position).toHaveText('step 10 · read 29 of 30');
  await expect(gridWalkReads).toHaveText('23');
  await expect(page.getByTestId('walk-reads')).toHaveText('23');

  // 2. Edit the DMA's line into an error: Monaco's marker (a squiggle under it) and the problem.
  const editor = page.getByTestId('lab-editor');
  const squiggles = editor.locator('.squiggly-error');
  await caretToLine(page, DMA_LINE);
  await page.keyboard.press('Home');
  for (let i = 0; i < 'let r = dev.dma'.length; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.insertText('a');
  await expect(page.getByTestId('diagnostics')).toHaveText(`${DMA_LINE}:9 LAB3001 unknown builtin 'dev.dmaa' — did you mean 'dev.dma'?`);
  await expect(squiggles).toHaveCount(1);
  // The squiggle sits under the misspelt name, on that line.
  const line = monacoLine(page, 'let r = dev.dmaa(');
  const [sq, ln] = [await squiggles.boundingBox(), await line.boundingBox()];
  expect(sq && ln && sq.y >= ln.y - 2 && sq.y + sq.height <= ln.y + ln.height + 2).toBe(true);
  // Nothing runs until it is fixed; the views keep the last good position.
  await page.keyboard.press('F10');
  await expect(page.getByTestId('failure')).toHaveText(/^The program has errors/);
  await expect(gridWalkReads).toHaveText('23');

  // 3. Fix it: the marker and the problem go; then a note of the student's own above the DMA.
  await page.keyboard.press('Backspace');
  await expect(squiggles).toHaveCount(0);
  await expect(page.getByTestId('diagnostics')).toHaveCount(0);
  await page.keyboard.press('Home');
  await page.keyboard.insertText(`${NOTE}\n`);
  await expect(monacoLine(page, NOTE)).toBeVisible();
  await expect(page.getByTestId('lesson')).toContainText('(edited)');
  await expect(position).toHaveText('step 10 · read 29 of 30');
  await expect(page.locator('.status .line')).toHaveText(`line ${DMA_LINE + 1}`);
  await expect(gridWalkReads).toHaveText('23');

  // 4. Share; open the link in a fresh page (a new browser context: no saved work, nothing
  //    shared but the link): the same program, the same step, the same views.
  await page.keyboard.press('F6');           // the focus to the views: letters are the app's keys
  await page.keyboard.press('s');
  const url = page.getByTestId('share-url');
  await expect(url).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+\/#v1\/[dz]\//);
  const link = await url.inputValue();
  await page.keyboard.press('Escape');

  const fresh = await (await freshContext()).newPage();
  await fresh.goto(link);
  await expect(fresh.getByTestId('position')).toHaveText('step 10 · read 29 of 30');
  await expect(fresh.getByTestId('grid-walk-reads')).toHaveText('23');
  await expect(fresh.getByTestId('lesson')).toContainText('Why one DMA costs 24 reads: the nested walk (edited)');
  await expect(fresh.locator('.status .line')).toHaveText(`line ${DMA_LINE + 1}`);
  await expect(monacoLine(fresh, NOTE)).toBeVisible();
  await expect(monacoLine(fresh, 'let r = dev.dma(nic, read, iova: 0x1000_0040')).toBeVisible();
  await expect(fresh.getByTestId('diagnostics')).toHaveCount(0);
  // The same state exactly: the fresh page's own share link is the link it was opened with.
  await fresh.locator('#views').focus();
  await fresh.keyboard.press('s');
  await expect(fresh.getByTestId('share-url')).toHaveValue(link);

  // 5. A corrupt link, opened in a new tab of the student's browser: a clear error, nothing
  //    loaded from it, the autosaved work intact and on screen.
  await expect.poll(() => savedWork(page)).toContain('my note');
  const saved = await savedWork(page);
  // (Cut short, as a link broken across two lines of an e-mail.)
  const corrupt = `/${link.slice(link.indexOf('#'), -10)}`;
  const bad = await page.context().newPage();
  await bad.goto(corrupt);
  const notice = bad.getByTestId('notice');
  await expect(notice).toBeVisible();
  await expect(notice.locator('span').first()).toHaveText(/^This link is damaged: .+\. Nothing was loaded from it, and your saved work is as you left it\.$/);
  await expect(bad.getByTestId('lab-editor')).toBeVisible();
  await expect(bad.getByTestId('position')).toHaveText('step 10 · read 29 of 30');
  await expect(monacoLine(bad, NOTE)).toBeVisible();
  await expect(bad.getByTestId('lesson')).toContainText('(edited)');
  await bad.waitForTimeout(1500);            // longer than the autosave's pause
  expect(await savedWork(bad)).toBe(saved);
  // And the first tab still holds the work, unchanged.
  await expect(monacoLine(page, NOTE)).toBeVisible();
  await expect(position).toHaveText('step 10 · read 29 of 30');
});
