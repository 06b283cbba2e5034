// Presenter mode, the dark theme, the help overlay, the lessons menu and embed mode: each fits
// 1280x720 without scrolling, and works from the keyboard.
import { test, expect } from './fixtures';
import { expectFits, settle } from './layout';

test('presenter mode from ?presenter: projector sizes, fits 1280x720, keyboard only', async ({ page }) => {
  await page.goto('/?presenter');
  await expect(page.locator('html')).toHaveAttribute('data-presenter', '');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  const size = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  expect(size).toBe('19px');
  // Keyboard only: step over to the DMA, into its walk, the views by number, the editor away.
  for (let i = 0; i < 9; i++) await page.keyboard.press('F10');
  for (let i = 0; i < 12; i++) await page.keyboard.press('F11');
  await expect(page.getByTestId('position')).toHaveText('step 10 · read 12 of 30');
  await page.keyboard.press('Escape');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  // Every view, without the editor and with it: no scrolling, nothing that matters cut off
  // (toolbar, tabs, the grid, the page tables, the narration, the status line: layout.ts).
  const views = [
    ['1', 'Walk grid', 'walk-grid'], ['2', 'Page tables', 'page-tables'], ['3', 'SMMU state', 'smmu-state'], ['4', 'Timeline', 'timeline'],
    ['5', 'IOVA space', 'iova-space'], ['6', 'MSI journey', 'msi-journey'],
  ];
  for (const editor of [false, true]) {
    if (editor) {
      await page.keyboard.press('e');
      await expect(page.getByTestId('lab-editor')).toBeVisible();
      // F6 moves the focus between the editor and the views: to the views, where digits are the app's.
      if (await page.evaluate(() => !!document.activeElement?.closest('[data-editor]'))) await page.keyboard.press('F6');
    }
    for (const [key, name, id] of views) {
      await page.keyboard.press(key);
      await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByTestId(id)).toBeVisible();
      await settle(page);
      await expectFits(page);
    }
  }
  await page.keyboard.press('1');
  await page.keyboard.press('p');
  await expect(page.locator('html')).not.toHaveAttribute('data-presenter');
});

test('themes: the system\'s by default, then light and dark from the toggle (kept on reload)', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await expect(page.locator('html')).not.toHaveAttribute('data-theme');
  const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(await bg()).toBe('rgb(18, 20, 23)');
  await page.keyboard.press('t');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await bg()).toBe('rgb(255, 255, 255)');
  await page.keyboard.press('t');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  for (let i = 0; i < 9; i++) await page.keyboard.press('F10');
  await expect(page.getByTestId('position')).toHaveText('step 9');
  for (let i = 1; i <= 16; i++) {
    await page.keyboard.press('F11');
    await expect(page.getByTestId('position')).toHaveText(`step 10 · read ${i} of 30`);
    await page.waitForTimeout(300); // a student's pace: each step's transitions run to their end
  }
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('help overlay (?) lists the keys; the lessons menu asks before discarding edits', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keys' });
  await expect(help).toBeVisible();
  for (const k of ['F5', 'F10', 'F11', 'Shift + F10', 'Home', 'End', '?']) await expect(help.locator('kbd', { hasText: k }).first()).toBeVisible();
  await expectFits(page);
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  // Edit the program, then choose another lesson: asked first; keeping the edits keeps them.
  const editor = page.getByTestId('editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('\n# my note\n');
  await expect(page.getByTestId('lesson')).toContainText('(edited)');
  await page.keyboard.press('Escape');
  await page.keyboard.press('l');
  const lessons = page.getByRole('dialog', { name: 'Lessons' });
  await expect(lessons).toBeVisible();
  await lessons.locator('[data-lesson="stale-iotlb"]').click();
  await expect(lessons.getByText('You have edited the program.')).toBeVisible();
  await lessons.getByRole('button', { name: 'Keep my edits' }).click();
  await page.keyboard.press('Escape');
  await expect(editor).toHaveValue(/# my note/);
  await page.keyboard.press('l');
  await lessons.locator('[data-lesson="stale-iotlb"]').click();
  await lessons.getByRole('button', { name: 'Discard my edits and open it' }).click();
  await expect(lessons).toHaveCount(0);
  await expect(page.getByTestId('lesson')).toContainText('A stale IOTLB entry');
  await expect(editor).not.toHaveValue(/# my note/);
  await expect(page.getByTestId('position')).toHaveText('step 0');
});

test('embed mode: the views and a step control, and a link back to the full app at the same step', async ({ page, context }) => {
  await page.goto('/?embed');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await expect(page.getByTestId('position')).toHaveText('step 0');
  for (let i = 0; i < 11; i++) await page.getByRole('button', { name: 'Step into ▶' }).click();
  await expect(page.getByTestId('position')).toHaveText('step 10 · read 2 of 30');
  await expectFits(page);
  const link = page.getByTestId('full-app-link');
  await expect(link).toHaveAttribute('data-position', '10.2');
  await expect(link).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/#v1\/[dz]\//);
  const href = await link.getAttribute('href');
  const full = await context.newPage();
  await full.goto(href as string);
  await expect(full.getByTestId('position')).toHaveText('step 10 · read 2 of 30');
  await expect(full.getByTestId('lab-editor')).toBeVisible();
});
