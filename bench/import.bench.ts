// Import bench (issue 9 §3): 10,000 small files (100 folders x 100 files of 1-4 KB, distinct
// contents) imported into a project by importTree (src/cli/import.ts: what `assetlib import`
// runs, through the upload use case, 8 files at a time), in files per second, beside the same
// tree copied with `cp -r` (the floor: the bytes onto the same disk, no database). Then a second
// import of the same tree (every file skipped: the resume check reads and hashes each file).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { benchEnv, time, report, printTable } from './lib.ts';
import { DiskBlobStore } from '../src/storage/disk-store.ts';
import { importTree } from '../src/cli/import.ts';

const DIRS = Number(process.env.BENCH_DIRS ?? 100);
const FILES = Number(process.env.BENCH_FILES ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const env = await benchEnv({ runWorker: false });
const work = join('.bench-data', `import-${Date.now()}`);
try {
  const tree = join(work, 'tree');
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(tree, `dir-${d}`), { recursive: true });
    for (let i = 0; i < FILES; i++) writeFileSync(join(tree, `dir-${d}`, `file-${i}.txt`), `${d}/${i} `.repeat(100 + ((d * FILES + i) % 300)));
  }
  const n = DIRS * FILES;
  const cp = await time(async () => { spawnSync('cp', ['-r', tree, join(work, 'copy')], { stdio: 'inherit' }); });
  const store = new DiskBlobStore(join(work, 'blobs'));
  const opts = { dir: tree, projectGid: env.project.gid, into: '/imported', concurrency: CONCURRENCY, uploadLimitBytes: 1 << 30, progress: false };
  const first = await time(() => importTree(env.pool, store, opts));
  if (first.value.uploaded !== n || first.value.failed.length) throw new Error(`import: ${JSON.stringify({ ...first.value, failed: first.value.failed.slice(0, 5) })}`);
  const again = await time(() => importTree(env.pool, store, opts));
  if (again.value.skipped !== n) throw new Error(`second import skipped ${again.value.skipped}`);
  report(`import of ${n} small files (${CONCURRENCY} at a time)`, n / (first.ms / 1000), n / (cp.ms / 1000), 'files/s', undefined, true);
  report(`second import of the same tree (all skipped)`, n / (again.ms / 1000), n / (cp.ms / 1000), 'files/s', undefined, true);
  printTable(`import vs cp -r, ${n} files (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
} finally {
  await env.close();
  rmSync(work, { recursive: true, force: true });
}
