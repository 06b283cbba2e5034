// The host-side lessons in the app: the status line names the kernel the program's host runs, and
// marks the 2021 nesting series as the proposal it was.
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

async function openLessonAtEnd(page: Page, id: string): Promise<void> {
  await page.keyboard.press('l');
  await page.getByRole('dialog', { name: 'Lessons' }).locator(`[data-lesson="${id}"]`).click();
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await page.keyboard.press('End');
  await expect(page.getByTestId('failed-expects')).toHaveCount(0);
}

test('the status line names the host\'s kernel: 6.12 (LTS), the 2021 proposal, 7.2', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  // The default lesson has no host side: no kernel to name.
  await expect(page.getByTestId('kernel')).toHaveCount(0);
  await openLessonAtEnd(page, 'msi-window-einval');
  await expect(page.getByTestId('kernel')).toHaveText('Linux 6.12 (LTS)');
  await openLessonAtEnd(page, 'nested-msi-binding');
  const k = page.getByTestId('kernel');
  await expect(k).toContainText('never merged');
  await expect(k).toHaveClass(/proposal/);
  await openLessonAtEnd(page, 'iommufd-nested');
  await expect(page.getByTestId('kernel')).toHaveText('Linux 7.2');
  // Back to step 0 of the lesson: the host does not exist yet.
  await page.keyboard.press('Home');
  await expect(page.getByTestId('kernel')).toHaveCount(0);
});

test('lesson 10: F11 walks the edu device\'s DMA through the guest\'s stage 1 and the stage 2 MAP_DMA built', async ({ page }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await page.keyboard.press('l');
  await page.getByRole('dialog', { name: 'Lessons' }).locator('[data-lesson="guest-owns-cd-table"]').click();
  await expect(page.getByTestId('position')).toHaveText('step 0');
  // Step over to line 51 (the last expect before `let r = edu.dma(...)` on line 54).
  const line = page.locator('footer.status .line');
  const lineText = async () => ((await line.count()) > 0 ? await line.textContent() : '');
  for (let i = 0; i < 40 && (await lineText()) !== 'line 51'; i++) {
    const before = await page.getByTestId('position').textContent();
    await page.keyboard.press('F10');
    await expect(page.getByTestId('position')).not.toHaveText(before ?? '');
  }
  await expect(line).toHaveText('line 51');
  // The first DMA after SET_PASID_TABLE. MAP_DMA mapped 2 MiB at IOVA 0x4000_0000 from PA
  // 0x8_1000_0000, both 2 MiB aligned, so iommu_pgsize() made it one 2 MiB block: every stage-2
  // walk of guest RAM is 3 reads (levels 0, 1, 2 of the 44-bit, level-0-start stage 2). The STE
  // (1); the CD at its IPA: a stage-2 walk (3) and the CD (1); the stage-2 TLB entry that walk
  // made (VMID 1, 2 MiB) then covers every stage-1 table and the output IPA, so the 48-bit stage-1
  // walk is its 4 descriptors alone (the model caches stage-2 translations of table walks, as
  // QEMU's SMMU does; the architecture allows it): 1 + 3 + 1 + 4 = 9 reads, 4 of them the walk.
  await page.keyboard.press('F11');
  await expect(page.getByTestId('position')).toHaveText(/read 1 of 9$/);
  for (let i = 1; i < 9; i++) await page.keyboard.press('F11');
  await expect(page.getByTestId('position')).toHaveText(/read 9 of 9$/);
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('4');
  await expect(page.getByTestId('grid-all-reads')).toHaveText('9');
});
