// The console in Firefox (issue 10: "works in the current Chromium and Firefox"): Debian's
// firefox-esr driven over WebDriver BiDi by puppeteer-core (tests/web/firefox.ts says why not
// Playwright). A smoke test of the main path: sign in, the grid's thumbnails load, shift-click
// selects a range, the detail panel shows the focused item with its preview, and a bulk delete of a
// folder runs until the jobs panel says done and the folder empties itself from the feed. Every
// wait is on a DOM state (waitForFunction / waitForSelector), never a sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Page } from 'puppeteer-core';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { launchFirefox, type FirefoxBrowser } from './firefox.ts';

let t: TestServer;
let fx: Fixture;
let ff: FirefoxBrowser;
let page: Page;
const pageErrors: string[] = [];
const BIG = 300;

const item = (name: string) => `[role="listbox"] [role="option"][data-name="${name}"]`;
/** Wait until the element matching `selector` has a text matching `pattern` (a regex source). */
// (the functions run in the page; the project's tsconfig has no DOM types, hence `globalThis as any`)
const text = (selector: string, pattern: string) => page.waitForFunction((s: string, p: string) => {
  const e = (globalThis as any).document.querySelector(s);
  return !!e && new RegExp(p).test(e.textContent ?? '');
}, {}, selector, pattern);
/** Wait until the <img> under `selector` has loaded a picture. */
const loaded = (selector: string) => page.waitForFunction((s: string) => {
  const img = (globalThis as any).document.querySelector(s);
  return !!img && img.complete && img.naturalWidth > 0;
}, {}, selector);

beforeAll(async () => {
  [t, ff] = await Promise.all([startTestServer(), launchFirefox()]);
  fx = await createFixture(t.db, { owner: 'owner' });
  const big = await seedFolder(t.db, fx.projectId, 'big');
  await seedFiles(t.db, fx.projectId, big.id, BIG, 'photo-');
  const uc = new UnicatClient(t.url, fx.projectGid);
  await uc.auth(fx.users.owner.key);
  const root = (await uc.call('assets/get', { pathname: '/' })).result.asset;
  const colors = [{ r: 220, g: 60, b: 60 }, { r: 60, g: 160, b: 80 }, { r: 50, g: 90, b: 210 }];
  for (const [i, background] of colors.entries()) {
    const content = await sharp({ create: { width: 320, height: 240, channels: 3, background } }).png().toBuffer();
    const r = await uc.upload({ parent: root }, { name: `sample-${i + 1}.png`, content, type: 'image/png' });
    expect(r.status).toBe(200);
  }
  page = await ff.browser.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => pageErrors.push(String((e as Error).message ?? e)));
});

afterAll(async () => {
  await ff?.close();
  await t?.close();
});

describe('the web console in Firefox', () => {
  it('runs in Firefox (not a Chromium under another name)', async () => {
    expect(await ff.browser.version()).toMatch(/^firefox\//i);
    expect(await page.evaluate(() => (globalThis as any).navigator.userAgent as string)).toMatch(/Firefox\/\d+/);
  });

  it('signs in and shows the grid with the thumbnails loaded', async () => {
    await page.goto(t.url);
    await page.waitForSelector('input[type="email"]');
    await page.type('input[type="email"]', fx.users.owner.email);
    await page.type('input[type="password"]', fx.users.owner.key);
    await page.click('button[type="submit"]');
    await page.waitForSelector(item('big'));
    await page.waitForSelector('.feed.live');
    for (let i = 1; i <= 3; i++) await loaded(`${item(`sample-${i}.png`)} img.thumb`);
    const names = await page.$$eval('[role="listbox"] [role="option"]', (els) => els.map((e) => e.getAttribute('data-name')));
    expect(names).toEqual(['big', 'sample-1.png', 'sample-2.png', 'sample-3.png']);
  });

  it('selects a range with shift-click and shows the focused item in the detail panel', async () => {
    await page.click(item('sample-1.png'));
    await page.keyboard.down('Shift');
    await page.click(item('sample-3.png'));
    await page.keyboard.up('Shift');
    await text('[data-testid="selected-count"]', '^3 selected$');
    expect(await page.$$eval('[role="option"][aria-selected="true"]', (els) => els.map((e) => e.getAttribute('data-name'))))
      .toEqual(['sample-1.png', 'sample-2.png', 'sample-3.png']);
    await text('#detail-title', 'sample-3\\.png');
    await loaded('.detail .preview img');
  });

  it(`bulk-deletes a folder of ${BIG} assets and the jobs panel reaches done`, async () => {
    await page.click(item('big'), { count: 2 });
    await text('#screen-title', '^big$');
    await text('.status-line', `^${BIG} items`);
    await page.focus('[role="listbox"]');
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await text('[data-testid="selected-count"]', `^${BIG} selected$`);
    await page.click('.toolbar button.danger');
    await page.waitForSelector('dialog.modal[open]');
    await page.click('dialog.modal[open] button.danger');
    await page.waitForSelector('li.job[data-status="done"]', { timeout: 45_000 });
    await text('li.job[data-status="done"] .job-count', `^${BIG} / ${BIG} done$`);
    // the folder empties itself from the feed, without a reload
    await text('.status-line', '^0 items');
  });

  it('raised no uncaught error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
