// The app opens on the default lesson, the cold 4-level x 4-level nested walk: step into the DMA
// read by read until the walk has made its 24 reads (30 with the STE and the CD), then back one.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { watchPage } from './watch';

// The default lesson (src/scenarios/index.ts DEFAULT_LESSON; Node cannot import its ?raw sources).
const LESSON = {
  title: 'Why one DMA costs 24 reads: the nested walk',
  source: readFileSync(new URL('../src/scenarios/02-nested-walk.lab', import.meta.url), 'utf8'),
};

test('the default lesson: step into the nested walk, 24 walk reads, 30 in all, back to 23', async ({ page, context }) => {
  const watch = watchPage(page, context);
  await page.goto('/');
  await expect(page.getByTestId('lesson')).toContainText(LESSON.title);
  // Monaco, once loaded, shows the lesson's program.
  await expect(page.getByTestId('lab-editor')).toContainText(LESSON.source.split('\n')[0]);
  const position = page.getByTestId('position');
  await expect(position).toHaveText('step 0');

  // Step into (F11 and Right alike) until the DMA's last read: 9 statements without reads, then
  // the DMA's 30 reads. (n+1)(m+1)-1 = 24 walk reads; + 1 STE + (4 stage-2 reads + 1) for the
  // CD = 30 (shared/domain/smmuv3-nested-msi.md §1.6).
  const walkReads = page.getByTestId('walk-reads');
  const allReads = page.getByTestId('all-reads');
  for (let i = 1; i <= 39; i++) {
    const before = await position.textContent();
    await page.keyboard.press(i % 2 ? 'F11' : 'ArrowRight');
    await expect(position).not.toHaveText(before ?? '');
  }
  await expect(position).toHaveText('step 10 · read 30 of 30');
  await expect(walkReads).toHaveText('24');
  await expect(allReads).toHaveText('30');
  await expect(page.getByTestId('narration')).toHaveText('Read 30 of 30: stage 2 translates the output IPA 0x40100040: level 3 of 4.');
  await page.waitForTimeout(400); // the views' transitions (<= 300 ms a step)
  await page.screenshot({ path: 'docs/screenshots/app.png' });

  await page.keyboard.press('Shift+F10');
  await expect(position).toHaveText('step 10 · read 29 of 30');
  await expect(walkReads).toHaveText('23');
  await expect(allReads).toHaveText('29');

  watch.check();
});
