// The database handle every core function takes: a pg Pool or a client inside a transaction.
import pg from 'pg';

export type Db = pg.Pool | pg.PoolClient;

// int8 (bigint) columns come back as strings by default; counts and cursors fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export function createPool(connectionString: string, max = 10, connectTimeoutMs = 10_000): pg.Pool {
  // JIT off: for these short OLTP statements it only adds compile time (seen: 1.6 s of JIT for a
  // 1,000-asset render whose execution took 0.1 s, because nested-loop cost estimates are large)
  const pool = new pg.Pool({ connectionString, max, options: '-c jit=off', connectionTimeoutMillis: connectTimeoutMs });
  pool.on('error', () => { /* an idle client lost its connection; the pool replaces it */ });
  // pg-pool listens for errors only on idle clients: a checked-out client whose connection dies
  // between two queries (a database restart, a failover, DROP DATABASE ... FORCE) emitted 'error'
  // with no listener, an uncaught exception that ended the process. The query in flight, or the
  // next one, still fails; pg-pool drops the broken client when it is released.
  pool.on('connect', (client) => { client.on('error', () => undefined); });
  return pool;
}

/** The callbacks to run once the transaction withTx runs on a client has committed, and its pool. */
const committed = new WeakMap<pg.PoolClient, { pool: pg.Pool; after: ((pool: pg.Pool | undefined) => void)[] }>();

/**
 * Runs `fn` once what `db` is doing has committed, with the pool it was done through: after the
 * COMMIT of withTx's transaction when `db` is its client (never, if it rolls back), at once
 * otherwise (a pool: the caller's statement has committed; another client: pool undefined).
 * For in-process caches that must not answer from before a change.
 */
export function onCommit(db: Db, fn: (pool: pg.Pool | undefined) => void): void {
  const tx = committed.get(db as pg.PoolClient);
  if (tx) tx.after.push(fn);
  else fn(db instanceof pg.Pool ? db : undefined);
}

/** Runs fn in a transaction on one pooled client; rolls back on any error. */
export async function withTx<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const after: ((pool: pg.Pool | undefined) => void)[] = [];
  committed.set(client, { pool, after });
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    committed.delete(client);
    for (const f of after) f(pool);
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    committed.delete(client);
    client.release();
  }
}
