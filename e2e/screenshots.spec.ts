// Screenshots of every view of the real app at 1280x720, into docs/screenshots/ (looked at by a
// person after each change of a view). Each one is also a check: the page fits the window and
// nothing that matters is cut off (layout.ts), and the view shows what the step says.
import type { Page } from '@playwright/test';
import { caretToLine, focusEditor } from './editor';
import { test, expect } from './fixtures';
import { expectFits, settle } from './layout';

const DIR = 'docs/screenshots';

/** Let the step's transitions end (a view's chunk may still be loading: wait a little, then
 *  for d3), check the layout, take the picture. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(350);
  await settle(page);
  await expectFits(page);
  await page.screenshot({ path: `${DIR}/${name}.png` });
}

/** Press `key` until the position reads `position` (at most `max` times). */
async function press(page: Page, key: string, max: number, position: string): Promise<void> {
  const pos = page.getByTestId('position');
  for (let i = 0; i < max && (await pos.textContent()) !== position; i++) {
    const before = await pos.textContent();
    await page.keyboard.press(key);
    await expect(pos).not.toHaveText(before ?? '');
  }
  await expect(pos).toHaveText(position);
}

/** Open a lesson from the lessons menu (the program is the lesson's: nothing to discard). */
async function openLesson(page: Page, id: string, title: RegExp): Promise<void> {
  await page.keyboard.press('l');
  await page.getByRole('dialog', { name: 'Lessons' }).locator(`[data-lesson="${id}"]`).click();
  await expect(page.getByTestId('lesson')).toContainText(title);
  await expect(page.getByTestId('position')).toHaveText('step 0');
}

const view = (page: Page, name: string) => page.getByRole('tab', { name });

test('the default lesson: walk grid, page tables, SMMU state and timeline through the nested walk', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('lab-editor')).toBeVisible();
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await press(page, 'F10', 9, 'step 9');

  await press(page, 'F11', 1, 'step 10 · read 1 of 30');
  await expect(page.getByTestId('grid-all-reads')).toHaveText('1');
  await shot(page, 'walk-grid-first-read');

  await press(page, 'F11', 15, 'step 10 · read 16 of 30');
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('10');
  await shot(page, 'walk-grid-mid-walk');
  await page.keyboard.press('2');
  await expect(page.getByTestId('page-tables')).toBeVisible();
  await shot(page, 'page-tables-mid-walk');
  await page.keyboard.press('4');
  await expect(page.getByTestId('timeline')).toBeVisible();
  await shot(page, 'timeline');

  await page.keyboard.press('1');
  await press(page, 'F11', 14, 'step 10 · read 30 of 30');
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('24');
  await shot(page, 'app');
  await shot(page, 'walk-grid-complete');
  // "Why?": the decoded fields of the guest's level-3 descriptor (read 26).
  await page.locator('g.wg-cell[data-id="gL3:read"]').hover();
  await expect(page.getByTestId('grid-detail')).toContainText('stage-1 level-3 descriptor');
  await shot(page, 'walk-grid-fields');
  await page.mouse.move(0, 0);

  await page.keyboard.press('2');
  await expect(page.getByTestId('page-tables')).toBeVisible();
  await shot(page, 'page-tables-walk-done');
  await page.locator('[data-testid="page-tables"] g.pt-row.current').first().hover();
  await shot(page, 'page-tables-hover');
  await page.mouse.move(0, 0);

  await page.keyboard.press('3');
  await expect(page.getByTestId('smmu-state')).toBeVisible();
  await shot(page, 'smmu-state-nested');

  // The same page again: a TLB hit, one cell. Then the second guest's 3-level stage 2: 19.
  await page.keyboard.press('1');
  await press(page, 'F10', 8, 'step 16');
  await shot(page, 'walk-grid-tlb-hit');
  await press(page, 'F10', 14, 'step 28');
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('19');
  await shot(page, 'walk-grid-3-level-s2');
});

test('lessons 1, 3 and 4: stage 1 only, the stale IOTLB, a stage-2 fault on a stage-1 table', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');

  await openLesson(page, 'stage1-walk', /A stage-1 walk/);
  await press(page, 'F10', 23, 'step 23');
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('4');
  await shot(page, 'walk-grid-stage1-only');
  await page.keyboard.press('2');
  await shot(page, 'page-tables-stage1-only');
  await page.keyboard.press('1');

  await openLesson(page, 'stale-iotlb', /A stale IOTLB entry/);
  await press(page, 'F10', 11, 'step 11');
  await page.keyboard.press('3');
  await expect(page.getByTestId('smmu-state')).toContainText('STALE');
  await shot(page, 'smmu-state');
  // The same, presenting (the editor hidden): the TLB's stale entry for the room.
  await page.keyboard.press('p');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await shot(page, 'presenter-smmu-state-stale');
  await page.keyboard.press('e');
  await page.keyboard.press('p');
  await expect(page.locator('html')).not.toHaveAttribute('data-presenter');
  await page.keyboard.press('1');
  await press(page, 'F10', 8, 'step 19');
  await shot(page, 'walk-grid-s2-tlb');

  await openLesson(page, 's2-fault-on-s1-table', /A stage-2 fault/);
  await press(page, 'F10', 13, 'step 13');
  await expect(page.getByTestId('walk-grid')).toHaveAttribute('data-status', /fault/);
  await expect(page.locator('.wg-fault-banner')).toContainText('F_TRANSLATION');
  await shot(page, 'walk-grid-fault');
  await page.keyboard.press('2');
  await shot(page, 'page-tables-fault');
  await page.keyboard.press('4');
  await shot(page, 'timeline-fault');
});

