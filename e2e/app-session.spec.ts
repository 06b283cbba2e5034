// The app drives the lab worker (what session.html's test checked, now on the app): DESIGN.md's
// program typed into the editor, stepped over, into the nested walk read by read, back, run to
// the end; a breakpoint; then a checker error and a runtime error, and the app carries on.
// Counts: the cold walk reads the STE, 4 S2 + the CD for the CD, then the 2D walk's
// (4 + 1)(4 + 1) - 1 = 24 descriptors (docs/trace.md): 30 reads in all.
import { DEFAULT_PROGRAM as PROGRAM } from '../src/app/default-program';
import { caretToLine, setProgram } from './editor';
import { test, expect } from './fixtures';

test('the app steps through the nested walk, reports errors and keeps going', async ({ page }) => {
  await page.goto('/');
  const position = page.getByTestId('position');
  const line = page.locator('.status .line');
  const walkReads = page.getByTestId('walk-reads');
  const reads = page.getByTestId('all-reads');
  await expect(position).toHaveText('step 0');

  await setProgram(page, PROGRAM);
  await expect(page.getByTestId('lesson')).toContainText('(edited)');
  // Step over to the statement before the DMA (line 8, host.set_pasid_table: step 6).
  for (let step = 1; step <= 6; step++) {
    await page.keyboard.press('F10');
    await expect(position).toHaveText(`step ${step}`);
  }
  await expect(line).toHaveText('line 8');
  await expect(page.getByTestId('diagnostics')).toHaveCount(0);

  // Step into the DMA (line 10): reads 1-6 are the STE and the CD's, then one walk read each.
  for (let access = 1; access <= 30; access++) {
    await page.keyboard.press('F11');
    await expect(position).toHaveText(`step 7 · read ${access} of 30`);
    await expect(walkReads).toHaveText(String(Math.max(0, access - 6)));
  }
  await expect(line).toHaveText('line 10');
  await expect(walkReads).toHaveText('24');
  await expect(reads).toHaveText('30');

  await page.keyboard.press('Shift+F10');
  await expect(position).toHaveText('step 7 · read 29 of 30');
  await expect(walkReads).toHaveText('23');
  await expect(reads).toHaveText('29');

  // Run to the end: every expect holds.
  await page.keyboard.press('F5');
  await expect(page.getByTestId('status')).toHaveText('finished (end)');
  await expect(position).toHaveText('step 10');
  await expect(line).toHaveText('line 13');
  await expect(page.getByTestId('failed-expects')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);

  // A breakpoint on line 10 (F9 with the caret there; Monaco's glyph margin works too): Home,
  // then Run stops before it.
  await caretToLine(page, 10);
  await page.keyboard.press('F9');
  await expect(page.getByTestId('lab-editor').locator('.lab-breakpoint')).toBeVisible();
  await page.keyboard.press('F6');
  await page.keyboard.press('Home');
  await expect(position).toHaveText('step 0');
  await page.getByRole('button', { name: '▶▶ Run' }).click();
  await expect(position).toHaveText('step 6');
  await expect(line).toHaveText('line 8');

  // A checker error: the diagnostic with its line:col, and nothing runs until it is fixed.
  await setProgram(page, PROGRAM.replace('dev.dma(', 'dev.dmaa('));
  await expect(page.getByTestId('diagnostics')).toHaveText("10:9 LAB3001 unknown builtin 'dev.dmaa' — did you mean 'dev.dma'?");
  await page.keyboard.press('F10');
  await expect(page.getByTestId('failure')).toHaveText(/^The program has errors/);
  await expect(position).toHaveText('step 6');

  // A runtime error: the model's message at its statement (line 14).
  await setProgram(page, `${PROGRAM}let w = mem.read64(0x9000_0000_0000)\n`);
  await page.keyboard.press('F5');
  await expect(page.getByTestId('diagnostics')).toHaveCount(0);
  await expect(page.getByTestId('status')).toHaveText('finished (error)');
  await expect(page.getByTestId('error')).toHaveText(
    'line 14: 0x9000_0000_0000 is outside RAM (RAM is 0x8_0000_0000..0x8_ffff_ffff; host kernel memory is 0x10000000..0x1fffffff)');
  await expect(line).toHaveText('line 14');
  await expect(position).toHaveText('step 11');
  await expect(page.getByTestId('narration')).toHaveText(/^Line 14 stopped the program: 0x9000_0000_0000 is outside RAM/);
  await expect(page.locator('.scrubber .mark.error')).toHaveCount(1);

  // The app carries on: back a statement, and a reset starts the program afresh.
  await page.keyboard.press('Shift+F10');
  await expect(position).toHaveText('step 10');
  await expect(line).toHaveText('line 13');
  await page.keyboard.press('Shift+F5');
  await expect(position).toHaveText('step 0');
  await page.keyboard.press('F10');
  await expect(position).toHaveText('step 1');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('failure')).toHaveCount(0);

});
