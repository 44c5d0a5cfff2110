// Opens the database named by the config: DATABASE_URL, or the embedded one under DATA_DIR.
import type pg from 'pg';
import { createPool } from './pool.ts';
import { openEmbedded, takeOverSignals, type Role } from './embedded.ts';
import { migrate } from './migrate.ts';
import { startMark } from '../startup/trace.ts';
import type { Config } from '../config.ts';

export interface Database {
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * opts.starting: called once the database is on its way (the embedded postgres spawned, or at
 * once with DATABASE_URL): the server loads its HTTP code then, while postgres starts.
 */
export async function openDatabase(config: Config, role: Role, log: (m: string) => void = () => {}, opts: { migrate?: boolean; poolSize?: number; starting?: () => void } = {}): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  if (!url) {
    const handle = await openEmbedded(config.dataDir, role, log, opts.starting);
    takeOverSignals();
    url = handle.url;
    stopEmbedded = () => handle.stop();
  }
  opts.starting?.();
  const pool = createPool(url, opts.poolSize ?? 20, config.databaseConnectTimeoutMs);
  try {
    if (opts.migrate !== false) await migrate(pool, log);
    startMark('migrations checked');
  } catch (err) {
    await pool.end().catch(() => undefined);
    await stopEmbedded();
    throw err;
  }
  return {
    pool, url, embedded: !config.databaseUrl,
    async close() {
      await pool.end().catch(() => undefined);
      await stopEmbedded();
    },
  };
}