test('the editor with an error marker, the lessons menu, help, share and a damaged link', async ({ page, context }) => {
  await page.goto('/');
  const editor = page.getByTestId('lab-editor');
  await expect(editor).toBeVisible();
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await press(page, 'F10', 9, 'step 9');
  await press(page, 'F11', 12, 'step 10 · read 12 of 30');
  // Line 36 is the DMA: `let r = dev.dma(...)`; make it dev.dmaa.
  await caretToLine(page, 36);
  await page.keyboard.press('Home');
  for (let i = 0; i < 'let r = dev.dma'.length; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.insertText('a');
  await expect(page.getByTestId('diagnostics')).toContainText("LAB3001 unknown builtin 'dev.dmaa'");
  const squiggle = editor.locator('.squiggly-error');
  await expect(squiggle).toHaveCount(1);
  // (The squiggle lies under Monaco's text layer: point at it rather than hover the element.)
  const box = await squiggle.boundingBox();
  if (!box) throw new Error('the squiggle has no box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('.monaco-hover').filter({ hasText: "unknown builtin 'dev.dmaa'" })).toBeVisible();
  await shot(page, 'editor-marker');
  await page.keyboard.press('Backspace');
  await expect(squiggle).toHaveCount(0);
  await page.keyboard.press('F6');   // the focus to the views, so letters are the app's keys

  await page.keyboard.press('l');
  await expect(page.getByRole('dialog', { name: 'Lessons' })).toBeVisible();
  await shot(page, 'lessons');
  await page.keyboard.press('Escape');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keys' })).toBeVisible();
  await shot(page, 'help');
  await page.keyboard.press('Escape');
  await page.keyboard.press('s');
  await expect(page.getByTestId('share-url')).toHaveValue(/#v1\//);
  await shot(page, 'share');
  await page.keyboard.press('Escape');

  // Autosaved, then a damaged link in a new tab: the error, and the saved work on screen.
  await expect.poll(() => page.evaluate(() => localStorage.getItem('iommu-lab:work'))).not.toBeNull();
  const bad = await context.newPage();
  await bad.goto('/#v1/d/AAAAAAAA');
  await expect(bad.getByTestId('notice')).toContainText('This link is damaged');
  await expect(bad.getByTestId('position')).toHaveText('step 10 · read 12 of 30');
  await expect(bad.getByTestId('lab-editor')).toBeVisible();
  await shot(bad, 'bad-link');
  await bad.close();
  await focusEditor(page);
});

test('presenter mode at 1280x720: each view, keyboard only', async ({ page }) => {
  await page.goto('/?presenter');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await press(page, 'F10', 9, 'step 9');
  await press(page, 'F11', 12, 'step 10 · read 12 of 30');
  await page.keyboard.press('Escape');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await shot(page, 'presenter');
  await page.keyboard.press('2');
  await shot(page, 'presenter-page-tables');
  await page.keyboard.press('3');
  await shot(page, 'presenter-smmu-state');
  await page.keyboard.press('4');
  await shot(page, 'presenter-timeline');
  await page.keyboard.press('1');
  await page.keyboard.press('e');
  await expect(page.getByTestId('lab-editor')).toBeVisible();
  await shot(page, 'presenter-editor');
});

test('embed mode and the dark theme', async ({ page }) => {
  await page.goto('/?embed');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  for (let i = 0; i < 11; i++) await page.getByRole('button', { name: 'Step into ▶' }).click();
  await expect(page.getByTestId('position')).toHaveText('step 10 · read 2 of 30');
  await shot(page, 'embed');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await press(page, 'F10', 9, 'step 9');
  await press(page, 'F11', 16, 'step 10 · read 16 of 30');
  await shot(page, 'app-dark');
  await page.keyboard.press('2');
  await shot(page, 'page-tables-dark');
  await page.keyboard.press('3');
  await shot(page, 'smmu-state-dark');
  await page.keyboard.press('4');
  await shot(page, 'timeline-dark');
});

test('lesson 6: the IOVA space with the MSI window and a refused MAP_DMA, normal and presenting', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await openLesson(page, 'msi-window-einval', /The MSI window/);
  await page.keyboard.press('End');
  await expect(page.getByTestId('position')).not.toHaveText('step 0');
  await page.keyboard.press('5');
  const iova = page.getByTestId('iova-space');
  await expect(iova).toContainText('0x0000000008000000 0x00000000080fffff msi');
  await expect(page.getByTestId('iova-bounce')).toContainText('EINVAL');
  await expect(page.getByTestId('iova-bounce')).toContainText('vfio_iommu_iova_dma_valid');
  await shot(page, 'iova-space');
  await page.locator('[data-testid="iova-space"] g.iv-box.sw-msi').hover();
  await expect(page.getByTestId('iova-detail')).toContainText('IOMMU_RESV_SW_MSI');
  await shot(page, 'iova-space-hover');
  await page.mouse.move(0, 0);
  await page.keyboard.press('p');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await shot(page, 'presenter-iova-space');
  await page.keyboard.press('e');
  await page.keyboard.press('p');
});

test('lesson 13: the IOVA space of an iommufd IOAS (nest parent, the SW_MSI window reserved at attach)', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await openLesson(page, 'iommufd-nested', /The same guest on iommufd/);
  await page.keyboard.press('End');
  await expect(page.getByTestId('position')).not.toHaveText('step 0');
  await page.keyboard.press('5');
  const iova = page.getByTestId('iova-space');
  // IOAS 2 with its nest parent HWPT 3; group 2's SW_MSI window, reserved when the device attached.
  await expect(iova).toContainText('IOAS 2 (iommufd): group 2');
  await expect(iova).toContainText('HWPT 3 (nest parent, stage 2)');
  await expect(iova).toContainText('HWPT 3 nest parent (S2), HWPT 6 nested');
  await expect(iova).toContainText('0x0000000008000000 0x00000000080fffff msi');
  await expect(iova).toContainText('IOMMU_IOAS_IOVA_RANGES');
  await shot(page, 'iova-space-iommufd');
  await page.keyboard.press('p');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await shot(page, 'presenter-iova-space-iommufd');
  await page.keyboard.press('e');
  await page.keyboard.press('p');
});

test('lesson 14: the x86 contrast, the MSI untranslated through interrupt remapping, and the IOVA space around 0xfee0_0000', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await openLesson(page, 'x86-msi-window', /The x86 contrast/);
  // Step 35 is `let i = edu.irq(...)`: the write to 0xfee0_0018 (IRTE 0, remappable, SHV), not
  // DMA-remapped, delivered by interrupt remapping to eventfd 6.
  await press(page, 'F10', 35, 'step 35');
  await page.keyboard.press('6');
  const mj = page.getByTestId('msi-journey');
  await expect(mj).toHaveAttribute('data-outcome', 'delivered');
  await expect(mj.locator('[data-hop="dmar"]')).toContainText('not translated');
  await expect(page.getByTestId('msi-summary')).toContainText('0xfee00018');
  await shot(page, 'msi-journey-x86');
  // The end: VT-d's hardware MSI region (sysfs "msi"), the two usable ranges around it, the
  // mapping at 0x10_0000 and the MAP_DMA into the window refused.
  await page.keyboard.press('End');
  await page.keyboard.press('5');
  const iova = page.getByTestId('iova-space');
  await expect(iova).toContainText('0x00000000fee00000 0x00000000feefffff msi');
  await expect(page.getByTestId('iova-bounce')).toContainText('EINVAL');
  await shot(page, 'iova-space-x86');
});

