// Search and selections over 1,000,000 assets: assets/search through HTTP beside the same SQL run
// directly (the floor), the insert cost of keeping the search index, and bulk/get paging.
// Seeds 10 folders x 100,000 files (tests/helpers/seed.ts), then gives a few hundred assets
// distinct words in titles, descriptions and metadata.
import { benchEnv, time, report, printTable, percentile } from './lib.ts';
import { seedFolder, seedFiles } from '../tests/helpers/seed.ts';
import { UnicatClient } from '../tests/helpers/unicat-client.ts';
import { parseSearchSpec, searchQueries } from '../src/core/search/search.ts';
import type { Actor } from '../src/core/keys.ts';
import { parseSelection, selectionSql, selectionPageSql } from '../src/core/selection/index.ts';
import { loadAssetRows } from '../src/core/assets/read.ts';

const TOTAL = Number(process.env.BENCH_SEARCH_ASSETS ?? 1_000_000);
const FOLDERS = 10;
const RUNS = 7;

const env = await benchEnv({ runWorker: false });
try {
  const pool = env.pool;
  const projectId = env.project.id;
  const per = Math.floor(TOTAL / FOLDERS);
  console.log(`seeding ${FOLDERS} x ${per} files ...`);
  const folders: { id: number; gid: string }[] = [];
  for (let i = 0; i < FOLDERS; i++) folders.push(await seedFolder(pool, projectId, `folder-${i}`));

  // the insert cost of the search index: one folder seeded with and one without the search trigger
  await pool.query('ALTER TABLE assets DISABLE TRIGGER assets_search_ins');
  const bare = await time(() => seedFiles(pool, projectId, folders[0].id, per, 'file-'));
  await pool.query('ALTER TABLE assets ENABLE TRIGGER assets_search_ins');
  await pool.query(`INSERT INTO asset_search(asset_id, project_id, tsv) SELECT id, project_id, asset_search_vector(name, title, description, info)
                    FROM assets WHERE parent_id = $1`, [folders[0].id]);
  const indexed = await time(() => seedFiles(pool, projectId, folders[1].id, per, 'file-'));
  report(`seed ${per} files (search index kept by trigger)`, indexed.ms, bare.ms, 'ms');
  for (let i = 2; i < FOLDERS; i++) await seedFiles(pool, projectId, folders[i].id, per, 'file-');

  // distinct words: 50 zebras, 500 kayaks (half at night), 5,000 "harbour" metadata entries
  await pool.query(`UPDATE assets SET title = '{"en": "Zebra crossings at the harbour"}' WHERE id IN (SELECT id FROM assets WHERE project_id = $1 AND is_file ORDER BY id LIMIT 50 OFFSET 1000)`, [projectId]);
  await pool.query(`UPDATE assets SET description = jsonb_build_object('en', CASE WHEN id % 2 = 0 THEN 'An orange kayak at night' ELSE 'An orange kayak' END)
                    WHERE id IN (SELECT id FROM assets WHERE project_id = $1 AND is_file ORDER BY id LIMIT 500 OFFSET 300000)`, [projectId]);
  await pool.query(`UPDATE assets SET info = '{"metadata": {"location": "Rotterdam harbour"}}', updated_on = now() - interval '40 days'
                    WHERE id IN (SELECT id FROM assets WHERE project_id = $1 AND is_file ORDER BY id LIMIT 5000 OFFSET 600000)`, [projectId]);
  await pool.query('VACUUM ANALYZE assets');
  await pool.query('VACUUM ANALYZE asset_search');
  const { rows: [{ n }] } = await pool.query('SELECT count(*)::int AS n FROM assets WHERE project_id = $1', [projectId]);
  console.log(`project holds ${n} assets`);

  const c = new UnicatClient(env.url, env.project.gid);
  await c.auth(env.user.key);
  const actor = { projectId } as Actor;

  const cases: [string, Record<string, unknown>][] = [
    ['search q "zebras" (50 hits)', { language: 'en', q: 'zebras' }],
    ['search q "+kayak -night" + filter type image (250 hits)', { language: 'en', q: '+kayak -night', filter: ['type', 'is', 'image'] }],
    ['search q "harbour" (5,050 hits, ranked)', { language: 'en', q: 'harbour' }],
    ['search filter updated_on > 30 days and size < 2000 (5,000 hits)', { language: 'en', filter: ['and', '', [['updated_on', '>', [30, 'days']], ['size', '<', 2000000]]] }],
    ['search filter name is "file-77.jpg" (10 hits)', { language: 'en', filter: ['name', 'is', 'file-77.jpg'] }],
    ['search q "file" (1,000,000 hits, ranked)', { language: 'en', q: 'file' }],
  ];
  for (const [name, body] of cases) {
    const api: number[] = [];
    const floor: number[] = [];
    let size = -1;
    const q = searchQueries(actor, parseSearchSpec(body), 0, 10);
    for (let r = 0; r < RUNS; r++) {
      const a = await time(() => c.call('assets/search', body));
      size = a.value.result['assets.size'];
      api.push(a.ms);
      floor.push((await time(() => Promise.all([pool.query(q.page.sql, q.page.params), pool.query(q.count.sql, q.count.params)]))).ms);
    }
    report(`${name} [assets.size ${size}] median`, percentile(api, 50), percentile(floor, 50), 'ms', '< 1000 ms');
  }

  // bulk/get: page through a 100,000-asset children selection (1,000 per page). The floor runs the
  // same statements directly: the selection page (and, for the first page, the count) and the
  // asset rows the page renders (loadAssetRows, the shared renderer's SQL).
  const sel = parseSelection([{ children: folders[3].gid }]);
  const body = [{ children: folders[3].gid }];
  const first = await time(() => c.call('assets/bulk/get', { selection: body, 'page.size': 1000 }));
  const firstFloor = await time(async () => {
    const s = selectionSql(actor, sel, { trashed: 'exclude' });
    await pool.query(`SELECT count(s.asset_id) AS r, count(*) - count(s.asset_id) AS u FROM (${s.sql}) s`, s.params);
    const pg = selectionPageSql(actor, sel, { trashed: 'exclude' }, undefined, 1001);
    const { rows } = await pool.query(pg.sql, pg.params);
    await loadAssetRows(pool, projectId, { ids: rows.slice(0, 1000).map((r) => Number(r.asset_id)) });
  });
  report('bulk/get first page of 1,000 (counts the 100,000)', first.ms, firstFloor.ms, 'ms');
  let cursor = first.value.result['page.cursor'];
  const pages: number[] = [];
  const pageFloor: number[] = [];
  let got = first.value.result.assets.length;
  let lastId: number | undefined;
  while (cursor) {
    const p = await time(() => c.call('assets/bulk/get', { selection: body, 'page.size': 1000, 'page.cursor': cursor }));
    pages.push(p.ms);
    got += p.value.result.assets.length;
    cursor = p.value.result['page.cursor'];
    if (pageFloor.length < 20) {
      pageFloor.push((await time(async () => {
        const pg = selectionPageSql(actor, sel, { trashed: 'exclude' }, lastId === undefined ? undefined : { id: lastId, gid: folders[3].gid }, 1001);
        const { rows } = await pool.query(pg.sql, pg.params);
        lastId = Number(rows[Math.min(999, rows.length - 1)].asset_id);
        await loadAssetRows(pool, projectId, { ids: rows.slice(0, 1000).map((r) => Number(r.asset_id)) });
      })).ms);
    }
  }
  console.log(`  bulk/get paged ${got} assets in ${pages.length + 1} pages`);
  report('bulk/get next page of 1,000 (p50, incl. rendering)', percentile(pages, 50), percentile(pageFloor, 50), 'ms');
  printTable(`search over ${n} assets`);
} finally {
  await env.close();
}
