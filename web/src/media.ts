// Thumbnails, previews and downloads through the DAM API (docs/media.md): transform and publish
// answer a public URL that the browser loads without a JWT (immutable: a second visit takes the
// pictures from its cache). Asked once per asset version and size.
//
// Thumbnails are asked for a page at a time: the tiles a render shows (and the page a list just
// read: primeThumbnails) are collected for one tick and sent as one dam/transforms call, which
// answers the renditions that exist (the server renders the console's thumbnail after each
// upload, MEDIA_PRERENDER); ready URLs are kept across page loads (below). Only a file answered `pending` costs a dam/transform of its own (it
// renders; a few at a time); one answered `unavailable` shows its type icon.
import { currentSession, ApiError } from './api.ts';
import type { Asset } from './types.ts';
import { thumbnailsAnswered } from './first-grid.ts';

const cache = new Map<string, Promise<string>>();

/** The options of a thumbnail `width` wide: the small one is the server's MEDIA_PRERENDER default. */
const optionsOf = (width: number) => `width=${width}/type=webp/q=80`;

/** The storage pathname the DAM calls take: {gid}~{version}.{ext}. */
const storagePath = (a: Asset) => `${a.gid}~${a.version}.${(/\.([A-Za-z0-9]{1,10})$/.exec(a.name)?.[1] ?? 'bin').toLowerCase()}`;

function session() {
  const s = currentSession();
  if (!s) throw new ApiError('You are signed out.', 401);
  return s;
}

async function damJson(path: string, init: RequestInit = {}): Promise<any> {
  const s = session();
  const res = await fetch(`/dam/p/${s.project}/${path}`, { ...init, headers: { Authorization: `Bearer ${s.jwt}`, ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.success) throw new ApiError(body?.result?.message ?? `${res.status} ${res.statusText}`, res.status);
  return body.result;
}

async function dam(call: string): Promise<string> {
  const r = await damJson(call);
  if (!r?.public_url) throw new ApiError('The server answered no URL.', 500);
  return r.public_url as string;
}

// dam/transform for the files that have no rendition yet: a few at a time, so that they do not
// take every connection the browser has to the server
const RENDERS_AT_ONCE = 3;
let rendering = 0;
const renderQueue: (() => void)[] = [];
function render(path: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const start = () => {
      rendering++;
      dam(path).then(resolve, reject).finally(() => { rendering--; renderQueue.shift()?.(); });
    };
    if (rendering < RENDERS_AT_ONCE) start(); else renderQueue.push(start);
  });
}

/** The server says the file has no picture (not an image, gone, another version): not asked again. */
class NoPicture extends ApiError {
  constructor(reason: string) { super(`No picture: ${reason}`, 422); }
}

/** dam/transforms' answer for one file: ready (with its URL), pending or unavailable. */
interface Lookup { status: 'ready' | 'pending' | 'unavailable'; public_url: string | null; reason?: string }
const lookups = new Map<string, Promise<Lookup>>();
interface Wanted { file: string; width: number; resolve(l: Lookup): void; reject(e: unknown): void }
let wanted: Wanted[] = [];
let flushing = false;
const BATCH = 1000;

function flush() {
  flushing = false;
  const all = wanted;
  wanted = [];
  const byWidth = new Map<number, Wanted[]>();
  for (const w of all) byWidth.set(w.width, [...(byWidth.get(w.width) ?? []), w]);
  for (const [width, list] of byWidth) {
    for (let i = 0; i < list.length; i += BATCH) {
      const chunk = list.slice(i, i + BATCH);
      damJson('transforms', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ files: chunk.map((w) => w.file), options: optionsOf(width) }),
      }).then((r) => {
        for (const w of chunk) w.resolve(r.transforms?.[w.file] ?? { status: 'unavailable', public_url: null, reason: 'unknown' });
      }, (e) => { for (const w of chunk) w.reject(e); });
    }
  }
}

