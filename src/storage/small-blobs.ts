// Small contents (thumbnails, icons, renditions) served from memory: a store's contents are
// addressed by their sha256, so a remembered copy never goes stale. Per store, least recently used
// out first, bounded in bytes; a miss reads the content whole (one file read, not a stream).
// Whether a content may be served at all is decided before (the caller's database check).
import type { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.ts';

/** Contents up to this size are read whole and remembered. */
export const SMALL_BLOB_BYTES = 256 * 1024;
/** The most bytes remembered per store. */
const CACHE_BYTES = 32 * 1024 * 1024;

class Lru {
  private readonly items = new Map<string, Buffer>();
  private bytes = 0;

  get(hash: string): Buffer | undefined {
    const b = this.items.get(hash);
    if (b) { this.items.delete(hash); this.items.set(hash, b); } // the most recent last
    return b;
  }

  set(hash: string, b: Buffer): void {
    if (b.length > SMALL_BLOB_BYTES || this.items.has(hash)) return;
    this.items.set(hash, b);
    this.bytes += b.length;
    for (const [h, old] of this.items) {
      if (this.bytes <= CACHE_BYTES) break;
      this.items.delete(h);
      this.bytes -= old.length;
    }
  }
}

const caches = new WeakMap<BlobStore, Lru>();
const cacheOf = (blobs: BlobStore) => {
  let c = caches.get(blobs);
  if (!c) caches.set(blobs, (c = new Lru()));
  return c;
};

/** Remembers a content just stored (e.g. a rendition, fetched right after it is rendered). */
export function rememberSmallBlob(blobs: BlobStore, hash: string, content: Buffer): void {
  if (content.length <= SMALL_BLOB_BYTES) cacheOf(blobs).set(hash, content);
}

/**
 * The whole content of a small blob (`size` at most SMALL_BLOB_BYTES: the caller knows it from the
 * database), from memory or read whole from the store; undefined when the store does not hold it.
 */
export async function readSmallBlob(blobs: BlobStore, hash: string): Promise<Buffer | undefined> {
  const cache = cacheOf(blobs);
  const hit = cache.get(hash);
  if (hit) return hit;
  let b: Buffer | undefined;
  if (blobs.read) b = await blobs.read(hash);
  else {
    const s: Readable | undefined = await blobs.open(hash);
    if (!s) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    b = Buffer.concat(chunks);
  }
  if (b) cache.set(hash, b);
  return b;
}
