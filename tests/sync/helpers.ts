// Helpers for the sync tests: a JWT for a fixture user, POST /sync/*, socket.io clients.
import { io, type Socket } from 'socket.io-client';
import { UnicatClient } from '../helpers/unicat-client.ts';

export interface SyncResponse { status: number; body: any; headers: Headers }

export async function jwtFor(url: string, projectGid: string, apiKey: string): Promise<string> {
  const c = new UnicatClient(url, projectGid);
  const res = await c.auth(apiKey);
  if (res.status !== 200 || !c.jwt) throw new Error(`auth failed: ${res.status} ${JSON.stringify(res.body)}`);
  return c.jwt;
}

export async function syncPost(url: string, call: 'get' | 'cursors', jwt: string | undefined, body?: unknown): Promise<SyncResponse> {
  const headers: Record<string, string> = {};
  if (jwt) headers.authorization = `Bearer ${jwt}`;
  let payload: string | undefined;
  if (body !== undefined) { payload = typeof body === 'string' ? body : JSON.stringify(body); headers['content-type'] = 'application/json'; }
  const res = await fetch(`${url}/sync/${call}`, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let parsed: any = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A successful /sync/get: the result. */
export async function syncGet(url: string, jwt: string, body: unknown): Promise<any> {
  const r = await syncPost(url, 'get', jwt, body);
  if (r.status !== 200 || r.body?.success !== true) throw new Error(`sync/get -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** Waits (polling, not timing) until cond() holds; fails after `tries` checks ~50 ms apart. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

/** Waits until cond() holds, re-checking it whenever the socket receives a 'sync' push (no polling). */
export function socketUntil(live: { socket: Socket }, cond: () => boolean, what: string, maxMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { live.socket.off('sync', check); reject(new Error(`gave up waiting for: ${what}`)); }, maxMs);
    function check() {
      if (!cond()) return;
      clearTimeout(timer);
      live.socket.off('sync', check);
      resolve();
    }
    live.socket.on('sync', check);
    check();
  });
}

export interface LiveSocket { socket: Socket; events: any[]; jwts: string[]; close(): void }

/** Connects to /sync/io and resolves once the server says it is live (the first "authorization"). */
export function connectSync(url: string, jwt: unknown): Promise<LiveSocket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { path: '/sync/io', auth: { JWT: jwt }, transports: ['websocket'], reconnection: false, forceNew: true });
    const live: LiveSocket = { socket, events: [], jwts: [], close: () => socket.close() };
    socket.on('sync', (list: any[]) => { live.events.push(...list); });
    socket.on('authorization', (a: { JWT: string }) => { live.jwts.push(a.JWT); if (live.jwts.length === 1) resolve(live); });
    socket.on('connect_error', (err: Error & { data?: unknown }) => { socket.close(); reject(err); });
  });
}
