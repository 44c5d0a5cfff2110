// The console's other actions in a real Chromium: search (Unicat query syntax and a filter),
// download (the bytes), move by dialog and by drag, keyboard operation with visible focus, move to
// the trash and permanent delete, and server errors shown as readable messages.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { openWatchedPage, screenshot, signInThroughForm, type PageWatch, type TestBrowser } from './browser.ts';

let t: TestServer;
let fx: Fixture;
let b: TestBrowser;
let page: Page;
let uc: UnicatClient;
let watch: PageWatch;
const gids: Record<string, string> = {};
let redApple: Buffer;

const view = () => page.getByRole('listbox');
const item = (name: string) => view().locator(`[role="option"][data-name="${name}"]`);
const names = () => view().locator('[role="option"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
const status = () => page.locator('.status-line');
const pathOf = async (gid: string) => (await uc.call('assets/get', { asset: gid })).data.assets[gid].pathname as string;
/** The focused element's outline: a visible focus indicator is at least 2 px and not "none". */
const focusRing = () => page.evaluate(`(() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return { tag: e.tagName, label: e.getAttribute('aria-label') ?? e.textContent.slice(0, 30), visible: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
})()`) as Promise<{ tag: string; label: string; visible: boolean }>;

async function openFolder(name: string) {
  await page.getByRole('link', { name: 'Browse' }).click();
  await item(name).dblclick();
  await page.locator('#screen-title', { hasText: name }).waitFor();
}

beforeAll(async () => {
  t = await startTestServer();
  fx = await createFixture(t.db, { owner: 'owner' });
  uc = new UnicatClient(t.url, fx.projectGid);
  await uc.auth(fx.users.owner.key);
  const root = (await uc.call('assets/get', { pathname: '/' })).result.asset;
  for (const name of ['work', 'archive']) gids[name] = (await uc.call('assets/create', { parent: root, name })).result.asset;
  gids.drafts = (await uc.call('assets/create', { parent: gids.work, name: 'drafts' })).result.asset;
  redApple = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
  const blueSky = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40, g: 90, b: 220 } } }).png().toBuffer();
  const files = [
    { name: 'red-apple.png', content: redApple, type: 'image/png' },
    { name: 'blue-sky.png', content: blueSky, type: 'image/png' },
    { name: 'apple-notes.txt', content: 'apples: red, green\n', type: 'text/plain' },
  ];
  for (const f of files) {
    const r = await uc.upload({ parent: gids.work }, f);
    expect(r.status).toBe(200);
    gids[f.name] = r.body.result.asset;
  }
  ({ b, page, watch } = await openWatchedPage());
});

afterAll(async () => {
  await b?.close();
  await t?.close();
});

