// DAM media: thumbnails through /dam/transform + the public URL beside the same sharp pipeline
// called directly (the floor), cached against first renders, a 100 MB download through the public
// URL beside reading the file from disk, and the server's peak RSS while 8 transforms of one
// 50-megapixel JPEG run at once. MEDIA_BENCH_N sets the thumbnails per pass (default 12).
import { createReadStream, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
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
  await (await planRendition(photo, o, 'jpg')).image.toBuffer(); // warm-up
  await drain(await dam(`transform/${path12}/fill=400,300/type=jpg/key=warm`));
  // interleaved, one of each in turn, so that a change of the machine's load meets all three alike;
  // with this process's CPU time (server, bench client, libvips and libuv threads; not PostgreSQL's),
  // which a loaded machine inflates far less than the wall time
  const direct = { ms: 0, cpu: 0 };
  const first = { ms: 0, cpu: 0 };
  const cached = { ms: 0, cpu: 0 };
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
  }
  const rate = (ms: number) => (N * 1000) / ms;
  report('thumbnails/s, 12 MP JPEG -> 400x300 fill (transform + public URL fetch)', rate(first.ms), rate(direct.ms), 'thumbs/s', '>= 0.8x');
  report('cached thumbnail (transform + fetch), per request', cached.ms / N, first.ms / N, 'ms', '<= 0.05x (>= 20x faster)');
  report('  CPU of this process per thumbnail, first render (floor: direct)', first.cpu / N, direct.cpu / N, 'ms');
  report('  CPU of this process per cached thumbnail (floor: first render)', cached.cpu / N, first.cpu / N, 'ms');

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
