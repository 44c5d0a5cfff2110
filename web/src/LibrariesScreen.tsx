// Libraries: those the user owns and those shared with them; create, rename, share with roles,
// delete, open. Libraries made through Uplynk or Oracle appear here as well (one core).
import { useCallback, useEffect, useState } from 'react';
import { changeRole, createLibrary, deleteLibrary, listLibraries, listShares, renameLibrary, share, unshare, type ShareEntry } from './libraries.ts';
import { ConfirmDialog, Modal, PromptDialog } from './Dialog.tsx';
import { notifyError } from './notify.ts';
import { onFeed } from './feed.ts';
import { currentSession } from './api.ts';
import type { Library } from './types.ts';

export function LibrariesScreen() {
  const [libs, setLibs] = useState<{ items: Library[]; owned: number; shared: number } | null>(null);
  const [dialog, setDialog] = useState<null | { kind: 'new' } | { kind: 'rename' | 'share' | 'delete'; lib: Library }>(null);
  const load = useCallback(() => { listLibraries().then(setLibs, notifyError); }, []);
  useEffect(load, [load]);
  useEffect(() => onFeed((events) => {
    const p = currentSession()?.project;
    if (events.length === 0 || events.some((e) => e.type === p && e.data_type.startsWith('libraries'))) load();
  }), [load]);

  const group = (owned: boolean) => libs?.items.filter((l) => l.owned === owned) ?? [];
  const table = (items: Library[], caption: string) => (
    <table className="libs-table">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Modified</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
      <tbody>
        {items.length === 0 && <tr><td colSpan={4} className="muted">None</td></tr>}
        {items.map((l) => (
          <tr key={l.id} data-library={l.name}>
            <td><a href={`#/library/${l.id}`}>{l.name}</a></td>
            <td>{l.owned ? 'you' : l.owner}</td>
            <td>{new Date(l.modified).toLocaleString()}</td>
            <td className="actions">
              <button type="button" className="small" onClick={() => setDialog({ kind: 'rename', lib: l })}>Rename</button>
              <button type="button" className="small" onClick={() => setDialog({ kind: 'share', lib: l })}>Share…</button>
              {l.owned && <button type="button" className="small danger" onClick={() => setDialog({ kind: 'delete', lib: l })}>Delete</button>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <section className="screen scroll" aria-labelledby="screen-title">
      <div className="screen-head"><h1 id="screen-title">Libraries</h1>
        {libs && <p className="status-line">{libs.owned} owned · {libs.shared} shared with you</p>}</div>
      <div className="toolbar" role="toolbar" aria-label="Actions"><button type="button" onClick={() => setDialog({ kind: 'new' })}>New library</button></div>
      {libs === null ? <p>Loading…</p> : <>{table(group(true), 'Your libraries')}{table(group(false), 'Shared with you')}</>}
      {dialog?.kind === 'new' && <PromptDialog title="New library" label="Name" submit="Create" onClose={() => setDialog(null)} onSubmit={async (n) => { await createLibrary(n); load(); }} />}
      {dialog?.kind === 'rename' && <PromptDialog title={`Rename ${dialog.lib.name}`} label="New name" initial={dialog.lib.name} submit="Rename" onClose={() => setDialog(null)}
        onSubmit={async (n) => { await renameLibrary(dialog.lib.id, n); load(); }} />}
      {dialog?.kind === 'delete' && <ConfirmDialog title="Delete library" danger confirm="Delete" onClose={() => setDialog(null)}
        message={<>Delete the library {dialog.lib.name}? Its assets stay where they are.</>} onConfirm={async () => { await deleteLibrary(dialog.lib.id); load(); }} />}
      {dialog?.kind === 'share' && <ShareDialog lib={dialog.lib} onClose={() => setDialog(null)} />}
    </section>
  );
}

function ShareDialog({ lib, onClose }: { lib: Library; onClose(): void }) {
  const [shares, setShares] = useState<ShareEntry[] | null>(null);
  const [user, setUser] = useState('');
  const [role, setRole] = useState('viewer');
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => { listShares(lib.id).then(setShares, (e: Error) => setError(e.message)); }, [lib.id]);
  useEffect(load, [load]);
  const run = (p: Promise<void>) => p.then(() => { setError(null); load(); }, (e: Error) => setError(e.message));
  return (
    <Modal title={`Share ${lib.name}`} onClose={onClose}>
      <ul className="rows">
        {shares?.length === 0 && <li className="muted">Not shared yet.</li>}
        {shares?.map((s) => (
          <li key={s.id} className="share-row">
            <span>{s.name}</span>
            <select aria-label={`Role of ${s.name}`} value={s.role} onChange={(e) => run(changeRole(lib.id, s.id, e.target.value))}>
              <option value="viewer">viewer</option><option value="contributor">contributor</option><option value="manager">manager</option>
            </select>
            <button type="button" className="small" onClick={() => run(unshare(lib.id, s.id))}>Remove</button>
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => { e.preventDefault(); run(share(lib.id, user.trim(), role).then(() => setUser(''))); }} className="inline-form">
        <label>User email<input type="email" value={user} onChange={(e) => setUser(e.target.value)} required /></label>
        <label>Role<select value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="viewer">viewer</option><option value="contributor">contributor</option><option value="manager">manager</option>
        </select></label>
        <button type="submit" className="primary">Share</button>
      </form>
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="buttons"><button type="button" onClick={onClose}>Close</button></div>
    </Modal>
  );
}
