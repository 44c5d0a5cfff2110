// The Unicat Python client's sync(): changes made by others reach its local store (renames,
// deletes, new members, project and user updates), assetlib-only events (libraries) do not break
// it, and unknown calls answer in Unicat's envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTx } from '../../src/db/pool.ts';
import { emitCcChange } from '../../src/core/changes.ts';
import { ensureUser, setMembership } from '../../src/core/users.ts';
import { UplynkClient } from '../uplynk/client.ts';
import { OracleClient } from '../oracle/client.ts';
import { clientFixture, python, runPy, type ClientFixture } from './harness.ts';

let c: ClientFixture;
beforeAll(async () => { if (python.ok) c = await clientFixture({ owner: 'owner', editor: 'editor' }); });
afterAll(async () => { await c?.close(); });

describe.skipIf(!python.ok)('sync() of the Unicat Python client', () => {
  it('a rename and a delete made by another Unicat client reach the store', async () => {
    const r = await runPy(c.as.owner, `
a = connect()
b = connect(api_key=ARGS["other_key"], folder=ARGS["other_folder"])
root = a.get_root_asset()
f = a.mutate.create_asset(root, "shared")
ren = a.mutate.upload_asset(local_file("before.txt", "r"), f)
gone = a.mutate.upload_asset(local_file("gone.txt", "g"), f)
loaded = sorted(x.pathname for x in a.walk_asset_tree())
# the other client (another user) renames one file and deletes the other
b.mutate.update_asset(b.get_asset(ren.gid), name="after.txt")
b.mutate.delete_asset(b.get_asset(gone.gid))
cursor_before = a.api.project_cursor
ok = a.sync()
done(
    ok=ok, loaded=loaded, renamed=a.assets[ren.gid]["name"], pathname=a.assets[ren.gid]["pathname"],
    by_new_path="/shared/after.txt" in a.assets_by_pathname, gone_in_store=gone.gid in a.assets,
    folder_count=a.assets[f.gid]["childcount"], moved=a.api.project_cursor > cursor_before,
    again=a.sync(),
)`, { other_key: c.f.users.editor.key, other_folder: c.as.editor.folder });
    expect(r.ok).toBe(true);
    expect(r.loaded).toEqual(['/', '/shared', '/shared/before.txt', '/shared/gone.txt']);
    expect(r.renamed).toBe('after.txt');
    expect(r.pathname).toBe('/shared/after.txt');
    expect(r.by_new_path).toBe(true);
    expect(r.gone_in_store).toBe(false);
    expect(r.folder_count).toBe(1);
    expect(r.moved).toBe(true);
    expect(r.again).toBe(true);
  });

  it('a rename and a delete made through the Oracle and Uplynk dialects reach the store', async () => {
    const oracle = new OracleClient(c.t.url, { email: c.f.users.editor.email, key: c.f.users.editor.key });
    const uplynk = new UplynkClient(c.t.url, c.f.users.editor.gid, c.f.users.editor.key);
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
f = u.mutate.create_asset(root, "dialects")
gids = {n: u.mutate.upload_asset(local_file(n + ".txt", n), f).gid for n in ["o-ren", "o-del", "u-ren", "u-del", "keep"]}
loaded = sorted(a.name for a in u.walk_asset_children(f))
step(**gids)
ok = u.sync()
done(ok=ok, loaded=loaded, names=sorted(a["name"] for a in u.assets.values() if a["path"] == "/dialects"),
     gone=[n for n, g in gids.items() if g not in u.assets], paths=sorted(p for p in u.assets_by_pathname if p.startswith("/dialects/")))`,
    {}, async (gids: Record<string, string>) => {
      const put = await oracle.put(`/files/${gids['o-ren']}`, { name: 'oracle-renamed.txt' });
      expect(put.status, put.text).toBe(200);
      expect(put.body).toMatchObject({ type: 'file', id: gids['o-ren'], name: 'oracle-renamed.txt', errorCode: '0' });
      expect((await oracle.del(`/files/${gids['o-del']}`)).body).toEqual({ errorCode: '0' });
      const patch = await uplynk.patch(`/assets/${gids['u-ren'].replace(/-/g, '')}`, { desc: 'uplynk-renamed.txt' });
      expect(patch.status, patch.text).toBe(200);
      expect(patch.body).toMatchObject({ '@type': 'Asset', id: gids['u-ren'], desc: 'uplynk-renamed.txt' });
      expect((await uplynk.del(`/assets/${gids['u-del']}`)).status).toBe(204);
      // refused in each dialect's error shape: a file already in the trash, a bad name, an unknown field
      const again = await oracle.del(`/files/${gids['o-del']}`);
      expect([again.status, again.body.errorCode]).toEqual([404, '-16']);
      const slash = await oracle.put(`/files/${gids.keep}`, { name: 'a/b' });
      expect([slash.status, slash.body.errorCode]).toEqual([400, '-1']);
      expect((await uplynk.del(`/assets/${gids['u-del']}`)).status).toBe(404);
      expect((await uplynk.patch(`/assets/${gids.keep}`, { name: 'x' })).status).toBe(400);
    });
    expect(r.ok).toBe(true);
    expect(r.loaded).toEqual(['keep.txt', 'o-del.txt', 'o-ren.txt', 'u-del.txt', 'u-ren.txt']);
    expect(r.names).toEqual(['keep.txt', 'oracle-renamed.txt', 'uplynk-renamed.txt']);
    expect(r.gone).toEqual(['o-del', 'u-del']);
    expect(r.paths).toEqual(expect.arrayContaining(['/dialects/oracle-renamed.txt', '/dialects/uplynk-renamed.txt']));
  });

  it('members, projects and users events: sync() re-reads them through the global API', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
before = sorted(m.user.username for m in u.project.members)
step()
ok = u.sync()
done(ok=ok, before=before, after=sorted(m.user.username for m in u.project.members),
     name=u.project.name, languages=u.project.languages, owner=u.project.owner.name)`, {}, async () => {
      // another user joins the project, the project is renamed (a cc.projects UPDATE), a user changes
      const newcomer = await withTx(c.t.db, async (tx) => {
        const user = await ensureUser(tx, `newcomer.${c.f.projectGid.slice(0, 8)}@example.test`, 'Newcomer');
        await setMembership(tx, c.f.projectId, user.id, 'editor');
        return user;
      });
      await withTx(c.t.db, async (tx) => {
        await tx.query(`UPDATE projects SET name = 'Renamed project' WHERE id = $1`, [c.f.projectId]);
        await emitCcChange(tx, c.f.projectId, 'UPDATE', 'cc.projects', c.f.projectGid);
        await tx.query(`UPDATE users SET name = 'Owner, renamed' WHERE id = $1`, [c.f.users.owner.id]);
        await emitCcChange(tx, c.f.projectId, 'UPDATE', 'cc.users', c.f.users.owner.gid);
      });
      return newcomer;
    });
    expect(r.ok).toBe(true);
    expect(r.after).toEqual([...r.before, `newcomer.${c.f.projectGid.slice(0, 8)}@example.test`].sort());
    expect(r.name).toBe('Renamed project');
    expect(r.languages).toEqual(['en']);
    expect(r.owner).toBe('Owner, renamed');
  });

  it('library changes (Uplynk) are not in the feed by default: sync() keeps working', async () => {
    const up = new UplynkClient(c.t.url, c.f.users.owner.gid, c.f.users.owner.key);
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
f = u.mutate.create_asset(root, "lib-members")
x = u.mutate.upload_asset(local_file("x.txt", "x"), f)
step(gid=x.gid)
ok = u.sync()
done(ok=ok, has=x.gid in u.assets)`, {}, async ({ gid }) => {
      const lib = await up.createLibrary('Py lib');
      expect((await up.patch(`/libraries/${lib.id}/assets`, { asset_id: gid })).status).toBe(200);
      // an UPDATE and a DELETE of types the client has no store for would fail it with KeyError
      expect((await up.patch(`/libraries/${lib.id}`, { desc: 'Py lib, renamed' })).status).toBe(200);
      expect((await up.del(`/libraries/${lib.id}/assets`, { query: { ids: gid } })).status).toBe(200);
      const { rows } = await c.t.db.query(
        `SELECT array_agg(DISTINCT action || ' ' || data_type ORDER BY action || ' ' || data_type) AS a FROM changes WHERE project_id = $1 AND data_type IN ('libraries', 'libraries_assets')`, [c.f.projectId]);
      expect(rows[0].a).toEqual(['DELETE libraries_assets', 'INSERT libraries', 'INSERT libraries_assets', 'UPDATE libraries']);
    });
    expect(r).toEqual({ ok: true, has: true });
  });

  it('unknown calls under /api, /api/p/{project} and /sync answer 404 in the envelope the client reads', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
done(
    global_=u.api.call("//no/such/call"), project=u.api.call("/no/such/call"),
    sync=u.api._call_sync("post", "/nope", {}), members=u.api.call("//members/get", {"project": u.project.gid, "member": u.api.data["cc.projects_members"][next(iter(u.api.data["cc.projects_members"]))]["user_gid"]})[0],
    still=u.get_root_asset().pathname,
)`);
    for (const k of ['global_', 'project', 'sync']) expect(r[k], k).toEqual([false, { code: 404, message: 'no such API call', info: {} }]);
    expect(r.members).toBe(true);
    expect(r.still).toBe('/');
  });
});

