// The selection contract the bulk jobs build on: selectionSql() run in SQL, as the jobs embed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { seedFolder, seedFiles, seedFolders, childGids, rootOf } from '../helpers/seed.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { parseSelection, selectionSql, checkSelection, countSelection, MAX_SELECTION_ENTRIES, MAX_SELECTION_SEARCHES } from '../../src/core/selection/index.ts';
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

  it('countSelection resolves and checks in one statement: totals, or the first invalid {children} entry by its index in the selection', async () => {
    const empty = await seedFolder(t.db, f.projectId, 'empty');
    const unknown = '00000000-0000-4000-8000-0000000000fe';
    const count = (raw: unknown) => countSelection(t.db, actor, parseSelection(raw), { trashed: 'exclude' });
    // an empty folder is valid; an unknown gid entry is counted as unresolved
    await expect(count([{ children: empty.gid }, { children: folder.gid, exclude: [kids[1]] }, unknown, kids[1]]))
      .resolves.toEqual({ resolved: 8, unresolved: 1 });
    // a repeated parent keeps the index of its first entry; entries are reported in selection order
    const err = await count([{ children: folder.gid }, { children: kids[2] }, { children: unknown }, { children: kids[2] }]).catch((e) => e);
    expect(err).toBeInstanceOf(CoreError);
    expect(err.kind).toBe('selection');
    expect(err.info).toMatchObject({ index: 1, children: kids[2], reason: 'children of a file (not a folder)' });
    const err2 = await count([kids[3], { children: folder.gid }, { children: unknown }]).catch((e) => e);
    expect(err2.info).toMatchObject({ index: 2, children: unknown, reason: 'children of an asset that does not exist' });
    // the resolve statement carries the same report (a job's worker ignores it: the request was checked)
    const rows = await resolve([{ children: unknown }, kids[1]], 'exclude');
    expect(rows.map((r) => r.gid).sort()).toEqual([unknown, kids[1]].sort());
  });

  it('merges {children} entries naming the same parent: a gid stays excluded only if every such entry excludes it', async () => {
    const rows = await resolve([{ children: folder.gid, exclude: [kids[1], kids[2]] }, { children: folder.gid, exclude: [kids[2], kids[3]] }], 'include');
    expect(rows.map((r) => r.gid).sort()).toEqual(kids.filter((g) => g !== kids[2]).sort());
  });
});

describe('large selections: one set-based statement, bounded parameters', () => {
  let many: string[];
  beforeAll(async () => {
    const top = await seedFolder(t.db, f.projectId, 'many');
    many = await seedFolders(t.db, f.projectId, top.id, 10_000, 'm-');
    // one file in each folder
    await t.db.query(
      `WITH d AS (SELECT nextval('assets_id_seq') AS nid, a.* FROM assets a WHERE a.parent_id = $1)
       INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type)
       SELECT d.nid, d.project_id, d.id, d.path || d.nid || '/', d.depth + 1, 'x.jpg', d.pathname || '/x.jpg', true, 'image' FROM d`, [top.id]);
  });

  it('resolves 10,000 {children} entries (with excludes) in one statement with a fixed number of parameters', async () => {
    const raw = many.map((g, i) => (i % 2 ? { children: g } : { children: g, exclude: [kids[1]] }));
    const s = selectionSql(actor, parseSelection(raw), { trashed: 'exclude' }, 2);
    expect(s.params.length).toBeLessThanOrEqual(4);
    expect(s.sql).not.toMatch(/UNION/);
    const rows = await resolve(raw, 'exclude');
    expect(rows.length).toBe(10_000);
    expect(rows.every((r) => r.asset_id !== null)).toBe(true);
    await expect(checkSelection(t.db, actor, parseSelection(raw))).resolves.toBeUndefined();
  });

  it('binds the same number of parameters for 10 or 100,000 gid entries', async () => {
    const few = selectionSql(actor, parseSelection(many.slice(0, 10)), { trashed: 'exclude' });
    const all = Array.from({ length: MAX_SELECTION_ENTRIES }, (_, i) => many[i % many.length]);
    const lots = selectionSql(actor, parseSelection(all), { trashed: 'exclude' });
    expect(lots.params.length).toBe(few.params.length);
  });

  it('assets/bulk/get pages a 10,000-entry {children} selection; bulk calls refuse more entries than the limit when they arrive (422/1006 naming it)', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    await c.auth(f.users.owner.key);
    const { result } = await c.call('assets/bulk/get', { selection: many.map((g) => ({ children: g })), 'page.size': 1000 });
    expect(result['assets.size']).toBe(10_000);
    expect(result.assets.length).toBe(1000);
    const before = (await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    const over = Array.from({ length: MAX_SELECTION_ENTRIES + 1 }, (_, i) => many[i % many.length].replaceAll('-', ''));
    for (const call of ['assets/bulk/get', 'assets/bulk/delete']) {
      const r = await c.raw(call, { selection: over });
      expect(r.status).toBe(422);
      expect(r.body.result.code).toBe(1006);
      expect(r.body.result.message).toContain(String(MAX_SELECTION_ENTRIES));
    }
    const searches = Array.from({ length: MAX_SELECTION_SEARCHES + 1 }, () => ({ search: { language: 'en', q: 'walrus' } }));
    const r = await c.raw('assets/bulk/delete', { selection: searches });
    expect(r.status).toBe(422);
    expect(r.body.result.code).toBe(1006);
    expect(r.body.result.message).toContain(String(MAX_SELECTION_SEARCHES));
    expect((await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n).toBe(before);
  });
});
