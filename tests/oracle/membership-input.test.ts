// Oracle membership calls with bad input and forbidden callers (issue 3 §5): each refused request
// answers in Oracle's shape and leaves the database (members, libraries, shares, feed) unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture } from '../helpers/server.ts';
import { rootOf, seedFolder } from '../helpers/seed.ts';
import { OracleClient } from './client.ts';
import { clientsFor, dbState, newCollection, oracleEnv, seedAssets, type OracleEnv } from './setup.ts';

let e: OracleEnv;
let files: string[];
let folder: string;
let coll: string;

beforeAll(async () => {
  e = await oracleEnv({ owner: 'owner', editor: 'editor', pviewer: 'viewer' });
  ({ files, folder } = await seedAssets(e.t.db, e.f.projectId, 20));
  coll = await newCollection(e.as.owner, 'input');
  const res = await e.as.owner.post(`/collections/${coll}/files`, { idList: files.slice(0, 5).join(',') });
  expect(res.status).toBe(200);
});
afterAll(() => e?.t.close());

async function refused(c: OracleClient, method: string, path: string, body: unknown, status: number, code: string, opts: { contentType?: string } = {}) {
  const before = await dbState(e.t.db, e.f.projectId);
  const res = await c.req(method, path, { body, ...opts });
  expect(res.status, `${method} ${path} ${typeof body === 'string' ? body.slice(0, 80) : String(JSON.stringify(body)).slice(0, 80)}`).toBe(status);
  expect(res.body.errorCode).toBe(code);
  expect(res.body.type).toBe('https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html');
  expect(await dbState(e.t.db, e.f.projectId)).toEqual(before);
  return res.body;
}

