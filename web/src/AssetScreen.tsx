// One screen over a list of assets: a folder (breadcrumbs, upload, new folder, rename, move,
// delete, add to library), search results, the trash (restore, delete permanently) or a library's
// members (remove). Selections go to the server as Unicat selections; bulk work runs as jobs.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import * as api from './api.ts';
import { usePaged, type Fetcher } from './paged.ts';
import { AssetView, type Layout } from './AssetView.tsx';
import { countOf, emptySelection, toServer, allSelection, type Selection } from './selection.ts';
import { go, searchSpec, type Route } from './route.ts';
import { notify, notifyError } from './notify.ts';
import { onFeed } from './feed.ts';
import { upsertJob } from './jobs-store.ts';
import { startUploads } from './uploads-store.ts';
import { ConfirmDialog, PromptDialog } from './Dialog.tsx';
import { FolderPicker } from './FolderPicker.tsx';
import { LibraryPicker } from './LibraryPicker.tsx';
import { removeFromLibrary, libraryMembers } from './libraries.ts';
import { count as fmtCount } from './format.ts';
import type { Asset, AssetPage } from './types.ts';
import { primeThumbnails } from './media.ts';

type Dialog = null | 'newFolder' | 'rename' | 'move' | 'delete' | 'library' | 'purge' | 'remove';

