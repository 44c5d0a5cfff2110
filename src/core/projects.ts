// Projects: creating one also creates its root folder and its feed cursor.
import type { Db } from '../db/pool.ts';
import { emitCcChange } from './changes.ts';
import { normalizeId } from './ids.ts';
import { notFound } from './errors.ts';

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
