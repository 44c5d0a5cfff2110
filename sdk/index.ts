// assetlib's typed TypeScript SDK (docs/api.md): openapi-fetch over the types generated from the
// API document (sdk/schema.ts, `npm run sdk`). Every path, method, parameter, body and answer of
// the three dialects is typed; a wrong body is a compile error.
//
//   const api = createAssetlibClient('http://localhost:8080', { bearer: jwt });
//   const { data, error } = await api.POST('/api/p/{project}/assets/search',
//     { params: { path: { project } }, body: { language: 'en', q: 'cat' } });
import { createHmac, randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.ts';

export type { paths, components, operations } from './schema.ts';
export type AssetlibClient = Client<paths>;

export interface Credentials {
  /** Unicat/Oracle: the JWT from POST /api/p/{project}/auth */
  bearer?: string;
  /** Oracle: HTTP Basic with the user's email and an API key */
  basic?: { email: string; apiKey: string };
}

export function createAssetlibClient(baseUrl: string, creds: Credentials = {}, fetchImpl?: typeof fetch): AssetlibClient {
  const headers: Record<string, string> = {};
  if (creds.bearer) headers.authorization = `Bearer ${creds.bearer}`;
  else if (creds.basic) headers.authorization = `Basic ${Buffer.from(`${creds.basic.email}:${creds.basic.apiKey}`).toString('base64')}`;
  // the global fetch is looked up at each call (not captured here), so that a wrapped fetch applies
  return createClient<paths>({ baseUrl, headers, fetch: fetchImpl ?? ((req: Request) => globalThis.fetch(req)) });
}

/**
 * Uplynk: a client whose every request carries a fresh msg/sig (zlib level 9, base64, hex
 * HMAC-SHA256 keyed with the API key), added to the query string.
 */
export function createUplynkClient(baseUrl: string, owner: string, apiKey: string, fetchImpl?: typeof fetch): AssetlibClient {
  const sign = () => {
    const msg = deflateSync(Buffer.from(JSON.stringify({ _owner: owner, _timestamp: Math.floor(Date.now() / 1000), _nonce: randomUUID() })), { level: 9 }).toString('base64');
    return { msg, sig: createHmac('sha256', apiKey).update(msg).digest('hex') };
  };
  return createClient<paths>({
    baseUrl, fetch: fetchImpl ?? ((req: Request) => globalThis.fetch(req)),
    querySerializer: (q) => {
      const s = new URLSearchParams();
      for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined) s.set(k, String(v));
      const { msg, sig } = sign();
      s.set('msg', msg);
      s.set('sig', sig);
      return s.toString();
    },
  });
}
