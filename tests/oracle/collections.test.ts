// Oracle collections, every endpoint in JSON and in XML, with the exact shapes of seed 003 and
// API-SPEC §3 (key sets and order, every scalar a string).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '../helpers/server.ts';
import { OracleClient, type OracleResponse } from './client.ts';
import { clientsFor, dbState, oracleEnv, seedAssets, type OracleEnv } from './setup.ts';

let e: OracleEnv;
beforeAll(async () => { e = await oracleEnv(); });
afterAll(() => e?.t.close());

const RFC = 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html';
const TS = /^\{ts '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}'\}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const ERROR_KEYS = ['errorCode', 'errorKey', 'errorMessage', 'errorType', 'id', 'idList', 'title', 'type'];

type Fmt = 'json' | 'xml';

/** One request in a format: the body as JSON or as XML fields, Accept of the same format. */
async function call(fmt: Fmt, c: OracleClient, method: string, path: string, fields?: Record<string, string>): Promise<OracleResponse> {
  if (fmt === 'json') return c.req(method, path, fields === undefined ? {} : { body: fields });
  return c.req(method, path, {
    accept: 'application/xml',
    ...(fields === undefined ? {} : { body: c.xmlBody(fields), contentType: 'application/xml' }),
  });
}

function allStrings(v: unknown): void {
  if (Array.isArray(v)) { v.forEach(allStrings); return; }
  if (v && typeof v === 'object') { Object.values(v).forEach(allStrings); return; }
  expect(typeof v).toBe('string');
}

function expectUser(u: any, f: Fixture, alias: string) {
  expect(Object.keys(u)).toEqual(['id', 'displayName', 'loginName', 'type']);
  expect(u).toEqual({ id: f.users[alias].gid, displayName: alias, loginName: f.users[alias].email, type: 'user' });
}

