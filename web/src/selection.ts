// A file-manager selection over one list: some gids, or everything in the list except some
// (select all). "All" stays a rule ({children} or {search} with exclude) when sent to the server.
export type Selection = { all: false; gids: Set<string> } | { all: true; exclude: Set<string> };

export const emptySelection = (): Selection => ({ all: false, gids: new Set() });
export const allSelection = (): Selection => ({ all: true, exclude: new Set() });

export const isSelected = (s: Selection, gid: string) => (s.all ? !s.exclude.has(gid) : s.gids.has(gid));
export const countOf = (s: Selection, total: number) => (s.all ? Math.max(0, total - s.exclude.size) : s.gids.size);

export function toggle(s: Selection, gid: string): Selection {
  if (s.all) {
    const exclude = new Set(s.exclude);
    if (exclude.has(gid)) exclude.delete(gid); else exclude.add(gid);
    return { all: true, exclude };
  }
  const gids = new Set(s.gids);
  if (gids.has(gid)) gids.delete(gid); else gids.add(gid);
  return { all: false, gids };
}

export function withRange(s: Selection, range: string[], add: boolean): Selection {
  if (s.all) {
    const exclude = new Set(s.exclude);
    for (const g of range) { if (add) exclude.delete(g); else exclude.add(g); }
    return { all: true, exclude };
  }
  const gids = new Set(add ? s.gids : []);
  for (const g of range) gids.add(g);
  return { all: false, gids };
}

/** The Unicat selection for the server: the gids, or the list's rule with the exclusions. */
export function toServer(s: Selection, rule: Record<string, unknown> | null): unknown[] | null {
  if (!s.all) return [...s.gids];
  if (!rule) return null;
  return [{ ...rule, exclude: [...s.exclude] }];
}
