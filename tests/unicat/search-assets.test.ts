import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
const g: Record<string, string> = {};

/** A file under `parent` with the given fields, through SQL (the search triggers keep the index). */
async function file(key: string, parentId: number, name: string, fields: { title?: object; description?: object; info?: object; type?: string; mime?: string; size?: number; ageDays?: number; createdDays?: number } = {}) {
  const { rows } = await t.db.query(
    `WITH p AS (SELECT * FROM assets WHERE id = $2), n AS (SELECT nextval('assets_id_seq') AS id)
     INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file, type, mime, size, title, description, info, updated_on, created_on)
     SELECT n.id, $1, p.id, p.path || n.id || '/', p.depth + 1, $3, CASE WHEN p.pathname = '/' THEN '/' || $3 ELSE p.pathname || '/' || $3 END,
            true, $4, $5, $6, $7, $8, $9, now() - make_interval(days => $10), now() - make_interval(days => $11)
     FROM p, n RETURNING gid::text`,
    [f.projectId, parentId, name, fields.type ?? 'image', fields.mime ?? 'image/jpeg', fields.size ?? 1000,
      fields.title ?? {}, fields.description ?? {}, fields.info ?? {}, fields.ageDays ?? 0, fields.createdDays ?? fields.ageDays ?? 0]);
  g[key] = rows[0].gid;
}

async function search(body: Record<string, unknown>) {
  const { result, data } = await c.call('assets/search', body);
  for (const x of result.assets) expect(data.assets[x]).toMatchObject({ gid: x });
  return result as { assets: string[]; 'assets.size': number };
}
const keysOf = (gids: string[]) => gids.map((x) => Object.keys(g).find((k) => g[k] === x) ?? x);

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner', viewer: 'viewer' });
  const photos = await seedFolder(t.db, f.projectId, 'photos');
  const docs = await seedFolder(t.db, f.projectId, 'docs');
  g.photos = photos.gid;
  g.docs = docs.gid;
  await file('shoes', photos.id, 'running-shoes.jpg', { title: { en: 'Running shoes for the marathon' }, size: 5000, ageDays: 2, createdDays: 40 });
  await file('bike', photos.id, 'fiets.jpg', { title: { nl: 'De fietsen van de stad' }, description: { en: 'Bicycles in Amsterdam' }, size: 20000, ageDays: 10 });
  await file('cat', photos.id, 'cat.png', { mime: 'image/png', title: { en: 'A small cat' }, description: { en: 'The cat sleeps on the red chair' }, ageDays: 30 });
  await file('chair', photos.id, 'chair-red.png', { mime: 'image/png', title: { en: 'Red chair' }, size: 800, ageDays: 60 });
  await file('manual', docs.id, 'manual.pdf', { type: 'document', mime: 'application/pdf', size: 100000, info: { metadata: { author: 'Zorblax Industries', 'date:create': '2020' } }, ageDays: 100 });
  await file('houses', docs.id, 'Häuser.pdf', { type: 'document', mime: 'application/pdf', title: { de: 'Die schönen Häuser am Fluss' } });
  await file('horses', photos.id, 'jumping-horses.jpg', { ageDays: 20 });
  await file('hike', photos.id, 'wandelen-bergen.jpg', { title: { nl: 'Vakantie' }, ageDays: 20 });
  await seedFiles(t.db, f.projectId, docs.id, 20, 'filler-');
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
});
afterAll(() => t?.close());