describe('oracle membership: bad input', () => {
  it('an empty or missing idList is 400 (-1), whatever the flags', async () => {
    for (const [method, flag] of [['POST', 'skipDuplicate'], ['DELETE', 'skipIfNotInCollection']]) {
      for (const body of [{}, { idList: '' }, { idList: ' , ,' }, { idList: [] }, { idList: 42 }, { idList: { a: 1 } },
        { idList: [files[0], 3] }, { [flag]: '1' }, { idList: files[10], [flag]: 'maybe' }]) {
        const b = await refused(e.as.owner, method, `/collections/${coll}/files`, body, 400, '-1');
        expect(b.errorType).toBe('collection');
        expect(b.id).toBe(coll);
      }
    }
    // a body-less call to the list endpoints
    await refused(e.as.owner, 'POST', `/collections/${coll}/files`, undefined, 400, '-1');
    // XML with no idList element
    await refused(e.as.owner, 'POST', `/collections/${coll}/files`, '<r><skipDuplicate>1</skipDuplicate></r>', 400, '-1', { contentType: 'application/xml' });
  });

  it('more than 10,000 distinct ids is 413, checked before anything is looked up', async () => {
    const many = Array.from({ length: 10_001 }, () => crypto.randomUUID()).join(',');
    for (const method of ['POST', 'DELETE']) {
      const b = await refused(e.as.owner, method, `/collections/${coll}/files`, { idList: many, skipDuplicate: '1', skipIfNotInCollection: '1' }, 413, '-1');
      expect(b.errorMessage).toMatch(/10000|10,000/);
    }
  });

  it('a malformed id refuses the whole request with 400 (-1) naming it, even with the skip flags', async () => {
    for (const [method, flag] of [['POST', 'skipDuplicate'], ['DELETE', 'skipIfNotInCollection']]) {
      for (const bad of ['not-a-guid', 'F072ECEAE8DFE10499D8C160T0000DEFAULT00000000', `${files[10]}x`, "'; DROP TABLE assets; --"]) {
        const idList = `${files[10]},${bad},${files[11]}`;
        const b1 = await refused(e.as.owner, method, `/collections/${coll}/files`, { idList }, 400, '-1');
        expect(b1.errorMessage).toContain(bad);
        expect(b1.idList).toBe(idList);
        await refused(e.as.owner, method, `/collections/${coll}/files`, { idList, [flag]: '1' }, 400, '-1');
      }
    }
  });

  it('duplicate ids (also in dashed and 32-hex forms) give one item per distinct id', async () => {
    const c = await newCollection(e.as.owner, 'dups');
    const hex = files[12].replace(/-/g, '').toUpperCase();
    const idList = `${files[12]},${files[13]},${hex},${files[12]},${files[13]}`;
    const res = await e.as.owner.post(`/collections/${c}/files`, { idList, skipDuplicate: '1' });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe('2');
    expect(res.body.items.map((x: any) => [x.id, x.message])).toEqual([[files[12], undefined], [files[13], undefined]]);
    expect(res.body.idList).toBe(idList);
    // the 10,000 limit counts distinct ids: 10,001 copies of one id are one item
    const copies = await e.as.owner.post(`/collections/${c}/files`, { idList: Array(10_001).fill(files[13]).join(','), skipDuplicate: '1' });
    expect(copies.status).toBe(200);
    expect(copies.body.count).toBe('1');
    expect(copies.body.items[0].message).toBe(`!csDAMItemAlreadyInCollection,fFileGUID:${files[13]},fFolderGUID:${c}`);
    // strict mode: duplicates inside one request are not "already in the collection"
    const c2 = await newCollection(e.as.owner, 'dups-strict');
    const strict = await e.as.owner.post(`/collections/${c2}/files`, { idList: `${files[12]},${hex}` });
    expect(strict.status).toBe(200);
    expect((await e.as.owner.get(`/collections/${c2}`)).body.childItemsCount).toBe('1');
    const rm = await e.as.owner.del(`/collections/${c2}/files`, { idList: `${hex},${files[12]}`, skipIfNotInCollection: '1' });
    expect(rm.body.count).toBe('1');
    expect(rm.body.items[0].message).toBeUndefined();
  });

  it('unknown ids and ids of another project: strict fails with 404 (-16) naming the file; skipDuplicate reports it', async () => {
    const other = await createFixture(e.t.db);
    const { files: foreign } = await seedAssets(e.t.db, other.projectId, 2);
    const ghost = crypto.randomUUID();
    for (const bad of [ghost, foreign[0]]) {
      const idList = `${files[14]},${bad}`;
      const b = await refused(e.as.owner, 'POST', `/collections/${coll}/files`, { idList }, 404, '-16');
      expect(b.errorKey).toBe(`!csFldDoesNotExist,fFileGUID:${bad}`);
      expect(b).toMatchObject({ errorType: 'collection', id: coll, idList });
      await refused(e.as.owner, 'DELETE', `/collections/${coll}/files`, { idList: `${files[0]},${bad}` }, 404, '-16');
      await refused(e.as.owner, 'POST', `/collections/${coll}/files/${bad}`, undefined, 404, '-16');
    }
    const res = await e.as.owner.post(`/collections/${coll}/files`, { idList: `${files[14]},${foreign[1]},${ghost}`, skipDuplicate: '1' });
    expect(res.status).toBe(200);
    expect(res.body.items.map((x: any) => x.message)).toEqual([undefined, `!csFldDoesNotExist,fFileGUID:${foreign[1]}`, `!csFldDoesNotExist,fFileGUID:${ghost}`]);
    const { rows } = await e.t.db.query('SELECT count(*)::int AS n FROM library_assets WHERE asset_gid = $1', [foreign[1]]);
    expect(rows[0].n).toBe(0);
  });

  it('an asset of another project the caller belongs to is refused with 403 (-20)', async () => {
    const other = await createFixture(e.t.db);
    const { setMembership } = await import('../../src/core/users.ts');
    await setMembership(e.t.db, other.projectId, e.f.users.owner.id, 'editor');
    const { files: theirs } = await seedAssets(e.t.db, other.projectId, 1);
    const b = await refused(e.as.owner, 'POST', `/collections/${coll}/files`, { idList: theirs[0] }, 403, '-20');
    expect(b.errorKey).toBe(`!csUserNoPrivileges,fFileGUID:${theirs[0]}`);
  });

  it('folders cannot be members: 400 (-1, not a digital asset); skipDuplicate reports them', async () => {
    const sub = await seedFolder(e.t.db, e.f.projectId, `sub-${Date.now()}`, (await rootOf(e.t.db, e.f.projectId)).id);
    for (const dir of [folder, sub.gid]) {
      const b = await refused(e.as.owner, 'POST', `/collections/${coll}/files`, { idList: `${files[15]},${dir}` }, 400, '-1');
      expect(b.errorKey).toBe(`!csDAMNotADigitalAsset,fFileGUID:${dir}`);
    }
    const res = await e.as.owner.post(`/collections/${coll}/files`, { idList: `${folder},${files[15]}`, skipDuplicate: '1' });
    expect(res.body.items[0].message).toBe(`!csDAMNotADigitalAsset,fFileGUID:${folder}`);
    expect(res.body.items[1].message).toBeUndefined();
  });

  it('an asset in the trash cannot be added (404, -16, in the trash) and stays a member, hidden, until restored', async () => {
    const c = await newCollection(e.as.owner, 'trash');
    await e.as.owner.post(`/collections/${c}/files`, { idList: `${files[16]},${files[17]}` });
    await e.t.db.query('UPDATE assets SET deleted_on = now(), deleted_root = id WHERE gid = ANY($1::uuid[])', [[files[16], files[18]]]);
    const b = await refused(e.as.owner, 'POST', `/collections/${c}/files`, { idList: files[18] }, 404, '-16');
    expect(b.errorKey).toBe(`!csFldItemIsInTrash,fFileGUID:${files[18]}`);
    const listed = await e.as.owner.get(`/collections/${c}/files`);
    expect(listed.body.items.map((x: any) => x.id)).toEqual([files[17]]);
    expect((await e.as.owner.get(`/collections/${c}`)).body.childItemsCount).toBe('1');
    await e.t.db.query('UPDATE assets SET deleted_on = NULL, deleted_root = NULL WHERE gid = ANY($1::uuid[])', [[files[16], files[18]]]);
    expect((await e.as.owner.get(`/collections/${c}`)).body.childItemsCount).toBe('2');
  });
});

