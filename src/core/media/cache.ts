// In-process cache of media answers, so that a repeated dam/transform and a public URL's fetch
// need no database round trip:
//   renditions: (project, storage pathname, options path) -> the rendition dam/transform answered
//   links:      public token -> what /media/<token>/<name> serves (content hash, type, size, name)
// Only answers are cached, never a refusal: an unknown, deleted or replaced asset always asks the
// database.
//
// It is only trusted while it hears every change a cached answer depends on: the server's
// InvalidationListener (src/core/invalidation.ts) LISTENs on 'assetlib_media', which triggers
// send at commit when an asset is trashed or restored, gets a new version, is renamed or
// permanently deleted, and when a media link is removed or rendered again (migration 009); the
// cache drops everything on each notification, and is bypassed while the connection is down. On
// this server the changes made through the core functions (trash, new version, rename,
// unpublish, permanent delete) also clear it synchronously once their transaction has committed
// (mediaChanged -> onCommit), before their answer is sent: the next request sees the change. On
// other servers, when the notification arrives.
//
// A lookup that raced with a change is not stored: the caller takes `generation()` before its
// database read and stores only if no clear happened since. Bounded: at most MAX_ENTRIES answers
// of each kind and MAX_BYTES (an estimate: strings and per-entry overhead) of each, least recently
// used out (16 MiB at most in all); entries also expire after
// TTL_MS (the damage of a notification that never came). The contents themselves are remembered
// apart, by hash (src/storage/small-blobs.ts).
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Db } from '../../db/pool.ts';
import { onCommit } from '../../db/pool.ts';
import type { InvalidationListener } from '../invalidation.ts';

export const MEDIA_CHANNEL = 'assetlib_media';
const MAX_ENTRIES = 20_000;
/** Per kind (renditions, links): 20,000 entries of typical size take about 8 MiB. */
const MAX_BYTES = 8 * 1024 * 1024;
const TTL_MS = 60_000;
/** Per entry, besides its strings: the Map slot, the object and its numbers (an estimate). */
const ENTRY_OVERHEAD = 160;

export interface CachedRendition { token: string; filename: string; width: number; height: number; mime: string; size: number }
export interface CachedLink { hash: string; mime: string; size: number; filename: string }

class Lru<V> {
  private readonly items = new Map<string, { v: V; bytes: number; at: number }>();
  bytes = 0;
  constructor(private readonly maxEntries: number, private readonly maxBytes: number) {}

  get(k: string, now: number): V | undefined {
    const e = this.items.get(k);
    if (!e) return undefined;
    this.items.delete(k);
    if (now - e.at >= TTL_MS) { this.bytes -= e.bytes; return undefined; }
    this.items.set(k, e); // the most recent last
    return e.v;
  }

  set(k: string, v: V, bytes: number, now: number): void {
    const old = this.items.get(k);
    if (old) { this.items.delete(k); this.bytes -= old.bytes; }
    this.items.set(k, { v, bytes, at: now });
    this.bytes += bytes;
    for (const [key, e] of this.items) {
      if (this.items.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.items.delete(key);
      this.bytes -= e.bytes;
    }
  }

  get size(): number { return this.items.size; }
  clear(): void { this.items.clear(); this.bytes = 0; }
}

const live = new Set<MediaCache>();

/**
 * Called by a core function inside the transaction that trashes, replaces, renames or permanently
 * deletes assets, or removes or renders again media links: clears the media caches of that
 * database's pool in this process once that transaction has committed (at once when `db` is the
 * pool: the statement has committed). Other servers, and in tests other servers in this process,
 * learn it from the notification.
 */
export function mediaChanged(db: Db): void {
  onCommit(db, (pool) => { for (const c of live) if (!pool || c.pool === pool) c.clear(); });
}

export class MediaCache extends EventEmitter {
  private readonly renditions = new Lru<CachedRendition>(MAX_ENTRIES, MAX_BYTES);
  private readonly links = new Lru<CachedLink>(MAX_ENTRIES, MAX_BYTES);
  private gen = 0;
  hits = 0;
  misses = 0;

  /** the pool whose changes clear this cache at once (mediaChanged) */
  readonly pool: pg.Pool;

  constructor(private readonly listener: InvalidationListener) {
    super();
    this.pool = listener.pool;
    live.add(this);
    listener.subscribe(MEDIA_CHANNEL, () => { this.clear(); this.emit('invalidated'); });
  }

  close(): void {
    live.delete(this);
    this.clear();
  }

  clear(): void {
    this.gen++;
    this.renditions.clear();
    this.links.clear();
  }

  /** Take before the database read whose answer is to be stored; pass to the set calls. */
  generation(): number { return this.gen; }

  /** Entries and bytes held (for tests and benches). */
  stats(): { renditions: number; links: number; bytes: number } {
    return { renditions: this.renditions.size, links: this.links.size, bytes: this.renditions.bytes + this.links.bytes };
  }

  rendition(projectId: number, storagePath: string, optionsPath: string): CachedRendition | undefined {
    const r = this.listener.listening ? this.renditions.get(`${projectId}\u0000${storagePath}\u0000${optionsPath}`, Date.now()) : undefined;
    if (r) this.hits++; else this.misses++;
    return r;
  }

  setRendition(gen: number, projectId: number, storagePath: string, optionsPath: string, r: CachedRendition): void {
    if (!this.listener.listening || gen !== this.gen) return;
    const k = `${projectId}\u0000${storagePath}\u0000${optionsPath}`;
    this.renditions.set(k, r, ENTRY_OVERHEAD + 2 * (k.length + r.token.length + r.filename.length + r.mime.length), Date.now());
  }

  link(token: string): CachedLink | undefined {
    const l = this.listener.listening ? this.links.get(token, Date.now()) : undefined;
    if (l) this.hits++; else this.misses++;
    return l;
  }

  setLink(gen: number, token: string, l: CachedLink): void {
    if (!this.listener.listening || gen !== this.gen) return;
    this.links.set(token, l, ENTRY_OVERHEAD + 2 * (token.length + l.hash.length + l.mime.length + l.filename.length), Date.now());
  }
}
