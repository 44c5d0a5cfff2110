// assets/bulk/get: pages through a selection with an opaque, stable keyset cursor.
//
// Order: resolved assets by internal id, then the gids that resolve to nothing (by gid). A page
// is the next `size` rows past the cursor key; unresolved gids on it are dropped, so a page can be
// shorter than page.size (API-SPEC §1.5). The key is the internal id, which never changes: assets
// deleted or inserted meanwhile neither shift nor repeat the others (no offset paging).
// assets.size is counted once, on the first page, and carried in the cursor: the resolved total
// plus the unresolved gids not yet met (it shrinks by the unresolved gids each page meets).
import { createHash } from 'node:crypto';
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { selectionError } from '../errors.ts';
import { normalizeId } from '../ids.ts';
import type { Selection } from './parse.ts';
import { checkSelection, countSelection, selectionPageSql, type SelectionKey } from './sql.ts';

export const BULK_GET_DEFAULT_SIZE = 100;
export const BULK_GET_MAX_SIZE = 1000;

interface CursorState { key: SelectionKey; resolved: number; unresolved: number }

function binding(actor: Actor, sel: Selection): string {
  return createHash('sha256').update(`${actor.projectId}:${sel.hash}`).digest('base64url').slice(0, 16);
}

export function encodeCursor(actor: Actor, sel: Selection, st: CursorState): string {
  return Buffer.from(JSON.stringify({ v: 1, h: binding(actor, sel), k: [st.key.id, st.key.gid], r: st.resolved, u: st.unresolved })).toString('base64url');
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

export function decodeCursor(actor: Actor, sel: Selection, raw: unknown): CursorState {
  const badCursor = (reason: string) => selectionError(`page.cursor is not valid: ${reason}`, { field: 'page.cursor', reason });
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 512 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw badCursor('malformed');
  let c: any;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('malformed');
  }
  if (!c || typeof c !== 'object' || c.v !== 1 || typeof c.h !== 'string' || !Array.isArray(c.k) || c.k.length !== 2
      || !isCount(c.r) || !isCount(c.u)) throw badCursor('malformed');
  const [id, gidRaw] = c.k as [unknown, unknown];
  const gid = normalizeId(gidRaw);
  if (!(id === null || (isCount(id) && id > 0)) || !gid) throw badCursor('malformed');
  if (c.h !== binding(actor, sel)) throw badCursor('the cursor belongs to another selection');
  return { key: { id: id as number | null, gid }, resolved: c.r, unresolved: c.u };
}

export interface BulkGetPage {
  /** internal ids of the page's assets, in order (for rendering) */
  ids: number[];
  gids: string[];
  total: number;
  cursor: string | null;
}

/** One page (checked: {children} targets must be folders of the project, else selectionError). */
export async function bulkGet(db: Db, actor: Actor, sel: Selection, cursorRaw: unknown, size: number): Promise<BulkGetPage> {
  let st: CursorState;
  if (cursorRaw === undefined || cursorRaw === null) {
    // the first page: the totals, and the check of the {children} targets, in one statement
    const c = await countSelection(db, actor, sel, { trashed: 'exclude' });
    st = { key: undefined as unknown as SelectionKey, resolved: c.resolved, unresolved: c.unresolved };
  } else {
    await checkSelection(db, actor, sel); // later pages: the targets are checked again (the page statement does not report them)
    st = decodeCursor(actor, sel, cursorRaw);
  }
  const after = cursorRaw === undefined || cursorRaw === null ? undefined : st.key;
  const page = selectionPageSql(actor, sel, { trashed: 'exclude' }, after, size + 1);
  const { rows } = await db.query<{ asset_id: number | null; gid: string }>(page.sql, page.params);
  const more = rows.length > size;
  const taken = rows.slice(0, size);
  const met = taken.filter((r) => r.asset_id === null).length;
  const unresolved = Math.max(0, st.unresolved - met);
  const live = taken.filter((r) => r.asset_id !== null);
  const last = taken[taken.length - 1];
  return {
    ids: live.map((r) => Number(r.asset_id)),
    gids: live.map((r) => r.gid),
    total: st.resolved + unresolved,
    cursor: more && last ? encodeCursor(actor, sel, { key: { id: last.asset_id === null ? null : Number(last.asset_id), gid: last.gid }, resolved: st.resolved, unresolved }) : null,
  };
}
