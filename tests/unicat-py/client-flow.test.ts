// The vendor's Unicat Python client, unchanged, configured with the base URL, the project gid and an
// API key only: its README flow (connect, project, walk the tree) and every asset function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFixture, python, runPy, type ClientFixture } from './harness.ts';

let c: ClientFixture;
beforeAll(async () => { if (python.ok) c = await clientFixture({ owner: 'owner', editor: 'editor', viewer: 'viewer' }); });
afterAll(async () => { await c?.close(); });

describe.skipIf(!python.ok)('the Unicat Python client against assetlib', () => {
  it('connect(): the session, the project (name, languages, default language, members) and the cursors', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
p = u.project
done(
    gid=p.gid, name=p.name, languages=p.languages, default_language=p.default_language,
    owner=p.owner.username, status=p.status, channels=p.channels, default_channel=p.default_channel,
    orderings=p.orderings, default_ordering=p.default_ordering, fieldlists=p.fieldlists,
    default_fieldlist=p.default_fieldlist, backups=[b.version for b in p.backups],
    members=sorted([[m.user.username, m.user.name, m.roles, m.status, m.key] for m in p.members]),
    api_version=u.api_version, cc_cursor=u.api.cc_cursor, cursor=u.api.project_cursor,
    jwt=u.api._auth_header is not None, languages_known=sorted(u.languages),
)`);
    const { rows: [proj] } = await c.t.db.query('SELECT name FROM projects WHERE id = $1', [c.f.projectId]);
    expect(r).toMatchObject({
      gid: c.f.projectGid, name: proj.name, languages: ['en'], default_language: 'en', owner: c.f.users.owner.email,
      status: 'active', default_ordering: '__default__', default_fieldlist: '__default__', backups: [], jwt: true,
    });
    expect(r.languages_known).toContain('en');
    expect(r.members).toEqual([
      [c.f.users.editor.email, 'editor', ['editor'], 'active', `${c.f.projectGid}/${c.f.users.editor.gid}`],
      [c.f.users.owner.email, 'owner', ['owner'], 'active', `${c.f.projectGid}/${c.f.users.owner.gid}`],
      [c.f.users.viewer.email, 'viewer', ['viewer'], 'active', `${c.f.projectGid}/${c.f.users.viewer.gid}`],
    ]);
    const { rows: [cur] } = await c.t.db.query('SELECT cursor FROM project_cursors WHERE project_id = $1', [c.f.projectId]);
    expect(r.cursor).toBe(Number(cur.cursor));
    expect(r.cc_cursor).toBeGreaterThan(0);
  });

  it('a wrong key: connect() answers False and nothing else works', async () => {
    const r = await runPy({ ...c.as.owner, apiKey: 'al_not-a-key' }, `
u = Unicat(os.environ["UNICAT_URL"], os.environ["UNICAT_PROJECT"], os.environ["UNICAT_API_KEY"], os.environ["UNICAT_FOLDER"])
ok = u.connect()
done(ok=ok, root=error_of(u.get_root_asset))`);
    expect(r.ok).toBe(false);
    expect(r.root.code).toBe(401);
  });

  it('builds a tree with mutate.* and reads it back with every get and walk function', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
photos = u.mutate.create_asset(root, "photos")
docs = u.mutate.create_asset(root, "docs")
sub = u.mutate.create_asset(photos, "2024")
a = u.mutate.upload_asset(local_file("a.txt", "alpha"), photos)
b = u.mutate.upload_asset(local_file("b.txt", "bravo bravo"), sub)
n = u.mutate.upload_asset(local_file("notes.md", "# notes"), docs)
b2 = u.mutate.upload_update_asset(local_file("b.txt", "bravo, updated"), b)
walked = [x.pathname for x in u.walk_asset_tree()]
children = [x.name for x in u.walk_asset_children(photos)]
by_gid = u.get_asset(a.gid, force=True)
by_path = u.get_asset_by_pathname("/photos/2024/b.txt", force=True)
many = u.get_assets([n.gid, a.gid], force=True)
many_paths = u.get_assets_by_pathname(["/docs/notes.md", "/photos/a.txt"], force=True)
cached = u.get_assets_by_pathname(["/docs/notes.md"])
done(
    root=asset_json(root), photos=asset_json(u.get_asset(photos.gid, force=True)), a=asset_json(a), b2=asset_json(b2),
    walked=walked, children=children, by_gid=by_gid.gid, by_path=by_path.gid, many=[x.pathname for x in many],
    many_paths=sorted(many_paths), cached=sorted(cached), ids={"photos": photos.gid, "docs": docs.gid, "sub": sub.gid, "a": a.gid, "b": b.gid, "n": n.gid},
)`);
    expect(r.root).toMatchObject({ pathname: '/', name: '', is_file: false, status: 'published' });
    expect(r.photos).toMatchObject({ pathname: '/photos', path: '/', is_file: false, childcount: 2, info: { filecount: 1, foldercount: 1 } });
    expect(r.a).toMatchObject({ pathname: '/photos/a.txt', name: 'a.txt', is_file: true, info: { filesize: 5 } });
    expect(r.b2).toMatchObject({ pathname: '/photos/2024/b.txt', version: 2, info: { filesize: 14 } });
    expect(r.walked).toEqual(['/', '/docs', '/docs/notes.md', '/photos', '/photos/2024', '/photos/2024/b.txt', '/photos/a.txt']);
    expect(r.children).toEqual(['2024', 'a.txt']);
    expect(r.by_gid).toBe(r.ids.a);
    expect(r.by_path).toBe(r.ids.b);
    expect(r.many).toEqual(['/docs/notes.md', '/photos/a.txt']);
    expect(r.many_paths).toEqual(['/docs/notes.md', '/photos/a.txt']);
    expect(r.cached).toEqual(['/docs/notes.md']);
  });

  it('update, delete, undelete and permanent_delete through mutate.*', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
f = u.mutate.create_asset(root, "mutations")
x = u.mutate.upload_asset(local_file("x.txt", "x"), f)
renamed = u.mutate.update_asset(x, name="y.txt", title={"en": "Why"}, description={"en": "a file", "nl": "een bestand"})
deleted = u.mutate.delete_asset(renamed)
undeleted = u.mutate.undelete_asset(deleted)
again = u.mutate.delete_asset(undeleted)
gone = u.mutate.permanent_delete_asset(again)
done(
    renamed=asset_json(renamed), deleted=asset_json(deleted), undeleted=asset_json(undeleted), gone=gone,
    in_store=x.gid in u.assets, lookup=error_of(u.get_asset, x.gid, force=True),
    twice=error_of(u.mutate.undelete_asset, undeleted),
)`);
    expect(r.renamed).toMatchObject({ name: 'y.txt', pathname: '/mutations/y.txt', title: { en: 'Why' }, description: { en: 'a file', nl: 'een bestand' } });
    expect(r.deleted).toMatchObject({ status: 'deleted', is_deleted: true });
    expect(r.undeleted).toMatchObject({ status: 'published', is_deleted: false });
    expect(r.gone).toBe(true);
    expect(r.in_store).toBe(false);
    expect(r.lookup.code).toBe(422);
    expect(r.twice.code).toBe(422);
  });

  it('walk_asset_query: a search through assets/bulk/get, paged by its cursor', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
f = u.mutate.create_asset(root, "query")
for i in range(7):
    u.mutate.upload_asset(local_file(f"zebra-{i}.txt", str(i)), f)
u.mutate.upload_asset(local_file("other.txt", "o"), f)
found = [(size, a.name) for size, a in u.walk_asset_query("en", DuckObject(q="zebra", filter=None))]
limited = [a.name for _, a in u.walk_asset_query("en", DuckObject(q="zebra", filter=None), limit=3)]
typed = [a.name for _, a in u.walk_asset_query("en", DuckObject(q="", filter=["name", "is", "other.txt"]))]
done(found=found, limited=limited, typed=typed)`);
    expect(r.found.map((x: [number, string]) => x[1]).sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `zebra-${i}.txt`));
    expect(new Set(r.found.map((x: [number, string]) => x[0]))).toEqual(new Set([7]));
    expect(r.limited).toHaveLength(3);
    expect(r.typed).toEqual(['other.txt']);
  });

  it('a viewer reads but its mutations fail with 403', async () => {
    const r = await runPy(c.as.viewer, `
u = connect()
root = u.get_root_asset()
done(walked=len(list(u.walk_asset_tree())), create=error_of(u.mutate.create_asset, root, "nope"))`);
    expect(r.walked).toBeGreaterThan(1);
    expect(r.create.code).toBe(403);
  });

  it('UnicatJob tracks a bulk job started through api.call, to done', async () => {
    const r = await runPy(c.as.owner, `
u = connect()
root = u.get_root_asset()
f = u.mutate.create_asset(root, "bulk")
files = [u.mutate.upload_asset(local_file(f"f{i}.txt", str(i)), f) for i in range(5)]
cursor = u.api.prepare_for_job()
ok, result = u.api.call("/assets/bulk/delete", {"selection": [{"children": f.gid}]})
job = UnicatJob(u, cursor, result["job.token"], None)
statuses = list(job.track(timeout_in_seconds=30, poll_interval_in_seconds=0.1))
after = u.get_assets([x.gid for x in files], force=True)
done(cursor=cursor, ok=ok, statuses=statuses, progress=job.progress, deleted=[a.is_deleted for a in after])`);
    expect(r.ok).toBe(true);
    expect(typeof r.cursor).toBe('number');
    expect(r.statuses.at(-1)).toBe('done');
    expect(r.progress).toMatchObject({ name: 'bulk_delete_assets', status: 'done' });
    expect(r.deleted).toEqual([true, true, true, true, true]);
  });
});
