// Real-time push over socket.io at /sync/io: auth at connect, only the caller's projects, cc
// routing, membership changes, and fan-out across two servers on one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { withTx } from '../../src/db/pool.ts';
import { emitChanges, emitCcChange } from '../../src/core/changes.ts';
import { setMembership } from '../../src/core/users.ts';
import { connectSync, jwtFor, syncPost, until, type LiveSocket } from './helpers.ts';

let a: TestServer;
let b: TestServer; // a second server process on the same database
let f: Fixture;
let other: Fixture;
let jwt: string;
const open: LiveSocket[] = [];

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ databaseUrl: a.config.databaseUrl });
  f = await createFixture(a.db, { owner: 'owner', editor: 'editor' });
  other = await createFixture(a.db, { owner: 'owner' });
  jwt = await jwtFor(a.url, f.projectGid, f.users.owner.key);
});
afterAll(async () => {
  for (const s of open) s.close();
  await b?.close();
  await a?.close();
});

async function live(url: string, token: unknown): Promise<LiveSocket> {
  const s = await connectSync(url, token);
  open.push(s);
  return s;
}

describe('sync socket', () => {
  it('refuses a missing, malformed or forged JWT with a connect_error', async () => {
    await expect(connectSync(a.url, undefined)).rejects.toThrow(/missing JWT/);
    await expect(connectSync(a.url, 42)).rejects.toThrow(/missing JWT/);
    await expect(connectSync(a.url, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad')).rejects.toThrow(/not valid/);
    const err = await connectSync(a.url, 'x').catch((e) => e);
    expect(err.data).toMatchObject({ code: 401 });
  });

  it('sends a renewed JWT on "authorization", usable on the HTTP API', async () => {
    const s = await live(a.url, jwt);
    expect(s.jwts[0]).toMatch(/^ey/);
    expect((await syncPost(a.url, 'cursors', s.jwts[0])).status).toBe(200);
  });

  it('pushes the caller\'s project events as lists in cursor order, and nothing of other projects', async () => {
    const mine = await live(a.url, jwt);
    const otherJwt = await jwtFor(a.url, other.projectGid, other.users.owner.key);
    const theirs = await live(a.url, otherJwt);
    const start = (await syncPost(a.url, 'cursors', jwt, { project: f.projectGid })).body.result.cursor;
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'INSERT', 'assets', ['s1', 's2', 's3']));
    await withTx(a.db, (tx) => emitChanges(tx, other.projectId, 'INSERT', 'assets', ['o1']));
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'DELETE', 'assets', ['s2']));
    await until(() => mine.events.length >= 4 && theirs.events.length >= 1, 'the pushes');
    expect(mine.events).toEqual([
      { type: f.projectGid, cursor: start + 1, action: 'INSERT', data_type: 'assets', data_key: 's1' },
      { type: f.projectGid, cursor: start + 2, action: 'INSERT', data_type: 'assets', data_key: 's2' },
      { type: f.projectGid, cursor: start + 3, action: 'INSERT', data_type: 'assets', data_key: 's3' },
      { type: f.projectGid, cursor: start + 4, action: 'DELETE', data_type: 'assets', data_key: 's2' },
    ]);
    expect(theirs.events.map((e) => e.data_key)).toEqual(['o1']);
    // and a marker written after everything: still nothing foreign arrived on either socket
    await withTx(a.db, (tx) => emitChanges(tx, other.projectId, 'INSERT', 'assets', ['o2']));
    await until(() => theirs.events.length >= 2, 'the marker');
    expect(mine.events.map((e) => e.data_key)).toEqual(['s1', 's2', 's3', 's2']);
    expect(theirs.events.every((e) => e.type === other.projectGid)).toBe(true);
  });

  it('pushes cc events to the members of their project only', async () => {
    const mine = await live(a.url, jwt);
    const editor = await live(a.url, await jwtFor(a.url, f.projectGid, f.users.editor.key));
    const stranger = await live(a.url, await jwtFor(a.url, other.projectGid, other.users.owner.key));
    const c1 = await withTx(a.db, (tx) => emitCcChange(tx, f.projectId, 'UPDATE', 'jobs', 'job-1', { status: 'processing', info: { total: 3, remaining: 2 } }));
    const c2 = await withTx(a.db, (tx) => emitCcChange(tx, other.projectId, 'UPDATE', 'jobs', 'job-2', { status: 'done' }));
    await until(() => mine.events.length >= 1 && editor.events.length >= 1 && stranger.events.length >= 1, 'cc pushes');
    const expected = { type: 'cc', cursor: c1, action: 'UPDATE', data_type: 'jobs', data_key: 'job-1', data: { status: 'processing', info: { total: 3, remaining: 2 } } };
    expect(mine.events).toEqual([expected]);
    expect(editor.events).toEqual([expected]);
    expect(stranger.events.map((e) => e.cursor)).toEqual([c2]);
  });

  it('a socket follows membership changes: joining a project starts its events, leaving stops them', async () => {
    const s = await live(a.url, jwt);
    await withTx(a.db, (tx) => setMembership(tx, other.projectId, f.users.owner.id, 'viewer'));
    await until(() => s.events.some((e) => e.data_type === 'cc.projects_members'), 'the membership event');
    // the room is joined after the membership event went out; a marker in f's project orders what follows
    await withTx(a.db, (tx) => emitChanges(tx, other.projectId, 'UPDATE', 'assets', ['shared-1']));
    await until(() => s.events.some((e) => e.data_key === 'shared-1'), 'the new project\'s event');
    expect(s.events.find((e) => e.data_key === 'shared-1')).toMatchObject({ type: other.projectGid, action: 'UPDATE' });
    await withTx(a.db, async (tx) => {
      await tx.query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [other.projectId, f.users.owner.id]);
      await emitCcChange(tx, other.projectId, 'DELETE', 'cc.projects_members', `${other.projectGid}/${f.users.owner.gid}`);
    });
    await until(() => s.events.some((e) => e.action === 'DELETE' && e.data_type === 'cc.projects_members'), 'the removal');
    await withTx(a.db, (tx) => emitChanges(tx, other.projectId, 'UPDATE', 'assets', ['after-leaving']));
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'UPDATE', 'assets', ['marker']));
    await until(() => s.events.some((e) => e.data_key === 'marker'), 'the marker');
    expect(s.events.some((e) => e.data_key === 'after-leaving')).toBe(false);
  });

  it('a write committed through server A reaches a socket on server B (LISTEN/NOTIFY fan-out)', async () => {
    const onB = await live(b.url, jwt);
    const onA = await live(a.url, jwt);
    const start = (await syncPost(b.url, 'cursors', jwt, { project: f.projectGid })).body.result;
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'INSERT', 'assets', ['cross-1', 'cross-2']));
    const job = await withTx(a.db, (tx) => emitCcChange(tx, f.projectId, 'UPDATE', 'jobs', 'cross-job', { status: 'done' }));
    await until(() => onB.events.length >= 3 && onA.events.length >= 3, 'both servers to push');
    for (const s of [onA, onB]) {
      expect(s.events.filter((e) => e.type === f.projectGid).map((e) => [e.cursor, e.data_key])).toEqual([[start.cursor + 1, 'cross-1'], [start.cursor + 2, 'cross-2']]);
      expect(s.events.filter((e) => e.type === 'cc').map((e) => e.cursor)).toEqual([job]);
    }
  });

  it('a large change is pushed in lists of at most 1000, every event once, in order', async () => {
    const s = await live(b.url, jwt);
    const start = (await syncPost(b.url, 'cursors', jwt, { project: f.projectGid })).body.result.cursor;
    const lists: number[] = [];
    s.socket.on('sync', (l: any[]) => lists.push(l.length));
    await withTx(a.db, (tx) => tx.query(`SELECT emit_changes($1, 'DELETE', 'assets', ARRAY(SELECT 'bulk-' || g FROM generate_series(1, 2500) g))`, [f.projectId]));
    await until(() => s.events.length >= 2500, 'the bulk push');
    expect(s.events.map((e) => e.cursor)).toEqual(Array.from({ length: 2500 }, (_, i) => start + 1 + i));
    expect(Math.max(...lists)).toBeLessThanOrEqual(1000);
  });
});

