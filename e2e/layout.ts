// Layout checks for the projector size (1280x720): nothing makes the page scroll, and the parts
// that matter are whole on screen, not cut off by the window or by a panel that clips.
import { expect, type Page } from '@playwright/test';

/** What must be whole on screen whenever it is there. */
export const MUST_SHOW = [
  '.toolbar button', '.toolbar select', '[data-testid="lesson"]',
  '[role="tab"]',
  '[data-testid="narration"]',
  '[data-testid="position"]', '[data-testid="walk-reads"]', '[data-testid="all-reads"]', '[data-testid="status"]',
  '[data-testid="notice"]',
  '.walk-grid svg', '.walk-grid .wg-counter', '.walk-grid .wg-meta', '.wg-fault-banner',
  '[data-testid="page-tables"] svg',
  '[role="dialog"]',
];

export interface Clipped { what: string; rect: string; by: string }

/** No page scrolling, no overflowing shell, and every MUST_SHOW element (visible ones only)
 *  inside the window and inside each ancestor that clips or scrolls (overflow other than visible). */
export async function expectFits(page: Page, extra: readonly string[] = []): Promise<void> {
  const r = await page.evaluate((selectors) => {
    const se = document.scrollingElement as HTMLElement;
    const app = document.querySelector('.app') as HTMLElement | null;
    const clipped: { what: string; rect: string; by: string }[] = [];
    const fmt = (b: DOMRect) => `${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.width)}x${Math.round(b.height)}`;
    const name = (e: Element) => {
      const id = e.getAttribute('data-testid');
      const cls = (e.getAttribute('class') ?? '').split(/\s+/).filter(Boolean).slice(0, 2).join('.');
      const text = (e.textContent ?? '').trim().slice(0, 24);
      return `${e.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls ? `.${cls}` : ''}${text ? ` "${text}"` : ''}`;
    };
    const SLACK = 1; // sub-pixel rounding
    for (const sel of selectors) {
      for (const e of document.querySelectorAll(sel)) {
        const b = e.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;               // not shown (display: none)
        const inside = (o: { left: number; top: number; right: number; bottom: number }) =>
          b.left >= o.left - SLACK && b.top >= o.top - SLACK && b.right <= o.right + SLACK && b.bottom <= o.bottom + SLACK;
        if (!inside({ left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight })) {
          clipped.push({ what: name(e), rect: fmt(b), by: 'the window' });
          continue;
        }
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          const cs = getComputedStyle(a);
          if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
          const ab = a.getBoundingClientRect();
          if (!inside(ab)) { clipped.push({ what: name(e), rect: fmt(b), by: `${name(a)} ${fmt(ab)} (overflow ${cs.overflowX}/${cs.overflowY})` }); break; }
        }
      }
    }
    return {
      doc: { sw: se.scrollWidth, cw: se.clientWidth, sh: se.scrollHeight, ch: se.clientHeight },
      app: app ? { sw: app.scrollWidth, cw: app.clientWidth, sh: app.scrollHeight, ch: app.clientHeight } : null,
      w: window.innerWidth, h: window.innerHeight, clipped,
    };
  }, [...MUST_SHOW, ...extra]);
  expect(r.doc.sw, 'page scroll width').toBeLessThanOrEqual(r.doc.cw);
  expect(r.doc.sh, 'page scroll height').toBeLessThanOrEqual(r.doc.ch);
  if (r.app) {
    expect(r.app.sw, '.app scroll width').toBeLessThanOrEqual(r.w);
    expect(r.app.sh, '.app scroll height').toBeLessThanOrEqual(r.h);
  }
  expect(r.clipped, 'elements cut off').toEqual([]);
}

/** Wait until every d3 transition has ended (d3 deletes an element's `__transition` when its
 *  last one ends) and the browser has painted twice since. */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    for (const n of document.querySelectorAll('svg *')) if ((n as { __transition?: unknown }).__transition) return false;
    return true;
  }, undefined, { polling: 50, timeout: 5_000 });
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
