// `assetlib restore FILE`: loads a backup (src/ops/backup.ts) into an empty database and blob
// store. The schema comes from this build's migrations, which must be exactly the backup's; the
// rows are loaded with COPY ... FROM STDIN in one transaction with session_replication_role =
// replica (no triggers: the feeds and the search index are restored as they were, not
// re-emitted; no FK checks while tables load in any order), then the sequences are set. Blobs are
// stored through the blob store, each checked against its sha256 name. The transaction commits
// only after end.json (the last entry) has been read and every count matched: a truncated or
// damaged archive restores nothing into the database.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import tar from 'tar-stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { BlobStore } from '../storage/blob-store.ts';
import { CoreError } from '../core/errors.ts';
import { FORMAT, FORMAT_VERSION, MANIFEST, SECRETS, gzipped, quoteIdent, tablesOf, type BackupSummary, type Manifest } from './backup.ts';

/** A backup that cannot be restored here (the CLI prints its message as one line). */
export class RestoreError extends CoreError { constructor(message: string) { super('invalid', message); } }

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Fails unless every table of the schema is empty but for the rows the migrations insert (settings, cc_cursor). */
async function checkEmpty(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query(
    `SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM users) + (SELECT count(*) FROM assets) AS n`);
  if (Number(rows[0].n) > 0) throw new RestoreError('the database is not empty (it has projects, users or assets): restore only into an empty DATA_DIR or database');
}

/** What a restore read: the counts, and the secrets the archive carried (the caller writes them to DATA_DIR). */
export interface Restored { summary: BackupSummary; secrets: Record<string, string> }

export async function restore(pool: pg.Pool, blobs: BlobStore, file: string, progress: (what: string, name: string) => void = () => {}): Promise<Restored> {
  const client = await pool.connect();
  const extract = tar.extract();
  let manifest: Manifest | undefined;
  let summary: BackupSummary | undefined;
  let secrets: Record<string, string> = {};
  const counts: Record<string, number> = {};
  let blobCount = 0;
  let began = false;
  try {
    await checkEmpty(client);
    const source: Readable = createReadStream(file);
    const reading = gzipped(file) ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
    reading.catch((e) => extract.destroy(e));
    for await (const tarEntry of extract) {
      const name = tarEntry.header.name;
      const entry = Readable.from(tarEntry as AsyncIterable<Buffer>, { objectMode: false });
      if (!manifest) {
        if (name !== MANIFEST) throw new RestoreError(`${file} is not an assetlib backup (its first entry is ${name})`);
        manifest = JSON.parse(await readAll(entry)) as Manifest;
        if (manifest.format !== FORMAT || manifest.version !== FORMAT_VERSION) throw new RestoreError(`unsupported backup format ${manifest.format} ${manifest.version}`);
        const { rows } = await client.query('SELECT array_agg(version ORDER BY version) AS v FROM schema_migrations');
        const here = (rows[0].v ?? []).join(',');
        if (here !== manifest.migrations.join(',')) {
          throw new RestoreError(`the backup's schema (migrations ${manifest.migrations.at(-1)}) differs from this assetlib's (${rows[0].v?.at(-1)}): restore with the version that made it`);
        }
        const tables = new Map((await tablesOf(client)).map((t) => [t.name, new Set(t.columns)]));
        for (const t of manifest.tables) {
          const have = tables.get(t.name);
          if (!have || t.columns.some((c) => !have.has(c))) throw new RestoreError(`table ${t.name} of the backup does not match this schema`);
        }
        await client.query('BEGIN');
        began = true;
        await client.query('SET LOCAL session_replication_role = replica');
        await client.query(`TRUNCATE ${manifest.tables.map((t) => quoteIdent(t.name)).join(', ')}`);
        continue;
      }
      const table = /^db\/(.+)\.copy$/.exec(name)?.[1];
      if (table) {
        const info = manifest.tables.find((t) => t.name === table);
        if (!info) throw new RestoreError(`unexpected table ${table} in the backup`);
        progress('table', table);
        let rows = 0;
        entry.on('data', (chunk: Buffer) => { for (const b of chunk) if (b === 10) rows++; });
        await pipeline(entry, client.query(copyFrom(`COPY ${quoteIdent(table)} (${info.columns.map(quoteIdent).join(', ')}) FROM STDIN`)));
        counts[table] = rows;
      } else if (name === 'db/sequences.json') {
        for (const s of JSON.parse(await readAll(entry)) as { name: string; last_value: string; is_called: boolean }[]) {
          await client.query('SELECT setval($1::regclass, $2::bigint, $3)', [s.name, s.last_value, s.is_called]);
        }
      } else if (name.startsWith('blobs/')) {
        const hash = name.slice('blobs/'.length);
        if (blobCount % 100 === 0) progress('blob', hash);
        const stored = await blobs.put(entry, Number.MAX_SAFE_INTEGER);
        if (stored.hash !== hash) throw new RestoreError(`blob ${hash} in the backup is damaged (its content hashes to ${stored.hash})`);
        blobCount++;
      } else if (name === SECRETS) {
        secrets = JSON.parse(await readAll(entry));
      } else if (name === 'end.json') {
        summary = JSON.parse(await readAll(entry)) as BackupSummary;
      } else {
        await readAll(entry);
      }
    }
    await reading;
    if (!manifest) throw new RestoreError(`${file} is empty`);
    if (!summary) throw new RestoreError(`${file} is incomplete (no end.json): the backup was cut off`);
    for (const [t, n] of Object.entries(summary.tables)) {
      if ((counts[t] ?? -1) !== n) throw new RestoreError(`table ${t}: the backup says ${n} rows, ${counts[t] ?? 0} were read`);
    }
    if (blobCount !== summary.blobs) throw new RestoreError(`the backup says ${summary.blobs} blobs, ${blobCount} were read`);
    await client.query('COMMIT');
    return { summary, secrets };
  } catch (err) {
    if (began) await client.query('ROLLBACK').catch(() => undefined);
    extract.destroy();
    throw err;
  } finally {
    client.release();
  }
}
