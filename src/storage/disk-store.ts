// Content-addressed blobs on disk under DATA_DIR/blobs/ab/cd/<sha256>. Uploads stream through a
// hashing, counting transform into a temporary file that is renamed into place; nothing is held
// whole in memory, and an upload over the limit leaves nothing behind.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, StoredBlob } from './blob-store.ts';
import { tooLarge } from '../core/errors.ts';

const HASH = /^[0-9a-f]{64}$/;

export class DiskBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async put(source: Readable, limitBytes: number): Promise<StoredBlob> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limitBytes) return cb(tooLarge(`the upload is larger than the limit of ${limitBytes} bytes`, { limit: limitBytes }));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const digest = hash.digest('hex');
    const final = this.pathOf(digest);
    await mkdir(join(this.root, digest.slice(0, 2), digest.slice(2, 4)), { recursive: true });
    await rename(tmp, final); // same content: replacing an existing copy is harmless
    return { hash: digest, size };
  }

  async open(hash: string): Promise<Readable | undefined> {
    if (!(await this.has(hash))) return undefined;
    return createReadStream(this.pathOf(hash));
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
