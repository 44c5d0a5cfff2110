// The console's HTTP clients: the Unicat project API (JWT, renewed by every answer), the console's
// sign-in, and Oracle's collections (the same JWT as Bearer) for libraries. Every error becomes an
// ApiError with the server's message.
import type { Asset, AssetPage, Job } from './types.ts';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly info: Record<string, unknown> = {}) { super(message); }
}

export interface Session { project: string; user: string; email: string; jwt: string; projectName: string }

const KEY = 'assetlib.session';
let session: Session | null = (() => {
  try { return JSON.parse(sessionStorage.getItem(KEY) ?? 'null'); } catch { return null; }
})();
const listeners = new Set<(s: Session | null) => void>();

export const currentSession = () => session;
export function setSession(s: Session | null): void {
  session = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}
export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => { listeners.delete(fn); };
}
/** A renewed JWT (from an answer's Authorization header or the socket's "authorization" event). */
export function renewJwt(jwt: string | null | undefined): void {
  if (!jwt || !session || jwt === session.jwt) return;
  session = { ...session, jwt: jwt.replace(/^Bearer\s+/i, '') };
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

function need(): Session {
  if (!session) throw new ApiError('You are signed out.', 401);
  return session;
}

async function readJson(res: Response): Promise<any> {
  const text = await res.text();
  try { return text ? JSON.parse(text) : {}; } catch { return { message: text.slice(0, 300) }; }
}

function failure(res: Response, body: any): ApiError {
  const message = body?.result?.message ?? body?.errorMessage ?? body?.message ?? body?.error?.message ?? `${res.status} ${res.statusText}`;
  if (res.status === 401 && session) setTimeout(() => setSession(null));
  return new ApiError(String(message), res.status, body?.result?.info ?? {});
}

async function send(url: string, init: RequestInit): Promise<any> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection and try again.', 0);
  }
  renewJwt(res.headers.get('Authorization'));
  const body = await readJson(res);
  if (!res.ok || body?.success === false) throw failure(res, body);
  return body;
}

/** A Unicat call under /api/p/{project}/: {result, data}. */
export async function unicat(call: string, body: Record<string, unknown> = {}): Promise<{ result: any; data: any }> {
  const s = need();
  return send(`/api/p/${s.project}/${call}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.jwt}` },
    body: JSON.stringify(body),
  });
}

