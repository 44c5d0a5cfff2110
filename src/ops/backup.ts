// `assetlib backup`: a consistent online backup of the database and the blobs, taken from a
// running server (or a stopped one), as one tar archive (gzip when the name ends in .gz/.tgz).
//
// Why a logical copy and not a base backup: the embedded PostgreSQL 18 ships only initdb, pg_ctl
// and postgres (no pg_basebackup, no pg_dump), the machine's tools are older, and an external
// DATABASE_URL server may be any version >= 15. Every table is copied with COPY ... TO STDOUT on
// one connection inside one REPEATABLE READ READ ONLY transaction, so all tables come from the
// same snapshot (PostgreSQL's documented way to get a consistent view of several tables; pg_dump
// does the same). COPY's text format reads back into any PostgreSQL of the supported versions.
//
// Blobs are content-addressed (sha256) and immutable, and a blob is stored before the row that
// references it commits, so every blob the snapshot references exists when the snapshot is taken.
// Only their removal could race: the backup holds BLOB_GUARD_LOCK exclusively from before the
// snapshot until the last blob is copied, and removeOrphanBlobs skips removal while it is held.
// The archive holds exactly the blobs the snapshot references (unreferenced garbage is left out).
//
// Layout: assetlib-backup.json (format, migrations, tables with columns), db/<table>.copy,
// db/sequences.json, blobs/<sha256>, secrets.json (the JWT and key-sealing secrets when they come
// from DATA_DIR/secrets.json: the archive must be kept as safe as DATA_DIR), end.json (row and blob
// counts: a truncated archive has none).
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import type pg from 'pg';
import tar from 'tar-stream';
import { to as copyTo } from 'pg-copy-streams';
import type { BlobStore } from '../storage/blob-store.ts';
import { BLOB_GUARD_LOCK } from '../core/assets/trash.ts';

export const MANIFEST = 'assetlib-backup.json';
/** The secrets that came from DATA_DIR/secrets.json (not those set in the environment): the database's check values need them. */
export const SECRETS = 'secrets.json';
export const FORMAT = 'assetlib-backup';
export const FORMAT_VERSION = 1;

export interface TableInfo { name: string; columns: string[] }
export interface Manifest { format: string; version: number; created_on: string; server_version: string; migrations: string[]; tables: TableInfo[] }
export interface BackupSummary { tables: Record<string, number>; blobs: number; blob_bytes: number; sequences: number }

export const gzipped = (file: string) => /\.(t?gz)$/i.test(file);
export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The tables of the current schema (schema_migrations apart: the manifest lists the migrations) and their stored columns. */
export async function tablesOf(db: pg.ClientBase): Promise<TableInfo[]> {
  const { rows } = await db.query(
    `SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
     GROUP BY c.relname ORDER BY c.relname`);
  return rows;
}

/** Adds a stream of known size to the archive. */
async function addEntry(pack: tar.Pack, name: string, size: number, source: AsyncIterable<Buffer>): Promise<void> {
  let finished!: Promise<void>;
  const entry = await new Promise<ReturnType<tar.Pack['entry']>>((ready) => {
    finished = new Promise<void>((res, rej) => { ready(pack.entry({ name, size, mode: 0o600, mtime: new Date() }, (err) => (err ? rej(err) : res()))); });
  });
  for await (const chunk of source) {
    if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
  }
  (entry as unknown as { end(): void }).end();
  return finished;
}

const SMALL_BLOB = 1 << 20;

const addBuffer = (pack: tar.Pack, name: string, data: Buffer) => new Promise<void>((res, rej) => {
  pack.entry({ name, size: data.length, mode: 0o600, mtime: new Date() }, data, (err) => (err ? rej(err) : res()));
});

const addJson = (pack: tar.Pack, name: string, value: unknown) => new Promise<void>((res, rej) => {
  pack.entry({ name, mode: 0o600, mtime: new Date() }, `${JSON.stringify(value, null, 1)}\n`, (err) => (err ? rej(err) : res()));
});

export interface BackupProgress { (what: 'table' | 'blob', name: string, done: number, total: number): void }

/**
 * Writes the backup to `file` (through a temporary name, renamed when complete). `pool` is the
 * server's database; `blobs` its blob store.
 */
