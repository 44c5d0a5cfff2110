// An asset's picture: its thumbnail from the DAM transform API when there is one, else an icon
// for its type.
import { useEffect, useRef, useState } from 'react';
import type { Asset } from './types.ts';
import { forgetUrl, thumbnailUrl } from './media.ts';
import { afterFirstGrid, useAfterFirstGrid, waitForPicture } from './first-grid.ts';

// simple line icons (no emoji font needed), 24x24
const PATHS: Record<string, string> = {
  folder: 'M3 6a1 1 0 0 1 1-1h5l2 2h9a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z',
  image: 'M4 4h16v16H4z M4 16l5-5 4 4 3-3 4 4 M15 9.5a1.5 1.5 0 1 0 0-.01',
  video: 'M3 6h13v12H3z M16 10l5-3v10l-5-3',
  audio: 'M9 18V6l11-2v12 M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0 M20 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0',
  file: 'M6 3h8l4 4v14H6z M14 3v4h4 M9 12h6 M9 16h6',
};

/** pending: a thumbnail is on its way (the icon stands in; tests and the bench wait for it) */
export function TypeIcon({ asset, pending }: { asset: Asset; pending?: boolean }) {
  const kind = asset.is_file ? asset.type ?? 'file' : 'folder';
  return (
    <svg className={`type-icon type-${kind}`} data-pending={pending || undefined} viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" strokeLinecap="round">
      <path d={PATHS[kind] ?? PATHS.file} fill={kind === 'folder' ? 'currentColor' : 'none'} fillOpacity={kind === 'folder' ? 0.15 : 0} />
    </svg>
  );
}

/** margin: the tile is rendered around the view, not in it (the virtual grid's overscan): its
 *  picture waits for the first grid, so that the tiles in view take the browser's connections
 *  (six per host over HTTP/1.1) first. */
export function Thumb({ asset, size, margin = false }: { asset: Asset; size: 'small' | 'large'; margin?: boolean }) {
  const gridShown = useAfterFirstGrid();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [retry, setRetry] = useState(0);
  // a tile in view holds the first-grid gate until its picture shows (or fails)
  const waiting = useRef<(() => void) | null>(null);
  const pictureDone = () => { waiting.current?.(); waiting.current = null; };
  useEffect(() => {
    if (size !== 'small' || margin || !(asset.is_file && asset.type === 'image')) return;
    const release = waitForPicture();
    waiting.current = release;
    return () => { release(); if (waiting.current === release) waiting.current = null; };
  }, [asset.gid, asset.version, asset.is_file, asset.type, size, margin]);
  useEffect(() => {
    let live = true;
    setUrl(null);
    setFailed(false);
    if (asset.is_file && asset.type === 'image') {
      // the detail panel's larger preview waits for the first grid (first-grid.ts)
      (size === 'small' ? thumbnailUrl(asset, 320) : afterFirstGrid.then(() => live ? thumbnailUrl(asset, 800) : Promise.reject(new Error('gone')))).then((u) => { if (live) setUrl(u); }, () => { if (live) { setFailed(true); pictureDone(); } });
    }
    return () => { live = false; };
  }, [asset.gid, asset.version, asset.is_file, asset.type, size, retry]);
  // a URL that does not load is asked for again once (a remembered one may have been unpublished)
  const broken = () => { if (url) forgetUrl(url); if (retry === 0) setRetry(1); else { setFailed(true); pictureDone(); } };
  const loaded = (img: HTMLImageElement) => { void img.decode().catch(() => undefined).then(pictureDone); };
  // not loading="lazy": the virtual grid renders only the rows in view and a few around them (which
  // Chromium's lazy-load margin would load as well), and lazy images start after layout, later
  if (url && !failed && (!margin || gridShown)) return <img className="thumb" src={url} alt="" decoding="async" onLoad={(e) => loaded(e.currentTarget)} onError={broken} />;
  return <TypeIcon asset={asset} pending={asset.is_file && asset.type === 'image' && !failed} />;
}
