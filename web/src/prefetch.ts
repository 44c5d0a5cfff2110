// The folder in the URL read at once (its first page, then its thumbnails): main.ts imports this
// before the console (start.tsx), so the requests start before React renders anything.
import { currentSession, PAGE, prefetchChildren } from './api.ts';
import { primeThumbnails } from './media.ts';

if (currentSession()) {
  // the folder route of route.ts (#/ or #/folder/{gid}); other views read their data when they render
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean);
  const folder = parts.length === 0 ? null : parts[0] === 'folder' ? decodeURIComponent(parts[1] ?? '') || null : undefined;
  if (folder !== undefined) {
    prefetchChildren(folder, PAGE).then((r) => primeThumbnails(r.gids.map((g) => r.assets[g]).filter(Boolean)), () => undefined);
  }
}
