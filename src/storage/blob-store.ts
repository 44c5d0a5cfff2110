// The file-content store: content-addressed (sha256), streamed, behind a small interface: the disk
// store (DATA_DIR/blobs) or an S3-compatible bucket (BLOB_STORE=s3), chosen by openBlobStore.
import type { Readable } from 'node:stream';

export interface StoredBlob { hash: string; size: number }

/** An inclusive byte range of a blob (HTTP Range semantics: end is the last byte). */
export interface ByteRange { start: number; end: number }

export interface BlobStore {
  /** Streams `source` into the store; rejects with a too_large CoreError past `limitBytes`. */
  put(source: Readable, limitBytes: number): Promise<StoredBlob>;
  /** Optional: stores a content already in memory (a rendition) in one write, without a stream. */
  putBytes?(data: Buffer): Promise<StoredBlob>;
  /**
   * A stream of the content (only `range` of it when given; an S3 store maps it to a ranged GET),
   * or undefined when the store does not hold it.
   */
  open(hash: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Optional: the whole content in one read (small contents: src/storage/small-blobs.ts), or undefined when not held. */
  read?(hash: string): Promise<Buffer | undefined>;
  has(hash: string): Promise<boolean>;
  /** Removes contents; missing ones are ignored. */
  remove(hashes: string[]): Promise<void>;
  /**
   * Optional: a local file holding the content, for readers that want random access (sharp reads
   * image headers and decodes from it without buffering). Stores without local files leave it out
   * and callers fall back to `open`.
   */
  localPath?(hash: string): Promise<string | undefined>;
  /** Removes the temporary files/objects of uploads a crash left, idle for `idleMs`; returns how many. */
  sweepTemporary(idleMs: number): Promise<number>;
}
