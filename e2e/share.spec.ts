// Share, load and autosave: a shared link opens the same program at the same step; the work
// survives a reload; a bad link is an error that loads nothing, leaves the saved work alone and
// opens it.
import type { Page } from '@playwright/test';
import { appendToProgram } from './editor';
import { test, expect } from './fixtures';

const WORK_KEY = 'iommu-lab:work';
const savedWork = (page: Page) => page.evaluate((k) => localStorage.getItem(k), WORK_KEY);

test('a shared link opens the same step; the work is autosaved; a bad link loads nothing', async ({ page, context }) => {
  await page.goto('/?editor=plain');
  const position = page.getByTestId('position');
  await expect(position).toHaveText('step 0');
  for (let i = 0; i < 9; i++) await page.keyboard.press('F10');
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
  await expect(position).toHaveText('step 10 · read 12 of 30');
  await page.keyboard.press('2');

  // Share: the link holds the lesson (not its text), the position and the views.
  await page.keyboard.press('s');
  const url = page.getByTestId('share-url');
  await expect(url).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+\/#v1\/[dz]\//);
  // (The link has no query: the full app, with Monaco; this test reads the text back, so it
  // opens the link with the plain editor.)
  const link = await url.inputValue();
  expect(link.length).toBeLessThan(200);
  await page.keyboard.press('Escape');

  const other = await context.newPage();
  await other.goto(link.replace('/#', '/?editor=plain#'));
  await expect(other.getByTestId('position')).toHaveText('step 10 · read 12 of 30');
  await expect(other.getByTestId('lesson')).toContainText('Why one DMA costs 24 reads');
  await expect(other.getByRole('tab', { name: 'Page tables' })).toHaveAttribute('aria-selected', 'true');
  await expect(other.getByTestId('walk-reads')).toHaveText('6');
  // The fragment is dropped once opened, so that a reload opens the (autosaved) work.
  await expect.poll(() => other.evaluate(() => location.hash)).toBe('');

  // Edit, wait for the autosave, reload: the edit and the position come back.
  await appendToProgram(other, '# saved by autosave\n');
  await expect.poll(() => savedWork(other)).toContain('# saved by autosave');
  const saved = await savedWork(other);
  await other.reload();
  await expect(other.getByTestId('editor')).toHaveValue(/# saved by autosave\n$/);
  await expect(other.getByTestId('position')).toHaveText('step 10 · read 12 of 30');

  // A bad link pasted into the open page (only the fragment changes): an error, the program stays.
  await other.evaluate(() => { location.hash = '#v9/d/x'; });
  await expect(other.getByTestId('notice')).toContainText('made by a newer IOMMU Lab (version 9)');
  await expect(other.getByTestId('editor')).toHaveValue(/# saved by autosave\n$/);
  await other.close();

  // A bad link opened afresh: a clear error, nothing loaded from it; the saved work opens, as it was.
  const bad = await context.newPage();
  await bad.goto('/?editor=plain#v1/d/AAAAAAAA');
  await expect(bad.getByTestId('notice')).toContainText(
    'This link is damaged: it does not decompress. Nothing was loaded from it, and your saved work is as you left it.');
  await expect(bad.getByTestId('editor')).toHaveValue(/# saved by autosave\n$/);
  await expect(bad.getByTestId('position')).toHaveText('step 10 · read 12 of 30');
  await bad.waitForTimeout(1200); // longer than the autosave's pause
  expect(await savedWork(bad)).toBe(saved);
  await bad.goto('/?editor=plain');
  await expect(bad.getByTestId('editor')).toHaveValue(/# saved by autosave\n$/);
});
