// Small calls (issue 12 §2): POST assets/get {asset} with a JWT at 16 keep-alive connections
// beside a bare Fastify hello-world (GET / -> {"hello":"world"}) served by the same process, in the
// same run, rounds interleaved. The load comes from a separate process (bench/load.ts, a
// node:http keep-alive client loop), the same for both. Also: database queries per assets/get.
import { spawn } from 'node:child_process';
import Fastify from 'fastify';
import { benchEnv, report, printTable, percentile } from './lib.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';

const CONNS = Number(process.env.SMALL_CONNS ?? 16);
const SECONDS = Number(process.env.SMALL_SECONDS ?? 4);
const ROUNDS = Number(process.env.SMALL_ROUNDS ?? 3);

interface Load { n: number; rps: number; p50: number; p99: number; errors: number }
function load(url: string, method: string, headers: Record<string, string>, body: string): Promise<Load> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/run-ts.js', 'bench/load.ts', url, method, JSON.stringify(headers), body, String(CONNS), String(SECONDS)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load client exit ${code}`))));
  });
}

const env = await benchEnv({ runWorker: false });
const hello = Fastify({ logger: false });
hello.get('/', async () => ({ hello: 'world' }));
const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });
try {
  const c = new UnicatClient(env.url, env.project.gid);
  await c.auth(env.user.key);
  const root = (await c.call('assets/get', { pathname: '/' })).result.asset as string;
  const asset = (await c.call('assets/create', { parent: root, name: 'small' })).result.asset as string;
  const getUrl = `${env.url}/api/p/${env.project.gid}/assets/get`;
  const getHeaders = { authorization: `Bearer ${c.jwt}` };
  const getBody = JSON.stringify({ asset });

  // database queries per authenticated assets/get (the server runs in this process)
  const pool = env.pool as unknown as { query: (...a: unknown[]) => unknown };
  const orig = pool.query.bind(pool);
  let queries = 0;
  pool.query = (...a: unknown[]) => { queries++; return orig(...a); };
  await c.call('assets/get', { asset }); // warm
  queries = 0;
  for (let i = 0; i < 100; i++) await c.raw('assets/get', { asset }, { authorization: `Bearer ${getHeaders.authorization.slice(7)}` });
  const perGet = queries / 100;
  pool.query = orig;

  await load(helloUrl, 'GET', {}, ''); // warm both
  await load(getUrl, 'POST', getHeaders, getBody);
  const h: Load[] = [];
  const g: Load[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    h.push(await load(helloUrl, 'GET', {}, ''));
    g.push(await load(getUrl, 'POST', getHeaders, getBody));
    console.log(`round ${r + 1}: hello ${h[r].rps.toFixed(0)} req/s, assets/get ${g[r].rps.toFixed(0)} req/s (errors ${g[r].errors})`);
  }
  if (g.some((x) => x.errors > 0)) throw new Error('assets/get answered errors under load');
  const med = (xs: number[]) => percentile(xs, 50);
  report(`assets/get with a JWT, ${CONNS} connections (req/s, median of ${ROUNDS})`, med(g.map((x) => x.rps)), med(h.map((x) => x.rps)), 'req/s', 'ratio <= 3.33 (>= 0.3x the hello-world)', true);
  report('assets/get p50 under that load', med(g.map((x) => x.p50)), med(h.map((x) => x.p50)), 'ms');
  report('assets/get p99 under that load', med(g.map((x) => x.p99)), med(h.map((x) => x.p99)), 'ms');
  report('database queries per authenticated assets/get', perGet, 1, 'queries', '1');
  printTable('Small calls (floor: a bare Fastify hello-world in the same process, same client)');
} finally {
  await hello.close();
  await env.close();
}
