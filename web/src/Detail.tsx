// The detail panel of one asset: a larger preview, media info, title and description per
// language (editable), the libraries it is in, and download.
import { useEffect, useState } from 'react';
import { unicat } from './api.ts';
import { downloadUrl } from './media.ts';
import { Thumb } from './Thumb.tsx';
import { notifyError } from './notify.ts';
import { afterFirstGrid } from './first-grid.ts';
import { date, size, typeLabel } from './format.ts';
import type { Asset } from './types.ts';

const LANGS = ['en', 'nl', 'de', 'fr'];

export function Detail({ asset, onClose }: { asset: Asset; onClose(): void }) {
  const [libs, setLibs] = useState<{ gid: string; name: string }[] | null>(null);
  const [lang, setLang] = useState('en');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [saved, setSaved] = useState<Asset>(asset);

  useEffect(() => { setSaved(asset); }, [asset]);
  useEffect(() => { setTitle(saved.title?.[lang] ?? ''); setDescription(saved.description?.[lang] ?? ''); }, [saved, lang]);
  useEffect(() => {
    let live = true;
    setLibs(null);
    // after the first grid (first-grid.ts): the panel of the item focused at start is not what a visit waits for
    if (asset.is_file) afterFirstGrid.then(() => live ? unicat('assets/libraries', { asset: asset.gid }) : Promise.reject()).then((r) => { if (live) setLibs(r.result.libraries.map((g: string) => r.data.libraries[g])); }, () => { if (live) setLibs([]); });
    return () => { live = false; };
  }, [asset.gid, asset.is_file]);

  const info = Object.entries(asset.info ?? {}).filter(([k, v]) => !['filesize', 'mime'].includes(k) && (typeof v !== 'object' || v === null));
  return (
    <aside className="detail" aria-labelledby="detail-title">
      <div className="detail-head">
        <h2 id="detail-title" title={asset.name}>{asset.name}</h2>
        <button type="button" className="small" onClick={onClose} aria-label="Close details">×</button>
      </div>
      <div className="preview"><Thumb asset={asset} size="large" /></div>
      <dl className="facts">
        <dt>Type</dt><dd>{typeLabel(asset)}</dd>
        {asset.is_file && <><dt>Size</dt><dd>{size(asset.info.filesize)}</dd></>}
        {!asset.is_file && <><dt>Contains</dt><dd>{asset.childcount} items</dd></>}
        <dt>Path</dt><dd className="break">{asset.pathname}</dd>
        <dt>Modified</dt><dd>{date(asset.updated_on)}</dd>
        <dt>Created</dt><dd>{date(asset.created_on)}</dd>
        {asset.is_file && <><dt>Version</dt><dd>{asset.version}</dd></>}
        {info.map(([k, v]) => <FactRow key={k} k={k} v={v} />)}
      </dl>
      {!asset.is_deleted && (
        <form className="texts" onSubmit={(e) => {
          e.preventDefault();
          unicat('assets/update', { asset: asset.gid, title: { [lang]: title }, description: { [lang]: description } })
            .then((r) => setSaved(r.data.assets[asset.gid]), notifyError);
        }}>
          <label>Language
            <select value={lang} onChange={(e) => setLang(e.target.value)}>{LANGS.map((l) => <option key={l} value={l}>{l}</option>)}</select>
          </label>
          <label>Title<input value={title} onChange={(e) => setTitle(e.target.value)} /></label>
          <label>Description<textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} /></label>
          <button type="submit" className="small">Save texts</button>
        </form>
      )}
      {asset.is_file && (
        <>
          <h3>Libraries</h3>
          {libs === null ? <p className="muted">Loading…</p> : libs.length === 0 ? <p className="muted">In no library.</p>
            : <ul className="libs">{libs.map((l) => <li key={l.gid}><a href={`#/library/${l.gid}`}>{l.name}</a></li>)}</ul>}
          <button type="button" onClick={() => {
            downloadUrl(asset).then((u) => {
              const a = document.createElement('a');
              a.href = u;
              a.download = asset.name;
              a.click();
            }, notifyError);
          }}>Download</button>
        </>
      )}
    </aside>
  );
}

function FactRow({ k, v }: { k: string; v: unknown }) {
  return <><dt>{k.replace(/_/g, ' ')}</dt><dd>{String(v)}</dd></>;
}
