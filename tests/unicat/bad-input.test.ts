// Bad input on the asset calls: a clear error in the envelope, nothing changed, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';

const BODY_LIMIT = 256 * 1024;
let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let rootGid: string;
let folder: string;
let file: string;

const CALLS = ['get', 'children', 'worksheet', 'tree', 'create', 'upload', 'upload_update', 'update', 'move', 'delete', 'undelete', 'permanent_delete'];
const MUTATIONS = new Set(['create', 'upload', 'upload_update', 'update', 'move', 'delete', 'undelete', 'permanent_delete']);
const PARAMS = ['asset', 'assets', 'pathname', 'pathnames', 'parent', 'name', 'title', 'description', 'transforms',
  'expanded_assets', 'expanded_paths', 'page.top', 'page.size', 'page'];
const JUNK: unknown[] = [null, 42, -1, 1.5, true, '', 'not-a-gid', '../..', '\u0000', [], [1], ['x'], [null], {}, { a: 1 },
  { en: '\u0000' }, { a: { b: 'x\u0000' } }, 'a'.repeat(5000), '99999999-9999-4999-8999-999999999999', ['99999999-9999-4999-8999-999999999999'], 1e300];

async function snapshot() {
  const [{ rows: assets }, { rows: [cur] }] = await Promise.all([
    t.db.query('SELECT id, gid, parent_id, path, pathname, name, deleted_on, deleted_root, title, description, version, content_hash FROM assets WHERE project_id = $1 ORDER BY id', [f.projectId]),
    t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [f.projectId]),
  ]);
  return { assets, cursor: cur.cursor };
}

/** Runs the requests 16 at a time; returns the descriptions of the answers `okFn` refuses. */
async function sweep(reqs: { call: string; body: object; what: string }[], okFn: (call: string, status: number) => boolean): Promise<string[]> {
  const bad: string[] = [];
  for (let i = 0; i < reqs.length; i += 16) {
    await Promise.all(reqs.slice(i, i + 16).map(async (r) => {
      const res = await c.raw(`assets/${r.call}`, r.body);
      if (!okFn(r.call, res.status) || typeof res.body?.success !== 'boolean') bad.push(`${r.call} ${r.what} -> ${res.status}`);
    }));
  }
  return bad;
}

function expectEnvelopeError(res: { status: number; body: any }, status: number, what: string) {
  expect(res.status, what).toBe(status);
  expect(res.body, what).toMatchObject({ success: false, result: { code: status }, data: {} });
  expect(typeof res.body.result.message, what).toBe('string');
}