export function AssetScreen({ route, root, layout, onLayout, onFocusAsset, libraryName }: {
  route: Exclude<Route, { kind: 'libraries' }>;
  /** the root folder, once known (home lists children by pathname "/" without waiting for it) */
  root: Asset | null;
  layout: Layout;
  onLayout(l: Layout): void;
  onFocusAsset(a: Asset | undefined): void;
  libraryName?: string;
}) {
  const folderGid = route.kind === 'folder' ? route.gid ?? root?.gid ?? null : null;
  const spec = route.kind === 'search' ? searchSpec(route.query) : null;
  const key = route.kind === 'folder' ? `f:${route.gid ?? 'home'}` : route.kind === 'search' ? `s:${JSON.stringify(spec)}` : route.kind === 'library' ? `l:${route.id}` : 'trash';

  const fetcher: Fetcher = useMemo(() => {
    // each page's thumbnails are asked for as soon as the page arrives (one call)
    const primed = (p: Promise<AssetPage>) => p.then((r) => { primeThumbnails(r.gids.map((g) => r.assets[g]).filter(Boolean)); return r; });
    if (route.kind === 'folder') { const gid = route.gid; return (top, size) => primed(api.children(gid, top, size)); }
    if (route.kind === 'search') return (top, size) => primed(api.search(spec!, top, size));
    if (route.kind === 'library') return (top, size) => primed(libraryMembers(route.id, top, size));
    return (top, size) => primed(api.trash(top, size));
  }, [key]); // the key names everything the fetcher reads
  const list = usePaged(key, fetcher);
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [path, setPath] = useState<Asset[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const total = list.total ?? 0;
  const selected = countOf(selection, total);

  useEffect(() => { setSelection(emptySelection()); }, [key]);

  // breadcrumbs
  useEffect(() => {
    if (route.kind !== 'folder') return;
    if (!route.gid) { setPath(root ? [root] : []); return; }
    let live = true;
    api.worksheet(route.gid).then((w) => { if (live) setPath([...w.path]); }, notifyError);
    return () => { live = false; };
  }, [route, route.kind === 'folder' && !route.gid ? root : null]);

  // the view follows the feed: any asset change in the project re-reads the visible pages
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => onFeed((events) => {
    const project = api.currentSession()?.project;
    const relevant = events.length === 0 || events.some((e) => e.type === project && (e.data_type === 'assets' || (route.kind === 'library' && e.data_type === 'libraries_assets')));
    if (!relevant) return;
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => list.refresh(), 150);
  }), [list, route.kind]);

  const rule = route.kind === 'folder' ? { children: folderGid } : route.kind === 'search' ? { search: spec } : null;
  /** the selection for a bulk call: a rule where the list has one, else the gids (paged in) */
  const serverSelection = useCallback(async (): Promise<unknown[]> => {
    const s = toServer(selection, rule);
    if (s) return s;
    const all = await list.range(0, total - 1);
    const ex = selection.all ? selection.exclude : new Set<string>();
    return all.filter((g) => !ex.has(g));
  }, [selection, rule, list, total]);
  const selectedGids = async () => {
    const s = await serverSelection();
    return s.every((x) => typeof x === 'string') ? (s as string[]) : api.selectionGids(s);
  };

  const single = !selection.all && selection.gids.size === 1 ? list.get([...selection.gids][0]) : undefined;

  const job = async (call: 'delete' | 'undelete' | 'move', parent?: string) => {
    const sel = await serverSelection();
    const j = await api.startJob(call, sel, parent);
    upsertJob(j);
    setSelection(emptySelection());
    notify('info', `${call === 'undelete' ? 'Restore' : call === 'delete' ? 'Delete' : 'Move'} of ${fmtCount(selected)} item${selected === 1 ? '' : 's'} started: see Jobs.`);
  };

  const setFocusBoth = onFocusAsset;

  const open = (a: Asset) => {
    if (route.kind === 'trash') { setFocusBoth(a); return; }
    if (!a.is_file) go({ kind: 'folder', gid: a.gid });
    else setFocusBoth(a);
  };
  const up = route.kind === 'folder' && path.length > 1 ? () => go({ kind: 'folder', gid: path[path.length - 2].gid }) : undefined;

  const upload = (files: File[]) => { if (folderGid && files.length) startUploads(folderGid, files); };

  const title = route.kind === 'folder' ? (path.length > 1 ? path[path.length - 1].name : 'Home')
    : route.kind === 'search' ? 'Search results' : route.kind === 'trash' ? 'Trash' : libraryName ?? 'Library';

  return (
    <section className="screen" aria-labelledby="screen-title">
      <div className="screen-head">
        {route.kind === 'folder' ? (
          <nav aria-label="Breadcrumbs" className="crumbs">
            <ol>
              {path.map((a, i) => (
                <li key={a.gid}>
                  {i === path.length - 1
                    ? <h1 id="screen-title" aria-current="page">{i === 0 ? 'Home' : a.name}</h1>
                    : <a href={`#/folder/${a.gid}`} onDragOver={(e) => { if (e.dataTransfer.types.includes('application/x-assetlib-selection')) e.preventDefault(); }}
                        onDrop={(e) => { e.preventDefault(); void job('move', a.gid).catch(notifyError); }}>{i === 0 ? 'Home' : a.name}</a>}
                </li>
              ))}
              {path.length === 0 && <li><h1 id="screen-title">Home</h1></li>}
            </ol>
          </nav>
        ) : <h1 id="screen-title">{title}</h1>}
        <p className="status-line" aria-live="polite">
          {list.total === null ? 'Loading…' : `${fmtCount(total)} item${total === 1 ? '' : 's'}`}
          {selected > 0 && <> · <strong data-testid="selected-count">{fmtCount(selected)} selected</strong></>}
        </p>
      </div>

      <div className="toolbar" role="toolbar" aria-label="Actions">
        {route.kind === 'folder' && <>
          <button type="button" disabled={!folderGid} onClick={() => fileInput.current?.click()}>Upload</button>
          <input ref={fileInput} type="file" multiple hidden aria-label="Files to upload" onChange={(e) => { upload([...(e.target.files ?? [])]); e.target.value = ''; }} />
          <button type="button" disabled={!folderGid} onClick={() => setDialog('newFolder')}>New folder</button>
        </>}
        {route.kind !== 'trash' && route.kind !== 'library' && <>
          <button type="button" disabled={!single} onClick={() => setDialog('rename')}>Rename</button>
          <button type="button" disabled={selected === 0} onClick={() => setDialog('move')}>Move…</button>
          <button type="button" disabled={selected === 0} onClick={() => setDialog('library')}>Add to library…</button>
          <button type="button" disabled={selected === 0} className="danger" onClick={() => setDialog('delete')}>Delete</button>
        </>}
        {route.kind === 'trash' && <>
          <button type="button" disabled={selected === 0} onClick={() => void job('undelete').catch(notifyError)}>Restore</button>
          <button type="button" disabled={selected === 0} className="danger" onClick={() => setDialog('purge')}>Delete permanently</button>
        </>}
        {route.kind === 'library' && <button type="button" disabled={selected === 0} onClick={() => setDialog('remove')}>Remove from library</button>}
        <button type="button" disabled={total === 0} onClick={() => setSelection(allSelection())}>Select all</button>
        {selected > 0 && <button type="button" onClick={() => setSelection(emptySelection())}>Clear selection</button>}
        <span className="spacer" />
        <div role="group" aria-label="Layout" className="segmented">
          <button type="button" aria-pressed={layout === 'grid'} onClick={() => onLayout('grid')}>Grid</button>
          <button type="button" aria-pressed={layout === 'list'} onClick={() => onLayout('list')}>List</button>
        </div>
      </div>

      <AssetView
        list={list}
        layout={layout}
        label={title}
        selection={selection}
        onSelection={setSelection}
        onFocusAsset={setFocusBoth}
        onOpen={open}
        onDelete={route.kind === 'trash' ? () => setDialog('purge') : route.kind === 'library' ? () => setDialog('remove') : () => setDialog('delete')}
        onRename={single && route.kind !== 'trash' ? () => setDialog('rename') : undefined}
        onUp={up}
        onMoveInto={route.kind === 'folder' || route.kind === 'search' ? (f) => void job('move', f.gid).catch(notifyError) : undefined}
        onDropFiles={route.kind === 'folder' ? upload : undefined}
        empty={route.kind === 'folder' ? 'This folder is empty. Drop files here or use Upload.' : route.kind === 'search' ? 'Nothing matches.' : route.kind === 'trash' ? 'The trash is empty.' : 'This library is empty.'}
      />

      {dialog === 'newFolder' && <PromptDialog title="New folder" label="Name" submit="Create" onClose={() => setDialog(null)}
        onSubmit={async (name) => { await api.unicat('assets/create', { parent: folderGid, name }); list.refresh(); }} />}
      {dialog === 'rename' && single && <PromptDialog title={`Rename ${single.name}`} label="New name" initial={single.name} submit="Rename" onClose={() => setDialog(null)}
        onSubmit={async (name) => { const r = await api.unicat('assets/update', { asset: single.gid, name }); list.patch(r.data.assets); }} />}
      {dialog === 'move' && <FolderPicker title={`Move ${fmtCount(selected)} item${selected === 1 ? '' : 's'}`} onClose={() => setDialog(null)} onPick={(f) => job('move', f.gid)} />}
      {dialog === 'delete' && <ConfirmDialog title="Move to trash" danger confirm="Delete" onClose={() => setDialog(null)}
        message={<>Move {fmtCount(selected)} item{selected === 1 ? '' : 's'} to the trash? You can restore them from the trash.</>} onConfirm={() => job('delete')} />}
      {dialog === 'purge' && <ConfirmDialog title="Delete permanently" danger confirm="Delete permanently" onClose={() => setDialog(null)}
        message={<>Delete {fmtCount(selected)} item{selected === 1 ? '' : 's'} permanently? This cannot be undone.</>}
        onConfirm={async () => {
          const gids = await selectedGids();
          for (const g of gids) await api.unicat('assets/permanent_delete', { asset: g });
          setSelection(emptySelection());
          list.refresh();
          notify('info', `${fmtCount(gids.length)} item${gids.length === 1 ? '' : 's'} deleted permanently.`);
        }} />}
      {dialog === 'remove' && route.kind === 'library' && <ConfirmDialog title="Remove from library" confirm="Remove" onClose={() => setDialog(null)}
        message={<>Remove {fmtCount(selected)} item{selected === 1 ? '' : 's'} from this library? The assets stay in their folders.</>}
        onConfirm={async () => { await removeFromLibrary(route.id, await selectedGids()); setSelection(emptySelection()); list.refresh(); }} />}
      {dialog === 'library' && <LibraryPicker count={selected} onClose={() => setDialog(null)} gids={selectedGids} />}
    </section>
  );
}
