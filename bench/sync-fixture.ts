// What the sync bench and its profiler share: the events, the caller, and the catch-up client in
// its own process (bench/sync-client.ts).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BenchEnv } from './lib.ts';

export interface SyncFixture {
  /** The cursor before the events. */
  first: number;
  jwt: string;
  keyId: number;
}

/** total project events written with emit_changes in batches of 100,000; ms: the writing's wall time. */
export async function writeEvents(env: BenchEnv, total: number): Promise<SyncFixture & { ms: number }> {
  const { pool, project, url } = env;
  const t0 = Date.now();
  for (let done = 0; done < total; done += 100_000) {
    await pool.query(`SELECT emit_changes($1, 'UPDATE', 'assets', ARRAY(SELECT gen_random_uuid()::text FROM generate_series(1, $2::int)))`,
      [project.id, Math.min(100_000, total - done)]);
  }
  const ms = Date.now() - t0;
  await pool.query('VACUUM ANALYZE changes');
  const { rows: [start] } = await pool.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [project.id]);
  const auth = await fetch(`${url}/api/p/${project.gid}/auth`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: env.user.key }),
  });
  const jwt = auth.headers.get('authorization')!;
  const { rows: [key] } = await pool.query('SELECT id FROM api_keys WHERE user_id = $1', [env.user.id]);
  return { first: start.cursor - total, jwt, keyId: key.id, ms };
}

export interface ClientCatchUp { ms: number; receiveMs: number; parseMs: number; cpuUs: number; bytes: number }

/** The catch-up client in its own process; catchUp(limit) runs one whole catch-up there. */
export function spawnClient(env: BenchEnv, fx: SyncFixture, total: number): { catchUp(limit: number): Promise<ClientCatchUp>; close(): void } {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/sync-client.ts', env.url, fx.jwt, env.project.gid, String(fx.first), String(total)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async catchUp(limit) {
      child.stdin!.write(`${limit}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('the sync client ended');
      return JSON.parse(next.value) as ClientCatchUp;
    },
    close() { child.stdin!.end('\n'); },
  };
}
