// Thumbnails, previews and downloads through the DAM API (docs/media.md): transform and publish
// answer a public URL that the browser loads without a JWT. Asked once per asset version and size.
import { currentSession, ApiError } from './api.ts';
import type { Asset } from './types.ts';

const cache = new Map<string, Promise<string>>();

// The public URLs of thumbnails, kept across page loads (localStorage, at most MAX): a URL is for
// one asset version and size and never changes, so a second visit shows a folder's thumbnails
// from the browser's cache with no request at all, instead of one DAM call per tile first. They
// are public links (no credential in them), like the <img> sources the page shows anyway. A
// remembered URL that fails to load is forgotten and asked again (forgetUrl).
const STORE = 'assetlib.media-urls';
const MAX = 5000;
let remembered: Record<string, string> | undefined;
function store(): Record<string, string> {
  if (!remembered) {
    try { remembered = JSON.parse(localStorage.getItem(STORE) ?? '{}') ?? {}; } catch { remembered = {}; }
  }
  return remembered!;
}
let saving: ReturnType<typeof setTimeout> | undefined;
function flush() {
  if (saving === undefined) return;
  clearTimeout(saving);
  saving = undefined;
  const all = store();
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX))) delete all[k]; // oldest first
  try { localStorage.setItem(STORE, JSON.stringify(all)); } catch { /* full or disabled: the session cache still works */ }
}
function save() {
  clearTimeout(saving);
  saving = setTimeout(flush, 100);
}
// a page closed right after its thumbnails came must not lose them
addEventListener('pagehide', flush);
function rememberedUrl(key: string, make: () => Promise<string>): Promise<string> {
  const project = currentSession()?.project ?? '';
  const k = `${project}/${key}`;
  const hit = store()[k];
  if (hit) return Promise.resolve(hit);
  return make().then((u) => { store()[k] = u; save(); return u; });
}

/** Forgets a remembered URL that did not load (unpublished, or another server's). */
export function forgetUrl(url: string): void {
  const all = store();
  for (const [k, v] of Object.entries(all)) if (v === url) delete all[k];
  for (const [k, p] of cache) void p.then((v) => { if (v === url && cache.get(k) === p) cache.delete(k); }, () => undefined);
  save();
}

/** The storage pathname the DAM calls take: {gid}~{version}.{ext}. */
const storagePath = (a: Asset) => `${a.gid}~${a.version}.${(/\.([A-Za-z0-9]{1,10})$/.exec(a.name)?.[1] ?? 'bin').toLowerCase()}`;

async function dam(call: string): Promise<string> {
  const s = currentSession();
  if (!s) throw new ApiError('You are signed out.', 401);
  const res = await fetch(`/dam/p/${s.project}/${call}`, { headers: { Authorization: `Bearer ${s.jwt}` } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.success || !body.result?.public_url) throw new ApiError(body?.result?.message ?? `${res.status} ${res.statusText}`, res.status);
  return body.result.public_url as string;
}

function once(key: string, make: () => Promise<string>): Promise<string> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** A public URL of the image scaled to `width` (webp), rendered once and cached by the server. */
export function thumbnailUrl(asset: Asset, width: number): Promise<string> {
  const key = `${asset.gid}~${asset.version}@${width}`;
  return once(key, () => rememberedUrl(key, () => dam(`transform/${storagePath(asset)}/width=${width}/type=webp/q=80`)));
}

/** The file's public URL (its last segment is the file's name). */
export function downloadUrl(asset: Asset): Promise<string> {
  return once(`${asset.gid}~${asset.version}`, () => dam(`publish/${storagePath(asset)}`));
}