// Ready URLs kept across page loads (localStorage, the newest MAX_KEPT): a URL is for one asset
// version and size and never changes, so a second visit shows a folder's thumbnails with no
// lookup before the pictures (which come from the browser's cache). Public links, no credential.
const KEPT = 'assetlib.thumbnail-urls';
const MAX_KEPT = 5000;
let kept: Record<string, string> | undefined;
const keptUrls = (): Record<string, string> => {
  if (!kept) { try { kept = JSON.parse(localStorage.getItem(KEPT) ?? '{}') ?? {}; } catch { kept = {}; } }
  return kept!;
};
let saving: ReturnType<typeof setTimeout> | undefined;
function saveKept() {
  if (saving === undefined) return;
  clearTimeout(saving);
  saving = undefined;
  const all = keptUrls();
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_KEPT))) delete all[k];
  try { localStorage.setItem(KEPT, JSON.stringify(all)); } catch { /* full or disabled */ }
}
addEventListener('pagehide', saveKept);
const keep = (key: string, url: string) => {
  keptUrls()[key] = url;
  clearTimeout(saving);
  saving = setTimeout(saveKept, 100);
};

/** What the server has for a file at `width`: asked with every other file asked in this task (one call). */
function lookup(file: string, width: number): Promise<Lookup> {
  const key = `${file}@${width}`;
  let p = lookups.get(key);
  const known = p ? undefined : keptUrls()[`${currentSession()?.project}/${key}`];
  if (known) {
    p = Promise.resolve({ status: 'ready', public_url: known });
    lookups.set(key, p);
  }
  if (!p) {
    p = new Promise<Lookup>((resolve, reject) => {
      wanted.push({ file, width, resolve, reject });
      // one call for every thumbnail asked in this task (the effects of one render, or a page)
      if (!flushing) { flushing = true; queueMicrotask(flush); }
    });
    lookups.set(key, p);
    p.then((l) => {
      if (l.status === 'pending') lookups.delete(key);
      else if (l.status === 'ready' && l.public_url) keep(`${currentSession()?.project}/${key}`, l.public_url);
    }, () => { if (lookups.get(key) === p) lookups.delete(key); });
  }
  return p;
}

/** A public URL of the image scaled to `width` (webp), rendered once and cached by the server. */
export function thumbnailUrl(asset: Asset, width: number): Promise<string> {
  const file = storagePath(asset);
  const key = `${file}@${width}`;
  let p = cache.get(key);
  if (!p) {
    p = lookup(file, width).then((l) => {
      if (l.status === 'ready' && l.public_url) return l.public_url;
      if (l.status === 'pending') return render(`transform/${file}/${optionsOf(width)}`).then((u) => { keep(`${currentSession()?.project}/${key}`, u); return u; });
      throw new NoPicture(l.reason ?? 'unknown');
    });
    cache.set(key, p);
    p.catch((e) => { if (!(e instanceof NoPicture) && cache.get(key) === p) cache.delete(key); });
  }
  return p;
}

/** Looks up the small thumbnails of a page of assets at once (a list just read them); renders
 *  nothing: a file without one is rendered when its tile shows. */
export function primeThumbnails(assets: Iterable<Asset>): void {
  const answers: Promise<unknown>[] = [];
  for (const a of assets) if (a.is_file && a.type === 'image') answers.push(lookup(storagePath(a), 320).catch(() => undefined));
  // the first grid can show once this page's lookups are answered (at once when every URL was
  // known; not before: a page read a second time finds its lookups in flight)
  void Promise.all(answers).then(thumbnailsAnswered);
}

/** Forgets a URL that did not load (unpublished, or the asset changed): asked again next time. */
export function forgetUrl(url: string): void {
  const all = keptUrls();
  for (const [k, v] of Object.entries(all)) if (v === url) delete all[k];
  clearTimeout(saving);
  saving = setTimeout(saveKept, 100);
  for (const [k, p] of lookups) void p.then((l) => { if (l.public_url === url && lookups.get(k) === p) lookups.delete(k); }, () => undefined);
  for (const [k, p] of cache) void p.then((v) => { if (v === url && cache.get(k) === p) cache.delete(k); }, () => undefined);
}

/** The file's public URL (its last segment is the file's name). */
export function downloadUrl(asset: Asset): Promise<string> {
  const key = storagePath(asset);
  let p = cache.get(key);
  if (!p) {
    p = dam(`publish/${key}`);
    cache.set(key, p);
    p.catch(() => { if (cache.get(key) === p) cache.delete(key); });
  }
  return p;
}
