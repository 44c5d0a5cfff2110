// POST /sync/get and /sync/cursors over real HTTP: shapes, paging, visibility, bad input, retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { withTx } from '../../src/db/pool.ts';
import { emitChanges, emitCcChange } from '../../src/core/changes.ts';
import { setMembership } from '../../src/core/users.ts';
import { pruneChanges } from '../../src/core/feed/retention.ts';
import { buildApp } from '../../src/http/app.ts';
import { DiskBlobStore } from '../../src/storage/disk-store.ts';
import { jwtFor, syncGet, syncPost, until } from './helpers.ts';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';

let t: TestServer;
let f: Fixture;       // owner + viewer
let other: Fixture;   // another project; f's owner is not a member
let jwt: string;

const keys = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const emit = (projectId: number, action: 'INSERT' | 'UPDATE' | 'DELETE', type: string, ks: string[]) =>
  withTx(t.db, (tx) => emitChanges(tx, projectId, action, type, ks));

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  other = await createFixture(t.db, { owner: 'owner' });
  jwt = await jwtFor(t.url, f.projectGid, f.users.owner.key);
});
afterAll(() => t?.close());

describe('sync/cursors', () => {
  it('returns the current cc cursor and the project cursor, equal to those of auth', async () => {
    const auth = await fetch(`${t.url}/api/p/${f.projectGid}/auth`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: f.users.owner.key }),
    }).then((r) => r.json()) as any;
    const r = await syncPost(t.url, 'cursors', jwt, { project: f.projectGid });
    expect(r.status).toBe(200);
    expect(r.headers.get('authorization')).toMatch(/^ey/);
    expect(r.body).toMatchObject({ success: true, data: {} });
    expect(r.body.result).toMatchObject({ cc_cursor: auth.result['cc.cursor'], project: f.projectGid, cursor: auth.result.cursor });
    // the Unicat client's prepare_for_job reads result["cc.cursor"]
    expect(r.body.result['cc.cursor']).toBe(auth.result['cc.cursor']);
    await emit(f.projectId, 'INSERT', 'assets', ['x1', 'x2']);
    const after = await syncPost(t.url, 'cursors', jwt, { project: f.projectGid.replace(/-/g, '') });
    expect(after.body.result.cursor).toBe(auth.result.cursor + 2);
    expect(after.body.result.project).toBe(f.projectGid);
    const noProject = await syncPost(t.url, 'cursors', jwt);
    expect(noProject.body.result).toMatchObject({ cc_cursor: auth.result['cc.cursor'], cursor: null, project: null });
  });
});

