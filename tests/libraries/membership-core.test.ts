// The membership core under the policies the HTTP dialects choose (strict and per_item are
// Oracle's; Uplynk's idempotent is covered through HTTP in tests/uplynk), on a real database:
// outcomes in first-seen order, all-or-nothing, and concurrent adds of the same ids giving each
// row and each feed event once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoreDb, createFixture, type CoreDb, type Fixture } from '../helpers/server.ts';
import { rootOf, seedFiles, seedFolder, childGids } from '../helpers/seed.ts';
import { actorForKey, type Actor } from '../../src/core/keys.ts';
import { CoreError } from '../../src/core/errors.ts';
import {
  changeMembership, createLibrary, shareLibrary, POLICY_STRICT, POLICY_PER_ITEM, POLICY_IDEMPOTENT,
} from '../../src/core/libraries/index.ts';

let t: CoreDb;
let f: Fixture;
let owner: Actor;
let files: string[];
let folder: string;

beforeAll(async () => {
  t = await openCoreDb();
  f = await createFixture(t.db, { owner: 'owner', sharee: 'editor' });
  owner = await actorForKey(t.db, f.users.owner.key);
  const dir = await seedFolder(t.db, f.projectId, 'files');
  await seedFiles(t.db, f.projectId, dir.id, 1200);
  files = (await t.db.query('SELECT gid::text FROM assets WHERE parent_id = $1 ORDER BY id', [dir.id])).rows.map((r) => r.gid);
  folder = dir.gid;
});
afterAll(() => t?.close());

