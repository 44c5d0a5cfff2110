// Content-addressed blobs on disk under DATA_DIR/blobs/ab/cd/<sha256>.
import type { Readable } from 'node:stream';
import type { BlobStore, StoredBlob } from './blob-store.ts';

export class DiskBlobStore implements BlobStore {
  constructor(readonly root: string) {}
  async put(_source: Readable, _limitBytes: number): Promise<StoredBlob> { throw new Error('not yet'); }
  async open(_hash: string): Promise<Readable | undefined> { return undefined; }
  async has(_hash: string): Promise<boolean> { return false; }
  async remove(_hashes: string[]): Promise<void> {}
}
