// Content-addressed blobs in an S3-compatible bucket (BLOB_STORE=s3): objects `<prefix>blobs/<sha256>`.
//
// An upload streams through the hashing, counting transform shared with the disk store (hashing.ts) into a
// temporary object `<prefix>tmp/<uuid>` (lib-storage's Upload: multipart for large bodies, never
// the whole file in memory), then is copied to its content address and the temporary object is
// deleted; a failed upload aborts the multipart upload and deletes what was written. Reads are
// GETs (ranged when asked); there is no local file, so image readers use `open`.
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  S3Client, GetObjectCommand, HeadObjectCommand, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  ListObjectsV2Command, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore, ByteRange, StoredBlob } from './blob-store.ts';
import { hashingCounter } from './hashing.ts';

const HASH = /^[0-9a-f]{64}$/;

export interface S3StoreOptions {
  bucket: string;
  /** key prefix inside the bucket ('' or ending in '/') */
  prefix?: string;
  client: S3ClientConfig;
}

const notFound = (e: any) => e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;

export class S3BlobStore implements BlobStore {
  readonly s3: S3Client;
  readonly bucket: string;
  private readonly prefix: string;

  constructor(opts: S3StoreOptions) {
    this.s3 = new S3Client(opts.client);
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
  }

  keyOf(hash: string): string {
    if (!HASH.test(hash)) throw new Error(`not a sha256 hash: ${hash}`);
    return `${this.prefix}blobs/${hash}`;
  }

  /** The pipeline is attached to `source` before anything is awaited (as in the disk store). */
  put(source: Readable, limitBytes: number): Promise<StoredBlob> {
    const tmpKey = `${this.prefix}tmp/${randomUUID()}`;
    const counter = hashingCounter(limitBytes);
    const body = new PassThrough();
    const piped = pipeline(source, counter.stream, body);
    const upload = new Upload({ client: this.s3, params: { Bucket: this.bucket, Key: tmpKey, Body: body } });
    const uploaded = upload.done();
    // a failed upload stops reading the body: end the pipeline too instead of stalling on backpressure
    uploaded.catch((e) => body.destroy(e));
    return piped.then(() => uploaded).then(async () => {
      const digest = counter.digest();
      try {
        await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.keyOf(digest), CopySource: `${this.bucket}/${encodeURI(tmpKey)}` }));
      } finally {
        await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey })).catch(() => undefined);
      }
      return { hash: digest, size: counter.size() };
    }, async (err) => {
      await upload.abort().catch(() => undefined);
      await uploaded.catch(() => undefined);
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey })).catch(() => undefined);
      throw err;
    });
  }

  async open(hash: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!HASH.test(hash)) return undefined;
    try {
      const r = await this.s3.send(new GetObjectCommand({
        Bucket: this.bucket, Key: this.keyOf(hash), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }));
      return r.Body as Readable;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  }

  async has(hash: string): Promise<boolean> {
    if (!HASH.test(hash)) return false;
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) }));
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw e;
    }
  }

  async remove(hashes: string[]): Promise<void> {
    const keys = hashes.filter((h) => HASH.test(h)).map((h) => ({ Key: this.keyOf(h) }));
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000), Quiet: true } }));
    }
  }

  /** Removes temporary objects older than `idleMs` (0: all): what a killed upload left. */
  async sweepTemporary(idleMs: number): Promise<number> {
    const before = Date.now() - idleMs;
    let removed = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}tmp/`, ContinuationToken: token }));
      const old = (page.Contents ?? []).filter((o) => o.Key && (idleMs === 0 || (o.LastModified?.getTime() ?? 0) < before));
      if (old.length) {
        await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: old.map((o) => ({ Key: o.Key! })), Quiet: true } }));
        removed += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  close(): void { this.s3.destroy(); }
}
