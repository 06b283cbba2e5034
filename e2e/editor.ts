// The program editor in end-to-end tests: Monaco (LabEditor, data-testid "lab-editor") on a
// normal page, the plain textarea (data-testid "editor") with ?editor=plain. Typing works the
// same in both; reading the whole text back needs the plain one (Monaco renders only the lines
// in sight).
import { expect, type Page } from '@playwright/test';

/** The editor once it can be typed into (Monaco loads lazily). */
export async function editorReady(page: Page) {
  const editor = page.getByTestId('lab-editor').or(page.getByTestId('editor'));
  await expect(editor).toBeVisible();
  return editor;
}

/** Put the focus in the editor: a click on the first visible line of its text, right of the
 *  line numbers (Monaco: wherever it is scrolled to), or on it (plain). */
export async function focusEditor(page: Page) {
  const editor = await editorReady(page);
  const monaco = page.getByTestId('lab-editor');
  if (await monaco.count()) await monaco.click({ position: { x: 120, y: 8 } });
  else await editor.click();
}

/** Replace the program as a student would: select all, then type (paste) the new text. */
export async function setProgram(page: Page, text: string) {
  await focusEditor(page);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

/** Type at the end of the program. */
export async function appendToProgram(page: Page, text: string) {
  await focusEditor(page);
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText(text);
}

/** Put the caret on a line (1-based): to the top, then down. */
export async function caretToLine(page: Page, line: number) {
  await focusEditor(page);
  await page.keyboard.press('ControlOrMeta+Home');
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown');
}
