// Debian's Chromium driven by playwright-core: headless, no sandbox (CI runs as root), background
// networking off, a fresh profile per launch.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The window the tests and the console bench browse in. */
export const VIEWPORT = { width: 1400, height: 900 };

export interface TestBrowser { browser: BrowserContext; close(): Promise<void> }

export async function launchBrowser(opts: { viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'assetlib-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: opts.viewport ?? VIEWPORT,
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
  });
  return {
    browser: context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * What went wrong in a page: uncaught errors, and Content-Security-Policy violations (the
 * console's reports and the page's securitypolicyviolation events). Call before the first goto.
 */
export interface PageWatch { pageErrors: string[]; cspReports: string[] }

export async function watchPage(page: Page): Promise<PageWatch> {
  const w: PageWatch = { pageErrors: [], cspReports: [] };
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) w.cspReports.push(m.text()); });
  await page.exposeFunction('reportCspViolation', (v: string) => { w.cspReports.push(v); });
  await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => { void window.reportCspViolation(e.violatedDirective + ' ' + e.blockedURI); });" });
  return w;
}

/** Screenshots for docs/screenshots/ only when asked (UPDATE_SCREENSHOTS=1, `npm run screenshots`):
 *  a plain test run leaves the tree clean. */
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const SHOTS = join(import.meta.dirname, '../../docs/screenshots');
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export type { Browser };

/** A page in a fresh browser profile, watched (watchPage) from before its first navigation. */
export async function openWatchedPage(opts: Parameters<typeof launchBrowser>[0] = {}): Promise<{ b: TestBrowser; page: Page; watch: PageWatch }> {
  const b = await launchBrowser(opts);
  const page = await b.browser.newPage();
  const watch = await watchPage(page);
  return { b, page, watch };
}

/**
 * The console's sign-in as a person does it, shared by the browser tests: a wrong key first (the
 * refusal is a readable message and the form stays; `onRefused` runs while it shows, e.g. for a
 * screenshot), then the right key, until `landmark` (an item of the home folder) is listed and the
 * live feed is connected.
 */
export async function signInThroughForm(page: Page, url: string, user: { email: string; key: string }, opts: {
  wrongKey: string; landmark: Locator; onRefused?: () => Promise<void>;
}): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('API key').fill(opts.wrongKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'unknown email or API key' });
  await refusal.waitFor();
  expect(await refusal.textContent()).toContain('unknown email or API key');
  await opts.onRefused?.();
  await page.getByLabel('API key').fill(user.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await opts.landmark.waitFor();
  await page.locator('.feed.live').waitFor();
}
