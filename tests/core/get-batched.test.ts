// assets/get of one gid: the reads of a project made in the same turn of the event loop share one
// statement (assetRowByGidBatched in src/core/assets/read.ts). Each caller still gets its own row,
// an asset of another project stays invisible, an unknown gid fails as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { seedFolder, seedFiles, childGids } from '../helpers/seed.ts';
import { getAssetsQuery } from '../../src/core/assets/queries.ts';
import { actorForKey, type Actor } from '../../src/core/keys.ts';
import { CoreError } from '../../src/core/errors.ts';
import type { Db } from '../../src/db/pool.ts';

let t: TestServer;
let f1: Fixture;
let f2: Fixture;
let gids1: string[];
let gids2: string[];
let a1: Actor;
let a2: Actor;

beforeAll(async () => {
  t = await startTestServer();
  f1 = await createFixture(t.db, { owner: 'owner' });
  f2 = await createFixture(t.db, { owner: 'owner' });
  const d1 = await seedFolder(t.db, f1.projectId, 'one');
  const d2 = await seedFolder(t.db, f2.projectId, 'two');
  await seedFiles(t.db, f1.projectId, d1.id, 40);
  await seedFiles(t.db, f2.projectId, d2.id, 5);
  gids1 = await childGids(t.db, d1.id);
  gids2 = await childGids(t.db, d2.id);
  a1 = await actorForKey(t.db, f1.users.owner.key);
  a2 = await actorForKey(t.db, f2.users.owner.key);
});
afterAll(async () => { await t?.close(); });

describe('one-gid reads made together', () => {
  it('share one statement per project; each gets its own row; other projects and unknown gids fail alone', async () => {
    let queries = 0;
    const db = { query: (...a: unknown[]) => { queries++; return (t.db.query as (...x: unknown[]) => unknown)(...a); } } as unknown as Db;
    const unknown = '6f1c2a8e-0000-4000-8000-00000000dead';
    const calls = [
      ...gids1.map((g) => getAssetsQuery(db, a1, { asset: g })),
      getAssetsQuery(db, a1, { asset: gids1[0].replace(/-/g, '') }), // the same asset, 32-hex
      getAssetsQuery(db, a1, { asset: gids2[0] }), // another project's asset
      getAssetsQuery(db, a1, { asset: unknown }),
      ...gids2.map((g) => getAssetsQuery(db, a2, { asset: g })),
    ];
    const settled = await Promise.allSettled(calls);
    const value = (i: number) => (settled[i] as PromiseFulfilledResult<Awaited<(typeof calls)[number]>>).value;
    gids1.forEach((g, i) => { expect(value(i).asset).toBe(g); expect(value(i).rows.map((r) => r.gid)).toEqual([g]); });
    expect(value(gids1.length).asset).toBe(gids1[0]);
    for (const i of [gids1.length + 1, gids1.length + 2]) {
      expect(settled[i].status).toBe('rejected');
      expect((settled[i] as PromiseRejectedResult).reason).toBeInstanceOf(CoreError);
      expect(((settled[i] as PromiseRejectedResult).reason as CoreError).kind).toBe('not_found');
    }
    gids2.forEach((g, j) => expect(value(gids1.length + 3 + j).asset).toBe(g));
    // one statement per project, plus the lookup that makes each not-found error
    expect(queries).toBe(2 + 2);
  });
});
