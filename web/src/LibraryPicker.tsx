// "Add to library": pick one of the user's libraries or name a new one.
import { useEffect, useState } from 'react';
import { Modal } from './Dialog.tsx';
import { addToLibrary, createLibrary, listLibraries } from './libraries.ts';
import { notify } from './notify.ts';
import { count } from './format.ts';
import type { Library } from './types.ts';

export function LibraryPicker({ count: n, gids, onClose }: { count: number; gids(): Promise<string[]>; onClose(): void }) {
  const [libs, setLibs] = useState<Library[] | null>(null);
  const [choice, setChoice] = useState<string>('new');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { listLibraries().then((r) => { setLibs(r.items); if (r.items.length) setChoice(r.items[0].id); }, (e: Error) => setError(e.message)); }, []);

  return (
    <Modal title={`Add ${count(n)} item${n === 1 ? '' : 's'} to a library`} onClose={onClose}>
      <form onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const lib = choice === 'new' ? await createLibrary(name.trim()) : libs!.find((l) => l.id === choice)!;
          const r = await addToLibrary(lib.id, await gids());
          const skipped = Object.entries(r.skipped).map(([k, v]) => `${v} ${k}`).join(', ');
          notify('info', `Added ${count(r.added)} to ${lib.name}${skipped ? ` (skipped: ${skipped})` : ''}.`);
          onClose();
        } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
      }}>
        <fieldset>
          <legend>Library</legend>
          {libs === null && !error && <p>Loading…</p>}
          <div className="choices">
            {libs?.map((l) => (
              <label key={l.id} className="choice"><input type="radio" name="lib" value={l.id} checked={choice === l.id} onChange={() => setChoice(l.id)} /> {l.name}{l.owned ? '' : ` (shared by ${l.owner})`}</label>
            ))}
            <label className="choice"><input type="radio" name="lib" value="new" checked={choice === 'new'} onChange={() => setChoice('new')} /> New library</label>
          </div>
          {choice === 'new' && <label>Name of the new library<input autoFocus value={name} onChange={(e) => setName(e.target.value)} required /></label>}
        </fieldset>
        {error && <p className="error-text" role="alert">{error}</p>}
        <div className="buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy || (choice === 'new' && name.trim() === '')}>Add</button>
        </div>
      </form>
    </Modal>
  );
}
