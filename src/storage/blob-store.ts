// The file-content store: content-addressed (sha256), streamed, behind a small interface so that
// an S3-compatible store can be added beside the disk one.
import type { Readable } from 'node:stream';

export interface StoredBlob { hash: string; size: number }

export interface BlobStore {
  /** Streams `source` into the store; rejects with a too_large CoreError past `limitBytes`. */
  put(source: Readable, limitBytes: number): Promise<StoredBlob>;
  /** A stream of the content, or undefined when the store does not hold it. */
  open(hash: string): Promise<Readable | undefined>;
  has(hash: string): Promise<boolean>;
  /** Removes contents; missing ones are ignored. */
  remove(hashes: string[]): Promise<void>;
}
