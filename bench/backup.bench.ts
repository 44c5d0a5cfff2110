// Backup/restore bench (issue 9 §3): 100,000 file assets, each with its own 1 KB blob, in one
// project (100 folders x 1,000 files, seeded by SQL: the shape of tests/helpers/seed.ts plus a
// content hash, and the blobs written straight into the disk store's layout). Times
// `backup` (src/ops/backup.ts, what `assetlib backup` runs) of the running server's database and
// blobs, and `restore` into an empty migrated database and blob directory. Floors: the same data
// moved by the plain tools: COPY of every table to a file plus `tar -cf` of the blob directory
// (backup), and COPY FROM of those files plus `tar -xf` (restore).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, createWriteStream, createReadStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo, from as copyFrom } from 'pg-copy-streams';
import { benchEnv, time, report, printTable } from './lib.ts';
import { seedFolders } from '../tests/helpers/seed.ts';
import { DiskBlobStore } from '../src/storage/disk-store.ts';
import { backup, tablesOf } from '../src/ops/backup.ts';
import { restore } from '../src/ops/restore.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';

const FOLDERS = Number(process.env.BENCH_FOLDERS ?? 100);
const FILES = Number(process.env.BENCH_FILES ?? 1000);

const env = await benchEnv({ runWorker: false });
const work = join('.bench-data', `backup-${Date.now()}`);
mkdirSync(work, { recursive: true });
const withDb = (url: string, name: string) => { const u = new URL(url); u.pathname = `/${name}`; return u.toString(); };
try {
  const store = new DiskBlobStore(join(work, 'blobs-src'));
  console.log(`seeding ${FOLDERS} folders x ${FILES} files, each with its own 1 KB blob ...`);
  const seeded = await time(async () => {
    const { rows: [root] } = await env.pool.query('SELECT id FROM assets WHERE project_id = $1 AND parent_id IS NULL', [env.project.id]);
    const folders = await seedFolders(env.pool, env.project.id, root.id, FOLDERS);
    const { rows: fids } = await env.pool.query('SELECT id FROM assets WHERE gid = ANY($1::uuid[]) ORDER BY id', [folders]);
    let n = 0;
    for (const { id } of fids) {
      const hashes: string[] = [];
      for (let j = 0; j < FILES; j++, n++) {
        const content = Buffer.alloc(1024, `blob ${n} `);
        const h = createHash('sha256').update(content).digest('hex');
        const p = store.pathOf(h);
        mkdirSync(join(p, '..'), { recursive: true });
        writeFileSync(p, content);
        hashes.push(h);
      }
      await env.pool.query(
        `WITH p AS (SELECT * FROM assets WHERE id = $1),
              x AS (SELECT nextval('assets_id_seq') AS id, h, o FROM unnest($2::text[]) WITH ORDINALITY u(h, o))
         INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type, mime, size, content_hash)
         SELECT x.id, p.project_id, p.id, p.path || x.id || '/', p.depth + 1, 'file-' || x.o || '.bin', p.pathname || '/file-' || x.o || '.bin',
                true, 'other', 'application/octet-stream', 1024, x.h FROM p, x`, [id, hashes]);
    }
    return n;
  });
  console.log(`  seeded ${seeded.value} files in ${(seeded.ms / 1000).toFixed(1)} s`);
  await env.pool.query('VACUUM ANALYZE assets');

  const file = join(work, 'backup.tar');
  const b = await time(() => backup(env.pool, store, file));
  const size = statSync(file).size;
  console.log(`  backup: ${Object.values(b.value.tables).reduce((a, x) => a + x, 0)} rows, ${b.value.blobs} blobs, ${(size / 1e6).toFixed(0)} MB`);

  // floor: COPY of every table to files + tar of the blob directory
  const floorDir = join(work, 'floor');
  mkdirSync(floorDir, { recursive: true });
  const client = await env.pool.connect();
  let tables: { name: string; columns: string[] }[] = [];
  const copyFloor = await time(async () => {
    tables = await tablesOf(client);
    for (const t of tables) await pipeline(client.query(copyTo(`COPY "${t.name}" TO STDOUT`)), createWriteStream(join(floorDir, `${t.name}.copy`)));
  });
  client.release();
  const tarFloor = await time(async () => { spawnSync('tar', ['-cf', join(work, 'blobs.tar'), '-C', work, 'blobs-src'], { stdio: 'inherit' }); });
  report('backup of 100,000 assets + blobs (online, one snapshot)', b.ms / 1000, (copyFloor.ms + tarFloor.ms) / 1000, 's');

  // restore into an empty migrated database
  const admin = new pg.Client({ connectionString: env.server.db.url });
  await admin.connect();
  const name = `assetlib_bench_restore_${Date.now()}`;
  const floorName = `${name}_floor`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`CREATE DATABASE ${floorName}`);
  const target = createPool(withDb(env.server.db.url, name), 4);
  const floorPool = createPool(withDb(env.server.db.url, floorName), 4);
  try {
    await migrate(target);
    await migrate(floorPool);
    const r = await time(() => restore(target, new DiskBlobStore(join(work, 'blobs-dst')), file));
    const fc = await floorPool.connect();
    const rFloor = await time(async () => {
      await fc.query('BEGIN');
      await fc.query('SET LOCAL session_replication_role = replica');
      await fc.query(`TRUNCATE ${tables.map((t) => `"${t.name}"`).join(', ')}`);
      for (const t of tables) await pipeline(createReadStream(join(floorDir, `${t.name}.copy`)), fc.query(copyFrom(`COPY "${t.name}" FROM STDIN`)));
      await fc.query('COMMIT');
      mkdirSync(join(work, 'floor-x'), { recursive: true });
      spawnSync('tar', ['-xf', join(work, 'blobs.tar'), '-C', join(work, 'floor-x')], { stdio: 'inherit' });
    });
    fc.release();
    report('restore of that backup into an empty DATA_DIR/database', r.ms / 1000, rFloor.ms / 1000, 's');
  } finally {
    await target.end();
    await floorPool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${floorName} WITH (FORCE)`);
    await admin.end();
  }
  const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  printTable(`backup / restore, 100,000 assets with 1 KB blobs (load average ${load})`);
} finally {
  await env.close();
  rmSync(work, { recursive: true, force: true });
}
