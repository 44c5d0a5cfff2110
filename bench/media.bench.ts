// DAM media: thumbnails through /dam/transform + the public URL beside the same sharp pipeline
// called directly (the floor), cached against first renders, a 100 MB download through the public
// URL beside reading the file from disk, and the server's peak RSS while 8 transforms of one
// 50-megapixel JPEG run at once. MEDIA_BENCH_N sets the thumbnails per pass (default 12).
// The thumbnails are measured twice, interleaved: with the client in this (the server's) process,
// as before, and with the client in its own process (bench/media-client.ts), whose HTTP work then
// neither runs on the server's event loop nor counts in the server's process CPU.
import { createReadStream, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import sharp from 'sharp';
import { benchEnv, printTable, report, time } from './lib.ts';
import { parseTransformOptions } from '../src/core/media/options.ts';
import { planRendition } from '../src/core/media/render.ts';

const N = Number(process.env.MEDIA_BENCH_N ?? 12);
const env = await benchEnv({ runWorker: false });
const tmp = mkdtempSync(join(tmpdir(), 'assetlib-media-bench-'));
try {
  const auth = await fetch(`${env.url}/api/p/${env.project.gid}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: env.user.key }) });
  const jwt = auth.headers.get('authorization')!;
  const root = ((await (await fetch(`${env.url}/api/p/${env.project.gid}/assets/get`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify({ pathname: '/' }) })).json()) as any).result.asset;

  async function upload(name: string, file: string): Promise<string> {
    const form = new FormData();
    form.append('parent', root);
    form.append('upload_file', await (await import('node:fs')).openAsBlob(file), name);
    const r = await fetch(`${env.url}/api/p/${env.project.gid}/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: form });
    const b = await r.json() as any;
    if (r.status !== 200) throw new Error(JSON.stringify(b));
    await env.server.prerender.idle(); // the background render after an upload (MEDIA_PRERENDER) is not timed
    return `${b.result.asset}~1${name.slice(name.lastIndexOf('.'))}`;
  }
  // The client of the timed calls: node:http on keep-alive sockets. (fetch, i.e. undici's WHATWG
  // layer, cost this process about as much CPU per request as the server's work on a cached
  // thumbnail, and server and client share this process and the 2 cores.)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (url: string, headers: Record<string, string> = {}, onData?: (c: Buffer) => void) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      http.get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', onData ?? ((c: Buffer) => chunks.push(c)));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }).on('error', reject);
    });
  async function dam(path: string): Promise<string> {
    const r = await get(`${env.url}/dam/p/${env.project.gid}/${path}`, { authorization: `Bearer ${jwt}` });
    const b = JSON.parse(r.body.toString()) as any;
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(b)}`);
    return b.result.public_url;
  }
  const drain = async (url: string) => {
    let n = 0;
    const r = await get(url, {}, (c) => { n += c.length; });
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
    return n;
  };
  const noise = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .blur(1.5).jpeg({ quality: 85 });

  // 12-megapixel JPEG -> 400 x 300 fill JPEG
  const photo = join(tmp, 'photo12.jpg');
  await noise(4000, 3000).toFile(photo);
  const path12 = await upload('photo12.jpg', photo);
  const o = parseTransformOptions('fill=400,300/type=jpg');
  // the client in its own process: one pair (transform + public URL) per key written to it
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/media-client.ts', env.url, jwt.replace(/^Bearer /, ''), env.project.gid, path12],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const remote = async (key: string) => {
    child.stdin!.write(`${key}\n`);
    const next = await lines.next();
    if (next.done) throw new Error('the media client ended');
    return JSON.parse(next.value) as { ms: number; cpuUs: number; bytes: number };
  };
  // warm-up, alike for every path measured: 3 direct renders, 3 first renders and 3 cached pairs
  // with each client (first calls of a code path run unoptimised)
  for (let i = 0; i < 3; i++) {
    await (await planRendition(photo, o, 'jpg')).image.toBuffer();
    await drain(await dam(`transform/${path12}/fill=400,300/type=jpg/key=warm${i}`));
    await drain(await dam(`transform/${path12}/fill=400,300/type=jpg/key=warm${i}`));
    await remote(`rwarm${i}`);
    await remote(`rwarm${i}`);
  }
  // interleaved, one of each in turn, so that a change of the machine's load meets all three alike;
  // with this process's CPU time (server, bench client, libvips and libuv threads; not PostgreSQL's),
  // which a loaded machine inflates far less than the wall time
  const direct = { ms: 0, cpu: 0 };
  const first = { ms: 0, cpu: 0 };
  const cached = { ms: 0, cpu: 0 };
  const firstOwn = { ms: 0, cpu: 0, client: 0 };
  const cachedOwn = { ms: 0, cpu: 0, client: 0 };
  // timed by the client (request to the last byte of the thumbnail); this process's CPU around it
  const addOwn = async (acc: { ms: number; cpu: number; client: number }, key: string) => {
    const c = process.cpuUsage();
    const r = await remote(key);
    const d = process.cpuUsage(c);
    acc.ms += r.ms;
    acc.cpu += (d.user + d.system) / 1000;
    acc.client += r.cpuUs / 1000;
  };
  const add = async (acc: { ms: number; cpu: number }, fn: () => Promise<unknown>) => {
    const c = process.cpuUsage();
    acc.ms += (await time(fn)).ms;
    const d = process.cpuUsage(c);
    acc.cpu += (d.user + d.system) / 1000;
  };
  for (let i = 0; i < N; i++) {
    await add(direct, async () => (await planRendition(photo, o, 'jpg')).image.toBuffer());
    await add(first, async () => drain(await dam(`transform/${path12}/fill=400,300/type=jpg/key=k${i}`)));
    await add(cached, async () => drain(await dam(`transform/${path12}/fill=400,300/type=jpg/key=k${i}`)));
    await addOwn(firstOwn, `r${i}`);
    await addOwn(cachedOwn, `r${i}`);
  }
  child.stdin!.end('\n');
  const rate = (ms: number) => (N * 1000) / ms;
  report('thumbnails/s, 12 MP JPEG -> 400x300 fill (transform + public URL fetch)', rate(first.ms), rate(direct.ms), 'thumbs/s', '>= 0.8x');
  report('cached thumbnail (transform + fetch), per request', cached.ms / N, first.ms / N, 'ms', '<= 0.05x (>= 20x faster)');
  report('  CPU of this process per thumbnail, first render (floor: direct)', first.cpu / N, direct.cpu / N, 'ms');
  report('  CPU of this process per cached thumbnail (floor: first render)', cached.cpu / N, first.cpu / N, 'ms');
  report('client in its own process: thumbnails/s (transform + public URL fetch)', rate(firstOwn.ms), rate(direct.ms), 'thumbs/s', '>= 0.8x');
  report('client in its own process: cached thumbnail, per request', cachedOwn.ms / N, firstOwn.ms / N, 'ms', '<= 0.05x (>= 20x faster)');
  report('  server process CPU per first render (floor: direct)', firstOwn.cpu / N, direct.cpu / N, 'ms');
  report('  server process CPU per cached thumbnail (floor: first render)', cachedOwn.cpu / N, firstOwn.cpu / N, 'ms');
  report('  client process CPU per first render; per cached thumbnail', firstOwn.client / N, cachedOwn.client / N, 'ms');

  // 100 MB download through the public URL beside reading the file from disk
  const big = join(tmp, 'big.bin');
  writeFileSync(big, randomBytes(100 * 1024 * 1024));
  const pathBig = await upload('big.bin', big);
  const url = await dam(`publish/${pathBig}`);
  await drain(url);
  const readDisk = async () => { let n = 0; for await (const c of createReadStream(big)) n += (c as Buffer).length; return n; };
  await readDisk();
  const mbps = (ms: number) => 100 / (ms / 1000);
  // three of each in turn; the best of each
  let disk = Infinity;
  let served = Infinity;
  for (let i = 0; i < 3; i++) {
    disk = Math.min(disk, (await time(readDisk)).ms);
    served = Math.min(served, (await time(() => drain(url))).ms);
  }
  report('download 100 MB through public_url', mbps(served), mbps(disk), 'MB/s', '>= 0.7x');
  // the same download with the client in its own process (its reads of the socket not on the
  // server's event loop): best of three, beside the same disk floor
  const ownMs = await new Promise<number>((resolve, reject) => {
    const code = `const http = require('node:http'); const u = process.argv[1]; let best = Infinity;
      const once = () => new Promise((ok, ko) => { const t = process.hrtime.bigint();
        http.get(u, (res) => { res.on('data', () => {}); res.on('end', () => ok(Number(process.hrtime.bigint() - t) / 1e6)); res.on('error', ko); }).on('error', ko); });
      (async () => { for (let i = 0; i < 3; i++) best = Math.min(best, await once()); console.log(best); })();`;
    const child = spawn(process.execPath, ['-e', code, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`download client exited ${code}`))));
  });
  report('client in its own process: download 100 MB through public_url', mbps(ownMs), mbps(disk), 'MB/s', '>= 0.7x');

  // 8 concurrent transforms of one 50-megapixel JPEG: the server's peak RSS
  const huge = join(tmp, 'photo50.jpg');
  await noise(8660, 5774).toFile(huge);
  const path50 = await upload('photo50.jpg', huge);
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 10);
  const conc = await time(() => Promise.all(Array.from({ length: 8 }, (_, i) => dam(`transform/${path50}/fill=400,300/type=jpg/key=c${i}`).then(drain))));
  clearInterval(sampler);
  const mb = (b: number) => b / 1024 / 1024;
  report('8 concurrent transforms of a 50 MP JPEG: wall time', conc.ms, undefined, 'ms');
  report('  peak RSS of the server process (bench client included)', mb(peak), undefined, 'MB');
  report('  peak RSS growth during the case', mb(peak - base), 8 * 8660 * 5774 * 3 / 1024 / 1024, 'MB', 'far below 8 decoded copies (the floor column)');
  agent.destroy();
  printTable('DAM media (bench/media.bench.ts)');
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await env.close();
}