async function count(libGid: string): Promise<number> {
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM library_assets la JOIN libraries l ON l.id = la.library_id WHERE l.gid = $1', [libGid]);
  return rows[0].n;
}
async function events(libGid: string, action: string): Promise<number> {
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM changes WHERE data_type = 'libraries_assets' AND action = $2 AND data_key LIKE $1`, [`${libGid}/%`, action]);
  return rows[0].n;
}
async function failure(p: Promise<unknown>): Promise<CoreError> {
  try { await p; } catch (e) { if (e instanceof CoreError) return e; throw e; }
  throw new Error('expected a CoreError');
}

describe('changeMembership', () => {
  it('strict: duplicates once; any non-added outcome fails the whole request, naming the first failing id', async () => {
    const lib = await createLibrary(t.db, owner, { name: 'strict' });
    const r = await changeMembership(t.db, owner, lib.gid, 'add', [files[0], files[0].toUpperCase(), files[1].replace(/-/g, '')], POLICY_STRICT);
    expect(r.outcomes.map((o) => [o.id, o.outcome])).toEqual([[files[0], 'added'], [files[1], 'added']]);
    expect(r.changed).toBe(2);
    const e = await failure(changeMembership(t.db, owner, lib.gid, 'add', [files[2], files[0], files[1]], POLICY_STRICT));
    expect(e.kind).toBe('conflict');
    expect(e.info).toMatchObject({ id: files[0], outcome: 'already_member', failedCount: 2, op: 'add', library: lib.gid });
    expect(await count(lib.gid)).toBe(2);
    const e2 = await failure(changeMembership(t.db, owner, lib.gid, 'remove', [files[0], files[3]], POLICY_STRICT));
    expect(e2.info).toMatchObject({ id: files[3], outcome: 'not_member' });
    expect(await count(lib.gid)).toBe(2);
    expect(await events(lib.gid, 'INSERT')).toBe(2);
    expect(await events(lib.gid, 'DELETE')).toBe(0);
  });

  it('per_item: nothing fails; every distinct id reported in first-seen order', async () => {
    const lib = await createLibrary(t.db, owner, { name: 'per item' });
    await changeMembership(t.db, owner, lib.gid, 'add', [files[10]], POLICY_STRICT);
    await t.db.query('UPDATE assets SET deleted_on = now() WHERE gid = $1', [files[11]]);
    const g = await createFixture(t.db);
    await seedFiles(t.db, g.projectId, (await rootOf(t.db, g.projectId)).id, 1);
    const foreign = (await childGids(t.db, (await rootOf(t.db, g.projectId)).id))[0];
    const ghost = '00000000-0000-4000-8000-000000000042';
    const r = await changeMembership(t.db, owner, lib.gid, 'add',
      [files[12], 'bogus', files[10], ghost, folder, files[11], foreign, 'bogus', files[12]], POLICY_PER_ITEM);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['added', 'not_found', 'already_member', 'not_found', 'not_a_file', 'deleted_asset', 'not_found']);
    expect(r.outcomes[1].id).toBe('bogus');
    expect(r.changed).toBe(1);
    for (const o of r.outcomes) expect(o.at).toBeInstanceOf(Date);
    const rm = await changeMembership(t.db, owner, lib.gid, 'remove', [files[10], files[13], files[11]], POLICY_PER_ITEM);
    expect(rm.outcomes.map((o) => o.outcome)).toEqual(['removed', 'not_member', 'not_member']);
    await t.db.query('UPDATE assets SET deleted_on = NULL WHERE gid = $1', [files[11]]);
  });

  it('idempotent: not_found fails; malformed ids count as not_found; nothing changed', async () => {
    const lib = await createLibrary(t.db, owner, { name: 'idem' });
    const e = await failure(changeMembership(t.db, owner, lib.gid, 'add', [files[20], 'x-1', files[21]], POLICY_IDEMPOTENT));
    expect(e.kind).toBe('not_found');
    expect(e.info).toMatchObject({ id: 'x-1', outcome: 'not_found' });
    expect(await count(lib.gid)).toBe(0);
  });

  it('refuses empty lists, more than 10,000 distinct ids, and callers below contributor', async () => {
    const lib = await createLibrary(t.db, owner, { name: 'limits' });
    expect((await failure(changeMembership(t.db, owner, lib.gid, 'add', [], POLICY_STRICT))).kind).toBe('invalid');
    const many = Array.from({ length: 10_001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect((await failure(changeMembership(t.db, owner, lib.gid, 'add', many, POLICY_PER_ITEM))).kind).toBe('too_large');
    const sharee = await actorForKey(t.db, f.users.sharee.key);
    expect((await failure(changeMembership(t.db, sharee, lib.gid, 'add', [files[30]], POLICY_PER_ITEM))).kind).toBe('not_found');
    await shareLibrary(t.db, owner, lib.gid, sharee.userGid, 'viewer');
    expect((await failure(changeMembership(t.db, sharee, lib.gid, 'add', [files[30]], POLICY_PER_ITEM))).kind).toBe('forbidden');
    await shareLibrary(t.db, owner, lib.gid, sharee.userGid, 'contributor');
    expect((await changeMembership(t.db, sharee, lib.gid, 'add', [files[30]], POLICY_PER_ITEM)).changed).toBe(1);
  });

  it('concurrent adds of the same ids: each row and each INSERT event exactly once', async () => {
    const lib = await createLibrary(t.db, owner, { name: 'race' });
    const ids = files.slice(100, 1100);
    // two in the given order, two reversed: different lock orders must neither deadlock nor duplicate
    const orders = [ids, [...ids].reverse(), ids, [...ids].reverse()];
    const results = await Promise.all(orders.map((o) => changeMembership(t.db, owner, lib.gid, 'add', o, POLICY_IDEMPOTENT)));
    expect(results.reduce((n, r) => n + r.changed, 0)).toBe(1000);
    for (const r of results) expect(r.outcomes.every((o) => o.outcome === 'added' || o.outcome === 'already_member')).toBe(true);
    expect(await count(lib.gid)).toBe(1000);
    expect(await events(lib.gid, 'INSERT')).toBe(1000);
    const removed = await Promise.all(orders.map((o) => changeMembership(t.db, owner, lib.gid, 'remove', o, POLICY_IDEMPOTENT)));
    expect(removed.reduce((n, r) => n + r.changed, 0)).toBe(1000);
    expect(await events(lib.gid, 'DELETE')).toBe(1000);
  });
});
