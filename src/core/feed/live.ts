// The live side of the feeds, for push transports (Unicat's socket.io, src/dialects/unicat/sync-socket.ts):
// who a socket is (one call at connect, one at each token renewal), and the listener that hears
// every commit of events. A NOTIFY on 'assetlib_changes' (payload {"p": project id}) or
// 'assetlib_cc_changes' only says "something committed"; the transport then reads the events after
// the last cursor it pushed (read.ts), so nothing is skipped or pushed twice.
import pg from 'pg';
import type { Db } from '../../db/pool.ts';
import { issueJwt, verifyJwt, type ExpiredJwtError } from '../tokens.ts';
import { feedCaller, memberProjects, type FeedCaller } from './read.ts';

export interface FeedSession { caller: FeedCaller; keyId: number; projects: Map<number, string> }

/** A push connection's caller from its JWT: the user, the key, and the projects (id -> gid) it sees. */
export async function openFeedSession(db: Db, jwt: string, jwtSecret: string | undefined): Promise<FeedSession> {
  const claims = await verifyJwt(jwt, jwtSecret).catch(async (e: ExpiredJwtError) => {
    // a genuine token of a revoked key says "revoked" even once expired: authenticating again
    // with that key cannot help, which "expired" would suggest
    if (e.expiredClaims) await feedCaller(db, e.expiredClaims.keyId, e.expiredClaims.userGid);
    throw e;
  });
  const caller = await feedCaller(db, claims.keyId, claims.userGid);
  const projects = new Map((await memberProjects(db, caller.userId)).map((p) => [p.id, p.gid]));
  return { caller, keyId: claims.keyId, projects };
}

/** A renewed JWT for a live connection; throws unauthenticated once its key was revoked. */
export async function renewFeedToken(db: Db, keyId: number, userGid: string, ttlSeconds: number, jwtSecret: string | undefined): Promise<string> {
  await feedCaller(db, keyId, userGid); // still active?
  return issueJwt(userGid, keyId, ttlSeconds, jwtSecret);
}

/** The projects (id -> gid) a user is a member of now (after a membership event). */
export async function feedProjects(db: Db, userId: number): Promise<Map<number, string>> {
  return new Map((await memberProjects(db, userId)).map((p) => [p.id, p.gid]));
}

export interface FeedListenerHandlers {
  /** events of a project committed */
  project(projectId: number): void;
  /** cc events committed */
  cc(): void;
  /** (re)connected: whatever committed while nobody listened must be caught up */
  connected(): void;
  log(e: unknown): void;
}

export interface FeedListener { close(): Promise<void> }

/** LISTENs on a dedicated connection of the pool's database, reconnecting (1 s) when it drops. */
export function listenFeed(pool: pg.Pool, on: FeedListenerHandlers): FeedListener {
  let closed = false;
  let listener: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  async function listen(): Promise<void> {
    if (closed) return;
    const client = new pg.Client(pool.options);
    let retried = false;
    const again = () => {
      if (listener === client) listener = undefined;
      if (closed || retried) return;
      retried = true;
      retry = setTimeout(() => { void listen(); }, 1000);
    };
    client.on('error', () => { /* 'end' follows */ });
    client.on('end', again);
    client.on('notification', (n) => {
      if (closed) return;
      if (n.channel === 'assetlib_cc_changes') { on.cc(); return; }
      let p: number | undefined;
      try { p = Number(JSON.parse(n.payload ?? '{}').p); } catch { /* ignore */ }
      if (p !== undefined && Number.isSafeInteger(p)) on.project(p);
    });
    try {
      await client.connect();
      await client.query('LISTEN assetlib_changes');
      await client.query('LISTEN assetlib_cc_changes');
      listener = client;
      on.connected();
    } catch (e) {
      on.log(e);
      await client.end().catch(() => undefined);
      again();
    }
  }
  const listening = listen();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await listening;
      await listener?.end().catch(() => undefined);
    },
  };
}
