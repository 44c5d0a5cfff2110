// Shared benchmark plumbing: a fresh database (DATABASE_URL's server, or an embedded PostgreSQL
// under .bench-data), a real server on loopback, timing, and the figure/floor/ratio table.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { openEmbedded, type EmbeddedHandle } from '../src/db/embedded.ts';
import { startServer, type RunningServer } from '../src/http/server.ts';
import { withTx } from '../src/db/pool.ts';
import { createProject } from '../src/core/projects.ts';
import { ensureUser, setMembership } from '../src/core/users.ts';
import { createApiKey } from '../src/core/keys.ts';

export interface BenchEnv {
  url: string;
  pool: pg.Pool;
  server: RunningServer;
  project: { id: number; gid: string };
  user: { id: number; gid: string; email: string; key: string };
  close(): Promise<void>;
}

function withDb(url: string, name: string): string { const u = new URL(url); u.pathname = `/${name}`; return u.toString(); }

/** prerender: the background render after uploads (MEDIA_PRERENDER's default); off unless asked,
 *  so that it takes no CPU from what a bench measures. */
export async function benchEnv(opts: { runWorker?: boolean; prerender?: boolean } = {}): Promise<BenchEnv> {
  let embedded: EmbeddedHandle | undefined;
  let adminUrl = process.env.DATABASE_URL;
  const base = resolve('.bench-data');
  mkdirSync(base, { recursive: true });
  const dataDir = mkdtempSync(join(base, 'run-'));
  chmodSync(dataDir, 0o755); // the embedded postgres runs as the `postgres` user and must reach pgroot/
  if (!adminUrl) {
    embedded = await openEmbedded(join(dataDir, 'pgroot'), 'test');
    adminUrl = embedded.url;
  }
  const name = `assetlib_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const databaseUrl = withDb(adminUrl, name);
  const config = loadConfig({ host: '127.0.0.1', port: 0, dataDir, databaseUrl, logLevel: 'silent', runWorker: opts.runWorker ?? true,
    ...(opts.prerender ? {} : { mediaPrerender: 'none' }) });
  const server = await startServer(config, { quiet: true });
  const pool = server.db.pool;
  const fx = await withTx(pool, async (tx) => {
    const project = await createProject(tx, 'Bench');
    const u = await ensureUser(tx, 'bench@assetlib.local', 'Bench');
    await setMembership(tx, project.id, u.id, 'owner');
    const key = await createApiKey(tx, u.id, project.id);
    return { project, user: { id: u.id, gid: u.gid, email: u.email, key } };
  });
  return {
    url: server.url, pool, server, project: fx.project, user: fx.user,
    async close() {
      await server.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await a.end();
      await embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const rows: string[][] = [];

/** Records one figure beside its floor. `higherIsBetter` for rates (ratio = floor / figure then). */
export function report(name: string, figure: number, floor: number | undefined, unit: string, target?: string, higherIsBetter = false): void {
  const ratio = floor === undefined ? '' : (higherIsBetter ? floor / figure : figure / floor).toFixed(2) + 'x';
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  rows.push([name, `${fmt(figure)} ${unit}`, floor === undefined ? '-' : `${fmt(floor)} ${unit}`, ratio, target ?? '']);
  console.log(`  ${name}: ${fmt(figure)} ${unit}` + (floor === undefined ? '' : ` | floor ${fmt(floor)} ${unit} | ratio ${ratio}`) + (target ? ` | target ${target}` : ''));
}

export function printTable(title: string): void {
  console.log(`\n## ${title}\n`);
  console.log('| figure | assetlib | floor (same SQL, direct) | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  rows.length = 0;
}