beforeAll(async () => {
  t = await startTestServer({ bodyLimitBytes: BODY_LIMIT });
  f = await createFixture(t.db, { owner: 'owner' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  rootGid = (await c.call('assets/get', { pathname: '/' })).result.asset;
  folder = (await c.call('assets/create', { parent: rootGid, name: 'Folder' })).result.asset;
  await c.call('assets/create', { parent: folder, name: 'Sub' });
  file = (await c.upload({ parent: folder }, { name: 'f.txt', content: 'f' })).body.result.asset;
});
afterAll(() => t?.close());

describe('bad input', () => {
  it('malformed JSON, a non-object body, a wrong content type: 400 and nothing changed', async () => {
    const before = await snapshot();
    for (const call of CALLS) {
      expectEnvelopeError(await c.raw(`assets/${call}`, '{"asset": "x",'), 400, `${call} malformed`);
      const arr = await c.raw(`assets/${call}`, '[1,2]');
      expect(arr.status, `${call} array`).toBe(400);
      const text = await c.raw(`assets/${call}`, 'asset=1', { 'content-type': 'text/plain' });
      expect([400, 415], `${call} text/plain`).toContain(text.status);
      expect(text.body.success).toBe(false);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a body over the limit answers 413; an assets list over 10,000 answers 413', async () => {
    const before = await snapshot();
    const big = await c.raw('assets/get', { assets: ['x'.repeat(BODY_LIMIT)] });
    expectEnvelopeError(big, 413, 'body over the limit');
    const many = Array.from({ length: 10_001 }, () => '99999999-9999-4999-8999-999999999999');
    expectEnvelopeError(await c.raw('assets/get', { assets: many }), 413, 'too many gids');
    expect(await snapshot()).toEqual(before);
  });

  it('wrong types and malformed gids are 400, unknown gids 422, naming the field', async () => {
    const before = await snapshot();
    const r1 = await c.raw('assets/get', { asset: 42 });
    expectEnvelopeError(r1, 400, 'asset: 42');
    expect(r1.body.result.info.field).toBe('asset');
    const r2 = await c.raw('assets/get', { assets: [rootGid, 'nope'] });
    expectEnvelopeError(r2, 400, 'malformed gid in assets');
    expect(r2.body.result.info).toMatchObject({ field: 'assets', index: 1 });
    expectEnvelopeError(await c.raw('assets/get', { assets: 'not a list' }), 400, 'assets: string');
    expectEnvelopeError(await c.raw('assets/children', { asset: folder, 'page.size': '10' }), 400, 'page.size string');
    expectEnvelopeError(await c.raw('assets/children', { asset: folder, 'page.size': 100000 }), 400, 'page.size huge');
    expectEnvelopeError(await c.raw('assets/update', { asset: folder, title: ['x'] }), 400, 'title list');
    expectEnvelopeError(await c.raw('assets/update', { asset: folder, description: { en: 5 } }), 400, 'description number');
    expectEnvelopeError(await c.raw('assets/update', { asset: folder, transforms: 'x' }), 400, 'transforms string');
    expectEnvelopeError(await c.raw('assets/delete', { asset: '99999999-9999-4999-8999-999999999999' }), 422, 'unknown gid');
    expectEnvelopeError(await c.raw('assets/move', { asset: folder, parent: '99999999-9999-4999-8999-999999999999' }), 422, 'unknown parent');
    expectEnvelopeError(await c.raw('assets/create', { parent: file, name: 'x' }), 422, 'file parent');
    expect(await snapshot()).toEqual(before);
  });

  it('operations on the root and cycles in a move are refused with 422, changing nothing', async () => {
    const before = await snapshot();
    const sub = (await c.call('assets/get', { pathname: '/Folder/Sub' })).result.asset;
    for (const [call, body] of [
      ['delete', { asset: rootGid }], ['move', { asset: rootGid, parent: folder }], ['update', { asset: rootGid, name: 'r' }],
      ['update', { asset: rootGid, title: { en: 'Root' } }], ['permanent_delete', { asset: rootGid }], ['undelete', { asset: rootGid }],
      ['move', { asset: folder, parent: sub }], ['move', { asset: folder, parent: folder }],
    ] as [string, object][]) {
      expectEnvelopeError(await c.raw(`assets/${call}`, body), 422, `${call} ${JSON.stringify(body)}`);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('junk in any parameter of any call never gives a 500 and never changes anything', async () => {
    const before = await snapshot();
    const reqs = CALLS.flatMap((call) => PARAMS.flatMap((p) => JUNK.map((v) => ({ call, body: { [p]: v }, what: `${p}=${JSON.stringify(v).slice(0, 40)}` }))));
    const bad = await sweep(reqs, (call, status) => (MUTATIONS.has(call) ? status >= 400 && status < 500 : status < 500));
    expect(bad).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 180_000); // ~2,500 requests: a loaded machine needs longer than the default

  it('junk beside a valid asset never gives a 500; a batch of refused requests leaves the feed cursor and the rows as they were', async () => {
    const reqs = CALLS.flatMap((call) => ['name', 'title', 'description', 'transforms', 'parent', 'page.top', 'page.size', 'page'].flatMap((p) =>
      JUNK.map((v) => ({ call, body: { asset: file, parent: call === 'move' && p !== 'parent' ? file : undefined, [p]: v }, what: `${p}=${JSON.stringify(v).slice(0, 40)}` }))));
    // 16 at a time; a batch whose requests were all refused must leave the state as it was
    const light = async () => (await t.db.query(
      `SELECT (SELECT cursor FROM project_cursors WHERE project_id = $1) AS cursor,
              (SELECT count(*) FROM assets WHERE project_id = $1)::int AS assets,
              (SELECT count(*) FROM assets WHERE project_id = $1 AND deleted_on IS NULL)::int AS live,
              (SELECT coalesce(sum(version), 0) FROM assets WHERE project_id = $1)::int AS versions`, [f.projectId])).rows[0];
    const bad: string[] = [];
    let refusedBatches = 0;
    let batches = 0;
    for (let i = 0; i < reqs.length; i += 16) {
      const before = await light();
      const statuses = await Promise.all(reqs.slice(i, i + 16).map(async (r) => {
        const res = await c.raw(`assets/${r.call}`, r.body);
        if (res.status >= 500 || typeof res.body?.success !== 'boolean') bad.push(`${r.call} ${r.what} -> ${res.status}`);
        return res.status;
      }));
      batches++;
      if (statuses.every((st) => st >= 400)) {
        refusedBatches++;
        const after = await light();
        if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`batch ${i}: all refused, yet ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(refusedBatches).toBeGreaterThan(batches / 2);
  }, 180_000);
});
