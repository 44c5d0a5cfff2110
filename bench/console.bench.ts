// Console bench (issue 10): time from navigation to the first grid of thumbnails of a folder with
// 10,000 assets (40 real JPEGs first, whose thumbnails the DAM transform renders on the first visit
// and serves from its cache after; the rest seeded rows, shown with type icons), in Chromium (playwright-core), cold (empty cache) and warm; and the gzip size of
// the JavaScript the page loads. Floor of the grid: the first page of that folder (assets/children,
// 200 assets) fetched over HTTP from Node, i.e. the data the grid waits for.
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { benchEnv, report, printTable, percentile, time } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, VIEWPORT, launchBrowser } from '../tests/web/browser.ts';

const ASSETS = Number(process.env.BENCH_CONSOLE_ASSETS ?? 10_000);
/** real images uploaded first (their names sort first, so the first screen is all thumbnails) */
const IMAGES = 40;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** BENCH_CONSOLE_TRACE=1: print each visit's resource timeline (what the page waited for) */
const TRACE = process.env.BENCH_CONSOLE_TRACE === '1';

/** In the page: performance.now() once the tiles in view show their pictures, else false. A
 *  function, not a string: Playwright evaluates a string predicate with eval, which the console's
 *  CSP (script-src 'self') refuses. */
const GRID_READY = () => {
  const doc = (globalThis as any).document;
  const scroller = doc.querySelector('.scroller');
  if (!scroller || doc.querySelector('.scroller .placeholder')) return false;
  const bottom = scroller.getBoundingClientRect().bottom;
  const inView = [...scroller.querySelectorAll('[role="option"]')].filter((t: any) => t.getBoundingClientRect().top < bottom);
  if (inView.length < 10) return false;
  const ready = inView.every((t: any) => { const img = t.querySelector('img'); return img ? img.complete && img.naturalWidth > 0 : t.querySelector('svg:not([data-pending])') !== null; });
  return ready ? (globalThis as any).performance.now() as number : false;
};

