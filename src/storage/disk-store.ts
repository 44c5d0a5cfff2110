// Content-addressed blobs on disk under DATA_DIR/blobs/ab/cd/<sha256>. Uploads stream through the
// hashing, counting transform (hashing.ts) into a temporary file (blobs/tmp) that is renamed into place;
// nothing is held whole in memory, and an upload that fails (over the limit, cut off, aborted)
// leaves nothing behind. Temporary files left by a crash are swept by `sweepTemporary`.
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, ByteRange, StoredBlob } from './blob-store.ts';
import { hashingCounter } from './hashing.ts';

const HASH = /^[0-9a-f]{64}$/;
/** putBytes writes contents up to this size with synchronous calls (see there). */
const SYNC_WRITE_BYTES = 1024 * 1024;
/** The content is not there (or its path is not a file). */
const absent = (e: unknown) => ['ENOENT', 'EISDIR', 'ENOTDIR'].includes((e as NodeJS.ErrnoException)?.code ?? '');

export class DiskBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  pathOf(hash: string): string {
    return join(this.dirOf(hash), hash);
  }

  /** The folder of a content's file: two levels of its hash's first characters. */
  private dirOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4));
  }

  get tmpDir(): string { return join(this.root, 'tmp'); }

  /**
   * Removes temporary files not written to for `idleMs` (0: all of them): what a crashed or
   * killed upload left. A live upload writes its file as its body arrives, so a file idle longer
   * than the request timeout belongs to no request. Returns how many were removed.
   */
  async sweepTemporary(idleMs: number): Promise<number> {
    let names: string[];
    try { names = await readdir(this.tmpDir); } catch { return 0; }
    const before = Date.now() - idleMs;
    let removed = 0;
    for (const name of names) {
      const p = join(this.tmpDir, name);
      try {
        if (idleMs > 0 && (await stat(p)).mtimeMs > before) continue;
        await rm(p, { force: true, recursive: true });
        removed++;
      } catch { /* gone meanwhile */ }
    }
    return removed;
  }

  /**
   * The pipeline is attached to `source` before anything is awaited, so an error the source
   * emits at any time (a multipart body cut off inside the file part) rejects this promise and
   * never goes unheard; the temporary file is removed on every failure.
   */
  put(source: Readable, limitBytes: number): Promise<StoredBlob> {
    const tmp = join(this.tmpDir, randomUUID());
    const counter = hashingCounter(limitBytes);
    mkdirSync(this.tmpDir, { recursive: true }); // one cheap syscall; awaiting here would leave source unheard
    const out = createWriteStream(tmp, { flags: 'wx' });
    return pipeline(source, counter.stream, out).then(() => this.keep(tmp, counter.digest(), counter.size()), async (err) => {
      if (!out.closed) await new Promise<void>((r) => out.once('close', () => r())); // the file may be opened after the failure
      await rm(tmp, { force: true });
      throw err;
    });
  }

  /**
   * A content already in memory (a rendition): hashed here, written whole to a temporary file and
   * renamed into place (as put: replacing an existing copy of the same content is harmless).
   * Up to SYNC_WRITE_BYTES the file calls are synchronous: a thumbnail's write is tens of
   * microseconds, where six thread-pool round trips (mkdir, open, write, close, mkdir, rename) each
   * wait for a thread and then for the event loop, milliseconds apiece on a loaded machine.
   */
  async putBytes(data: Buffer): Promise<StoredBlob> {
    const hash = createHash('sha256').update(data).digest('hex');
    const tmp = join(this.tmpDir, randomUUID());
    try {
      if (data.length <= SYNC_WRITE_BYTES) {
        mkdirSync(this.tmpDir, { recursive: true });
        writeFileSync(tmp, data, { flag: 'wx' });
        mkdirSync(this.dirOf(hash), { recursive: true });
        renameSync(tmp, this.pathOf(hash));
        return { hash, size: data.length };
      }
      await mkdir(this.tmpDir, { recursive: true });
      await writeFile(tmp, data, { flag: 'wx' });
      return await this.keep(tmp, hash, data.length);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  private async keep(tmp: string, digest: string, size: number): Promise<StoredBlob> {
    const final = this.pathOf(digest);
    await mkdir(this.dirOf(digest), { recursive: true });
    await rename(tmp, final); // same content: replacing an existing copy is harmless
    return { hash: digest, size };
  }

  async open(hash: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!HASH.test(hash)) return undefined;
    let fh: FileHandle;
    try { fh = await open(this.pathOf(hash), 'r'); } catch (e) { if (absent(e)) return undefined; throw e; }
    // 1 MB reads: a large download is a hundred chunks per 100 MB, not 1,600 of 64 KB
    return fh.createReadStream({ highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async read(hash: string): Promise<Buffer | undefined> {
    if (!HASH.test(hash)) return undefined;
    try { return await readFile(this.pathOf(hash)); } catch (e) { if (absent(e)) return undefined; throw e; }
  }

  async localPath(hash: string): Promise<string | undefined> {
    return (await this.has(hash)) ? this.pathOf(hash) : undefined;
  }

  async has(hash: string): Promise<boolean> {
    if (!HASH.test(hash)) return false;
    try { return (await stat(this.pathOf(hash))).isFile(); } catch { return false; }
  }

  async remove(hashes: string[]): Promise<void> {
    for (const h of hashes) {
      if (HASH.test(h)) await rm(this.pathOf(h), { force: true });
    }
  }
}
