// The console's location in the URL hash, so that back/forward and reload keep the view.
import { useEffect, useState } from 'react';

export interface SearchQuery { q: string; type: string; within: string; minSize: string; maxSize: string }

export type Route =
  | { kind: 'folder'; gid: string | null }
  | { kind: 'search'; query: SearchQuery }
  | { kind: 'libraries' }
  | { kind: 'library'; id: string }
  | { kind: 'trash' };

export function parseRoute(hash: string): Route {
  const [path, qs] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const p = new URLSearchParams(qs ?? '');
  switch (parts[0]) {
    case 'folder': return { kind: 'folder', gid: parts[1] ?? null };
    case 'search': return { kind: 'search', query: { q: p.get('q') ?? '', type: p.get('type') ?? '', within: p.get('within') ?? '', minSize: p.get('min') ?? '', maxSize: p.get('max') ?? '' } };
    case 'libraries': return { kind: 'libraries' };
    case 'library': return parts[1] ? { kind: 'library', id: parts[1] } : { kind: 'libraries' };
    case 'trash': return { kind: 'trash' };
    default: return { kind: 'folder', gid: null };
  }
}

export function routeHash(r: Route): string {
  switch (r.kind) {
    case 'folder': return r.gid ? `#/folder/${r.gid}` : '#/';
    case 'search': {
      const p = new URLSearchParams();
      const q = r.query;
      if (q.q) p.set('q', q.q);
      if (q.type) p.set('type', q.type);
      if (q.within) p.set('within', q.within);
      if (q.minSize) p.set('min', q.minSize);
      if (q.maxSize) p.set('max', q.maxSize);
      return `#/search?${p}`;
    }
    case 'libraries': return '#/libraries';
    case 'library': return `#/library/${r.id}`;
    case 'trash': return '#/trash';
  }
}

export const go = (r: Route) => { location.hash = routeHash(r); };

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The Unicat search for a query: q as typed, the filters as a Unicat filter. */
export function searchSpec(q: SearchQuery): { language: string; q: string; filter: unknown } {
  const f: unknown[] = [];
  if (q.type) f.push(q.type === 'folder' ? ['is_file', 'is_false', null] : ['type', 'is', q.type]);
  if (q.within) f.push(['updated_on', '<', [Number(q.within), 'days']]);
  const mb = (s: string) => Math.round(Number(s) * 1024 * 1024);
  if (q.minSize && q.maxSize) f.push(['size', 'between', [mb(q.minSize), mb(q.maxSize)]]);
  else if (q.minSize) f.push(['size', '>', mb(q.minSize) - 1]);
  else if (q.maxSize) f.push(['size', '<', mb(q.maxSize) + 1]);
  return { language: 'en', q: q.q, filter: f.length ? ['and', '', f] : undefined };
}
