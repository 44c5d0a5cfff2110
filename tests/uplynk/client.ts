// A small Uplynk v4 client for tests: signs every request with msg/sig exactly as Uplynk's
// api_auth does (zlib level 9, base64, hex HMAC-SHA256 keyed with the API key). Written apart
// from the server's code so that a signing bug cannot hide on both sides.
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface Res { status: number; body: any; headers: Headers; text: string }

export function sign(owner: string, key: string, timestamp = Math.floor(Date.now() / 1000)): { msg: string; sig: string } {
  const msg = deflateSync(Buffer.from(JSON.stringify({ _owner: owner, _timestamp: timestamp })), { level: 9 }).toString('base64');
  return { msg, sig: createHmac('sha256', key).update(msg).digest('hex') };
}

export interface ReqOpts {
  query?: Record<string, string>;
  body?: unknown;
  /** sent as is (no JSON encoding) */
  raw?: string;
  headers?: Record<string, string>;
  auth?: boolean;
  timestamp?: number;
}

export class UplynkClient {
  constructor(readonly base: string, readonly owner: string, readonly key: string) {}

  async req(method: string, path: string, opts: ReqOpts = {}): Promise<Res> {
    const url = new URL(`${this.base}/api/v4${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    if (opts.auth !== false) {
      const p = sign(this.owner, this.key, opts.timestamp);
      url.searchParams.set('msg', p.msg);
      url.searchParams.set('sig', p.sig);
    }
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let parsed: any;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, body: parsed, headers: res.headers, text };
  }

  get(path: string, opts?: ReqOpts) { return this.req('GET', path, opts); }
  post(path: string, body?: unknown, opts?: ReqOpts) { return this.req('POST', path, { ...opts, body }); }
  patch(path: string, body?: unknown, opts?: ReqOpts) { return this.req('PATCH', path, { ...opts, body }); }
  del(path: string, opts?: ReqOpts) { return this.req('DELETE', path, opts); }

  async createLibrary(desc: string, extra: Record<string, unknown> = {}): Promise<any> {
    const r = await this.post('/libraries', { desc, ...extra });
    if (r.status !== 200) throw new Error(`create library: ${r.status} ${r.text}`);
    return r.body;
  }
}
