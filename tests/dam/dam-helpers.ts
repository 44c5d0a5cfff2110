// Shared pieces of the DAM tests: images made with sharp, uploads, and /dam GET calls.
import sharp from 'sharp';
import type { UnicatClient } from '../helpers/unicat-client.ts';

/** A w x h JPEG with a horizontal gradient (so crops and placements are visible in the pixels). */
export async function jpeg(w: number, h: number, opts: { density?: number; exif?: boolean } = {}): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    raw[i] = Math.round((x / Math.max(1, w - 1)) * 255);
    raw[i + 1] = Math.round((y / Math.max(1, h - 1)) * 255);
    raw[i + 2] = 64;
  }
  let img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  if (opts.density) img = img.withMetadata({ density: opts.density });
  if (opts.exif) img = img.withExif({ IFD0: { Make: 'assetlib-test', Model: 'sharp', Copyright: 'tests' } });
  return img.jpeg({ quality: 90 }).toBuffer();
}

/** A w x h PNG whose left half is transparent and right half opaque blue. */
export function transparentPng(w: number, h: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = Math.floor(w / 2); x < w; x++) raw.set([0, 128, 255, 255], (y * w + x) * 4);
  return sharp(raw, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
}

export async function animatedGif(w: number, h: number, frames: number): Promise<Buffer> {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
  const raw = Buffer.alloc(w * h * frames * 4);
  for (let f = 0; f < frames; f++) {
    const [r, g, b] = colours[f % colours.length];
    for (let p = 0; p < w * h; p++) raw.set([r, g, b, 255], (f * w * h + p) * 4);
  }
  return sharp(raw, { raw: { width: w, height: h * frames, channels: 4, pageHeight: h } }).gif({ loop: 0, delay: Array(frames).fill(100) }).toBuffer();
}

export const svg = (w: number, h: number) => Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect x="0" y="0" width="${w / 2}" height="${h}" fill="#ff0000"/></svg>`);

/** Uploads without a part Content-Type (as the vendor's Python client does); returns the asset. */
export async function uploadFile(c: UnicatClient, parent: string, name: string, content: Buffer): Promise<any> {
  const form = new FormData();
  form.append('parent', parent);
  form.append('upload_file', new Blob([new Uint8Array(content)]), name); // the type is empty: busboy reports text/plain
  const res = await fetch(`${c.baseUrl}/api/p/${c.projectGid}/assets/upload`, { method: 'POST', headers: { authorization: `Bearer ${c.jwt}` }, body: form });
  const body = await res.json() as any;
  if (res.status !== 200) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.data.assets[body.result.asset];
}

export const storagePath = (a: { gid: string; version: number; name: string }) => {
  const dot = a.name.lastIndexOf('.');
  return `${a.gid}~${a.version}${dot > 0 ? a.name.slice(dot) : ''}`;
};

/** GET /dam/p/{project}/{call}/{path}: status, body, headers. */
export async function dam(c: UnicatClient, call: string, path: string, jwt = c.jwt): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${c.baseUrl}/dam/p/${c.projectGid}/${call}/${path}`, { headers: jwt ? { authorization: `Bearer ${jwt}` } : {} });
  const text = await res.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers };
}

export async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(url, { headers });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}