describe('oracle membership: who may change a collection', () => {
  it('a collection that is not shared with the caller answers 404 (-16), as if missing', async () => {
    const b = await refused(e.as.editor, 'POST', `/collections/${coll}/files`, { idList: files[19] }, 404, '-16');
    expect(b.errorKey).toBe(`!csFldDoesNotExist,fFileGUID:${coll}`);
    await refused(e.as.editor, 'GET', `/collections/${coll}`, undefined, 404, '-16');
    await refused(e.as.editor, 'GET', `/collections/${coll}/files`, undefined, 404, '-16');
    await refused(e.as.editor, 'DELETE', `/collections/${coll}/files/${files[0]}`, undefined, 404, '-16');
    await refused(e.as.editor, 'DELETE', `/collections/${coll}`, undefined, 404, '-16');
    // a malformed collection id names no collection: 404 too
    const b2 = await refused(e.as.owner, 'POST', '/collections/not-a-guid/files', { idList: files[19] }, 404, '-16');
    expect(b2.errorKey).toBe('!csFldDoesNotExist,fFileGUID:not-a-guid');
  });

  it('a viewer share reads but cannot add or remove (403, -20); contributor can', async () => {
    const c = await newCollection(e.as.owner, 'viewer-share');
    await e.as.owner.post(`/collections/${c}/files/${files[0]}`);
    expect((await e.as.owner.post(`/shares/${c}`, { userID: e.f.users.editor.gid, role: 'viewer' })).status).toBe(200);
    expect((await e.as.editor.get(`/collections/${c}/files`)).body.totalResults).toBe('1');
    const b = await refused(e.as.editor, 'POST', `/collections/${c}/files`, { idList: files[1] }, 403, '-20');
    expect(b).toMatchObject({ errorType: 'collection', id: c, idList: files[1] });
    await refused(e.as.editor, 'POST', `/collections/${c}/files`, { idList: files[1], skipDuplicate: '1' }, 403, '-20');
    await refused(e.as.editor, 'POST', `/collections/${c}/files/${files[1]}`, undefined, 403, '-20');
    await refused(e.as.editor, 'DELETE', `/collections/${c}/files/${files[0]}`, undefined, 403, '-20');
    await refused(e.as.editor, 'DELETE', `/collections/${c}/files`, { idList: files[0], skipIfNotInCollection: '1' }, 403, '-20');
    // downloader is a viewer here
    expect((await e.as.owner.post(`/shares/${c}`, { userID: e.f.users.editor.gid, role: 'Downloader' })).status).toBe(200);
    await refused(e.as.editor, 'POST', `/collections/${c}/files/${files[1]}`, undefined, 403, '-20');
    expect((await e.as.owner.put(`/shares/${c}/role`, { userID: e.f.users.editor.gid, role: 'contributor' })).status).toBe(200);
    expect((await e.as.editor.post(`/collections/${c}/files/${files[1]}`)).status).toBe(200);
  });

  it('a project viewer with a contributor share still only reads (403, -20)', async () => {
    const c = await newCollection(e.as.owner, 'pviewer');
    expect((await e.as.owner.post(`/shares/${c}`, { userID: e.f.users.pviewer.gid, role: 'contributor' })).status).toBe(200);
    expect((await e.as.pviewer.get(`/collections/${c}`)).status).toBe(200);
    await refused(e.as.pviewer, 'POST', `/collections/${c}/files/${files[0]}`, undefined, 403, '-20');
  });

  it('a second user with another key of the same owner sees the same collections (keys are per user, not per collection)', async () => {
    const { createApiKey } = await import('../../src/core/keys.ts');
    const key2 = await createApiKey(e.t.db, e.f.users.owner.id, e.f.projectId);
    const c2 = clientsFor(e.t, { ...e.f, users: { owner: { ...e.f.users.owner, key: key2 } } }).owner;
    expect((await c2.get(`/collections/${coll}`)).status).toBe(200);
  });
});
