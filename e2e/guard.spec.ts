// The guard every test runs under (fixtures.ts, watch.ts) catches what it claims to: a console
// error in a page or in one of its workers, an uncaught error, and a request to another host,
// which it also blocks so that nothing leaves 127.0.0.1.
import { test, expect } from './fixtures';
import { watchContext } from './watch';

test('the guard sees console errors (page and worker), page errors and foreign requests, and blocks them', async ({ browser, baseURL }) => {
  // A context of its own, outside the fixture (whose own check would fail this test).
  const context = await browser.newContext({ baseURL });
  try {
    const watch = await watchContext(context);
    const page = await context.newPage();
    await page.goto('/?editor=plain');
    await expect(page.getByTestId('position')).toHaveText('step 0');
    expect(() => watch.check()).not.toThrow();

    const fetched = await page.evaluate(async () => {
      try { await fetch('http://192.0.2.1/telemetry', { mode: 'no-cors' }); return 'sent'; } catch { return 'blocked'; }
    });
    expect(fetched).toBe('blocked');
    await page.evaluate(() => {
      console.error('an error in the page');
      const w = new Worker(URL.createObjectURL(new Blob(["console.error('an error in a worker')"], { type: 'text/javascript' })));
      setTimeout(() => w.terminate(), 2000);
      setTimeout(() => { throw new Error('uncaught'); }, 0);
    });
    await expect.poll(() => { try { watch.check(); return 'clean'; } catch (e) { return String(e); } }, { timeout: 5000 })
      .toContain('an error in a worker');
    let report = '';
    try { watch.check(); } catch (e) { report = String(e); }
    expect(report).toContain('an error in the page');
    expect(report).toContain('uncaught');
    expect(report).toContain('http://192.0.2.1/telemetry');
  } finally {
    await context.close();
  }
});
