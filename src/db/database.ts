// Opens the database named by the config: DATABASE_URL, or the embedded one under DATA_DIR.
import type pg from 'pg';
import { createPool } from './pool.ts';
import { startEmbedded, takeOverSignals, type Role } from './embedded.ts';
import { migrate } from './migrate.ts';
import { startMark } from '../startup/trace.ts';
import type { Config } from '../config.ts';

export interface Database {
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** Opens the database, migrated (unless opts.migrate is false), ready for queries. */
export async function openDatabase(config: Config, role: Role, log: (m: string) => void = () => {}, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<Database> {
  const db = await startDatabase(config, role, log, opts);
  try {
    await db.ready;
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * openDatabase, resolved as soon as the database is on its way (the embedded postgres spawned, or
 * at once with DATABASE_URL): the pool exists, no query may run before `ready` (postgres accepting
 * connections, migrations applied). The server builds its HTTP app meanwhile.
 */
export async function startDatabase(config: Config, role: Role, log: (m: string) => void = () => {}, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<Database & { ready: Promise<void> }> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  let started: Promise<void> = Promise.resolve();
  if (!url) {
    const handle = await startEmbedded(config.dataDir, role, log);
    takeOverSignals();
    url = handle.url;
    started = handle.ready;
    stopEmbedded = () => handle.stop();
  }
  const pool = createPool(url, opts.poolSize ?? 20, config.databaseConnectTimeoutMs);
  const ready = started.then(async () => {
    if (opts.migrate !== false) await migrate(pool, log);
    startMark('migrations checked');
  });
  ready.catch(() => {}); // awaited by the caller
  return {
    pool, url, embedded: !config.databaseUrl, ready,
    async close() {
      await pool.end().catch(() => undefined);
      await stopEmbedded();
    },
  };
}
