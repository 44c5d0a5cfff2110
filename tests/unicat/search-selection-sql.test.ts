// The selection contract the bulk jobs build on: selectionSql() run in SQL, as the jobs embed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { seedFolder, seedFiles, childGids, rootOf } from '../helpers/seed.ts';
import { parseSelection, selectionSql, checkSelection } from '../../src/core/selection/index.ts';
import type { Actor } from '../../src/core/keys.ts';
import { CoreError } from '../../src/core/errors.ts';

let t: TestServer;
let f: Fixture;
let actor: Actor;
let folder: { id: number; gid: string };
let kids: string[];

/** Runs the selection the way a job embeds it: after a parameter of its own. */
async function resolve(raw: unknown, trashed: 'exclude' | 'include') {
  const s = selectionSql(actor, parseSelection(raw), { trashed }, 2);
  const { rows } = await t.db.query(
    `SELECT $1::text AS tag, s.asset_id, s.gid::text AS gid FROM (${s.sql}) s ORDER BY s.gid`, ['job', ...s.params]);
  return rows as { tag: string; asset_id: number | null; gid: string }[];
}

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db);
  actor = { projectId: f.projectId, projectGid: f.projectGid } as Actor;
  folder = await seedFolder(t.db, f.projectId, 'sel');
  await seedFiles(t.db, f.projectId, folder.id, 10, 'k-');
  kids = await childGids(t.db, folder.id);
  await t.db.query(`UPDATE assets SET title = '{"en":"walrus"}' WHERE gid = ANY($1::uuid[])`, [kids.slice(0, 3)]);
  // trash kids[0] (a walrus) and kids[5]
  await t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE gid = ANY($1::uuid[])', [[kids[0], kids[5]]]);
});
afterAll(() => t?.close());

describe('selectionSql', () => {
  it('yields (NULL, gid) for gids that resolve to no asset of the project, each once', async () => {
    const other = await createFixture(t.db);
    const foreign = (await rootOf(t.db, other.projectId)).gid;
    const unknown = '00000000-0000-4000-8000-0000000000ff';
    const rows = await resolve([unknown, unknown.toUpperCase(), foreign, kids[1]], 'exclude');
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.tag === 'job')).toBe(true);
    expect(rows.filter((r) => r.asset_id === null).map((r) => r.gid).sort()).toEqual([unknown, foreign].sort());
    expect(rows.find((r) => r.gid === kids[1])?.asset_id).toEqual(expect.any(Number));
  });

  it('resolves gid entries whatever their trash state; children and search include trashed only on request', async () => {
    expect((await resolve([kids[0]], 'exclude'))[0].asset_id).not.toBeNull();
    const live = await resolve([{ children: folder.gid }], 'exclude');
    expect(live.map((r) => r.gid).sort()).toEqual(kids.filter((g) => g !== kids[0] && g !== kids[5]).sort());
    const all = await resolve([{ children: folder.gid }], 'include');
    expect(all.map((r) => r.gid).sort()).toEqual([...kids].sort());
    expect((await resolve([{ search: { language: 'en', q: 'walrus' } }], 'exclude')).map((r) => r.gid).sort()).toEqual(kids.slice(1, 3).sort());
    expect((await resolve([{ search: { language: 'en', q: 'walrus' } }], 'include')).map((r) => r.gid).sort()).toEqual(kids.slice(0, 3).sort());
  });

  it('unions entries with each asset once; exclude applies to its own entry', async () => {
    const rows = await resolve([kids[1], { children: folder.gid, exclude: [kids[1], kids[2]] }, { search: { language: 'en', q: 'walrus' }, exclude: [kids[3]] }], 'include');
    expect(rows.map((r) => r.gid).sort()).toEqual([...kids].sort());
    const rows2 = await resolve([{ children: folder.gid, exclude: [kids[1], kids[2]] }], 'include');
    expect(rows2.map((r) => r.gid).sort()).toEqual(kids.filter((g) => g !== kids[1] && g !== kids[2]).sort());
  });

  it('an empty selection yields nothing and binds no parameters', async () => {
    expect(selectionSql(actor, parseSelection([]), { trashed: 'exclude' }, 3).params).toEqual([]);
    expect(await resolve([], 'exclude')).toEqual([]);
  });

  it('checkSelection refuses children of a file or of an unknown asset, naming the entry', async () => {
    await expect(checkSelection(t.db, actor, parseSelection([{ children: folder.gid }]))).resolves.toBeUndefined();
    const err = await checkSelection(t.db, actor, parseSelection([kids[1], { children: folder.gid }, { children: kids[1] }])).catch((e) => e);
    expect(err).toBeInstanceOf(CoreError);
    expect(err.kind).toBe('selection');
    expect(err.info).toMatchObject({ index: 2 });
  });
});
