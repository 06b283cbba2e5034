// Regression: stepping faster than the views animate (a held key, fast play) must never leave a
// view half drawn. A d3 transition interrupted by the next step's (an unnamed "move" cutting a
// fade-in short) once left walk-grid cells, rows and columns at opacity 0.01-0.2 for good; the
// walk grid now names each kind of motion and fades in to the stylesheet's own opacity
// (src/views/walk-grid/draw.ts). The page tables give each element one transition that always
// sets all it animates, so a newer step's takes over where the last one was: checked here too.
// Each test: keys with no pause (or play at 30/s), then, once the motion has ended, every cell,
// its content and every heading whole, and both views exactly what a page without motion
// (prefers-reduced-motion: reduce) draws at the same position.
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { settle } from './layout';

type Shape = Record<string, string | null>;

/** Every element of the walk grid's and the page tables' SVGs: its geometry and its opacity,
 *  the inline style included, with the opacity the stylesheet alone gives its classes. */
async function shapes(page: Page): Promise<{ key: string; shape: Shape }[]> {
  return page.evaluate(() => {
    const out: { key: string; shape: Record<string, string | null> }[] = [];
    for (const svg of document.querySelectorAll('.walk-grid svg, .page-tables svg')) {
      const seen = new Map<string, number>();
      for (const n of svg.querySelectorAll('*')) {
        // The pulse ring is an effect, hidden at rest (inline opacity 0): checked on its own.
        if (n.closest('defs') || n.classList.contains('wg-pulse')) continue;
        const id = (n.closest('[data-id]') as HTMLElement | null)?.dataset.id ?? '';
        const base = `${svg.parentElement?.className}|${id}|${n.tagName}.${n.getAttribute('class') ?? ''}`;
        const k = seen.get(base) ?? 0;
        seen.set(base, k + 1);
        const shape: Record<string, string | null> = {};
        // Numbers to 0.01 (an interpolated transform ends in float32: 402.72470092 for 402.72471533).
        const round = (v: string | null) => v?.replace(/-?\d+\.\d+/g, (x) => String(Math.round(Number(x) * 100) / 100)) ?? null;
        for (const a of ['transform', 'x', 'y', 'width', 'height', 'd', 'opacity']) shape[a] = round(n.getAttribute(a));
        // A slide that ended leaves translate(0, 0): the same place as no transform.
        const t = shape.transform?.replace(/\s+/g, '') ?? null;
        shape.transform = t === 'translate(0,0)' ? null : t;
        const el = n as SVGElement;
        shape.inlineOpacity = el.style.opacity;
        shape.opacity = getComputedStyle(el).opacity;
        // What the stylesheet gives an element with these classes and no inline style.
        const clone = el.cloneNode(false) as SVGElement;
        clone.removeAttribute('style');
        el.parentNode?.insertBefore(clone, el);
        shape.sheetOpacity = getComputedStyle(clone).opacity;
        clone.remove();
        if (n.tagName === 'text') shape.text = n.textContent;
        out.push({ key: `${base}#${k}`, shape });
      }
    }
    return out;
  });
}

/** Nothing still moving, and nothing left half way: every element's opacity is its stylesheet's,
 *  every text group fully opaque. */
async function expectSettled(page: Page): Promise<void> {
  await settle(page);
  const all = await shapes(page);
  expect(all.length).toBeGreaterThan(0);
  const cells = await page.evaluate(() => [...document.querySelectorAll('.walk-grid g.wg-cell')].map((c) => ({
    id: (c as HTMLElement).dataset.id,
    cell: Number(getComputedStyle(c).opacity),
    content: Number(getComputedStyle(c.querySelector('g.wg-content') as Element).opacity),
  })));
  // The row and column headings: never faded by the stylesheet.
  const heads = await page.evaluate(() => [...document.querySelectorAll('.walk-grid g.wg-row, .walk-grid g.wg-col')]
    .map((g) => `${g.getAttribute('class')} ${getComputedStyle(g).opacity}`));
  expect(heads.filter((h) => !h.endsWith(' 1')), 'row and column headings not fully drawn').toEqual([]);
  const pulses = await page.evaluate(() => [...document.querySelectorAll('.walk-grid rect.wg-pulse')].map((r) => getComputedStyle(r).opacity));
  expect(pulses.filter((o) => o !== '0'), 'pulse rings still showing').toEqual([]);
  for (const c of cells) {
    expect(c.content, `cell ${c.id}: its content's opacity`).toBe(1);
    // 1, or the stylesheet's fade of a done (0.82) or unreached (0.45) cell: never a stuck 0.011.
    expect(c.cell, `cell ${c.id}: its opacity`).toBeGreaterThanOrEqual(0.45);
  }
  const wrong = all.filter(({ shape }) => shape.opacity !== shape.sheetOpacity || !['', '1'].includes(shape.inlineOpacity ?? ''));
  expect(wrong, 'elements whose opacity is not the stylesheet\'s').toEqual([]);
}

