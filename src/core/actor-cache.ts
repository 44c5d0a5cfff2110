// In-process cache of JWT actors: (key id, user gid) -> the Actor row, and of the active keys of
// a user for Uplynk's HMAC signatures (user gid -> keys with their actors), so that an
// authenticated read or one-asset add costs one database round trip (its own statement).
//
// It is only trusted while it hears every change: the cache LISTENs on 'assetlib_auth' (sent at
// commit by triggers on api_keys, memberships, users and projects, migration 007) on a dedicated
// connection and drops everything on each notification. While that connection is down the cache
// is bypassed (every lookup goes to the database) and it starts empty when it is back. A lookup
// that raced with a notification is not stored (generation check). Changes made through this
// process's core functions also clear it at once (invalidateActorCaches), so revoking a key here
// takes effect before the call returns; on other servers, when the notification arrives.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Db } from '../db/pool.ts';
import { actorRowForKeyId, checkActorRow, keyActorsOfUser, type Actor, type ActorRow, type KeyActor } from './keys.ts';

const MAX_ENTRIES = 10_000;
/** Entries are also dropped after this long, bounding the damage of a notification that never came. */
const TTL_MS = 60_000;

const live = new Set<ActorCache>();

/** Clears every actor cache of this process (after a change to keys, members, users or projects). */
export function invalidateActorCaches(): void {
  for (const c of live) c.clear();
}

export class ActorCache extends EventEmitter {
  private entries = new Map<string, { row: ActorRow; at: number }>();
  private userKeys = new Map<string, { keys: KeyActor[]; at: number }>();
  private generation = 0;
  private listening = false;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  hits = 0;
  misses = 0;

  constructor(private readonly pool: pg.Pool) {
    super();
    live.add(this);
  }

  /** Connects the listener; resolves once LISTEN is in place (or failed: the cache stays bypassed and retries). */
  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.pool.options);
    let retried = false;
    const down = () => {
      if (this.client === client) { this.client = undefined; this.listening = false; this.clear(); }
      if (this.closed || retried) return;
      retried = true;
      this.retry = setTimeout(() => { void this.start(); }, 1000);
    };
    client.on('error', () => { /* 'end' follows */ });
    client.on('end', down);
    client.on('notification', () => { this.clear(); this.emit('invalidated'); });
    try {
      await client.connect();
      await client.query('LISTEN assetlib_auth');
      if (this.closed) { await client.end(); return; }
      this.client = client;
      this.clear();
      this.listening = true;
    } catch {
      await client.end().catch(() => undefined);
      down();
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    live.delete(this);
    clearTimeout(this.retry);
    this.listening = false;
    this.clear();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.userKeys.clear();
  }

  /** The actor of a JWT's claims on a project path (same checks and errors as actorForUser). */
  async actorForUser(db: Db, keyId: number, userGid: string, projectGid: string): Promise<Actor> {
    const k = `${keyId}/${userGid}`;
    const e = this.listening ? this.entries.get(k) : undefined;
    if (e && Date.now() - e.at < TTL_MS) {
      this.hits++;
      return checkActorRow(e.row, projectGid);
    }
    this.misses++;
    const gen = this.generation;
    const row = await actorRowForKeyId(db, keyId, userGid);
    if (row && this.listening && gen === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(k, { row, at: Date.now() });
    }
    return checkActorRow(row, projectGid);
  }

  /**
   * The active keys of a user with their actors (keyActorsOfUser), for Uplynk's signatures. A
   * cached list is used only when `usable` accepts it (a key of it verifies the signature and
   * acts for a member): the triggers announce updates and deletes, not inserts, so a key or a
   * membership added since the list was read is found by asking the database again.
   */
  async keyActorsOfUser(db: Db, userGid: string, usable: (keys: KeyActor[]) => boolean): Promise<KeyActor[]> {
    const e = this.listening ? this.userKeys.get(userGid) : undefined;
    if (e && Date.now() - e.at < TTL_MS && usable(e.keys)) {
      this.hits++;
      return e.keys;
    }
    this.misses++;
    const gen = this.generation;
    const keys = await keyActorsOfUser(db, userGid);
    if (this.listening && gen === this.generation) {
      if (this.userKeys.size >= MAX_ENTRIES) this.userKeys.clear();
      this.userKeys.set(userGid, { keys, at: Date.now() });
    }
    return keys;
  }
}
