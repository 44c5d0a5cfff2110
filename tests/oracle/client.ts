// A small Oracle Documents 1.1 client for tests: Basic or Bearer auth, JSON or XML both ways.
import { XMLParser } from 'fast-xml-parser';

export const BASE = '/documents/api/1.1';

export interface OracleResponse { status: number; body: any; text: string; headers: Headers }

export type Creds = { email: string; key: string } | { jwt: string } | undefined;

export function authHeader(c: Creds): Record<string, string> {
  if (!c) return {};
  if ('jwt' in c) return { authorization: `Bearer ${c.jwt}` };
  return { authorization: `Basic ${Buffer.from(`${c.email}:${c.key}`).toString('base64')}` };
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: true, htmlEntities: false,
  isArray: (_name, jpath) => /(^|\.)(items|members)\.item$/.test(String(jpath)) });

/** Parses our XML response back into the JSON-equivalent object (arrays from <x><item/></x>). */
export function fromXml(text: string): any {
  const doc = xml.parse(text);
  const unwrap = (v: any): any => {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'item') return (Array.isArray(v.item) ? v.item : [v.item]).map(unwrap);
      const out: any = {};
      for (const k of keys) out[k] = unwrap(v[k]);
      return out;
    }
    return v;
  };
  const root = doc.response;
  const out = unwrap(root);
  // an empty list renders as <items></items>
  for (const k of ['items', 'members']) if (out && out[k] === '') out[k] = [];
  return out;
}

export class OracleClient {
  constructor(readonly baseUrl: string, public creds: Creds) {}

  /** A request; `body` is sent as JSON (object) or as given (string) with `contentType`. */
  async req(method: string, path: string, opts: { body?: unknown; contentType?: string; accept?: string; creds?: Creds; headers?: Record<string, string> } = {}): Promise<OracleResponse> {
    const h: Record<string, string> = { ...authHeader(opts.creds === undefined ? this.creds : opts.creds), ...(opts.headers ?? {}) };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      h['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.contentType) {
      h['content-type'] = opts.contentType;
    }
    if (opts.accept) h.accept = opts.accept;
    const res = await fetch(`${this.baseUrl}${BASE}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let body: any = text;
    const ct = res.headers.get('content-type') ?? '';
    if (ct.includes('json')) { try { body = JSON.parse(text); } catch { /* leave text */ } }
    else if (ct.includes('xml')) body = fromXml(text);
    return { status: res.status, body, text, headers: res.headers };
  }

  get(path: string, opts: Parameters<OracleClient['req']>[2] = {}) { return this.req('GET', path, opts); }
  post(path: string, body?: unknown, opts: Parameters<OracleClient['req']>[2] = {}) { return this.req('POST', path, { ...opts, body }); }
  put(path: string, body?: unknown, opts: Parameters<OracleClient['req']>[2] = {}) { return this.req('PUT', path, { ...opts, body }); }
  del(path: string, body?: unknown, opts: Parameters<OracleClient['req']>[2] = {}) { return this.req('DELETE', path, { ...opts, body }); }

  /** Sends an XML body built from a flat object of fields under <root>. */
  xmlBody(fields: Record<string, string>, root = 'request'): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `<?xml version="1.0" encoding="UTF-8"?><${root}>${Object.entries(fields).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('')}</${root}>`;
  }
}
