// assetlib backup / restore, as real processes: a backup of a running server's database and blobs,
// restored into an empty DATA_DIR (embedded PostgreSQL) and into an empty DATABASE_URL database,
// compared row for row and blob for blob; a backup taken while uploads continue is consistent
// (every restored file has its blob, every project's feed cursor matches its events); blob removal
// waits for no backup and removes nothing while one holds the guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCliAsync, spawnAssetlib, freePort, type Proc } from '../helpers/process.ts';
import { startTestServer, createFixture, freshDatabase, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { waitJob } from '../jobs/helpers.ts';
import { actorForKey } from '../../src/core/keys.ts';
import { createLibrary, changeMembership } from '../../src/core/libraries/index.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';
import { BLOB_GUARD_LOCK, removeOrphanBlobs } from '../../src/core/assets/trash.ts';
import { tablesOf } from '../../src/ops/backup.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let root: string;
let work: string;
let env: Record<string, string | undefined>;
const servers: Proc[] = [];

async function cli(args: string[], e = env) {
  const r = await runCliAsync(args, e, 300_000);
  if (r.code !== 0) throw new Error(`assetlib ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function upload(parent: string, name: string, content: string | Buffer): Promise<string> {
  const res = await c.upload({ parent }, { name, content });
  if (res.status !== 200) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.result.asset;
}

/** Every row of every table, as text in a stable order (timestamps in UTC). */
async function dump(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'; SET extra_float_digits = 3`);
    const out: Record<string, string[]> = {};
    for (const { name, columns } of await tablesOf(client)) {
      const cols = columns.map((x) => `"${x}"`).join(', ');
      out[name] = (await client.query(`SELECT ROW(${cols})::text AS r FROM "${name}" ORDER BY 1`)).rows.map((r) => r.r);
    }
    const { rows } = await client.query(`SELECT array_agg(version ORDER BY version) AS v FROM schema_migrations`);
    out.schema_migrations = rows[0].v;
    return out;
  } finally { await client.end(); }
}

function embeddedUrl(dataDir: string): string {
  const port = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]); // PostgreSQL's own record of its port
  return `postgres://postgres:${encodeURIComponent(readFileSync(join(dataDir, 'pg-password'), 'utf8').trim())}@127.0.0.1:${port}/postgres`;
}