describe('the console in a browser: errors, search, download, move, keyboard, trash', () => {
  it('signs in (a wrong key first: a readable message, the form stays)', async () => {
    await signInThroughForm(page, t.url, fx.users.owner, { wrongKey: 'al_not_a_key', landmark: item('work') });
  });

  it('shows server errors as readable messages: an unknown folder, a name already taken', async () => {
    await page.goto(`${t.url}/#/folder/0badc0de-0000-4000-8000-000000000000`);
    // the list says why in place of its items; the console around it stays
    const listError = view().getByRole('alert');
    await listError.waitFor();
    const text = (await listError.textContent()) ?? '';
    expect(text).toMatch(/not found|no such|unknown|does not exist/i);
    expect(text).not.toMatch(/undefined|\[object|^\d{3}\b/);
    await expect(page.getByRole('navigation', { name: 'Sections' }).isVisible()).resolves.toBe(true);

    await openFolder('work');
    await item('drafts').waitFor();
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('drafts');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'a live asset with this name already exists in the folder' }).waitFor();
    expect(await dialog.isVisible()).toBe(true); // the dialog stays open with the error inline
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('searches with the Unicat query syntax, then with a type filter', async () => {
    await page.getByLabel('Search', { exact: true }).fill('+apple -red');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#screen-title', { hasText: 'Search results' }).waitFor();
    await status().filter({ hasText: /^1 item/ }).waitFor();
    expect(await names()).toEqual(['apple-notes.txt']);

    await page.getByLabel('Search', { exact: true }).fill('apple');
    await page.getByLabel('Type').selectOption('image');
    await page.getByRole('button', { name: 'Search' }).click();
    await item('red-apple.png').waitFor();
    await status().filter({ hasText: /^1 item/ }).waitFor();
    expect(await names()).toEqual(['red-apple.png']);
    expect(page.url()).toContain('type=image');
    await screenshot(page, 'search');

    // without the filter both apples match (one term, ranked)
    await page.getByLabel('Type').selectOption('');
    await page.getByRole('button', { name: 'Search' }).click();
    await status().filter({ hasText: /^2 items/ }).waitFor();
    expect((await names()).sort()).toEqual(['apple-notes.txt', 'red-apple.png']);
  });

  it('downloads an asset from the detail panel: the very bytes uploaded', async () => {
    await item('red-apple.png').click();
    await page.locator('#detail-title', { hasText: 'red-apple.png' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.detail').getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('red-apple.png');
    const got = readFileSync(await download.path());
    expect(got.equals(redApple)).toBe(true);
  });

  it('is keyboard operable with visible focus: Tab reaches the list, arrows and shift select, Delete asks', async () => {
    await openFolder('work');
    await item('red-apple.png').waitFor();
    // from the search field, Tab through the header, navigation and toolbar to the list: every
    // stop shows a focus ring
    await page.getByLabel('Search', { exact: true }).focus();
    const stops: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focusRing();
      expect(f.visible, `focus ring on ${f.tag} ${f.label}`).toBe(true);
      stops.push(`${f.tag}:${f.label}`);
      if (f.tag === 'DIV' && f.label === 'work') break;
    }
    expect(stops.at(-1)).toBe('DIV:work'); // the listbox, labelled by the folder
    expect(stops.length).toBeLessThan(40);

    // folders first: drafts, then apple-notes.txt, blue-sky.png, red-apple.png
    await page.keyboard.press('Home');
    const current = view().locator('.item.focused');
    await expect(current.getAttribute('data-name')).resolves.toBe('drafts');
    const ring = await current.evaluate((e) => { const s = e.ownerDocument.defaultView!.getComputedStyle(e); return `${s.outlineStyle} ${s.outlineWidth}`; });
    expect(ring).toBe('solid 3px');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.getByTestId('selected-count').filter({ hasText: '2 selected' }).waitFor();
    expect(await view().locator('[aria-selected="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['apple-notes.txt', 'blue-sky.png']);
    await expect(current.getAttribute('data-name')).resolves.toBe('blue-sky.png');
    await expect(view().getAttribute('aria-activedescendant')).resolves.toBe(await current.getAttribute('id'));
    // ctrl+arrow moves without selecting, Space toggles
    await page.keyboard.press('Control+ArrowRight');
    await page.keyboard.press(' ');
    await page.getByTestId('selected-count').filter({ hasText: '3 selected' }).waitFor();
    // Delete asks in a modal dialog that starts on Cancel (a dangerous action: Enter does not
    // destroy), with a visible ring; Escape cancels
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog');
    await dialog.filter({ hasText: 'Move 3 items to the trash?' }).waitFor();
    const f = await focusRing();
    expect([f.tag, f.label, f.visible]).toEqual(['BUTTON', 'Cancel', true]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // focus comes back to the list; Escape clears the selection; Home + Enter opens the folder
    expect((await focusRing()).label).toBe('work');
    await page.keyboard.press('Escape');
    await page.getByTestId('selected-count').waitFor({ state: 'detached' });
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.locator('#screen-title', { hasText: 'drafts' }).waitFor();
    await status().filter({ hasText: /^0 items/ }).waitFor();
    await view().focus();
    await page.keyboard.press('Backspace');
    await page.locator('#screen-title', { hasText: 'work' }).waitFor();
    await item('red-apple.png').waitFor();
  });

  it('moves an asset with the Move dialog, and another by dragging it onto a folder', async () => {
    await item('blue-sky.png').click();
    await page.getByRole('button', { name: 'Move…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'archive' }).click();
    await dialog.getByRole('button', { name: 'Move here (archive)' }).click();
    await dialog.waitFor({ state: 'detached' });
    // the job moves it; the feed takes it out of this folder without a reload
    await item('blue-sky.png').waitFor({ state: 'detached' });
    await expect.poll(() => pathOf(gids['blue-sky.png'])).toBe('/archive/blue-sky.png');

    await item('apple-notes.txt').dragTo(item('drafts'));
    await item('apple-notes.txt').waitFor({ state: 'detached' });
    await expect.poll(() => pathOf(gids['apple-notes.txt'])).toBe('/work/drafts/apple-notes.txt');
    await item('drafts').locator('.tile-meta', { hasText: '1 items' }).waitFor();
  });

  it('moves an asset to the trash, then deletes it permanently from there', async () => {
    await item('red-apple.png').click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await item('red-apple.png').waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Trash' }).click();
    await item('red-apple.png').waitFor();
    await item('red-apple.png').click();
    await page.getByRole('button', { name: 'Delete permanently' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.filter({ hasText: 'This cannot be undone' }).waitFor();
    await dialog.getByRole('button', { name: 'Delete permanently' }).click();
    await page.getByText('1 item deleted permanently.').waitFor();
    await item('red-apple.png').waitFor({ state: 'detached' });
    await status().filter({ hasText: /^0 items/ }).waitFor();
    // gone for good: not in the trash, not restorable, not readable
    const gone = await uc.raw('assets/get', { asset: gids['red-apple.png'] });
    expect(gone.status).not.toBe(200);
    expect((await uc.call('assets/trash', {})).result.assets).toEqual([]);
  });

  it('raised no uncaught error and no CSP violation in the page', () => {
    expect(watch.pageErrors).toEqual([]);
    expect(watch.cspReports).toEqual([]);
  });
});