for (const fmt of ['json', 'xml'] as const) {
  describe(`oracle collections (${fmt})`, () => {
    let f: Fixture;
    let as: Record<string, OracleClient>;
    let files: string[];
    let folder: string;

    beforeAll(async () => {
      f = await createFixture(e.t.db, { owner: 'owner', editor: 'editor' });
      as = clientsFor(e.t, f);
      ({ files, folder } = await seedAssets(e.t.db, f.projectId, 8));
    });

    it('POST /collections answers 201 with the collection in Oracle\'s shape; GET /collections/{id} answers the same', async () => {
      const res = await call(fmt, as.owner, 'POST', '/collections', { name: `Summer ${fmt}`, description: 'REST Collection' });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(fmt === 'json' ? /^application\/json/ : /^application\/xml/);
      const b = res.body;
      expect(Object.keys(b)).toEqual(['childItemsCount', 'createdBy', 'createdTime', 'description', 'errorCode', 'id',
        'modifiedBy', 'modifiedTime', 'name', 'ownedBy', 'type']);
      allStrings(b);
      expect(b).toMatchObject({ childItemsCount: '0', description: 'REST Collection', errorCode: '0', name: `Summer ${fmt}`, type: 'collection' });
      expect(b.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(b.createdTime).toMatch(TIME);
      expect(b.modifiedTime).toMatch(TIME);
      expectUser(b.createdBy, f, 'owner');
      expectUser(b.modifiedBy, f, 'owner');
      expectUser(b.ownedBy, f, 'owner');
      const got = await call(fmt, as.owner, 'GET', `/collections/${b.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(b);
      // the 32-hex form of the id works too
      expect((await call(fmt, as.owner, 'GET', `/collections/${b.id.replace(/-/g, '').toUpperCase()}`)).body.id).toBe(b.id);
    });

    it('POST /collections refuses a missing or empty name (400, -1) and a project viewer (403, -20), creating nothing', async () => {
      const g = await createFixture(e.t.db, { owner: 'owner', pv: 'viewer' });
      const c = clientsFor(e.t, g);
      const before = await dbState(e.t.db, g.projectId);
      for (const fields of [{ description: 'no name' }, { name: '   ' }, {}] as Record<string, string>[]) {
        const res = await call(fmt, c.owner, 'POST', '/collections', fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expect(res.body.errorCode).toBe('-1');
      }
      const pv = await call(fmt, c.pv, 'POST', '/collections', { name: 'nope' });
      expect(pv.status).toBe(403);
      expect(pv.body.errorCode).toBe('-20');
      expect(await dbState(e.t.db, g.projectId)).toEqual(before);
    });

    it('GET /collections/items lists owned and shared collections with the counts, paged by offset and limit', async () => {
      const g = await createFixture(e.t.db, { owner: 'owner', editor: 'editor' });
      const c = clientsFor(e.t, g);
      const ids: string[] = [];
      for (const n of ['one', 'two', 'three']) ids.push((await call(fmt, c.owner, 'POST', '/collections', { name: n, description: `d-${n}` })).body.id);
      const theirs = (await call(fmt, c.editor, 'POST', '/collections', { name: 'theirs' })).body.id;
      await call(fmt, c.editor, 'POST', `/shares/${theirs}`, { userID: g.users.owner.gid, role: 'viewer' });

      const all = await call(fmt, c.owner, 'GET', '/collections/items');
      expect(all.status).toBe(200);
      expect(Object.keys(all.body)).toEqual(['count', 'errorCode', 'hasMore', 'offset', 'totalOwned', 'totalResults', 'totalShared', 'items']);
      allStrings(all.body);
      expect(all.body).toMatchObject({ count: '4', errorCode: '0', hasMore: '0', offset: '0', totalOwned: '3', totalResults: '4', totalShared: '1' });
      const item = all.body.items.find((x: any) => x.id === ids[0]);
      expect(Object.keys(item)).toEqual(['type', 'id', 'name', 'createdBy', 'modifiedBy', 'ownedBy', 'createdTime', 'modifiedTime', 'description']);
      expect(item).toMatchObject({ type: 'collection', name: 'one', description: 'd-one' });
      expectUser(item.ownedBy, g, 'owner');
      const shared = all.body.items.find((x: any) => x.id === theirs);
      expectUser(shared.ownedBy, g, 'editor');
      // created order by default
      expect(all.body.items.map((x: any) => x.id)).toEqual([...ids, theirs]);

      const p1 = await call(fmt, c.owner, 'GET', '/collections/items?offset=1&limit=2');
      expect(p1.body).toMatchObject({ count: '2', hasMore: '1', offset: '1', totalResults: '4', totalOwned: '3', totalShared: '1' });
      expect(p1.body.items.map((x: any) => x.id)).toEqual([ids[1], ids[2]]);
      const p2 = await call(fmt, c.owner, 'GET', '/collections/items?offset=4&limit=2');
      expect(p2.body).toMatchObject({ count: '0', hasMore: '0', offset: '4' });
      expect(p2.body.items).toEqual([]);
      const byName = await call(fmt, c.owner, 'GET', '/collections/items?orderby=name:desc');
      expect(byName.body.items.map((x: any) => x.name)).toEqual(['two', 'three', 'theirs', 'one']);
      for (const q of ['limit=0', 'limit=1001', 'offset=-1', 'limit=abc', 'orderby=size']) {
        const bad = await call(fmt, c.owner, 'GET', `/collections/items?${q}`);
        expect(bad.status, q).toBe(400);
        expect(bad.body.errorCode).toBe('-1');
      }
      // the editor's view: one owned, none shared
      const ed = await call(fmt, c.editor, 'GET', '/collections/items');
      expect(ed.body).toMatchObject({ count: '1', totalOwned: '1', totalShared: '0', totalResults: '1' });
    });

    it('POST /collections/{id}/files adds a list; adding one already in fails the whole list with -96 (AlreadyInCollection)', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'adds' })).body.id;
      const idList = `${files[0]},${files[1]},${files[2]}`;
      const res = await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['errorCode', 'id', 'idList', 'type']);
      expect(res.body).toEqual({ errorCode: '0', id, idList, type: 'collection' });
      expect((await call(fmt, as.owner, 'GET', `/collections/${id}`)).body.childItemsCount).toBe('3');

      const before = await dbState(e.t.db, f.projectId);
      const again = `${files[3]},${files[1]},${files[4]}`;
      const dup = await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList: again });
      expect(dup.status).toBe(400);
      expect(Object.keys(dup.body)).toEqual(ERROR_KEYS);
      expect(dup.body).toEqual({
        errorCode: '-96',
        errorKey: `!csDAMItemAlreadyInCollection,fFileGUID:${files[1]},fFolderGUID:${id}`,
        errorMessage: `Item fFileGUID:${files[1]} is already a member of collection fFolderGUID:${id}.`,
        errorType: 'collection',
        id,
        idList: again,
        title: `Item fFileGUID:${files[1]} is already a member of collection fFolderGUID:${id}.`,
        type: RFC,
      });
      expect(await dbState(e.t.db, f.projectId)).toEqual(before);
    });

    it('skipDuplicate reports every asset in items[], a message only on the ones not added', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'skips' })).body.id;
      await call(fmt, as.owner, 'POST', `/collections/${id}/files/${files[0]}`);
      const idList = `${files[0]},${files[1]},${files[2]}`;
      const res = await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList, skipDuplicate: '1' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['count', 'errorCode', 'id', 'idList', 'type', 'items']);
      allStrings(res.body);
      expect(res.body).toMatchObject({ count: '3', errorCode: '0', id, idList, type: 'collection' });
      const [a, b, c] = res.body.items;
      expect(Object.keys(a)).toEqual(['type', 'id', 'message', 'timeStamp']);
      expect(a).toMatchObject({ type: 'file', id: files[0], message: `!csDAMItemAlreadyInCollection,fFileGUID:${files[0]},fFolderGUID:${id}` });
      expect(Object.keys(b)).toEqual(['type', 'id', 'timeStamp']);
      expect(b.id).toBe(files[1]);
      expect(c.id).toBe(files[2]);
      for (const x of res.body.items) expect(x.timeStamp).toMatch(TS);
      expect((await call(fmt, as.owner, 'GET', `/collections/${id}`)).body.childItemsCount).toBe('3');
      // skipDuplicate=0 (or false) is the default strict behaviour
      const strict = await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList: files[1], skipDuplicate: 'false' });
      expect(strict.status).toBe(400);
      expect(strict.body.errorCode).toBe('-96');
      // the flag may come in the query string too
      const q = await call(fmt, as.owner, 'POST', `/collections/${id}/files?skipDuplicate=1`, { idList: `${files[1]},${files[3]}` });
      expect(q.status).toBe(200);
      expect(q.body.items.map((x: any) => x.message === undefined)).toEqual([false, true]);
    });

    it('DELETE /collections/{id}/files removes a list; one not in fails with -96 NotInCollection exactly as seed 003', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'removes' })).body.id;
      await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList: files.slice(0, 4).join(',') });
      const idList = `${files[0]},${files[1]}`;
      const res = await call(fmt, as.owner, 'DELETE', `/collections/${id}/files`, { idList });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ errorCode: '0', id, idList, type: 'collection' });

      const before = await dbState(e.t.db, f.projectId);
      const three = `${files[0]},${files[2]},${files[3]}`;
      const bad = await call(fmt, as.owner, 'DELETE', `/collections/${id}/files`, { idList: three });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body)).toEqual(ERROR_KEYS);
      expect(bad.body).toEqual({
        errorCode: '-96',
        errorKey: `!csDAMItemNotInCollection,fFileGUID:${files[0]},fFolderGUID:${id}`,
        errorMessage: `Item fFileGUID:${files[0]} is not a member of collection fFolderGUID:${id}.`,
        errorType: 'collection',
        id,
        idList: three,
        title: `Item fFileGUID:${files[0]} is not a member of collection fFolderGUID:${id}.`,
        type: RFC,
      });
      expect(await dbState(e.t.db, f.projectId)).toEqual(before);
    });

    it('skipIfNotInCollection removes what it can and reports each asset (seed 003, example 3)', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'skip-removes' })).body.id;
      await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList: `${files[0]},${files[1]}` });
      const idList = `${files[0]},${files[1]},${files[2]}`;
      const res = await call(fmt, as.owner, 'DELETE', `/collections/${id}/files`, { idList, skipIfNotInCollection: '1' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['count', 'errorCode', 'id', 'idList', 'type', 'items']);
      expect(res.body).toMatchObject({ count: '3', errorCode: '0', id, idList, type: 'collection' });
      expect(res.body.items.map((x: any) => Object.keys(x))).toEqual([
        ['type', 'id', 'timeStamp'], ['type', 'id', 'timeStamp'], ['type', 'id', 'message', 'timeStamp']]);
      expect(res.body.items[2]).toMatchObject({
        type: 'file', id: files[2], message: `!csDAMItemNotInCollection,fFileGUID:${files[2]},fFolderGUID:${id}`,
      });
      for (const x of res.body.items) expect(x.timeStamp).toMatch(TS);
      expect((await call(fmt, as.owner, 'GET', `/collections/${id}`)).body.childItemsCount).toBe('0');
    });

    it('POST and DELETE /collections/{id}/files/{fileId} add and remove one asset; again gives -96', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'singles' })).body.id;
      const add = await call(fmt, as.owner, 'POST', `/collections/${id}/files/${files[5]}`);
      expect(add.status).toBe(200);
      expect(Object.keys(add.body)).toEqual(['errorCode', 'id', 'itemID', 'type']);
      expect(add.body).toEqual({ errorCode: '0', id, itemID: files[5], type: 'collection' });
      const again = await call(fmt, as.owner, 'POST', `/collections/${id}/files/${files[5]}`);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ errorCode: '-96', errorKey: `!csDAMItemAlreadyInCollection,fFileGUID:${files[5]},fFolderGUID:${id}`, id, idList: files[5] });
      // the collection named in its 32-hex form: the key carries its canonical id, `id` echoes the path
      const hexColl = id.replace(/-/g, '').toUpperCase();
      const again2 = await call(fmt, as.owner, 'POST', `/collections/${hexColl}/files/${files[5]}`);
      expect(again2.body).toMatchObject({ errorKey: `!csDAMItemAlreadyInCollection,fFileGUID:${files[5]},fFolderGUID:${id}`, id: hexColl });
      const del = await call(fmt, as.owner, 'DELETE', `/collections/${id}/files/${files[5]}`);
      expect(del.status).toBe(200);
      expect(Object.keys(del.body)).toEqual(['errorCode', 'id', 'type']);
      expect(del.body).toEqual({ errorCode: '0', id, type: 'collection' });
      const gone = await call(fmt, as.owner, 'DELETE', `/collections/${id}/files/${files[5]}`);
      expect(gone.status).toBe(400);
      expect(gone.body).toMatchObject({ errorCode: '-96', errorKey: `!csDAMItemNotInCollection,fFileGUID:${files[5]},fFolderGUID:${id}` });
      // the 32-hex form of a file id is the same asset
      const hex = files[6].replace(/-/g, '');
      expect((await call(fmt, as.owner, 'POST', `/collections/${id}/files/${hex}`)).body.itemID).toBe(files[6]);
      const malformed = await call(fmt, as.owner, 'POST', `/collections/${id}/files/not-a-guid`);
      expect(malformed.status).toBe(400);
      expect(malformed.body.errorCode).toBe('-1');
      const folderAdd = await call(fmt, as.owner, 'POST', `/collections/${id}/files/${folder}`);
      expect(folderAdd.status).toBe(400);
      expect(folderAdd.body.errorKey).toBe(`!csDAMNotADigitalAsset,fFileGUID:${folder}`);
    });

    it('GET /collections/{id}/files lists the members in the order added, paged (extension)', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'listing' })).body.id;
      await call(fmt, as.owner, 'POST', `/collections/${id}/files`, { idList: files.slice(0, 5).join(',') });
      const res = await call(fmt, as.owner, 'GET', `/collections/${id}/files?limit=2&offset=1`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['count', 'errorCode', 'hasMore', 'id', 'offset', 'totalResults', 'type', 'items']);
      allStrings(res.body);
      expect(res.body).toMatchObject({ count: '2', errorCode: '0', hasMore: '1', id, offset: '1', totalResults: '5', type: 'collection' });
      const first = res.body.items[0];
      expect(Object.keys(first)).toEqual(['type', 'id', 'name', 'mimeType', 'size', 'createdTime', 'modifiedTime', 'addedTime', 'addedBy']);
      expect(first).toMatchObject({ type: 'file', mimeType: 'image/jpeg', addedBy: f.users.owner.gid });
      const all = await call(fmt, as.owner, 'GET', `/collections/${id}/files`);
      expect(all.body.items.map((x: any) => x.id).sort()).toEqual(files.slice(0, 5).sort());
      expect(all.body.hasMore).toBe('0');
    });

    it('DELETE /collections/{id} moves it to the trash: it answers 404 (-16) from then on, everywhere', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'to-trash' })).body.id;
      await call(fmt, as.owner, 'POST', `/collections/${id}/files/${files[7]}`);
      const del = await call(fmt, as.owner, 'DELETE', `/collections/${id}`);
      expect(del.status).toBe(200);
      expect(Object.keys(del.body)).toEqual(['errorCode', 'idList', 'type']);
      expect(del.body).toEqual({ errorCode: '0', idList: id, type: 'collection' });
      const { rows } = await e.t.db.query('SELECT deleted_on IS NOT NULL AS trashed FROM libraries WHERE gid = $1', [id]);
      expect(rows[0].trashed).toBe(true);
      const notFound = {
        errorCode: '-16', errorKey: `!csFldDoesNotExist,fFileGUID:${id}`, errorMessage: `'fFileGUID:${id}' does not exist.`,
        errorType: 'collection', id, title: `'fFileGUID:${id}' does not exist.`, type: RFC,
      };
      const got = await call(fmt, as.owner, 'GET', `/collections/${id}`);
      expect(got.status).toBe(404);
      expect(got.body).toEqual(notFound);
      for (const [m, p, fields] of [
        ['GET', `/collections/${id}/files`, undefined],
        ['POST', `/collections/${id}/files`, { idList: files[0] }], ['DELETE', `/collections/${id}/files`, { idList: files[7], skipIfNotInCollection: '1' }],
        ['POST', `/collections/${id}/files/${files[0]}`, undefined], ['DELETE', `/collections/${id}/files/${files[7]}`, undefined],
      ] as const) {
        const res = await call(fmt, as.owner, m, p, fields);
        expect(res.status, `${m} ${p}`).toBe(404);
        expect(res.body.errorCode).toBe('-16');
        expect(res.body.errorKey).toBe(`!csFldDoesNotExist,fFileGUID:${id}`);
      }
      // deleting it again: Oracle's delete page, Example 2 (-1, already in the Trash, with idList)
      const again = await call(fmt, as.owner, 'DELETE', `/collections/${id}`);
      expect(again.status).toBe(404);
      const inTrash = "Unable to delete items. Source Item 'to-trash' is already in destination 'Trash'. Please specify different destination.";
      expect(again.body).toEqual({
        errorCode: '-1', errorKey: '!csFldUnableToDeleteItems!csFldSourceInDestination,to-trash,Trash',
        errorMessage: inTrash, errorType: 'collection', idList: id, title: inTrash, type: RFC,
      });
      expect(Object.keys(again.body)).toEqual(['errorCode', 'errorKey', 'errorMessage', 'errorType', 'idList', 'title', 'type']);
      const list = await call(fmt, as.owner, 'GET', '/collections/items?limit=1000');
      expect(list.body.items.some((x: any) => x.id === id)).toBe(false);
      // and a collection that never existed answers the same way (seed 003, example 4)
      const ghost = crypto.randomUUID().toUpperCase();
      const res = await call(fmt, as.owner, 'DELETE', `/collections/${ghost}/files`, { idList: ghost, skipIfNotInCollection: '1' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        errorCode: '-16', errorKey: `!csFldDoesNotExist,fFileGUID:${ghost}`, errorMessage: `'fFileGUID:${ghost}' does not exist.`,
        errorType: 'collection', id: ghost, idList: ghost, title: `'fFileGUID:${ghost}' does not exist.`, type: RFC,
      });
    });

    it('only the owner may trash a collection (a manager share gets 403, -20)', async () => {
      const id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'keep' })).body.id;
      await call(fmt, as.owner, 'POST', `/shares/${id}`, { userID: f.users.editor.gid, role: 'manager' });
      const res = await call(fmt, as.editor, 'DELETE', `/collections/${id}`);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ errorCode: '-20', errorType: 'collection', id });
      expect((await call(fmt, as.owner, 'GET', `/collections/${id}`)).status).toBe(200);
    });
  });
}
