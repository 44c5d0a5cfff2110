// A pooled client checked out between two queries when its connection dies (a database restart or
// failover, DROP DATABASE ... FORCE) must not end the process: pg-pool watches only idle clients
// for errors. (Seen in CI: readyz's "database is gone" test ended with two uncaught pg errors.)
import { afterAll, expect, it } from 'vitest';
import type pg from 'pg';
import { createPool, withTx } from '../../src/db/pool.ts';
import { freshDatabase } from '../helpers/server.ts';

let pool: pg.Pool | undefined;
afterAll(() => pool?.end());

it('a checked-out client whose backend is terminated is no uncaught exception, and the pool goes on', async () => {
  pool = createPool(await freshDatabase(), 3);
  const uncaught: unknown[] = [];
  const record = (e: unknown) => { uncaught.push(e); };
  process.on('uncaughtException', record);
  try {
    const client = await pool.connect();
    const { rows: [{ pid }] } = await client.query('SELECT pg_backend_pid() AS pid');
    // not events.once: it would add an 'error' listener of its own
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await ended; // 'error' is emitted before 'end'
    expect(uncaught).toEqual([]);
    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable/);
    client.release(true);
    expect((await withTx(pool, (tx) => tx.query('SELECT 2 AS n'))).rows[0].n).toBe(2);
  } finally {
    process.off('uncaughtException', record);
  }
});
