// Debian's Firefox (firefox-esr) driven by puppeteer-core over WebDriver BiDi, which stock Firefox
// speaks. Not Playwright: its own Firefox protocol (Juggler) needs Playwright's patched Firefox
// build, and its BiDi mode (`channel: 'moz-firefox'`) sends commands that Firefox ESR does not
// implement yet (playwright-core 1.65 with Firefox 153 ESR: `browser.newContext: Protocol error
// (emulation.setMediaFeaturesOverride): unknown command`). Headless, a fresh profile per launch
// (puppeteer makes and removes it).
import puppeteer, { type Browser } from 'puppeteer-core';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

export interface FirefoxBrowser { browser: Browser; close(): Promise<void> }

export async function launchFirefox(opts: { viewport?: { width: number; height: number } } = {}): Promise<FirefoxBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    defaultViewport: opts.viewport ?? { width: 1400, height: 900 },
    // no update checks, telemetry or other background traffic in tests
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false,
      'browser.shell.checkDefaultBrowser': false,
    },
  });
  return { browser, close: () => browser.close() };
}
