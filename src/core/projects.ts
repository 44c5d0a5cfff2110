// Projects: creating one also creates its root folder and its feed cursor.
import type { Db } from '../db/pool.ts';
import { emitCcChange } from './changes.ts';
import { normalizeId } from './ids.ts';
import { notFound } from './errors.ts';
import { lockTree } from './assets/common.ts';
import { invalidateActorCaches } from './actor-cache.ts';

export interface Project { id: number; gid: string; name: string }

export async function createProject(db: Db, name: string): Promise<Project> {
  const { rows } = await db.query(
    `WITH p AS (INSERT INTO projects(name) VALUES ($1) RETURNING id, gid, name),
          c AS (INSERT INTO project_cursors(project_id) SELECT id FROM p),
          r AS (INSERT INTO assets(id, project_id, parent_id, path, depth, name, pathname, is_file)
                SELECT a.id, p.id, NULL, '/' || a.id || '/', 0, '', '/', false
                FROM p, (SELECT nextval('assets_id_seq') AS id) a)
     SELECT id, gid::text, name FROM p`, [name]);
  const project = rows[0] as Project;
  await emitCcChange(db, project.id, 'INSERT', 'cc.projects', project.gid);
  return project;
}

export async function getProjectByGid(db: Db, gid: string): Promise<Project> {
  const id = normalizeId(gid);
  if (!id) throw notFound('project not found', { project: gid });
  const { rows } = await db.query('SELECT id, gid::text, name FROM projects WHERE gid = $1', [id]);
  if (!rows[0]) throw notFound('project not found', { project: gid });
  return rows[0];
}

export interface ProjectSummary extends Project { created_on: string; members: number; assets: number; libraries: number }

/** Every project with its counts of members, live assets (the root folder excluded) and libraries. */
export async function listProjects(db: Db): Promise<ProjectSummary[]> {
  const { rows } = await db.query(
    `SELECT p.id::int AS id, p.gid::text, p.name, p.created_on,
            (SELECT count(*)::int FROM memberships m WHERE m.project_id = p.id) AS members,
            (SELECT count(*)::int FROM assets a WHERE a.project_id = p.id AND a.parent_id IS NOT NULL AND a.deleted_on IS NULL) AS assets,
            (SELECT count(*)::int FROM libraries l WHERE l.project_id = p.id AND l.deleted_on IS NULL) AS libraries
     FROM projects p ORDER BY p.id`);
  return rows;
}

export interface ProjectDeleted { gid: string; assets: number; libraries: number; jobs: number; members: number; keys: number; events: number; blobs: string[] }

/**
 * Deletes a project and everything in it, in one transaction: its asset tree (trashed or not),
 * libraries with their members and shares, jobs (a worker running one loses its lease at its
 * next batch), media links, memberships, API keys, its change feed and cursor. The global feed
 * gets a `cc.projects_members` DELETE per member (each member sees that it left) and a
 * `cc.projects` DELETE, in the same transaction. Returns the content hashes the project
 * referenced: the caller removes those no other project references after commit
 * (removeOrphanBlobs), as a permanent delete does.
 */
export async function deleteProject(tx: Db, gid: string): Promise<ProjectDeleted> {
  const project = await getProjectByGid(tx, gid);
  await lockTree(tx, project.id); // no upload, move or trash in this project meanwhile
  const { rows: [r] } = await tx.query(
    `WITH members AS (SELECT u.gid::text AS user_gid FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.project_id = $1),
          ev AS (SELECT emit_cc_change($1, 'DELETE', 'cc.projects_members', $2 || '/' || user_gid) FROM members)
     SELECT (SELECT count(*)::int FROM members) AS members,
            (SELECT count(*)::int FROM ev) AS member_events,
            (SELECT count(*)::int FROM assets WHERE project_id = $1 AND parent_id IS NOT NULL) AS assets,
            (SELECT count(*)::int FROM libraries WHERE project_id = $1) AS libraries,
            (SELECT count(*)::int FROM jobs WHERE project_id = $1) AS jobs,
            (SELECT count(*)::int FROM api_keys WHERE project_id = $1) AS keys,
            (SELECT count(*)::int FROM changes WHERE project_id = $1) AS events,
            (SELECT coalesce(array_agg(DISTINCT h), '{}') FROM (
               SELECT content_hash AS h FROM assets WHERE project_id = $1 AND content_hash IS NOT NULL
               UNION SELECT blob_hash FROM media_links WHERE project_id = $1) x) AS blobs`, [project.id, project.gid]);
  await emitCcChange(tx, project.id, 'DELETE', 'cc.projects', project.gid);
  // library_assets' triggers emit nothing once the project's cursor row is gone (002): delete it first
  await tx.query('DELETE FROM project_cursors WHERE project_id = $1', [project.id]);
  await tx.query('DELETE FROM changes WHERE project_id = $1', [project.id]);
  await tx.query('DELETE FROM projects WHERE id = $1', [project.id]); // cascades to every table holding project_id
  invalidateActorCaches();
  return { gid: project.gid, assets: r.assets, libraries: r.libraries, jobs: r.jobs, members: r.members, keys: r.keys, events: r.events, blobs: r.blobs };
}