describe('assets/search: q', () => {
  it('stems in the language of the search (en, nl, de)', async () => {
    expect(keysOf((await search({ language: 'en', q: 'run' })).assets)).toEqual(['shoes']);
    expect(keysOf((await search({ language: 'en', q: 'marathons' })).assets)).toEqual(['shoes']);
    expect(keysOf((await search({ language: 'en', q: 'bicycle' })).assets)).toEqual(['bike']);
    expect(keysOf((await search({ language: 'nl', q: 'fiets' })).assets)).toEqual(['bike']);
    expect(keysOf((await search({ language: 'de', q: 'haus' })).assets)).toEqual(['houses']);
  });

  it('stems names in English and in the languages of the asset\'s titles', async () => {
    expect(keysOf((await search({ language: 'en', q: 'horse' })).assets)).toEqual(['horses']);
    expect(keysOf((await search({ language: 'nl', q: 'berg' })).assets)).toEqual(['hike']);
    expect(keysOf((await search({ language: 'nl', q: 'wandelen' })).assets)).toEqual(['hike']);
  });

  it('matches whole words in a language without stored stems, and in an unknown language', async () => {
    expect(keysOf((await search({ language: 'xx', q: 'marathon' })).assets)).toEqual(['shoes']);
    expect((await search({ language: 'xx', q: 'marath' })).assets).toEqual([]);
    expect(keysOf((await search({ language: 'fi', q: 'chair' })).assets).sort()).toEqual(['cat', 'chair']);
  });

  it('searches names split on punctuation, and text metadata', async () => {
    expect(keysOf((await search({ language: 'en', q: 'shoes' })).assets)).toEqual(['shoes']);
    expect(keysOf((await search({ language: 'en', q: 'running-shoes.jpg' })).assets)).toEqual(['shoes']);
    expect(keysOf((await search({ language: 'en', q: 'zorblax' })).assets)).toEqual(['manual']);
  });

  it('ranks plain terms, requires +terms and excludes -terms', async () => {
    // both mention the chair; the asset named and titled "chair" ranks first
    const r = await search({ language: 'en', q: 'chair' });
    expect(keysOf(r.assets)).toEqual(['chair', 'cat']);
    expect(r['assets.size']).toBe(2);
    expect(keysOf((await search({ language: 'en', q: 'chair -cat' })).assets)).toEqual(['chair']);
    expect(keysOf((await search({ language: 'en', q: '+cat chair' })).assets)).toEqual(['cat']);
    expect(keysOf((await search({ language: 'en', q: '+cat +marathon' })).assets)).toEqual([]);
    // plain terms: any of them
    expect(keysOf((await search({ language: 'en', q: 'marathon zorblax' })).assets).sort()).toEqual(['manual', 'shoes']);
  });

  it('matches "quoted phrases" as phrases', async () => {
    expect(keysOf((await search({ language: 'en', q: '"red chair"' })).assets).sort()).toEqual(['cat', 'chair']);
    expect(keysOf((await search({ language: 'en', q: '"chair red"' })).assets)).toEqual(['chair']); // the name chair-red
    expect(keysOf((await search({ language: 'en', q: '"sleeps chair"' })).assets)).toEqual([]);
    expect(keysOf((await search({ language: 'en', q: '+"small cat"' })).assets)).toEqual(['cat']);
    expect(keysOf((await search({ language: 'en', q: 'chair -"small cat"' })).assets)).toEqual(['chair']);
  });

  it('pages with page.top and page.size (default 10); assets.size is the total', async () => {
    const all = await search({ language: 'en', q: 'filler' });
    expect(all.assets.length).toBe(10);
    expect(all['assets.size']).toBe(20);
    const p2 = await search({ language: 'en', q: 'filler', 'page.top': 15, 'page.size': 10 });
    expect(p2.assets.length).toBe(5);
    const every = await search({ language: 'en', q: 'filler', 'page.size': 20 });
    expect(new Set(every.assets).size).toBe(20);
    expect(every.assets.slice(15)).toEqual(p2.assets);
  });

  it('answers an empty result without q and filter, and 400 without language', async () => {
    expect(await search({ language: 'en' })).toEqual({ assets: [], 'assets.size': 0 });
    expect(await search({ language: 'en', q: '  ' })).toEqual({ assets: [], 'assets.size': 0 });
    for (const body of [{ q: 'cat' }, { language: 5, q: 'cat' }, { language: 'en', q: 'a\u0000b' }, { language: 'en', q: 'cat', 'page.top': 1e20 }, { language: 'en', q: 'x '.repeat(2000) }, { language: 'en', q: { x: 1 } }, { language: 'en', q: 'cat', 'page.size': -1 }, { language: 'en', q: 'cat', 'page.top': 'x' }]) {
      const res = await c.raw('assets/search', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.result.code).toBe(400);
    }
  });

  it('finds live assets only, of this project only, and follows renames and retitles', async () => {
    await t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE gid = $1', [g.manual]);
    expect((await search({ language: 'en', q: 'zorblax' })).assets).toEqual([]);
    await t.db.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE gid = $1', [g.manual]);
    expect(keysOf((await search({ language: 'en', q: 'zorblax' })).assets)).toEqual(['manual']);
    await t.db.query(`UPDATE assets SET name = 'quokka.jpg', title = '{"en":"A happy quokka"}' WHERE gid = $1`, [g.bike]);
    expect(keysOf((await search({ language: 'en', q: 'quokka' })).assets)).toEqual(['bike']);
    expect((await search({ language: 'nl', q: 'fiets' })).assets).toEqual([]);
    await t.db.query(`UPDATE assets SET name = 'fiets.jpg', title = '{"nl":"De fietsen van de stad"}' WHERE gid = $1`, [g.bike]);
    const other = await createFixture(t.db);
    const oc = new UnicatClient(t.url, other.projectGid);
    await oc.auth(other.users.owner.key);
    const { result } = await oc.call('assets/search', { language: 'en', q: 'zorblax' });
    expect(result.assets).toEqual([]);
  });
});