test('lesson 9: an MSI\'s journey, delivered to the eventfd and then stopped at the SMMU, normal and presenting', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await openLesson(page, 'msi-journey', /An MSI's journey/);
  // Step 41 is `let i = edu.irq(...)`: 0x800_0040 -> 0x0809_0040 -> DeviceID 0x10, EventID 0 -> LPI 8192.
  await press(page, 'F10', 41, 'step 41');
  await page.keyboard.press('6');
  const mj = page.getByTestId('msi-journey');
  await expect(mj).toHaveAttribute('data-outcome', 'delivered');
  await expect(page.getByTestId('msi-summary')).toContainText('LPI 8192');
  await shot(page, 'msi-journey');
  // The end: the doorbell's leaf cleared, the same write faults in stage 1.
  await page.keyboard.press('End');
  await expect(mj).toHaveAttribute('data-outcome', 'faulted');
  await expect(page.getByTestId('msi-summary')).toContainText('F_TRANSLATION');
  await shot(page, 'msi-journey-fault');
  await page.keyboard.press('p');
  await page.keyboard.press('e');
  await expect(page.locator('.editor-pane')).toHaveCount(0);
  await shot(page, 'presenter-msi-journey');
  await page.keyboard.press('e');
  await page.keyboard.press('p');
});