describe('sync/get', () => {
  it('returns the project events after the cursor, typed with the project gid, then nothing more', async () => {
    const start = (await syncPost(t.url, 'cursors', jwt, { project: f.projectGid })).body.result;
    await emit(f.projectId, 'INSERT', 'assets', ['a1', 'a2']);
    await emit(f.projectId, 'DELETE', 'assets', ['a1']);
    await emit(f.projectId, 'INSERT', 'libraries_assets', ['l1/a2']);
    const r = await syncGet(t.url, jwt, { cc_cursor: start.cc_cursor, project: f.projectGid, cursor: start.cursor, libraries: true });
    const events = [
      { type: f.projectGid, cursor: start.cursor + 1, action: 'INSERT', data_type: 'assets', data_key: 'a1' },
      { type: f.projectGid, cursor: start.cursor + 2, action: 'INSERT', data_type: 'assets', data_key: 'a2' },
      { type: f.projectGid, cursor: start.cursor + 3, action: 'DELETE', data_type: 'assets', data_key: 'a1' },
      { type: f.projectGid, cursor: start.cursor + 4, action: 'INSERT', data_type: 'libraries_assets', data_key: 'l1/a2' },
    ];
    expect(r.sync).toEqual(events);
    // the next cursors are in `next`, never in result.cursor (the Unicat client would adopt it before applying the events)
    expect(r.next).toEqual({ cursor: start.cursor + 4, cc_cursor: start.cc_cursor, project: f.projectGid });
    expect(r).not.toHaveProperty('cursor');
    expect(r).not.toHaveProperty('cc.cursor');
    expect(r.warning).toBeUndefined();
    // without the opt-in, the library event is left out and the cursor still moves past it
    const plain = await syncGet(t.url, jwt, { cc_cursor: start.cc_cursor, project: f.projectGid, cursor: start.cursor });
    expect(plain.sync).toEqual(events.slice(0, 3));
    expect(plain.next).toEqual(r.next);
    const off = await syncGet(t.url, jwt, { project: f.projectGid, cursor: start.cursor, libraries: false });
    expect(off.sync).toEqual(events.slice(0, 3));
    const again = await syncGet(t.url, jwt, { ...r.next, libraries: true });
    expect(again.sync).toEqual([]);
    expect(again.next.cursor).toBe(r.next.cursor);
    // a string of digits is accepted as a cursor too
    const str = await syncGet(t.url, jwt, { project: f.projectGid, cursor: String(start.cursor + 2) });
    expect(str.sync.map((e: any) => e.cursor)).toEqual([start.cursor + 3]);
    expect(str.next.cc_cursor).toBeNull();
    // the opt-in is a boolean
    const bad = await syncPost(t.url, 'get', jwt, { project: f.projectGid, cursor: 0, libraries: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.result.info).toMatchObject({ field: 'libraries' });
  });

  it('pages: at most `limit` (default 10000) events per space, with warning "more" while more remain', async () => {
    const start = (await syncPost(t.url, 'cursors', jwt, { project: f.projectGid })).body.result;
    const total = 12_500;
    await emit(f.projectId, 'UPDATE', 'assets', keys(total, 'p'));
    const all = Array.from({ length: total }, (_, i) => start.cursor + 1 + i);
    for (const limit of [undefined, 1000]) {
      const seen: number[] = [];
      const sizes: number[] = [];
      const warnings: (string | undefined)[] = [];
      let cursor = start.cursor;
      for (let i = 0; i < 20; i++) {
        const r = await syncGet(t.url, jwt, { project: f.projectGid, cursor, limit });
        seen.push(...r.sync.map((e: any) => e.cursor));
        sizes.push(r.sync.length);
        warnings.push(r.warning);
        cursor = r.next.cursor;
        if (!r.warning) break;
      }
      const pages = limit === undefined ? [10_000, 2500] : [...Array(12).fill(1000), 500];
      expect(sizes).toEqual(pages);
      expect(warnings).toEqual([...Array(pages.length - 1).fill('more'), undefined]);
      expect(seen).toEqual(all);
      expect(cursor).toBe(start.cursor + total);
    }
    const small = await syncGet(t.url, jwt, { project: f.projectGid, cursor: start.cursor, limit: 7 });
    expect(small.sync).toHaveLength(7);
    expect(small).toMatchObject({ next: { cursor: start.cursor + 7 }, warning: 'more' });
    // exactly a full page with nothing after it: no warning
    const exact = await syncGet(t.url, jwt, { project: f.projectGid, cursor: start.cursor + total - 7, limit: 7 });
    expect(exact.sync).toHaveLength(7);
    expect(exact.warning).toBeUndefined();
  });

  it('cc events: only those of the caller\'s projects (and its own membership changes); the cursor moves past the others', async () => {
    const start = (await syncPost(t.url, 'cursors', jwt)).body.result;
    const job = await withTx(t.db, (tx) => emitCcChange(tx, f.projectId, 'UPDATE', 'jobs', 'job-mine', { project_gid: f.projectGid, status: 'processing', info: { total: 2, remaining: 1 } }));
    await withTx(t.db, (tx) => emitCcChange(tx, other.projectId, 'UPDATE', 'jobs', 'job-theirs', { status: 'done' }));
    await withTx(t.db, (tx) => emitCcChange(tx, other.projectId, 'UPDATE', 'cc.projects', other.projectGid));
    const r = await syncGet(t.url, jwt, { cc_cursor: start.cc_cursor });
    expect(r.sync).toEqual([{ type: 'cc', cursor: job, action: 'UPDATE', data_type: 'jobs', data_key: 'job-mine', data: { project_gid: f.projectGid, status: 'processing', info: { total: 2, remaining: 1 } } }]);
    expect(r.next.cc_cursor).toBe(job + 2);
    expect(r.next.cursor).toBeNull();
    // joining the other project: the membership event reaches the new member, and later events of that project too
    await withTx(t.db, (tx) => setMembership(tx, other.projectId, f.users.owner.id, 'viewer'));
    await withTx(t.db, (tx) => emitCcChange(tx, other.projectId, 'UPDATE', 'jobs', 'job-theirs', { status: 'done' }));
    const r2 = await syncGet(t.url, jwt, { cc_cursor: r.next.cc_cursor });
    expect(r2.sync.map((e: any) => [e.data_type, e.data_key])).toEqual([
      ['cc.projects_members', `${other.projectGid}/${f.users.owner.gid}`], ['jobs', 'job-theirs']]);
    // a membership removal reaches the removed user although the project is no longer theirs
    await withTx(t.db, async (tx) => {
      await tx.query('DELETE FROM memberships WHERE project_id = $1 AND user_id = $2', [other.projectId, f.users.owner.id]);
      await emitCcChange(tx, other.projectId, 'DELETE', 'cc.projects_members', `${other.projectGid}/${f.users.owner.gid}`);
    });
    await withTx(t.db, (tx) => emitCcChange(tx, other.projectId, 'UPDATE', 'jobs', 'job-after-leaving', {}));
    const r3 = await syncGet(t.url, jwt, { cc_cursor: r2.next.cc_cursor });
    expect(r3.sync.map((e: any) => [e.action, e.data_type])).toEqual([['DELETE', 'cc.projects_members']]);
  });

  it('pages cc events too', async () => {
    const start = (await syncPost(t.url, 'cursors', jwt)).body.result;
    for (let i = 0; i < 5; i++) await withTx(t.db, (tx) => emitCcChange(tx, f.projectId, 'UPDATE', 'jobs', `j${i}`));
    const r = await syncGet(t.url, jwt, { cc_cursor: start.cc_cursor, limit: 3 });
    expect(r.sync.map((e: any) => e.data_key)).toEqual(['j0', 'j1', 'j2']);
    expect(r).toMatchObject({ warning: 'more', next: { cc_cursor: start.cc_cursor + 3 } });
    const r2 = await syncGet(t.url, jwt, { cc_cursor: r.next.cc_cursor, limit: 3 });
    expect(r2.sync.map((e: any) => e.data_key)).toEqual(['j3', 'j4']);
    expect(r2.warning).toBeUndefined();
  });
});

describe('events rendered at write time (migration 008)', () => {
  // keys and payloads that need JSON escapes, non-ASCII, and a payload
  const odd = ['plain', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001ctl', 'ünïcödé ✓ 𝄞', '</script>'];

  it('the stored JSON of each event is what sync/get sends: its columns, escaped; data when present', async () => {
    const p = await createFixture(t.db, { owner: 'owner' });
    const pj = await jwtFor(t.url, p.projectGid, p.users.owner.key);
    const before = (await syncPost(t.url, 'cursors', pj, { project: p.projectGid })).body.result;
    await emit(p.projectId, 'UPDATE', 'assets', odd);
    await withTx(t.db, (tx) => tx.query(`SELECT emit_changes($1, 'INSERT', 'assets', ARRAY['with-data'], $2::jsonb)`, [p.projectId, JSON.stringify({ a: [1, 'x"y'], b: null })]));
    await withTx(t.db, (tx) => emitCcChange(tx, p.projectId, 'UPDATE', 'jobs', 'tok"en\n', { status: 'done', n: 1 }));
    const r = await syncGet(t.url, pj, { cc_cursor: before.cc_cursor, project: p.projectGid, cursor: before.cursor });
    expect(r.sync).toEqual([
      { type: 'cc', cursor: before.cc_cursor + 1, action: 'UPDATE', data_type: 'jobs', data_key: 'tok"en\n', data: { status: 'done', n: 1 } },
      ...odd.map((k, i) => ({ type: p.projectGid, cursor: before.cursor + 1 + i, action: 'UPDATE', data_type: 'assets', data_key: k })),
      { type: p.projectGid, cursor: before.cursor + odd.length + 1, action: 'INSERT', data_type: 'assets', data_key: 'with-data', data: { a: [1, 'x"y'], b: null } },
    ]);
  });

  it('a 200 sends the JWT back as it came while it is young, and a renewed one once it is older (RENEW_AFTER_SECONDS)', async () => {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { k: number; sub: string; iat: number; exp: number };
    const young = await syncPost(t.url, 'get', jwt, { project: f.projectGid, cursor: 0 });
    expect(young.status).toBe(200);
    expect(young.headers.get('authorization')).toBe(jwt);
    // the same claims, issued a minute ago (signed with the server's secret)
    const now = Math.floor(Date.now() / 1000);
    const old = await new SignJWT({ k: claims.k }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub)
      .setIssuedAt(now - 60).setExpirationTime(now + 600).sign(new TextEncoder().encode(t.jwtSecret));
    const renewed = await syncPost(t.url, 'get', old, { project: f.projectGid, cursor: 0 });
    expect(renewed.status).toBe(200);
    const fresh = renewed.headers.get('authorization')!;
    expect(fresh).toMatch(/^ey/);
    expect(fresh).not.toBe(old);
    expect(JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url').toString())).toMatchObject({ k: claims.k, sub: claims.sub, iat: expect.any(Number) });
    expect((JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url').toString()) as { iat: number }).iat).toBeGreaterThanOrEqual(now);
    const cursors = await syncPost(t.url, 'cursors', old, {});
    expect(cursors.headers.get('authorization')).not.toBe(old);
  });

  it('the answer is the envelope around the stored JSON texts, byte for byte, with a Content-Length of its UTF-8 bytes', async () => {
    const p = await createFixture(t.db, { owner: 'owner' });
    const pj = await jwtFor(t.url, p.projectGid, p.users.owner.key);
    const before = (await syncPost(t.url, 'cursors', pj, { project: p.projectGid })).body.result;
    await emit(p.projectId, 'UPDATE', 'assets', odd);
    await withTx(t.db, (tx) => emitCcChange(tx, p.projectId, 'UPDATE', 'jobs', 'j\u00e9', { note: 'ünïcödé ✓ 𝄞' }));
    const stored = (await t.db.query(
      `(SELECT json FROM cc_changes WHERE cursor > $1 AND project_id = $2 ORDER BY cursor)
       UNION ALL (SELECT json FROM changes WHERE project_id = $2 AND cursor > $3 ORDER BY cursor)`,
      [before.cc_cursor, p.projectId, before.cursor])).rows.map((x) => x.json as string);
    expect(stored).toHaveLength(odd.length + 1);
    const res = await fetch(`${t.url}/sync/get`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${pj}` },
      body: JSON.stringify({ cc_cursor: before.cc_cursor, project: p.projectGid, cursor: before.cursor }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('authorization')).toMatch(/^ey/);
    const next = { cc_cursor: before.cc_cursor + 1, project: p.projectGid, cursor: before.cursor + odd.length };
    const expected = Buffer.from(`{"success":true,"result":{"sync":[${stored.join(',')}],"next":${JSON.stringify(next)}},"data":{}}`, 'utf8');
    expect(Number(res.headers.get('content-length'))).toBe(expected.length);
    expect(bytes.equals(expected)).toBe(true);
  });

  it("the migration's backfill renders events written before it exactly as the writers do now", async () => {
    const p = await createFixture(t.db, { owner: 'owner' });
    await emit(p.projectId, 'DELETE', 'libraries_assets', odd);
    await withTx(t.db, (tx) => tx.query(`SELECT emit_changes($1, 'INSERT', 'assets', ARRAY['d'], '{"k": "v"}'::jsonb)`, [p.projectId]));
    const cc = await withTx(t.db, (tx) => emitCcChange(tx, null, 'INSERT', 'cc.projects', 'x\u0002y', { name: 'ä"' }));
    const sql = readFileSync(new URL('../../src/db/migrations/008_feed_json.sql', import.meta.url), 'utf8');
    const backfills = sql.match(/^UPDATE (?:cc_)?changes c SET json =[^;]+;/gm);
    expect(backfills).toHaveLength(2);
    const stored = async () => (await t.db.query(
      `SELECT json FROM changes WHERE project_id = $1 UNION ALL SELECT json FROM cc_changes WHERE cursor = $2 ORDER BY 1`, [p.projectId, cc])).rows.map((x) => x.json);
    const written = await stored();
    expect(written).toHaveLength(odd.length + 2);
    // the backfill overwrites every event with its rendering of the columns: nothing may change
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await client.query("UPDATE changes SET json = 'stale'");
      await client.query("UPDATE cc_changes SET json = 'stale'");
      for (const b of backfills!) await client.query(b);
      const again = (await client.query(
        `SELECT json FROM changes WHERE project_id = $1 UNION ALL SELECT json FROM cc_changes WHERE cursor = $2 ORDER BY 1`, [p.projectId, cc])).rows.map((x) => x.json);
      expect(again).toEqual(written);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    for (const j of written) expect(() => JSON.parse(j)).not.toThrow();
  });
});

describe('sync bad input', () => {
  it('every /sync route (walked from the route table) refuses a missing or forged JWT with 401 and WWW-Authenticate', async () => {
    const app = await buildApp({ db: t.db, config: t.config, blobs: new DiskBlobStore(t.dataDir) });
    await app.ready();
    const routes = app.routeTable.filter((r) => r.url.startsWith('/sync'));
    await app.close();
    expect(routes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(['POST /sync/cursors', 'POST /sync/get']);
    for (const r of routes) {
      for (const auth of [undefined, 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad', 'Basic abc']) {
        const res = await fetch(t.url + r.url, { method: r.method, headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{"cc_cursor": 0}' });
        expect([r.url, auth, res.status]).toEqual([r.url, auth, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="JWT access to Unicat."');
        expect(await res.json()).toMatchObject({ success: false, result: { code: 401 }, data: {} });
      }
    }
  });

  it('refuses malformed cursors with 422/1006 naming the field', async () => {
    for (const [field, value] of [['cc_cursor', 'abc'], ['cc_cursor', -1], ['cc_cursor', 1.5], ['cc_cursor', {}], ['cursor', '12x'], ['cursor', -5], ['cursor', true]] as const) {
      const body: any = { cc_cursor: 0, project: f.projectGid, cursor: 0 };
      body[field] = value;
      const r = await syncPost(t.url, 'get', jwt, body);
      expect(r.status, `${field}=${JSON.stringify(value)}`).toBe(422);
      expect(r.body.result).toMatchObject({ code: 1006, info: { field, reason: 'malformed' } });
    }
  });

  it('refuses cursors from the future with 422/1006', async () => {
    const now = (await syncPost(t.url, 'cursors', jwt, { project: f.projectGid })).body.result;
    const ahead = await syncPost(t.url, 'get', jwt, { project: f.projectGid, cursor: now.cursor + 1 });
    expect(ahead.status).toBe(422);
    expect(ahead.body.result).toMatchObject({ code: 1006, info: { field: 'cursor', reason: 'cursor_ahead', current: now.cursor } });
    expect(ahead.body.result.message).toMatch(/ahead/);
    const ccAhead = await syncPost(t.url, 'get', jwt, { cc_cursor: now.cc_cursor + 1000 });
    expect(ccAhead.status).toBe(422);
    expect(ccAhead.body.result.info).toMatchObject({ field: 'cc_cursor', reason: 'cursor_ahead' });
  });

  it('403 for a project the caller is not a member of (or that does not exist); 400 for a malformed one', async () => {
    const r = await syncPost(t.url, 'get', jwt, { cc_cursor: 0, project: other.projectGid, cursor: 0 });
    expect(r.status).toBe(403);
    expect(r.body.result.code).toBe(403);
    expect((await syncPost(t.url, 'cursors', jwt, { project: other.projectGid })).status).toBe(403);
    expect((await syncPost(t.url, 'get', jwt, { project: '00000000-0000-0000-0000-000000000000', cursor: 0 })).status).toBe(403);
    const bad = await syncPost(t.url, 'get', jwt, { project: 'nope', cursor: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.result.info).toMatchObject({ field: 'project' });
  });

  it('400 for missing parameters, a wrong body and malformed JSON; a bad limit is 422/1006', async () => {
    expect((await syncPost(t.url, 'get', jwt, {})).status).toBe(400);
    expect((await syncPost(t.url, 'get', jwt)).status).toBe(400);
    expect((await syncPost(t.url, 'get', jwt, { project: f.projectGid })).status).toBe(400);
    expect((await syncPost(t.url, 'get', jwt, { cursor: 0 })).status).toBe(400);
    expect((await syncPost(t.url, 'get', jwt, [1, 2])).status).toBe(400);
    const malformed = await syncPost(t.url, 'get', jwt, '{"cc_cursor": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ success: false, result: { code: 400 } });
    const limit = await syncPost(t.url, 'get', jwt, { cc_cursor: 0, limit: 0 });
    expect(limit.status).toBe(422);
    expect(limit.body.result.info).toMatchObject({ field: 'limit' });
    expect((await syncPost(t.url, 'nope' as 'get', jwt, {})).status).toBe(404);
  });

  it('a revoked key makes its JWT fail with 401', async () => {
    const viewerJwt = await jwtFor(t.url, f.projectGid, f.users.viewer.key);
    expect((await syncPost(t.url, 'cursors', viewerJwt)).status).toBe(200);
    await t.db.query('UPDATE api_keys SET revoked_on = now() WHERE user_id = $1', [f.users.viewer.id]);
    for (const call of ['cursors', 'get'] as const) {
      const r = await syncPost(t.url, call, viewerJwt, { cc_cursor: 0 });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(r.headers.get('authorization')).toBeNull(); // no renewed token for a revoked key
    }
  });
});

describe('retention', () => {
  it('prunes old events, raises pruned_to in the same transaction, and answers an older cursor with cursor_expired', async () => {
    const p = await createFixture(t.db, { owner: 'owner' });
    const pj = await jwtFor(t.url, p.projectGid, p.users.owner.key);
    const base = (await syncPost(t.url, 'cursors', pj, { project: p.projectGid })).body.result;
    await emit(p.projectId, 'INSERT', 'assets', keys(10, 'old'));
    const ccOld = await withTx(t.db, (tx) => emitCcChange(tx, p.projectId, 'UPDATE', 'jobs', 'old-job'));
    await t.db.query(`UPDATE changes SET created_on = now() - interval '31 days' WHERE project_id = $1`, [p.projectId]);
    await t.db.query(`UPDATE cc_changes SET created_on = now() - interval '31 days' WHERE cursor <= $1`, [ccOld]);
    await emit(p.projectId, 'INSERT', 'assets', keys(3, 'new'));
    const ccNew = await withTx(t.db, (tx) => emitCcChange(tx, p.projectId, 'UPDATE', 'jobs', 'new-job'));

    const res = await pruneChanges(t.db, 30 * 86_400);
    expect(res.ran).toBe(true);
    expect(res.projectEvents).toBeGreaterThanOrEqual(10);
    const { rows: [pc] } = await t.db.query('SELECT pruned_to FROM project_cursors WHERE project_id = $1', [p.projectId]);
    expect(pc.pruned_to).toBe(base.cursor + 10);

    const expired = await syncPost(t.url, 'get', pj, { project: p.projectGid, cursor: base.cursor });
    expect(expired.status).toBe(422);
    expect(expired.body.result).toMatchObject({ code: 1006, info: { field: 'cursor', reason: 'cursor_expired', resync: true, pruned_to: base.cursor + 10 } });
    expect(expired.body.result.message).toMatch(/re-read everything/);
    const ccExpired = await syncPost(t.url, 'get', pj, { cc_cursor: 0 });
    expect(ccExpired.status).toBe(422);
    expect(ccExpired.body.result.info).toMatchObject({ field: 'cc_cursor', reason: 'cursor_expired', resync: true, pruned_to: ccOld });

    // from pruned_to on, the rest is all there
    const rest = await syncGet(t.url, pj, { cc_cursor: ccOld, project: p.projectGid, cursor: base.cursor + 10 });
    expect(rest.sync.filter((e: any) => e.type === p.projectGid).map((e: any) => e.data_key)).toEqual(['new-0', 'new-1', 'new-2']);
    expect(rest.sync.filter((e: any) => e.type === 'cc').map((e: any) => e.cursor)).toContain(ccNew);
    const cursors = (await syncPost(t.url, 'cursors', pj, { project: p.projectGid })).body.result;
    expect(cursors.pruned_to).toEqual({ cc_cursor: ccOld, cursor: base.cursor + 10 });
    // a second run finds nothing more to prune
    expect((await pruneChanges(t.db, 30 * 86_400)).projectEvents).toBe(0);
  });

  it('a project whose every event has expired is pruned up to its cursor; one with none expired is untouched', async () => {
    const oldP = await createFixture(t.db, { owner: 'owner' });
    const youngP = await createFixture(t.db, { owner: 'owner' });
    await emit(oldP.projectId, 'INSERT', 'assets', keys(7, 'gone'));
    await emit(youngP.projectId, 'INSERT', 'assets', keys(4, 'kept'));
    await t.db.query(`UPDATE changes SET created_on = now() - interval '31 days' WHERE project_id = $1`, [oldP.projectId]);
    const before = (await t.db.query('SELECT project_id, cursor, pruned_to FROM project_cursors WHERE project_id = ANY($1::bigint[]) ORDER BY project_id', [[oldP.projectId, youngP.projectId]])).rows;
    await pruneChanges(t.db, 30 * 86_400);
    const after = (await t.db.query('SELECT project_id, cursor, pruned_to, (SELECT count(*)::int FROM changes c WHERE c.project_id = pc.project_id) AS n FROM project_cursors pc WHERE project_id = ANY($1::bigint[]) ORDER BY project_id', [[oldP.projectId, youngP.projectId]])).rows;
    const o = after.find((r) => Number(r.project_id) === oldP.projectId)!;
    const y = after.find((r) => Number(r.project_id) === youngP.projectId)!;
    expect({ pruned_to: Number(o.pruned_to), n: o.n }).toEqual({ pruned_to: Number(o.cursor), n: 0 });
    expect({ pruned_to: Number(y.pruned_to), n: y.n }).toEqual({ pruned_to: Number(before.find((r) => Number(r.project_id) === youngP.projectId)!.pruned_to), n: 4 });
  });

  it('one pruner at a time: a held advisory lock makes another run skip', async () => {
    const holder = await t.db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(727271005)');
      expect((await pruneChanges(t.db, 1)).ran).toBe(false);
      await holder.query('SELECT pg_advisory_unlock(727271005)');
      expect((await pruneChanges(t.db, 30 * 86_400)).ran).toBe(true);
    } finally {
      holder.release();
    }
  });

  it('the server prunes on its own timer (CHANGE_RETENTION_SECONDS, CHANGE_PRUNE_INTERVAL_MS)', async () => {
    const p = await createFixture(t.db, { owner: 'owner' });
    await emit(p.projectId, 'INSERT', 'assets', keys(4, 'k'));
    await t.db.query(`UPDATE changes SET created_on = now() - interval '1 hour' WHERE project_id = $1`, [p.projectId]);
    const second = await startTestServer({ databaseUrl: t.config.databaseUrl, changeRetentionSeconds: 600, changePruneIntervalMs: 100 });
    try {
      await until(async () => (await t.db.query('SELECT pruned_to FROM project_cursors WHERE project_id = $1', [p.projectId])).rows[0].pruned_to === 4, 'the timer to prune');
      expect((await t.db.query('SELECT count(*)::int AS n FROM changes WHERE project_id = $1', [p.projectId])).rows[0].n).toBe(0);
    } finally {
      await second.close();
    }
  });
});