describe('assets/search: filters', () => {
  const only = async (filter: unknown, q?: string) => keysOf((await search({ language: 'en', filter, q, 'page.size': 100 })).assets).filter((k) => !k.startsWith('filler') && !/^[0-9a-f-]{36}$/.test(k)).sort();

  it('type, mime, is_file, name is / q', async () => {
    expect(await only(['type', 'is', 'document'])).toEqual(['houses', 'manual']);
    expect(await only(['type', 'is', 'folder'])).toEqual(['docs', 'photos']);
    expect(await only(['mime', 'is', 'image/png'])).toEqual(['cat', 'chair']);
    expect(await only(['mime', 'is', ['image/png', 'application/pdf']])).toEqual(['cat', 'chair', 'houses', 'manual']);
    expect(await only(['is_file', 'is_false'])).toEqual(['docs', 'photos']);
    expect((await search({ language: 'en', filter: ['is_file', 'is_true'] }))['assets.size']).toBe(28);
    expect(await only(['name', 'is', 'CAT.png'])).toEqual(['cat']);
    expect(await only(['name', 'q', 'chair'])).toEqual(['chair']); // the cat's description mentions a chair, its name does not
    expect(await only(['name', 'q', '+red -cat'])).toEqual(['chair']);
  });

  it('updated_on and created_on: < and > [n, "days"], between [from, until]', async () => {
    expect(await only(['and', '', [['updated_on', '<', [5, 'days']], ['type', 'is', 'image']]])).toEqual(['shoes']);
    expect(await only(['updated_on', '>', [50, 'days']])).toEqual(['chair', 'manual']);
    expect(await only(['created_on', '>', [35, 'days']])).toEqual(['chair', 'manual', 'shoes']);
    const now = Date.now() / 1000;
    expect(await only(['updated_on', 'between', [now - 35 * 86400, now - 5 * 86400]])).toEqual(['bike', 'cat', 'hike', 'horses']);
  });

  it('size <, > and between; and/or/not nest', async () => {
    expect(await only(['size', '<', 900])).toEqual(['chair']);
    expect(await only(['size', '>', 10000])).toEqual(['bike', 'manual']);
    expect(await only(['size', 'between', [4000, 20000]])).toEqual(['bike', 'shoes']);
    expect(await only(['or', '', [['name', 'is', 'cat.png'], ['name', 'is', 'manual.pdf']]])).toEqual(['cat', 'manual']);
    expect(await only(['and', '', [['is_file', 'is_true'], ['not', '', ['type', 'is', 'image']]]])).toEqual(['houses', 'manual']);
    // not over folders, whose size is NULL, still a boolean
    expect(await only(['not', '', ['size', '>', 0]])).toEqual(['docs', 'photos']);
    expect(await only(['and', '', [['mime', 'is', 'image/png'], ['or', '', [['size', '<', 900], ['name', 'q', 'cat']]]]])).toEqual(['cat', 'chair']);
  });

  it('combines q and filter', async () => {
    expect(await only(['mime', 'is', 'image/png'], 'chair')).toEqual(['cat', 'chair']);
    expect(await only(['size', '<', 900], 'chair')).toEqual(['chair']);
  });

  it('refuses unknown properties, operators and bad operands with 422/1006 naming them', async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [['colour', 'is', 'red'], { property: 'colour' }],
      [['type', 'like', 'image'], { property: 'type', operator: 'like' }],
      [['and', '', [['type', 'is', 'image'], ['nope', 'is', 1]]], { property: 'nope', path: 'filter[2][1]' }],
      [['updated_on', '<', [5, 'weeks']], { property: 'updated_on', operator: '<' }],
      [['updated_on', 'between', [1, 'x']], { property: 'updated_on' }],
      [['size', '>', 'big'], { property: 'size' }],
      [['type', 'is', 5], { property: 'type' }],
      [['and', 'x', []], { property: 'and', operator: 'x' }],
      [['and', '', 'x'], { property: 'and' }],
      [['not', ''], { property: 'not' }],
      [['is_file', 'is_true', 'yes'], { property: 'is_file' }],
      ['type', {}],
      [[1, 'is', 'x'], {}],
      [{ type: 'image' }, {}],
      [['updated_on', 'between', [1e20, 1e21]], { property: 'updated_on', operator: 'between' }],
      [['name', 'is', 'a\u0000b'], { property: 'name' }],
      [['name', 'is', 'x'.repeat(5000)], { property: 'name' }],
      [['mime', 'is', ['image/png', 7]], { property: 'mime' }],
      [['name', 'q', 5], { property: 'name', operator: 'q' }],
      [['size', 'between', [1]], { property: 'size', operator: 'between' }],
    ];
    for (const [filter, info] of cases) {
      const res = await c.raw('assets/search', { language: 'en', filter });
      expect(res.status, JSON.stringify(filter)).toBe(422);
      expect(res.body.result.code).toBe(1006);
      expect(res.body.result.info).toMatchObject(info);
    }
  });
});

describe('selections with search entries', () => {
  it('resolves {search} entries in bulk/get, with exclude', async () => {
    const sel = [{ search: { language: 'en', q: 'chair' }, exclude: [g.cat] }, { search: { language: 'nl', q: 'fiets' } }];
    const { result } = await c.call('assets/bulk/get', { selection: sel });
    expect(keysOf(result.assets).sort()).toEqual(['bike', 'chair']);
    expect(result['assets.size']).toBe(2);
    const filtered = await c.call('assets/bulk/get', { selection: [{ search: { language: 'en', filter: ['mime', 'is', 'application/pdf'] } }] });
    expect(keysOf(filtered.result.assets).sort()).toEqual(['houses', 'manual']);
    const empty = await c.call('assets/bulk/get', { selection: [{ search: { language: 'en' } }] });
    expect(empty.result.assets).toEqual([]);
  });
});
