// `assetlib import DIR --project GID [--into /path]`: uploads a folder tree through the core's
// upload use case (src/core/assets/import.ts), N files at a time. Folders are made first, in
// tree order; then the files in parallel. Resumable: a file whose pathname already holds a file of
// the same size and sha256 is skipped. Progress: a cli-progress bar on a terminal (files, bytes,
// rate, ETA), plain lines on stderr otherwise. Returns the summary; the caller exits non-zero when
// anything failed.
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import cliProgress from 'cli-progress';
import type { BlobStore } from '../storage/blob-store.ts';
import { assetsUnder, childPathname, ensureFolderPath, importActor, importFile } from '../core/assets/import.ts';
import { normalizePathname } from '../core/assets/read.ts';

export interface ImportOptions { dir: string; projectGid: string; into: string; as?: string; concurrency: number; uploadLimitBytes: number; progress: boolean }
export interface ImportSummary { files: number; uploaded: number; skipped: number; failed: { path: string; error: string }[]; folders_created: number; bytes: number; seconds: number; files_per_second: number }

interface LocalFile { path: string; parent: string; name: string; size: number }

/** Walks `dir`: folders (pathnames relative to `into`, parents first) and files; unreadable entries become failures. */
async function walk(dir: string, into: string, failed: ImportSummary['failed']) {
  const folders: string[] = [];
  const files: LocalFile[] = [];
  const queue: [string, string][] = [[dir, into]];
  while (queue.length) {
    const [local, remote] = queue.shift()!;
    let names: string[];
    try { names = (await readdir(local)).sort(); } catch (e: any) { failed.push({ path: local, error: e.code ?? e.message }); continue; }
    for (const name of names) {
      const p = join(local, name);
      try {
        const st = await lstat(p);
        if (st.isDirectory()) { folders.push(childPathname(remote, name)); queue.push([p, childPathname(remote, name)]); }
        else if (st.isFile()) files.push({ path: p, parent: remote, name, size: st.size });
        // symlinks, sockets, devices: not imported
      } catch (e: any) { failed.push({ path: p, error: e.code ?? e.message }); }
    }
  }
  return { folders, files };
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

function reporter(total: number, totalBytes: number, tty: boolean) {
  const started = Date.now();
  let files = 0;
  let bytes = 0;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  if (tty) {
    const bar = new cliProgress.SingleBar({
      format: 'import [{bar}] {percentage}% | {value}/{total} files | {mb} of {totalMb} | {rate} files/s | ETA {eta_formatted}',
      hideCursor: true, etaBuffer: 200, stream: process.stderr,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { mb: mb(0), totalMb: mb(totalBytes), rate: '0' });
    return {
      tick(size: number) { files++; bytes += size; bar.update(files, { mb: mb(bytes), rate: (files / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0) }); },
      stop() { bar.stop(); },
    };
  }
  let last = 0;
  const line = () => {
    const s = (Date.now() - started) / 1000;
    const rate = files / Math.max(0.001, s);
    const eta = rate > 0 ? Math.round((total - files) / rate) : 0;
    process.stderr.write(`import: ${files}/${total} files, ${mb(bytes)} of ${mb(totalBytes)}, ${rate.toFixed(0)} files/s, ETA ${eta} s\n`);
  };
  return {
    tick(size: number) { files++; bytes += size; if (Date.now() - last >= 2000) { last = Date.now(); line(); } },
    stop() { line(); },
  };
}

export async function importTree(db: pg.Pool, blobs: BlobStore, o: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const actor = await importActor(db, o.projectGid, o.as);
  const into = normalizePathname(o.into);
  const failed: ImportSummary['failed'] = [];
  const { folders, files } = await walk(o.dir, into, failed);
  const known = await assetsUnder(db, actor, into);
  let foldersCreated = (await ensureFolderPath(db, actor, into, known)).created;
  for (const f of folders) {
    try { foldersCreated += (await ensureFolderPath(db, actor, f, known)).created; } catch (e: any) { failed.push({ path: f, error: e.message }); }
  }
  const progress = o.progress ? reporter(files.length, files.reduce((a, f) => a + f.size, 0), Boolean(process.stderr.isTTY)) : undefined;
  let uploaded = 0;
  let skipped = 0;
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const f = files[i];
      const remote = childPathname(f.parent, f.name);
      try {
        const have = known.get(remote);
        if (have?.isFile && have.size === f.size && have.hash === await sha256(f.path)) skipped++;
        else if (have) throw new Error(have.isFile ? `${remote} exists in the project with other content` : `${remote} is a folder in the project`);
        else {
          const parent = known.get(f.parent);
          if (!parent) throw new Error(`its folder ${f.parent} could not be made`);
          await importFile(db, blobs, actor, parent.gid, f.name, f.path, o.uploadLimitBytes);
          uploaded++;
          bytes += f.size;
        }
      } catch (e: any) {
        failed.push({ path: f.path, error: e.code ?? e.message });
      }
      progress?.tick(f.size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  progress?.stop();
  const seconds = Math.round(performance.now() - started) / 1000;
  return { files: files.length, uploaded, skipped, failed, folders_created: foldersCreated, bytes, seconds, files_per_second: Math.round(files.length / Math.max(seconds, 0.001)) };
}
