// What the small-calls bench and its profiler share: the load client (bench/load.ts, a separate
// process) and the two targets it is pointed at, an assets/get with a JWT on the bench server and
// a bare Fastify hello-world served by the same process.
import { spawn } from 'node:child_process';
import Fastify from 'fastify';
import type { BenchEnv } from './lib.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';

export interface Load { n: number; rps: number; p50: number; p99: number; errors: number; cpuUs: number }

export function load(url: string, method: string, headers: Record<string, string>, body: string, conns: number, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/run-ts.js', 'bench/load.ts', url, method, JSON.stringify(headers), body, String(conns), String(seconds)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load client exit ${code}`))));
  });
}

export interface SmallCallsTargets {
  helloUrl: string;
  getUrl: string;
  getHeaders: Record<string, string>;
  getBody: string;
  asset: string;
  client: UnicatClient;
  close(): Promise<void>;
}

/** Signs in, creates one asset to read, and starts the hello-world beside the bench server. */
export async function smallCallsTargets(env: BenchEnv): Promise<SmallCallsTargets> {
  const hello = Fastify({ logger: false });
  hello.get('/', async () => ({ hello: 'world' }));
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });
  const client = new UnicatClient(env.url, env.project.gid);
  await client.auth(env.user.key);
  const root = (await client.call('assets/get', { pathname: '/' })).result.asset as string;
  const asset = (await client.call('assets/create', { parent: root, name: 'small' })).result.asset as string;
  return {
    helloUrl, asset, client,
    getUrl: `${env.url}/api/p/${env.project.gid}/assets/get`,
    getHeaders: { authorization: `Bearer ${client.jwt}` },
    getBody: JSON.stringify({ asset }),
    close: () => hello.close(),
  };
}
