// Libraries through Oracle's collections API (Bearer JWT; docs/console.md says why this dialect).
import { currentSession, getAssets, oracle } from './api.ts';
import type { AssetPage, Library } from './types.ts';

function toLibrary(i: any): Library {
  const me = currentSession()?.user;
  return {
    id: i.id, name: i.name, description: i.description ?? '', owner: i.ownedBy?.displayName ?? '', ownerId: i.ownedBy?.id ?? '',
    owned: i.ownedBy?.id === me, count: Number(i.childItemsCount ?? NaN), modified: i.modifiedTime,
  };
}

export async function listLibraries(): Promise<{ items: Library[]; owned: number; shared: number }> {
  const items: Library[] = [];
  let r: any;
  let offset = 0;
  do {
    r = await oracle('GET', `/collections/items?limit=1000&offset=${offset}&orderby=name:asc`);
    items.push(...r.items.map(toLibrary));
    offset += r.items.length;
  } while (r.hasMore === '1' && r.items.length > 0);
  return { items, owned: Number(r.totalOwned), shared: Number(r.totalShared) };
}

export const createLibrary = async (name: string) => toLibrary(await oracle('POST', '/collections', { name }));
export const renameLibrary = async (id: string, name: string) => toLibrary(await oracle('PUT', `/collections/${id}`, { name }));
export const deleteLibrary = async (id: string) => { await oracle('DELETE', `/collections/${id}`); };

/** Adds assets (in chunks of 10,000); folders and duplicates are skipped and counted. */
export async function addToLibrary(id: string, gids: string[]): Promise<{ added: number; skipped: Record<string, number> }> {
  let added = 0;
  const skipped: Record<string, number> = {};
  for (let i = 0; i < gids.length; i += 10_000) {
    const r = await oracle('POST', `/collections/${id}/files`, { idList: gids.slice(i, i + 10_000).join(','), skipDuplicate: 'true' });
    for (const it of r.items ?? []) {
      if (!it.message) { added++; continue; }
      const reason = String(it.message).split(',')[0].replace(/^!cs/, '');
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    }
  }
  return { added, skipped };
}

export async function removeFromLibrary(id: string, gids: string[]): Promise<void> {
  for (let i = 0; i < gids.length; i += 10_000) {
    await oracle('DELETE', `/collections/${id}/files`, { idList: gids.slice(i, i + 10_000).join(','), skipIfNotInCollection: 'true' });
  }
}

/** A page of a library's members as assets. */
export async function libraryMembers(id: string, top: number, size: number): Promise<AssetPage> {
  const r = await oracle('GET', `/collections/${id}/files?offset=${top}&limit=${Math.min(size, 1000)}`);
  const gids = (r.items as { id: string }[]).map((i) => i.id);
  const assets = await getAssets(gids);
  return { gids: gids.filter((g) => assets[g]), total: Number(r.totalResults), assets };
}

export interface ShareEntry { id: string; name: string; role: string }

export async function listShares(id: string): Promise<ShareEntry[]> {
  const r = await oracle('GET', `/shares/${id}/items`);
  return (r.items ?? []).map((s: any) => ({ id: s.user?.id ?? s.id, name: s.user?.loginName ?? s.user?.displayName ?? '', role: s.role }));
}
export const share = async (id: string, user: string, role: string) => { await oracle('POST', `/shares/${id}`, { userID: user, role }); };
export const unshare = async (id: string, user: string) => { await oracle('DELETE', `/shares/${id}/user`, { userID: user }); };
export const changeRole = async (id: string, user: string, role: string) => { await oracle('PUT', `/shares/${id}/role`, { userID: user, role }); };
