// In-process cache of JWT actors: (key id, user gid) -> the Actor row, and of the active keys of
// a user for Uplynk's HMAC signatures (user gid -> keys with their actors), so that an
// authenticated read or one-asset add costs one database round trip (its own statement).
//
// It is only trusted while it hears every change: the server's InvalidationListener
// (src/core/invalidation.ts) LISTENs on 'assetlib_auth' (sent at commit by triggers on api_keys,
// memberships, users and projects, migration 007) and the cache drops everything on each
// notification. While that connection is down the cache is bypassed (every lookup goes to the
// database) and it starts empty when it is back. A lookup that raced with a notification is not
// stored (generation check). Changes made through this process's core functions also clear it at
// once (invalidateActorCaches), so revoking a key here takes effect before the call returns; on
// other servers, when the notification arrives.
import { EventEmitter } from 'node:events';
import type { Db } from '../db/pool.ts';
import type { InvalidationListener } from './invalidation.ts';
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
  hits = 0;
  misses = 0;

  constructor(private readonly listener: InvalidationListener) {
    super();
    live.add(this);
    listener.subscribe('assetlib_auth', () => { this.clear(); this.emit('invalidated'); });
  }

  private get listening(): boolean { return this.listener.listening; }

  /** Stops taking part in invalidateActorCaches (the listener is stopped by its owner). */
  close(): void {
    live.delete(this);
    this.clear();
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