export async function backup(pool: pg.Pool, blobs: BlobStore, file: string, progress: BackupProgress = () => {}, secrets: Record<string, string> = {}): Promise<BackupSummary> {
  const target = resolve(file);
  const partial = `${target}.partial`;
  const spill = await mkdtemp(join(dirname(target), '.assetlib-backup-'));
  const client = await pool.connect();
  const pack = tar.pack();
  const out = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  const packed = Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
  const written = gzipped(target) ? pipeline(packed, createGzip({ level: 6 }), out) : pipeline(packed, out);
  written.catch(() => undefined); // awaited below; an early failure must not be unhandled
  let locked = false;
  try {
    // no blob is removed from here until every blob of the snapshot is copied
    await client.query('SELECT pg_advisory_lock($1, $2)', [...BLOB_GUARD_LOCK]);
    locked = true;
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    // the snapshot is taken by the first statement of the transaction: everything below sees it
    const { rows: [meta] } = await client.query(
      `SELECT now() AS created_on, current_setting('server_version') AS server_version,
              (SELECT array_agg(version ORDER BY version) FROM schema_migrations) AS migrations`);
    const tables = await tablesOf(client);
    const manifest: Manifest = { format: FORMAT, version: FORMAT_VERSION, created_on: meta.created_on.toISOString(), server_version: meta.server_version, migrations: meta.migrations, tables };
    await addJson(pack, MANIFEST, manifest);

    const summary: BackupSummary = { tables: {}, blobs: 0, blob_bytes: 0, sequences: 0 };
    let t = 0;
    for (const table of tables) {
      progress('table', table.name, t++, tables.length);
      // COPY into a spill file first: a tar entry needs its size up front
      const tmp = join(spill, `${table.name}.copy`);
      let rows = 0;
      const counter = new Transform({ transform(chunk: Buffer, _e, cb) { for (const b of chunk) if (b === 10) rows++; cb(null, chunk); } });
      const cols = table.columns.map(quoteIdent).join(', ');
      await pipeline(client.query(copyTo(`COPY ${quoteIdent(table.name)} (${cols}) TO STDOUT`)), counter, createWriteStream(tmp));
      const fh = await open(tmp);
      try { await addEntry(pack, `db/${table.name}.copy`, (await fh.stat()).size, fh.createReadStream({ autoClose: false, highWaterMark: 1 << 20 })); } finally { await fh.close(); }
      await rm(tmp);
      summary.tables[table.name] = rows;
    }
    // sequences are not transactional: their current values are at least the snapshot's (gaps only)
    const { rows: seqs } = await client.query(
      `SELECT format('%I', c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'S' ORDER BY 1`);
    const sequences = [];
    for (const s of seqs) {
      const { rows: [v] } = await client.query(`SELECT last_value::text, is_called FROM ${s.name}`);
      sequences.push({ name: s.name, last_value: v.last_value, is_called: v.is_called });
    }
    await addJson(pack, 'db/sequences.json', sequences);
    summary.sequences = sequences.length;

    const { rows: refs } = await client.query(
      `SELECT h, max(size)::bigint AS size FROM (
         SELECT content_hash AS h, size FROM assets WHERE content_hash IS NOT NULL
         UNION ALL SELECT blob_hash, size FROM media_links) x GROUP BY h ORDER BY h`);
    await client.query('COMMIT');
    let b = 0;
    for (const { h, size } of refs) {
      if (b % 100 === 0) progress('blob', h, b, refs.length);
      b++;
      // a small blob with a local file is read whole (one read, no stream: most blobs of a DAM
      // are small renditions and documents); others are streamed
      const local = Number(size) <= SMALL_BLOB && blobs.localPath ? await blobs.localPath(h) : undefined;
      if (local) {
        await addBuffer(pack, `blobs/${h}`, await readFile(local));
      } else {
        const src = await blobs.open(h);
        if (!src) throw new Error(`blob ${h} referenced by the database is missing from the blob store`);
        await addEntry(pack, `blobs/${h}`, Number(size), src);
      }
      summary.blobs++;
      summary.blob_bytes += Number(size);
    }
    progress('blob', '', refs.length, refs.length);
    if (Object.keys(secrets).length) await addJson(pack, SECRETS, secrets);
    await addJson(pack, 'end.json', summary);
    pack.finalize();
    await written;
    const { rename } = await import('node:fs/promises');
    await rename(partial, target);
    return summary;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1, $2)', [...BLOB_GUARD_LOCK]).catch(() => undefined);
    client.release();
    await rm(spill, { recursive: true, force: true });
  }
}

/** The size of a finished backup file (for the CLI's summary line). */
export async function fileSize(file: string): Promise<number> { return (await stat(file)).size; }
