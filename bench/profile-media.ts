// Profiles dam/transform: cached pairs (transform + public URL fetch) and first renders, in this
// process (not a bench: `node bin/run-ts.js bench/profile-media.ts [cached|first]`).
import { mkdtempSync, rmSync, openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import sharp from 'sharp';
import { benchEnv } from './lib.ts';
import { shares, type Node } from './profile-shares.ts';

const mode = process.argv[2] ?? 'cached';
const env = await benchEnv({ runWorker: false });
const tmp = mkdtempSync(join(tmpdir(), 'assetlib-media-prof-'));
try {
  const auth = await fetch(`${env.url}/api/p/${env.project.gid}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: env.user.key }) });
  const jwt = auth.headers.get('authorization')!;
  const root = ((await (await fetch(`${env.url}/api/p/${env.project.gid}/assets/get`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` }, body: JSON.stringify({ pathname: '/' }) })).json()) as any).result.asset;
  const photo = join(tmp, 'photo12.jpg');
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).blur(1.5).jpeg({ quality: 85 }).toFile(photo);
  const form = new FormData();
  form.append('parent', root);
  form.append('upload_file', await openAsBlob(photo), 'photo12.jpg');
  const b = await (await fetch(`${env.url}/api/p/${env.project.gid}/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` }, body: form })).json() as any;
  const path12 = `${b.result.asset}~1.jpg`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (url: string, headers: Record<string, string> = {}) => new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
  const pair = async (key: string) => {
    const r = await get(`${env.url}/dam/p/${env.project.gid}/transform/${path12}/fill=400,300/type=jpg/key=${key}`, { authorization: `Bearer ${jwt}` });
    if (r.status !== 200) throw new Error(r.body.toString());
    const f = await get(JSON.parse(r.body.toString()).result.public_url);
    if (f.status !== 200) throw new Error(String(f.status));
  };
  await pair('warm');
  const n = mode === 'cached' ? 1000 : 40;
  for (let i = 0; i < 20; i++) await pair(mode === 'cached' ? 'warm' : `w${i}`);
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 200 });
  await s.post('Profiler.start');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await pair(mode === 'cached' ? 'warm' : `k${i}`);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const { profile } = await s.post('Profiler.stop');
  s.disconnect();
  console.log(`${mode}: ${(ms / n).toFixed(2)} ms/pair wall, ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU/pair`);
  shares(profile as unknown as { nodes: Node[]; samples: number[] });
  agent.destroy();
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await env.close();
}