/** An Oracle Documents call (JSON) with the session's JWT as Bearer. */
export async function oracle(method: string, path: string, body?: Record<string, unknown>): Promise<any> {
  const s = need();
  return send(`/documents/api/1.1${path}`, {
    method,
    headers: { Accept: 'application/json', Authorization: `Bearer ${s.jwt}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

export async function signIn(email: string, apiKey: string): Promise<Session> {
  const who = await send('/console/sign-in', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, api_key: apiKey }),
  });
  const project = who.result.project as string;
  const res = await fetch(`/api/p/${project}/auth`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ api_key: apiKey }),
  }).catch(() => { throw new ApiError('The server cannot be reached.', 0); });
  const body = await readJson(res);
  if (!res.ok || !body.success) throw failure(res, body);
  const jwt = (res.headers.get('Authorization') ?? '').replace(/^Bearer\s+/i, '');
  const s: Session = { project, user: body.result.user, email, jwt, projectName: body.data['cc.projects']?.[project]?.name ?? 'Project' };
  setSession(s);
  return s;
}

// ---- assets ---------------------------------------------------------------------------------

const page = (r: { result: any; data: any }, listKey: string, sizeKey: string): AssetPage =>
  ({ gids: r.result[listKey], total: r.result[sizeKey], assets: r.data.assets ?? {} });

/** Assets per page of a long list (paged.ts). */
export const PAGE = 200;

const readChildren = async (folder: string | null, top: number, size: number) =>
  page(await unicat('assets/children', { ...(folder ? { asset: folder } : { pathname: '/' }), 'page.top': top, 'page.size': size }), 'children', 'children.size');

// A page asked for before the console renders (main.ts: the folder in the URL), taken by the
// first children() call for it if it comes soon (a later one reads afresh).
const early = new Map<string, { at: number; page: Promise<AssetPage> }>();
export function prefetchChildren(folder: string | null, size: number): Promise<AssetPage> {
  const p = readChildren(folder, 0, size);
  p.catch(() => undefined); // whoever takes it sees the error
  early.set(`${folder}|0|${size}`, { at: Date.now(), page: p });
  return p;
}

/** A folder's children (folders first, then by name); null: the root, by its pathname. */
export const children = (folder: string | null, top: number, size: number): Promise<AssetPage> => {
  const k = `${folder}|${top}|${size}`;
  const e = early.get(k);
  early.delete(k);
  return e && Date.now() - e.at < 10_000 ? e.page : readChildren(folder, top, size);
};

export interface SearchSpec { language: string; q: string; filter: unknown }
export const search = async (spec: SearchSpec, top: number, size: number) =>
  page(await unicat('assets/search', { ...spec, 'page.top': top, 'page.size': size }), 'assets', 'assets.size');

export const trash = async (top: number, size: number) =>
  page(await unicat('assets/trash', { 'page.top': top, 'page.size': size }), 'assets', 'assets.size');

export async function getAssets(gids: string[]): Promise<Record<string, Asset>> {
  if (gids.length === 0) return {};
  return (await unicat('assets/get', { assets: gids })).data.assets ?? {};
}

export async function worksheet(folder: string): Promise<{ asset: Asset; path: Asset[] }> {
  const r = await unicat('assets/worksheet', { asset: folder, 'page.size': 1 });
  return { asset: r.data.assets[r.result.asset], path: (r.result.path as string[]).map((g) => r.data.assets[g]) };
}

export async function rootFolder(): Promise<Asset> {
  const r = await unicat('assets/get', { pathname: '/' });
  return r.data.assets[r.result.asset];
}

/** Every gid of a selection, paged through assets/bulk/get (for calls that take a list). */
export async function selectionGids(selection: unknown[], limit = 100_000): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const r = await unicat('assets/bulk/get', { selection, 'page.size': 1000, ...(cursor ? { 'page.cursor': cursor } : {}) });
    out.push(...(r.result.assets as string[]));
    cursor = r.result['page.cursor'];
  } while (cursor && out.length < limit);
  return out;
}

export async function startJob(call: 'delete' | 'undelete' | 'move', selection: unknown[], parent?: string): Promise<Job> {
  const r = await unicat(`assets/bulk/${call}`, { selection, ...(parent ? { parent } : {}) });
  const token = r.result['job.token'] as string;
  const got = await unicat('jobs/get', { 'job.token': token }).catch(() => null);
  return got?.data?.jobs?.[token] ? { ...got.data.jobs[token], token } : { token, job: `bulk_${call}_assets`, status: 'queued', info: {} };
}

/** Uploads one file into a folder with progress (XMLHttpRequest: fetch reports no upload progress). */
export function upload(folder: string, file: File, onProgress: (sent: number, total: number) => void): { done: Promise<Asset>; abort: () => void } {
  const s = need();
  const xhr = new XMLHttpRequest();
  const done = new Promise<Asset>((resolve, reject) => {
    xhr.open('POST', `/api/p/${s.project}/assets/upload`);
    xhr.setRequestHeader('Authorization', `Bearer ${s.jwt}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError('The upload was interrupted.', 0));
    xhr.onabort = () => reject(new ApiError('Cancelled.', 0));
    xhr.onload = () => {
      renewJwt(xhr.getResponseHeader('Authorization'));
      let body: any = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300 && body.success) resolve(body.data.assets[body.result.asset]);
      else reject(new ApiError(body?.result?.message ?? `${xhr.status} ${xhr.statusText}`, xhr.status));
    };
    const form = new FormData();
    form.append('parent', folder); // fields before the file part
    form.append('upload_file', file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
