// The app opens on the default lesson, the cold 4-level x 4-level nested walk: step into the DMA
// read by read until the walk grid itself shows its 24 walk reads (30 with the STE and the CD),
// then back one: 23. The status line and the grid's own counter must agree at every read.
import { readFileSync } from 'node:fs';
import { test, expect } from './fixtures';

// The default lesson (src/scenarios/index.ts DEFAULT_LESSON; Node cannot import its ?raw sources).
const LESSON = {
  title: 'Why one DMA costs 24 reads: the nested walk',
  source: readFileSync(new URL('../src/scenarios/02-nested-walk.lab', import.meta.url), 'utf8'),
};

test('the default lesson: step into the nested walk until the grid shows 24 walk reads, 30 in all, back to 23', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('lesson')).toContainText(LESSON.title);
  // Monaco, once loaded, shows the lesson's program.
  await expect(page.getByTestId('lab-editor')).toContainText(LESSON.source.split('\n')[0]);
  const position = page.getByTestId('position');
  await expect(position).toHaveText('step 0');
  await expect(page.getByRole('tab', { name: 'Walk grid' })).toHaveAttribute('aria-selected', 'true');

  // Step into (F11 and Right alike) until the DMA's last read: 9 statements without reads, then
  // the DMA's 30 reads. (n+1)(m+1)-1 = 24 walk reads; + 1 STE + (4 stage-2 reads + 1) for the
  // CD = 30 (shared/domain/smmuv3-nested-msi.md §1.6).
  const walkReads = page.getByTestId('walk-reads');
  const allReads = page.getByTestId('all-reads');
  const grid = page.getByTestId('walk-grid');
  const gridWalkReads = page.getByTestId('grid-walk-reads');
  const gridAllReads = page.getByTestId('grid-all-reads');
  for (let i = 1; i <= 39; i++) {
    const before = await position.textContent();
    await page.keyboard.press(i % 2 ? 'F11' : 'ArrowRight');
    await expect(position).not.toHaveText(before ?? '');
    if (i > 9) {
      // Inside the walk: the grid's counter follows the status line, read by read (reads 1-6
      // are the STE and the CD's, then one walk read each).
      const access = i - 9;
      await expect(gridWalkReads).toHaveText(String(Math.max(0, access - 6)));
      await expect(gridAllReads).toHaveText(String(access));
    }
  }
  await expect(position).toHaveText('step 10 · read 30 of 30');
  await expect(gridWalkReads).toHaveText('24');
  await expect(gridAllReads).toHaveText('30');
  await expect(walkReads).toHaveText('24');
  await expect(allReads).toHaveText('30');
  // The grid has 30 read cells and the current one is the output IPA's stage-2 level 3.
  await expect(grid.locator('g.wg-cell[data-state="done"], g.wg-cell[data-state="current"]')).toHaveCount(30);
  await expect(grid.locator('g.wg-cell[data-state="current"]')).toHaveAttribute('data-id', 'out:s2L3');
  await expect(page.getByTestId('narration')).toHaveText('Read 30 of 30: stage 2 translates the output IPA 0x40100040: level 3 of 4.');

  await page.keyboard.press('Shift+F10');
  await expect(position).toHaveText('step 10 · read 29 of 30');
  await expect(gridWalkReads).toHaveText('23');
  await expect(gridAllReads).toHaveText('29');
  await expect(walkReads).toHaveText('23');
  await expect(allReads).toHaveText('29');
  await expect(grid.locator('g.wg-cell[data-state="current"]')).toHaveAttribute('data-id', 'out:s2L2');
  await expect(grid.locator('g.wg-cell[data-id="out:s2L3"]')).toHaveAttribute('data-state', 'pending');
});
