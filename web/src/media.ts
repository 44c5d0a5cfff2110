// Thumbnails, previews and downloads through the DAM API (docs/media.md): transform and publish
// answer a public URL that the browser loads without a JWT. Asked once per asset version and size.
import { currentSession, ApiError } from './api.ts';
import type { Asset } from './types.ts';

const cache = new Map<string, Promise<string>>();

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
  return once(`${asset.gid}~${asset.version}@${width}`, () => dam(`transform/${storagePath(asset)}/width=${width}/type=webp/q=80`));
}

/** The file's public URL (its last segment is the file's name). */
export function downloadUrl(asset: Asset): Promise<string> {
  return once(`${asset.gid}~${asset.version}`, () => dam(`publish/${storagePath(asset)}`));
}
