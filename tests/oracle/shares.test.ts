// Oracle's shares API over the libraries core: share, list, change role, revoke, leave, revoke
// all; in JSON and XML; refused requests change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, type Fixture } from '../helpers/server.ts';
import { OracleClient, type OracleResponse } from './client.ts';
import { clientsFor, dbState, oracleEnv, seedAssets, type OracleEnv } from './setup.ts';

let e: OracleEnv;
beforeAll(async () => { e = await oracleEnv({ owner: 'owner' }); });
afterAll(() => e?.t.close());

type Fmt = 'json' | 'xml';
async function call(fmt: Fmt, c: OracleClient, method: string, path: string, fields?: Record<string, string>): Promise<OracleResponse> {
  if (fmt === 'json') return c.req(method, path, fields === undefined ? {} : { body: fields });
  return c.req(method, path, { accept: 'application/xml', ...(fields === undefined ? {} : { body: c.xmlBody(fields), contentType: 'application/xml' }) });
}

for (const fmt of ['json', 'xml'] as const) {
  describe(`oracle shares (${fmt})`, () => {
    let f: Fixture;
    let as: Record<string, OracleClient>;
    let files: string[];
    let id: string;

    beforeAll(async () => {
      f = await createFixture(e.t.db, { owner: 'owner', anna: 'editor', ben: 'editor', cleo: 'editor' });
      as = clientsFor(e.t, f);
      ({ files } = await seedAssets(e.t.db, f.projectId, 4));
      id = (await call(fmt, as.owner, 'POST', '/collections', { name: 'shared' })).body.id;
    });

    it('the lifecycle: share, list, change role, revoke', async () => {
      // before: anna cannot see it
      expect((await call(fmt, as.anna, 'GET', `/collections/${id}`)).status).toBe(404);

      const share = await call(fmt, as.owner, 'POST', `/shares/${id}`, { userID: f.users.anna.gid, role: 'viewer', message: 'hi' });
      expect(share.status).toBe(200);
      expect(Object.keys(share.body)).toEqual(['errorCode', 'id', 'members', 'role', 'type', 'user']);
      expect(share.body).toEqual({
        errorCode: '0', id,
        members: [{ id: f.users.anna.gid, displayName: 'anna', type: 'user', isSuccessful: '1' }],
        role: 'viewer', type: 'share', user: { id: f.users.anna.gid, displayName: 'anna', type: 'user' },
      });
      const seen = await call(fmt, as.anna, 'GET', '/collections/items');
      expect(seen.body).toMatchObject({ totalOwned: '0', totalShared: '1', totalResults: '1' });
      expect(seen.body.items[0].id).toBe(id);

      // by login name, with a comma-separated list
      const two = await call(fmt, as.owner, 'POST', `/shares/${id}`, { userID: `${f.users.ben.email},${f.users.cleo.gid}`, role: 'Contributor' });
      expect(two.status).toBe(200);
      expect(two.body.members.map((m: any) => m.id)).toEqual([f.users.ben.gid, f.users.cleo.gid]);
      expect(two.body.role).toBe('contributor');

      const items = await call(fmt, as.anna, 'GET', `/shares/${id}/items`);
      expect(items.status).toBe(200);
      expect(Object.keys(items.body)).toEqual(['count', 'errorCode', 'id', 'type', 'items', 'ownedBy']);
      expect(items.body.count).toBe('3');
      expect(items.body.items).toEqual([
        { type: 'share', role: 'viewer', user: { id: f.users.anna.gid, displayName: 'anna', loginName: f.users.anna.email, type: 'user' } },
        { type: 'share', role: 'contributor', user: { id: f.users.ben.gid, displayName: 'ben', loginName: f.users.ben.email, type: 'user' } },
        { type: 'share', role: 'contributor', user: { id: f.users.cleo.gid, displayName: 'cleo', loginName: f.users.cleo.email, type: 'user' } },
      ]);
      expect(items.body.ownedBy).toEqual({ id: f.users.owner.gid, displayName: 'owner', loginName: f.users.owner.email, type: 'user' });

      // anna (viewer) cannot add; promoted to manager she can, and can share further
      expect((await call(fmt, as.anna, 'POST', `/collections/${id}/files/${files[0]}`)).status).toBe(403);
      const role = await call(fmt, as.owner, 'PUT', `/shares/${id}/role`, { userID: f.users.anna.gid, role: 'manager' });
      expect(role.status).toBe(200);
      expect(role.body).toMatchObject({ errorCode: '0', id, role: 'manager', type: 'share', user: { id: f.users.anna.gid } });
      expect((await call(fmt, as.anna, 'POST', `/collections/${id}/files/${files[0]}`)).status).toBe(200);
      // the role is kept as given: downloader reads back as downloader (a viewer's access: docs/libraries.md)
      expect((await call(fmt, as.anna, 'PUT', `/shares/${id}/role`, { userID: f.users.ben.gid, role: 'downloader' })).body.role).toBe('downloader');
      expect((await call(fmt, as.anna, 'GET', `/shares/${id}/items`)).body.items.find((x: any) => x.user.id === f.users.ben.gid).role).toBe('downloader');
      expect((await call(fmt, as.ben, 'GET', `/collections/${id}`)).status).toBe(200);
      expect((await call(fmt, as.ben, 'POST', `/collections/${id}/files/${files[1]}`)).status).toBe(403);
      // ben (now a downloader) cannot change shares: 403, -20
      const denied = await call(fmt, as.ben, 'POST', `/shares/${id}`, { userID: f.users.cleo.gid, role: 'manager' });
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ errorCode: '-20', errorType: 'share', id });

      // revoke ben (body), cleo leaves by herself
      const rev = await call(fmt, as.owner, 'DELETE', `/shares/${id}/user`, { userID: f.users.ben.gid, message: 'bye' });
      expect(rev.status).toBe(200);
      expect(rev.body).toMatchObject({ errorCode: '0', id, type: 'share', user: { id: f.users.ben.gid, displayName: 'ben', type: 'user' } });
      expect((await call(fmt, as.ben, 'GET', `/collections/${id}`)).status).toBe(404);
      const leave = await call(fmt, as.cleo, 'DELETE', `/shares/${id}/myuser`);
      expect(leave.status).toBe(200);
      expect(leave.body).toEqual({ errorCode: '0', id, type: 'share' });
      expect((await call(fmt, as.cleo, 'GET', '/collections/items')).body.totalShared).toBe('0');

      // revoke by query parameter (as in 1.2)
      await call(fmt, as.owner, 'POST', `/shares/${id}`, { userID: f.users.ben.gid, role: 'viewer' });
      const q = await call(fmt, as.owner, 'DELETE', `/shares/${id}/user?userID=${encodeURIComponent(f.users.ben.email)}`);
      expect(q.status).toBe(200);
      expect((await call(fmt, as.ben, 'GET', `/collections/${id}`)).status).toBe(404);

      // unshare everyone
      const all = await call(fmt, as.owner, 'DELETE', `/shares/${id}`);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ errorCode: '0', id, type: 'share' });
      expect((await call(fmt, as.anna, 'GET', `/collections/${id}`)).status).toBe(404);
      expect((await call(fmt, as.owner, 'GET', `/shares/${id}/items`)).body).toMatchObject({ count: '0', items: [] });
    });

    it('DELETE /shares/{id} (revoke all) is for the owner and managers: a sharee below manager gets 403/-20, also as the only sharee', async () => {
      const cid = (await call(fmt, as.owner, 'POST', '/collections', { name: 'revoke-all' })).body.id;
      await call(fmt, as.owner, 'POST', `/shares/${cid}`, { userID: `${f.users.anna.gid},${f.users.ben.gid}`, role: 'contributor' });
      const before = await dbState(e.t.db, f.projectId);
      const denied = await call(fmt, as.anna, 'DELETE', `/shares/${cid}`);
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ errorCode: '-20', errorType: 'share', id: cid, type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html' });
      expect(await dbState(e.t.db, f.projectId)).toEqual(before);
      // the only sharee (a viewer) cannot revoke all either
      await call(fmt, as.owner, 'DELETE', `/shares/${cid}/user`, { userID: f.users.ben.gid });
      await call(fmt, as.owner, 'PUT', `/shares/${cid}/role`, { userID: f.users.anna.gid, role: 'downloader' });
      const alone = await call(fmt, as.anna, 'DELETE', `/shares/${cid}`);
      expect(alone.status).toBe(403);
      expect(alone.body.errorCode).toBe('-20');
      expect((await call(fmt, as.owner, 'GET', `/shares/${cid}/items`)).body.count).toBe('1');
      // a manager may (their own share goes too)
      await call(fmt, as.owner, 'POST', `/shares/${cid}`, { userID: f.users.cleo.gid, role: 'manager' });
      const byManager = await call(fmt, as.cleo, 'DELETE', `/shares/${cid}`);
      expect(byManager.status).toBe(200);
      expect(byManager.body).toEqual({ errorCode: '0', id: cid, type: 'share' });
      expect((await call(fmt, as.owner, 'GET', `/shares/${cid}/items`)).body).toMatchObject({ count: '0', items: [] });
    });

    it('refuses bad share requests in Oracle\'s shape, changing nothing', async () => {
      const other = await createFixture(e.t.db);
      const before = await dbState(e.t.db, f.projectId);
      const cases: [string, string, Record<string, string> | undefined, number, string][] = [
        ['POST', `/shares/${id}`, { userID: f.users.anna.gid }, 400, '-1'],
        ['POST', `/shares/${id}`, { userID: f.users.anna.gid, role: 'owner' }, 400, '-1'],
        ['POST', `/shares/${id}`, { role: 'viewer' }, 400, '-1'],
        ['POST', `/shares/${id}`, { userID: 'nobody', role: 'viewer' }, 400, '-1'],
        ['POST', `/shares/${id}`, { userID: 'nobody@example.test', role: 'viewer' }, 400, '-1'],
        ['POST', `/shares/${id}`, { userID: other.users.owner.gid, role: 'viewer' }, 400, '-1'],
        ['POST', `/shares/${id}`, { userID: f.users.owner.gid, role: 'viewer' }, 400, '-1'],
        // all or nothing: anna is fine, the second is not
        ['POST', `/shares/${id}`, { userID: `${f.users.anna.gid},${other.users.owner.email}`, role: 'viewer' }, 400, '-1'],
        ['PUT', `/shares/${id}/role`, { userID: f.users.anna.gid, role: 'viewer' }, 404, '-16'],
        ['DELETE', `/shares/${id}/user`, { userID: f.users.anna.gid }, 404, '-16'],
        ['DELETE', `/shares/${id}/user`, {}, 400, '-1'],
        ['DELETE', `/shares/${id}/myuser`, undefined, 400, '-1'],
        ['POST', `/shares/${crypto.randomUUID()}`, { userID: f.users.anna.gid, role: 'viewer' }, 404, '-16'],
        ['GET', `/shares/${crypto.randomUUID()}/items`, undefined, 404, '-16'],
      ];
      for (const [m, p, body, status, code] of cases) {
        const res = await call(fmt, as.owner, m, p, body);
        expect(res.status, `${m} ${p} ${JSON.stringify(body)}`).toBe(status);
        expect(res.body.errorCode).toBe(code);
        expect(res.body.type).toBe('https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html');
      }
      // a stranger (same project, no share) cannot see the shares of the collection
      const res = await call(fmt, as.anna, 'GET', `/shares/${id}/items`);
      expect(res.status).toBe(404);
      expect(await dbState(e.t.db, f.projectId)).toEqual(before);
    });
  });
}