describe('sync socket robustness', () => {
  it('survives a dropped LISTEN connection: reconnects and pushes what committed meanwhile', async () => {
    const s = await live(a.url, jwt);
    const dbName = new URL(a.config.databaseUrl!).pathname.slice(1);
    const killed = await a.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [dbName]);
    expect(killed.rowCount).toBeGreaterThanOrEqual(2); // one listener per server
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'UPDATE', 'assets', ['while-down']));
    await until(() => s.events.some((e) => e.data_key === 'while-down'), 'the push after the listener reconnected');
    await withTx(a.db, (tx) => emitChanges(tx, f.projectId, 'UPDATE', 'assets', ['after-reconnect']));
    await until(() => s.events.some((e) => e.data_key === 'after-reconnect'), 'a push on the new listener');
    expect(s.events.filter((e) => e.data_key === 'while-down')).toHaveLength(1);
  });

  // JWT_TTL_SECONDS=2: the renewed token may have expired by the time the test reconnects with it
  // (a loaded machine); a genuine token of a revoked key is refused as "revoked" all the same.
  it('renews the JWT on "authorization" before it expires, and drops the socket when the key is revoked', async () => {
    const short = await startTestServer({ databaseUrl: a.config.databaseUrl, jwtTtlSeconds: 2 });
    try {
      const g = await createFixture(a.db, { owner: 'owner' });
      const token = await jwtFor(short.url, g.projectGid, g.users.owner.key);
      const s = await live(short.url, token);
      await until(() => s.jwts.length >= 2, 'a renewed JWT');
      expect(s.jwts[1]).not.toBe(token);
      expect((await syncPost(short.url, 'cursors', s.jwts[1])).status).toBe(200);
      let disconnected = false;
      s.socket.on('disconnect', () => { disconnected = true; });
      await a.db.query('UPDATE api_keys SET revoked_on = now() WHERE user_id = $1', [g.users.owner.id]);
      await until(() => disconnected, 'the disconnect after revocation');
      await expect(connectSync(short.url, s.jwts[1])).rejects.toThrow(/revoked/);
      // the same for a token of that key that has certainly expired (an hour ago)
      const keyId = (await a.db.query('SELECT id FROM api_keys WHERE user_id = $1', [g.users.owner.id])).rows[0].id;
      const past = Math.floor(Date.now() / 1000) - 3600;
      const expired = await new SignJWT({ k: keyId }).setProtectedHeader({ alg: 'HS256' }).setSubject(g.users.owner.gid)
        .setIssuedAt(past).setExpirationTime(past + 2).sign(new TextEncoder().encode(short.jwtSecret));
      await expect(connectSync(short.url, expired)).rejects.toThrow(/revoked/);
      // a forged one is not genuine: its claims are not looked at
      const forged = await new SignJWT({ k: keyId }).setProtectedHeader({ alg: 'HS256' }).setSubject(g.users.owner.gid)
        .setIssuedAt(past).setExpirationTime(past + 2).sign(new TextEncoder().encode('not the secret'));
      await expect(connectSync(short.url, forged)).rejects.toThrow(/not valid/);
    } finally {
      await short.close();
    }
  });
});
