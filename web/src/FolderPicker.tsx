// Choose a destination folder (for moves): browse folders from the root.
import { useEffect, useState } from 'react';
import { children, rootFolder } from './api.ts';
import { Modal } from './Dialog.tsx';
import type { Asset } from './types.ts';

export function FolderPicker({ title, onPick, onClose }: { title: string; onPick(folder: Asset): Promise<void>; onClose(): void }) {
  const [trail, setTrail] = useState<Asset[]>([]);
  const [folders, setFolders] = useState<Asset[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const here = trail[trail.length - 1];

  useEffect(() => { rootFolder().then((r) => setTrail([r]), (e: Error) => setError(e.message)); }, []);
  useEffect(() => {
    if (!here) return;
    setFolders(null);
    // folders come first in children: read until the first file
    children(here.gid, 0, 1000).then((p) => setFolders(p.gids.map((g) => p.assets[g]).filter((a) => a && !a.is_file)), (e: Error) => setError(e.message));
  }, [here]);

  return (
    <Modal title={title} onClose={onClose}>
      <nav aria-label="Folder path" className="crumbs small">
        {trail.map((a, i) => (
          <button key={a.gid} type="button" className="link" onClick={() => setTrail(trail.slice(0, i + 1))}>{i === 0 ? 'Home' : a.name}</button>
        ))}
      </nav>
      <ul className="folder-list" aria-label="Folders">
        {folders === null && !error && <li>Loading…</li>}
        {folders?.length === 0 && <li className="muted">No folders here</li>}
        {folders?.map((f) => (
          <li key={f.gid}><button type="button" className="link" onClick={() => setTrail([...trail, f])}>{f.name}</button></li>
        ))}
      </ul>
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="buttons">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" className="primary" disabled={!here} onClick={async () => {
          try { await onPick(here); onClose(); } catch (e) { setError((e as Error).message); }
        }}>Move here{here ? ` (${trail.length === 1 ? 'Home' : here.name})` : ''}</button>
      </div>
    </Modal>
  );
}
