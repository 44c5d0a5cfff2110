// Every answer a test receives through fetch is checked against the API document of the server
// that sent it (GET /openapi.json, docs/api.md): the status must be documented for the operation,
// the Content-Type one of that status's media types, and a JSON body must match its schema (ajv,
// JSON Schema 2020-12 as OpenAPI 3.1). XML and binary bodies: status and Content-Type. A drift fails
// the test that received the answer (afterEach). Installed for every test file (vitest setupFiles).
import { afterAll, afterEach } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

type Doc = { paths: Record<string, Record<string, Operation>> };
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> };
interface Route { re: RegExp; params: number; item: Record<string, Operation>; path: string }
interface Checker { routes: Route[]; validators: Map<string, ValidateFunction> }

const realFetch = globalThis.fetch;
const checkers = new Map<string, Promise<Checker | null>>();
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
let drift: string[] = [];
export let checkedResponses = 0;

/** The document of an origin, fetched once (null when the origin is not an assetlib server). */
function checkerFor(origin: string): Promise<Checker | null> {
  let c = checkers.get(origin);
  if (!c) {
    c = realFetch(`${origin}/openapi.json`).then(async (r) => {
      if (r.status !== 200) return null;
      const doc = (await r.json()) as Doc & { openapi?: string };
      if (!doc.openapi || !doc.paths) return null;
      const routes = Object.entries(doc.paths).map(([path, item]) => ({
        path, item,
        params: (path.match(/\{/g) ?? []).length,
        re: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{options\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }));
      routes.sort((a, b) => a.params - b.params); // /collections/items before /collections/{id}
      return { routes, validators: new Map() };
    }, () => null);
    checkers.set(origin, c);
  }
  return c;
}

const essence = (ct: string | null) => (ct ?? '').split(';')[0].trim().toLowerCase();

async function check(method: string, url: URL, res: Response): Promise<void> {
  if (method === 'HEAD' || method === 'OPTIONS' || url.pathname === '/openapi.json') return;
  const c = await checkerFor(url.origin);
  if (!c) return;
  let path: string;
  try { path = decodeURIComponent(url.pathname); } catch { return; } // a malformed URL matches no operation
  const route = c.routes.find((r) => r.re.test(path));
  const op = route?.item[method.toLowerCase()];
  if (!route || !op) return; // not an operation of the document (a 404 for an unknown call)
  const where = `${method} ${url.pathname} -> ${res.status}`;
  const response = op.responses?.[String(res.status)] ?? op.responses?.[`${String(res.status)[0]}XX`] ?? op.responses?.default;
  if (!response) { drift.push(`${where}: status not in the document (${route.path})`); return; }
  checkedResponses++;
  if (!response.content) return; // no body documented (204, 304)
  const ct = essence(res.headers.get('content-type'));
  const media = response.content[ct] ?? response.content[`${ct.split('/')[0]}/*`] ?? response.content['*/*'];
  if (!media) { drift.push(`${where}: Content-Type ${ct || '(none)'} not in ${Object.keys(response.content).join(', ')}`); return; }
  if (ct !== 'application/json' || !media.schema) return;
  const text = await res.clone().text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { drift.push(`${where}: not JSON: ${text.slice(0, 100)}`); return; }
  const key = `${route.path} ${method} ${res.status} ${ct}`;
  let v = c.validators.get(key);
  if (!v) { v = ajv.compile(media.schema); c.validators.set(key, v); }
  if (!v(body)) drift.push(`${where}: body does not match the document: ${ajv.errorsText(v.errors)} in ${text.slice(0, 200)}`);
}

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const res = await realFetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
    await check(method, url, res).catch((e: Error) => { drift.push(`${method} ${url.pathname}: check failed: ${e.message}`); });
  }
  return res;
};

afterEach(() => {
  if (!drift.length) return;
  const found = drift;
  drift = [];
  throw new Error(`answers that drift from the API document (src/dialects/*/schemas.ts):\n${found.slice(0, 10).join('\n')}`);
});

afterAll(() => {
  if (process.env.OPENAPI_CHECK_REPORT) process.stderr.write(`openapi-check: ${checkedResponses} answers checked against the document\n`);
});
