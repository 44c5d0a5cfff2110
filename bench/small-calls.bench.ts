// Small calls (issue 12 §2): POST assets/get {asset} with a JWT at 16 keep-alive connections
// beside a bare Fastify hello-world (GET / -> {"hello":"world"}) served by the same process, in the
// same run, rounds interleaved. The load comes from a separate process (bench/load.ts, a
// node:http keep-alive client loop), the same for both. Also: database queries per assets/get.
import { benchEnv, report, printTable, percentile } from './lib.ts';
import { load as runLoad, smallCallsTargets, type Load } from './small-calls-fixture.ts';

const CONNS = Number(process.env.SMALL_CONNS ?? 16);
const SECONDS = Number(process.env.SMALL_SECONDS ?? 4);
const ROUNDS = Number(process.env.SMALL_ROUNDS ?? 3);

const load = (url: string, method: string, headers: Record<string, string>, body: string): Promise<Load> => runLoad(url, method, headers, body, CONNS, SECONDS);

const env = await benchEnv({ runWorker: false });
const t = await smallCallsTargets(env);
try {
  const { helloUrl, getUrl, getHeaders, getBody, asset, client: c } = t;

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
  await t.close();
  await env.close();
}
