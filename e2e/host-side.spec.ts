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