/** The same position in a page without motion: the views must be identical. */
async function expectSameAsWithoutMotion(page: Page, reference: Page): Promise<void> {
  await expectSettled(page);
  await settle(reference);
  const a = await shapes(page), b = await shapes(reference);
  expect(a.map((x) => x.key)).toEqual(b.map((x) => x.key));
  expect(a).toEqual(b);
}

/** `page` animates, `reference` does not; both on the default lesson, the walk grid, and the
 *  page tables below it when `both`. */
async function openBoth(page: Page, reference: Page, both = true): Promise<void> {
  await reference.emulateMedia({ reducedMotion: 'reduce' });
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  for (const p of [page, reference]) {
    await p.goto('/?editor=plain');
    await expect(p.getByTestId('position')).toHaveText('step 0');
    if (both) {
      // The page tables below the walk grid: both views draw at every step.
      await p.getByLabel('Second view below the main one').selectOption('tables');
      await expect(p.getByTestId('page-tables')).toBeVisible();
    }
    await p.locator('#views').focus();
  }
}

/** Press keys without waiting between them (the app queues them); the position once it stops
 *  changing. */
async function burst(page: Page, keys: readonly string[]): Promise<string> {
  for (const k of keys) await page.keyboard.press(k, { delay: 0 });
  return stablePosition(page);
}

async function stablePosition(page: Page): Promise<string> {
  const pos = page.getByTestId('position');
  let last = '', since = Date.now();
  for (const t0 = Date.now(); Date.now() - t0 < 20_000;) {
    const now = (await pos.textContent()) ?? '';
    if (now !== last) { last = now; since = Date.now(); }
    else if (Date.now() - since > 700) return now;
    await page.waitForTimeout(50);
  }
  throw new Error(`the position never settled (last: ${last})`);
}

/** Step the reference page one key at a time to `position`. */
async function walkTo(page: Page, key: string, position: string): Promise<void> {
  const pos = page.getByTestId('position');
  for (let i = 0; i < 200 && (await pos.textContent()) !== position; i++) {
    const before = await pos.textContent();
    await page.keyboard.press(key);
    await expect(pos).not.toHaveText(before ?? '');
  }
  await expect(pos).toHaveText(position);
}

test('16 steps into the walk with no pause: every cell ends fully drawn, as without motion', async ({ page, freshContext }) => {
  await page.goto('/?editor=plain');
  await expect(page.getByTestId('position')).toHaveText('step 0');
  await page.locator('#views').focus();
  await walkTo(page, 'F10', 'step 9');

  // Right and F11 alike, 16 times, no delay: the grid appears (fading in) at the first and every
  // later step moves it; 1 s later every cell, its content and every heading must be whole.
  const at = await burst(page, Array.from({ length: 16 }, (_, i) => (i % 2 ? 'ArrowRight' : 'F11')));
  expect(at).toBe('step 10 · read 16 of 30');
  await page.waitForTimeout(1000);
  await expectSettled(page);
  await expect(page.getByTestId('grid-walk-reads')).toHaveText('10');

  // And exactly what a page without motion draws there (a fresh context: no autosaved work).
  const reference = await (await freshContext()).newPage();
  await reference.emulateMedia({ reducedMotion: 'reduce' });
  await reference.goto('/?editor=plain');
  await expect(reference.getByTestId('position')).toHaveText('step 0');
  await reference.locator('#views').focus();
  await walkTo(reference, 'F11', at);
  await expectSameAsWithoutMotion(page, reference);
});

test('held keys across grid shapes (the walk, a TLB hit, a 3-level stage 2) and back', async ({ page, freshContext }) => {
  test.setTimeout(120_000);
  const reference = await (await freshContext()).newPage();
  await openBoth(page, reference);

  // Forward through the first walk (30 reads) and the TLB hit, then into the 3-level walk.
  for (const n of [45, 30]) {
    const at = await burst(page, Array(n).fill('F11'));
    await page.waitForTimeout(1000);
    await walkTo(reference, 'F11', at);
    await expectSameAsWithoutMotion(page, reference);
  }
  await expect(page.getByTestId('position')).toHaveText(/^step 28 · read \d+ of 24$/);

  // Back, fast, across the shapes again (a read at a time inside a walk, then a statement at a
  // time, past the TLB hit).
  const back = await burst(page, Array(35).fill('ArrowLeft'));
  expect(Number(/^step (\d+)/.exec(back)?.[1])).toBeLessThan(16);
  await page.waitForTimeout(1000);
  await walkTo(reference, 'ArrowLeft', back);
  await expectSameAsWithoutMotion(page, reference);
});

test('playing at 30 steps a second, then pausing: the views are whole', async ({ page, freshContext }) => {
  const reference = await (await freshContext()).newPage();
  await openBoth(page, reference);
  await page.getByLabel('Play speed, steps a second').selectOption('30');
  await page.locator('#views').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveText('❚❚ Pause');
  await page.waitForTimeout(1500);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveText('▶ Play');
  const at = await stablePosition(page);
  expect(at).not.toBe('step 0');
  await walkTo(reference, 'F11', at);
  await expectSameAsWithoutMotion(page, reference);
});
