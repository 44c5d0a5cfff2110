// The console's shell: header (search, user), navigation, the current screen, the detail panel,
// uploads and jobs, and messages.
import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { currentSession, onSession, rootFolder, setSession } from './api.ts';
import { connectFeed, disconnectFeed, feedStatus, onFeedStatus } from './feed.ts';
import { go, useRoute, type SearchQuery } from './route.ts';
import { SignIn } from './SignIn.tsx';
import { AssetScreen } from './AssetScreen.tsx';
import { LibrariesScreen } from './LibrariesScreen.tsx';
import { Detail } from './Detail.tsx';
import { JobsPanel, UploadsPanel } from './Panels.tsx';
import { dismiss, notifyError, useNotes } from './notify.ts';
import { oracle } from './api.ts';
import type { Layout } from './AssetView.tsx';
import type { Asset } from './types.ts';

export function App() {
  const session = useSyncExternalStore(onSession, currentSession);
  return session ? <Console key={session.project + session.user} /> : <><SignIn /><Notes /></>;
}

function Console() {
  const session = currentSession()!;
  const route = useRoute();
  const [root, setRoot] = useState<Asset | null>(null);
  const [layout, setLayout] = useState<Layout>(() => (localStorage.getItem('assetlib.layout') as Layout) || 'grid');
  const [detail, setDetail] = useState<Asset | undefined>();
  const [showDetail, setShowDetail] = useState(true);
  const [libraryName, setLibraryName] = useState<string | undefined>();
  const status = useSyncExternalStore(onFeedStatus, feedStatus);

  useEffect(() => { connectFeed(); return () => disconnectFeed(); }, []);
  useEffect(() => { rootFolder().then(setRoot, notifyError); }, []);
  useEffect(() => { localStorage.setItem('assetlib.layout', layout); }, [layout]);
  useEffect(() => {
    if (route.kind !== 'library') return;
    oracle('GET', `/collections/${route.id}`).then((l) => setLibraryName(l.name), notifyError);
  }, [route]);

  const query: SearchQuery = route.kind === 'search' ? route.query : { q: '', type: '', within: '', minSize: '', maxSize: '' };
  const search = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const get = (k: string) => String(f.get(k) ?? '').trim();
    const q = { q: get('q'), type: get('type'), within: get('within'), minSize: get('min'), maxSize: get('max') };
    if (!q.q && !q.type && !q.within && !q.minSize && !q.maxSize) { go({ kind: 'folder', gid: null }); return; }
    go({ kind: 'search', query: q });
  };

  const nav = (kind: string) => (route.kind === kind || (kind === 'folder' && route.kind === 'search') ? 'page' : undefined);
  return (
    <div className="app">
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">assetlib</span>
        <span className="project" title="Project">{session.projectName}</span>
        <form role="search" className="search" onSubmit={search} key={JSON.stringify(query)}>
          <label className="sr-only" htmlFor="q">Search</label>
          <input id="q" name="q" type="search" placeholder='Search: words, +must, -not, "phrase"' defaultValue={query.q} />
          <label className="sr-only" htmlFor="f-type">Type</label>
          <select id="f-type" name="type" defaultValue={query.type} title="Type">
            <option value="">Any type</option><option value="image">Images</option><option value="video">Video</option>
            <option value="audio">Audio</option><option value="document">Documents</option><option value="folder">Folders</option>
          </select>
          <label className="sr-only" htmlFor="f-within">Modified</label>
          <select id="f-within" name="within" defaultValue={query.within} title="Modified">
            <option value="">Any date</option><option value="1">Last 24 hours</option><option value="7">Last 7 days</option>
            <option value="30">Last 30 days</option><option value="365">Last year</option>
          </select>
          <label className="sr-only" htmlFor="f-min">Minimum size in MB</label>
          <input id="f-min" name="min" type="number" min="0" step="any" placeholder="min MB" defaultValue={query.minSize} className="num" />
          <label className="sr-only" htmlFor="f-max">Maximum size in MB</label>
          <input id="f-max" name="max" type="number" min="0" step="any" placeholder="max MB" defaultValue={query.maxSize} className="num" />
          <button type="submit">Search</button>
        </form>
        <span className={`feed ${status}`} title="Live updates" role="status">{status === 'live' ? '● live' : status === 'connecting' ? 'connecting…' : 'offline'}</span>
        <span className="user">{session.email}</span>
        <button type="button" onClick={() => setSession(null)}>Sign out</button>
      </header>
      <nav className="side" aria-label="Sections">
        <ul>
          <li><a href="#/" aria-current={nav('folder')}>Browse</a></li>
          <li><a href="#/libraries" aria-current={nav('libraries') ?? nav('library')}>Libraries</a></li>
          <li><a href="#/trash" aria-current={nav('trash')}>Trash</a></li>
        </ul>
        <label className="toggle"><input type="checkbox" checked={showDetail} onChange={(e) => setShowDetail(e.target.checked)} /> Details panel</label>
      </nav>
      <main id="main" className="main">
        {route.kind === 'libraries' ? <LibrariesScreen />
          : <AssetScreen route={route} root={root} layout={layout} onLayout={setLayout} onFocusAsset={setDetail} libraryName={libraryName} />}
      </main>
      {showDetail && detail && route.kind !== 'libraries' && <Detail asset={detail} onClose={() => setShowDetail(false)} />}
      <div className="dock"><UploadsPanel /><JobsPanel /></div>
      <Notes />
    </div>
  );
}

function Notes() {
  const notes = useNotes();
  return (
    <div className="notes" aria-live="assertive">
      {notes.map((n) => (
        <div key={n.id} className={`note ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="small" onClick={() => dismiss(n.id)} aria-label="Dismiss">×</button>
        </div>
      ))}
    </div>
  );
}
