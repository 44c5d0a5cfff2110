// A long list of assets read in pages on demand (folders of 100,000 children): only the pages
// around the visible window are fetched; refresh() re-reads them when the feed reports changes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Asset, AssetPage } from './types.ts';

import { PAGE } from './api.ts';

export { PAGE };

export type Fetcher = (top: number, size: number) => Promise<AssetPage>;

export interface Paged {
  key: string;
  total: number | null;
  version: number;
  error: string | null;
  at(i: number): Asset | undefined;
  get(gid: string): Asset | undefined;
  ensure(from: number, to: number): void;
  /** the gids of [from, to], loading missing pages first */
  range(from: number, to: number): Promise<string[]>;
  refresh(): void;
  patch(assets: Record<string, Asset>): void;
}

export function usePaged(key: string, fetcher: Fetcher): Paged {
  const [, setTick] = useState(0);
  const st = useRef({ key: '', pages: new Map<number, string[]>(), loading: new Map<number, Promise<void>>(), applied: new Map<number, number>(), seq: 0, assets: new Map<string, Asset>(), total: null as number | null, error: null as string | null, last: [0, 0] as [number, number], version: 0 });
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;
  const bump = useCallback(() => { st.current.version++; setTick((t) => t + 1); }, []);

  if (st.current.key !== key) {
    st.current = { key, pages: new Map(), loading: new Map(), applied: new Map(), seq: 0, assets: new Map(), total: null, error: null, last: [0, 0], version: st.current.version + 1 };
  }

  /** Reads page p; a forced read starts even while one is in flight. Answers apply in the order
   *  the reads started (an older answer arriving late never overwrites a newer one). */
  const load = useCallback((p: number, force = false): Promise<void> => {
    const s = st.current;
    const existing = s.loading.get(p);
    if (existing && !force) return existing;
    const seq = ++s.seq;
    const stale = () => st.current !== s || seq < (s.applied.get(p) ?? 0);
    const pr = fetchRef.current(p * PAGE, PAGE).then((r) => {
      if (stale()) return;
      s.applied.set(p, seq);
      s.pages.set(p, r.gids);
      for (const [g, a] of Object.entries(r.assets)) s.assets.set(g, a);
      s.total = r.total;
      s.error = null;
    }, (e: Error) => {
      if (stale()) return;
      s.error = e.message;
      if (s.total === null) s.total = 0;
    }).finally(() => {
      if (st.current !== s) return;
      if (s.loading.get(p) === pr) s.loading.delete(p);
      bump();
    });
    s.loading.set(p, pr);
    return pr;
  }, [bump]);

  const ensure = useCallback((from: number, to: number) => {
    const s = st.current;
    s.last = [from, to];
    const max = s.total === null ? 0 : Math.max(0, Math.ceil(s.total / PAGE) - 1);
    for (let p = Math.floor(Math.max(0, from) / PAGE); p <= Math.min(max, Math.floor(Math.max(0, to) / PAGE)); p++) {
      if (!s.pages.has(p)) void load(p);
    }
  }, [load]);

  useEffect(() => { if (st.current.total === null) void load(0); }, [key, load]);

  return useMemo<Paged>(() => ({
    key,
    total: st.current.total,
    version: st.current.version,
    error: st.current.error,
    at(i) {
      const s = st.current;
      const g = s.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
      return g ? s.assets.get(g) : undefined;
    },
    get: (gid) => st.current.assets.get(gid),
    ensure,
    async range(from, to) {
      const lo = Math.min(from, to);
      const hi = Math.max(from, to);
      const ps: Promise<void>[] = [];
      for (let p = Math.floor(lo / PAGE); p <= Math.floor(hi / PAGE); p++) if (!st.current.pages.has(p)) ps.push(load(p));
      await Promise.all(ps);
      const out: string[] = [];
      for (let i = lo; i <= hi; i++) {
        const g = st.current.pages.get(Math.floor(i / PAGE))?.[i % PAGE];
        if (g) out.push(g);
      }
      return out;
    },
    refresh() {
      const s = st.current;
      const [from, to] = s.last;
      // keep showing the old pages until the new ones arrive; drop the others
      const keep = new Set<number>();
      for (let p = Math.floor(from / PAGE); p <= Math.floor(to / PAGE); p++) keep.add(p);
      keep.add(0);
      for (const p of [...s.pages.keys()]) if (!keep.has(p)) s.pages.delete(p);
      for (const p of keep) void load(p, true);
    },
    patch(assets) {
      for (const [g, a] of Object.entries(assets)) st.current.assets.set(g, a);
      bump();
    },
  }), [key, st.current.version, ensure, load, bump]);
}
