// The console's entry: a small script that starts reading the folder in the URL (its first page,
// then its thumbnails) at once, and then loads the console itself (React and the screens, most
// of the JavaScript), so that the requests run while that code is fetched and compiled.
import { currentSession, PAGE, prefetchChildren } from './api.ts';
import { primeThumbnails } from './media.ts';
import './styles.css';

if (currentSession()) {
  // the folder route of route.ts (#/ or #/folder/{gid}); other views read their data when they render
  const parts = location.hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean);
  const folder = parts.length === 0 ? null : parts[0] === 'folder' ? decodeURIComponent(parts[1] ?? '') || null : undefined;
  if (folder !== undefined) {
    prefetchChildren(folder, PAGE).then((r) => primeThumbnails(r.gids.map((g) => r.assets[g]).filter(Boolean)), () => undefined);
  }
}

void import('./start.tsx');