const env = await benchEnv({ runWorker: false, prerender: true });
const b = await launchBrowser();
try {
  const folder = await seedFolder(env.pool, env.project.id, 'ten-thousand');
  const c = new UnicatClient(env.url, env.project.gid);
  await c.auth(env.user.key);
  for (let i = 0; i < IMAGES; i++) {
    const content = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: (i * 37) % 255, g: 120, b: (i * 91) % 255 } } }).jpeg().toBuffer();
    const r = await c.upload({ parent: folder.gid }, { name: `a-image-${String(i).padStart(2, '0')}.jpg`, content, type: 'image/jpeg' });
    if (r.status !== 200) throw new Error(`upload: ${r.status}`);
  }
  await seedFiles(env.pool, env.project.id, folder.id, ASSETS - IMAGES, 'photo-');
  // the server renders the console's thumbnail of each upload in the background (MEDIA_PRERENDER)
  const prerendered = await time(() => env.server.prerender.idle());
  const session = { project: env.project.gid, user: env.user.gid, email: env.user.email, jwt: c.jwt!.replace(/^Bearer\s+/i, ''), projectName: 'Bench' };

  // the JavaScript shipped: every script the page loads, gzip -9
  const html = await (await fetch(`${env.url}/`)).text();
  let gz = 0;
  let raw = 0;
  // (the entry script and the console's code it imports, which the page modulepreloads)
  for (const [, src] of html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)) {
    const js = Buffer.from(await (await fetch(`${env.url}${src}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    raw += js.length;
    gz += gzipSync(js, { level: 9 }).length;
  }

  const floors: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    floors.push((await time(() => c.call('assets/children', { asset: folder.gid, 'page.top': 0, 'page.size': 200 }))).ms);
  }

  // navigation start -> every tile in view rendered with its picture (a loaded <img>, or the type
  // icon when the server gives no thumbnail; not the icon that stands in while a thumbnail is on
  // its way), measured in the page (performance.now())
  // also counts the requests the page made to the server (not those answered by its cache)
  // cold: a new browser context (its own empty HTTP and code caches, no storage) in a browser that
  // is already running, as a first visit from a browser someone has open; fresh: a browser
  // launched for the visit, whose own start-up work (Chromium preloads its omnibox WebUI in a
  // second renderer, ~0.5 s of CPU on these two cores) runs beside the page
  const running = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const grid = async (mode: 'warm' | 'cold' | 'fresh', requests: number[] = []): Promise<number> => {
    const launched = mode === 'fresh' ? await launchBrowser() : undefined;
    const coldCtx = mode === 'cold' ? await running.newContext({ viewport: VIEWPORT }) : undefined;
    const ctx = launched ?? (coldCtx ? { browser: coldCtx, close: () => coldCtx.close() } : undefined);
    const page = await (ctx ?? b).browser.newPage();
    await page.addInitScript({ content: `sessionStorage.setItem('assetlib.session', ${JSON.stringify(JSON.stringify(session))});` });
    await page.goto(`${env.url}/#/folder/${folder.gid}`);
    const ms = await page.waitForFunction(GRID_READY, undefined, { polling: 'raf', timeout: 30_000 }).then((h) => h.jsonValue() as Promise<number>);
    // the page and every resource not served from the browser's cache (transferSize 0)
    requests.push(await page.evaluate("1 + performance.getEntriesByType('resource').filter((e) => e.transferSize > 0).length") as number);
    if (TRACE) {
      const nav = await page.evaluate("JSON.stringify(performance.getEntriesByType('navigation').map((e) => [e.responseEnd, e.domContentLoadedEventEnd]))") as string;
      const entries = JSON.parse(await page.evaluate("JSON.stringify(performance.getEntriesByType('resource').map((e) => [e.name, e.startTime, e.responseEnd, e.transferSize]))") as string) as [string, number, number, number][];
      // the count above is taken when the bench reads it, a little after the grid: what the page
      // started after the grid (its margin, the feed) can be in it; this one stops at the grid
      const before = 1 + entries.filter(([, start, , size]) => size > 0 && start < ms).length;
      console.log(`${mode} ${ms.toFixed(0)} ms; navigation [responseEnd, DCL] ${nav}; ${before} requests started before the grid`);
      for (const [name, start, end, size] of entries) console.log(`  ${start.toFixed(0).padStart(5)} -> ${end.toFixed(0).padStart(5)} ${String(size).padStart(7)} ${name.replace(env.url, '').slice(0, 110)}`);
    }
    await page.close();
    await ctx?.close();
    return ms;
  };
  const cold: number[] = [];
  const freshBrowser: number[] = [];
  const warm: number[] = [];
  const coldRequests: number[] = [];
  const warmRequests: number[] = [];
  // the first visit ever: the bundle and every picture over the network, thumbnails as rendered after upload
  const firstRequests: number[] = [];
  const first = await grid('warm', firstRequests); // the shared profile's cache now holds the bundle and pictures
  for (let i = 0; i < ROUNDS; i++) {
    cold.push(await grid('cold', coldRequests));
    freshBrowser.push(await grid('fresh'));
    warm.push(await grid('warm', warmRequests));
  }
  await running.close();
  const floor = percentile(floors, 50);
  report(`background renders of the ${IMAGES} uploads done (after the last upload and the seeding)`, prerendered.ms, undefined, 'ms');
  report(`first grid of a ${ASSETS.toLocaleString()}-asset folder, first visit ever (once; ${firstRequests[0]} requests)`, first, floor, 'ms', '< 1000 ms');
  report(`first grid of a ${ASSETS.toLocaleString()}-asset folder, cold cache: a new context in a running browser (median of ${ROUNDS})`, percentile(cold, 50), floor, 'ms', '< 1000 ms');
  report(`first grid of a ${ASSETS.toLocaleString()}-asset folder, cold in a browser launched for the visit (median of ${ROUNDS})`, percentile(freshBrowser, 50), floor, 'ms');
  report(`first grid of a ${ASSETS.toLocaleString()}-asset folder, warm cache (median of ${ROUNDS})`, percentile(warm, 50), floor, 'ms', '< 1000 ms');
  report('requests to the server until the first grid, cold cache (median)', percentile(coldRequests, 50), undefined, 'requests', 'few');
  report('requests to the server until the first grid, warm cache (median)', percentile(warmRequests, 50), undefined, 'requests', 'few');
  report(`JavaScript shipped, gzip -9 (${(raw / 1024).toFixed(0)} kB raw)`, gz / 1024, undefined, 'kB', '< 250 kB');
  printTable('web console');
} finally {
  await b.close();
  await env.close();
}