beforeAll(async () => {
  t = await startTestServer();
  work = mkdtempSync(join(tmpdir(), 'assetlib-backup-'));
  chmodSync(work, 0o755); // as root, the embedded postgres runs as 'postgres' and must reach DATA_DIR
  env = { DATABASE_URL: t.config.databaseUrl, DATA_DIR: t.dataDir };
  f = await createFixture(t.db, { owner: 'owner', ed: 'editor' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/root')).result.root;
  const folder = (await c.call('assets/create', { parent: root, name: 'photos' })).result.asset;
  const files: string[] = [];
  for (let i = 0; i < 20; i++) files.push(await upload(i % 2 ? folder : root, `f${i}.bin`, Buffer.from(`content ${i % 15} `.repeat(100 + i))));
  const owner = await actorForKey(t.db, f.users.owner.key);
  const lib = await createLibrary(t.db, owner, { name: 'Selects', description: 'for the backup' });
  await changeMembership(t.db, owner, lib.gid, 'add', files.slice(0, 5), 'strict');
  const job = (await c.call('assets/bulk/delete', { selection: files.slice(15, 18) })).result['job.token'];
  expect((await waitJob(c, job)).status).toBe('done');
  await c.call('assets/update', { asset: files[0], name: 'renamed.bin' });
});

afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) { s.child.kill('SIGTERM'); await s.exited; }
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('backup of a running server, restore into an empty DATA_DIR', () => {
  it('restores every row and every blob; a server started there serves the same data with the same keys', async () => {
    const file = join(work, 'full.tar.gz');
    const before = await dump(t.config.databaseUrl!);
    const b = await cli(['backup', '--to', file]);
    expect(b.blobs).toBeGreaterThanOrEqual(15);
    expect(b.tables.assets).toBe(before.assets.length);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const dataDir = join(work, 'restored');
    const r = await cli(['restore', file], { DATABASE_URL: undefined, DATA_DIR: dataDir });
    expect(r).toMatchObject({ restored: true, blobs: b.blobs, rows: b.rows });

    const port = await freePort();
    const s = spawnAssetlib(['serve'], { DATABASE_URL: undefined, DATA_DIR: dataDir, PORT: String(port) });
    servers.push(s);
    await s.outputHas('listening on', 'the restored server');
    expect(s.output()).not.toContain('api key:'); // not an empty database: no demo project
    const after = await dump(embeddedUrl(dataDir));
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);

    const src = new DiskBlobStore(join(t.dataDir, 'blobs'));
    const dst = new DiskBlobStore(join(dataDir, 'blobs'));
    const { rows } = await t.db.query('SELECT DISTINCT content_hash AS h FROM assets WHERE content_hash IS NOT NULL');
    expect(rows.length).toBe(b.blobs);
    for (const { h } of rows) expect(readFileSync(dst.pathOf(h)).equals(readFileSync(src.pathOf(h))), h).toBe(true);

    // the old API key authenticates (the key-sealing and JWT secrets came back too) and a file downloads
    const rc = new UnicatClient(`http://127.0.0.1:${port}`, f.projectGid);
    expect((await rc.auth(f.users.ed.key)).status).toBe(200);
    const { rows: [one] } = await t.db.query(`SELECT gid::text, content_hash FROM assets WHERE name = 'f3.bin'`);
    const res = await fetch(`http://127.0.0.1:${port}/documents/api/1.1/files/${one.gid}/data`, {
      headers: { authorization: `Basic ${Buffer.from(`${f.users.ed.email}:${f.users.ed.key}`).toString('base64')}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(src.pathOf(one.content_hash)))).toBe(true);
  });

  it('refuses a database that is not empty, and an archive that is cut off, and restores nothing then', async () => {
    const file = join(work, 'small.tar');
    await cli(['backup', '--to', file]);
    const full = await runCliAsync(['restore', file], env);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/not empty/);

    const cut = join(work, 'cut.tar');
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const url = await freshDatabase();
    const dataDir = join(work, 'cut-data');
    const r = await runCliAsync(['restore', cut], { DATABASE_URL: url, DATA_DIR: dataDir });
    expect(r.code).not.toBe(0);
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    expect((await probe.query('SELECT count(*)::int AS n FROM assets')).rows[0].n).toBe(0);
    await probe.end();
  });
});

describe('consistency while writes continue', () => {
  it('a backup taken during uploads restores a consistent state into an empty DATABASE_URL database', async () => {
    let stop = false;
    let uploaded = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) { await upload(root, `live-${i}.txt`, `live upload ${i} ${'x'.repeat(i % 500)}`); uploaded++; }
    })();
    await new Promise<void>((res) => { const check = () => (uploaded >= 3 ? res() : setTimeout(check, 20)); check(); });
    const file = join(work, 'live.tar');
    const startedAt = uploaded;
    await cli(['backup', '--to', file]);
    const endedAt = uploaded;
    stop = true;
    await writer;

    const url = await freshDatabase();
    const dataDir = join(work, 'live-data');
    await cli(['restore', file], { DATABASE_URL: url, DATA_DIR: dataDir });
    const restored = new pg.Client({ connectionString: url });
    await restored.connect();
    try {
      const { rows: live } = await restored.query(`SELECT gid::text, ROW(id, gid, name, path, size, content_hash, created_on)::text AS r, content_hash FROM assets WHERE name LIKE 'live-%'`);
      expect(live.length).toBeGreaterThanOrEqual(startedAt);
      expect(live.length).toBeLessThanOrEqual(endedAt + 1);
      // each restored file is the source's row as it was, with its blob byte for byte
      const { rows: src } = await t.db.query(`SELECT gid::text, ROW(id, gid, name, path, size, content_hash, created_on)::text AS r FROM assets WHERE gid = ANY($1::uuid[])`, [live.map((x) => x.gid)]);
      expect(new Map(src.map((x) => [x.gid, x.r]))).toEqual(new Map(live.map((x) => [x.gid, x.r])));
      const srcStore = new DiskBlobStore(join(t.dataDir, 'blobs'));
      const dst = new DiskBlobStore(join(dataDir, 'blobs'));
      for (const x of live) expect(readFileSync(dst.pathOf(x.content_hash)).equals(readFileSync(srcStore.pathOf(x.content_hash)))).toBe(true);
      // the feed is whole: each project's counter is its last event, and the INSERT events of the live files are there
      const { rows: cur } = await restored.query(
        `SELECT p.project_id, p.cursor, p.pruned_to, (SELECT max(cursor) FROM changes x WHERE x.project_id = p.project_id) AS max,
                (SELECT count(*) FROM changes x WHERE x.project_id = p.project_id) AS n FROM project_cursors p`);
      for (const r of cur) { expect(Number(r.max ?? 0)).toBe(Number(r.cursor)); expect(Number(r.n)).toBe(Number(r.cursor) - Number(r.pruned_to)); }
      const { rows: [ev] } = await restored.query(`SELECT count(*)::int AS n FROM changes WHERE action = 'INSERT' AND data_type = 'assets' AND data_key = ANY($1)`, [live.map((x) => x.gid)]);
      expect(ev.n).toBe(live.length);
    } finally { await restored.end(); }
  });

  it('blob removal removes nothing while a backup holds the guard, and removes once it is released', async () => {
    const store = new DiskBlobStore(join(t.dataDir, 'blobs'));
    const orphan = await store.put((await import('node:stream')).Readable.from([Buffer.from('orphan blob')]), 1e6);
    const guard = await t.db.connect();
    try {
      await guard.query('SELECT pg_advisory_lock($1, $2)', [...BLOB_GUARD_LOCK]);
      expect(await removeOrphanBlobs(t.db, store, [orphan.hash])).toEqual({ removed: 0, kept: 1 });
      expect(await store.has(orphan.hash)).toBe(true);
    } finally {
      await guard.query('SELECT pg_advisory_unlock($1, $2)', [...BLOB_GUARD_LOCK]);
      guard.release();
    }
    expect(await removeOrphanBlobs(t.db, store, [orphan.hash])).toEqual({ removed: 1, kept: 0 });
    expect(await store.has(orphan.hash)).toBe(false);
  });
});
