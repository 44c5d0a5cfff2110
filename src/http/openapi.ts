// The API document (docs/api.md): OpenAPI 3.1 built by @fastify/swagger from the routes' TypeBox
// schemas (request and response), served at GET /openapi.json and rendered at /docs
// (@fastify/swagger-ui, its files served from this server: no CDN, within helmet's CSP).
//
// Response schemas describe; they never serialize: the serializer is JSON.stringify, so what a
// route returns goes out unchanged (fast-json-stringify would drop or coerce undeclared fields).
// The tests check every answer they receive against this document (tests/helpers/openapi-check.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';

type Doc = Record<string, any>;

/** Security scheme names per path prefix (the first matching prefix wins). */
const SECURITY: [prefix: string, tag: string, security: Record<string, string[]>[]][] = [
  ['/api/v4/', 'Uplynk', [{ uplynkMsg: [], uplynkSig: [] }]],
  ['/api/p/', 'Unicat', [{ bearerJwt: [] }]],
  ['/sync/', 'Unicat sync', [{ bearerJwt: [] }]],
  ['/dam/p/', 'Unicat DAM', [{ bearerJwt: [] }]],
  ['/media/', 'Media', []],
  ['/documents/api/1.1/', 'Oracle', [{ bearerJwt: [] }, { basicKey: [] }]],
  ['/console/', 'Console', []],
  ['/api/', 'Unicat', [{ bearerJwt: [] }]],
  ['/', 'Operations', []],
];

const TAGS = [
  { name: 'Uplynk', description: 'Uplynk Libraries v4 (msg/sig signed query); docs/dialects/uplynk.md' },
  { name: 'Unicat', description: 'Unicat project and global API ({success, result, data} envelope); docs/dialects/unicat.md' },
  { name: 'Unicat sync', description: 'The change feed (docs/sync.md)' },
  { name: 'Unicat DAM', description: 'Unicat DAM: media info, publish, transform' },
  { name: 'Media', description: 'Public media URLs (the token is the secret)' },
  { name: 'Oracle', description: 'Oracle Documents 1.1 collections, shares and files (JSON or XML); docs/dialects/oracle.md' },
  { name: 'Console', description: 'The web console\'s sign-in' },
  { name: 'Operations', description: 'Probes, metrics and this document' },
];

const SECURITY_SCHEMES: Record<string, any> = {
  bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The JWT from Unicat `POST /api/p/{project}/auth` (answered in the Authorization header); each answer carries a renewed one.' },
  basicKey: { type: 'http', scheme: 'basic', description: 'Oracle: the user\'s email and one of the user\'s API keys.' },
  uplynkMsg: { type: 'apiKey', in: 'query', name: 'msg', description: 'Uplynk: base64 of the zlib-compressed JSON claims (_owner, _timestamp, ...).' },
  uplynkSig: { type: 'apiKey', in: 'query', name: 'sig', description: 'Uplynk: hex HMAC-SHA256 of msg with the API key.' },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/**
 * Finishes the document: a tag and the security of its dialect on each operation that names none,
 * unique operationIds (a route answering GET and POST gets one per method), Fastify's wildcard
 * `{*}` named, and the security parameters msg/sig not repeated as query parameters.
 */
export function finishDocument(doc: Doc): Doc {
  const seen = new Set<string>();
  const paths: Doc = {};
  for (const [rawPath, item] of Object.entries(doc.paths ?? {}) as [string, Doc][]) {
    const path = rawPath.replace('{*}', '{options}');
    paths[path] = item;
    const [, tag, security] = SECURITY.find(([p]) => path.startsWith(p)) ?? SECURITY[SECURITY.length - 1];
    for (const method of METHODS) {
      if (!item[method]) continue;
      // a route with several methods shares one operation object: each method gets its own
      const op = item[method] = { ...item[method] };
      op.tags ??= [tag];
      op.security ??= security;
      if (op.operationId && seen.has(op.operationId)) op.operationId = `${op.operationId}${method[0].toUpperCase()}${method.slice(1)}`;
      if (op.operationId) seen.add(op.operationId);
      if (Array.isArray(op.parameters)) {
        for (const p of op.parameters) if (p.in === 'path' && p.name === '*') p.name = 'options';
        if (path.startsWith('/api/v4/')) op.parameters = op.parameters.filter((p: Doc) => !(p.in === 'query' && (p.name === 'msg' || p.name === 'sig')));
        if (op.parameters.length === 0) delete op.parameters;
      }
    }
  }
  doc.paths = paths;
  return doc;
}

export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  // response schemas document the answers; the bodies are serialized as the routes built them
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'assetlib', version,
        description: 'Uplynk Libraries v4, Unicat project API and Oracle Documents 1.1 collections over one core. Each dialect answers errors in its own shape (see each operation\'s error responses).',
        license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
      },
      servers: [{ url: '/', description: 'this server' }],
      tags: TAGS,
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transformObject: (d) => finishDocument((d as { openapiObject: Doc }).openapiObject) as never,
    // multipart bodies are read by the route (req.parts()): described here, not validated by Fastify
    transform: ({ schema, url }) => {
      const mp = (schema as Doc | undefined)?.multipartBody;
      if (!mp) return { schema, url };
      const { multipartBody: _, ...rest } = schema as Doc;
      return { schema: { ...rest, body: { content: { 'multipart/form-data': { schema: mp } } } } as never, url };
    },
  });
  app.get('/openapi.json', {
    config: { public: true },
    schema: { operationId: 'getOpenApiDocument', summary: 'This OpenAPI 3.1 document', response: { 200: { description: 'the document', type: 'object', additionalProperties: true } } },
  }, async () => app.swagger());
}

/** The reference page's routes (public: the page and Swagger UI's files, registered by the plugin). */
export const isDocsPage = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * The rendered reference at /docs (Swagger UI's own files, from this server), made on the first
 * request for it: @fastify/swagger-ui and what it loads (its own @fastify/static, yaml, glob:
 * ~40 CommonJS files) took a tenth of a start's CPU for a page few requests ever ask for
 * (docs/BENCHMARKS.md "Start"). It is registered on a Fastify instance of its own, built once,
 * and each /docs request is answered through it (inject) by this app's route, so this app's
 * hooks (security headers, logging) apply as to any other answer.
 */
export async function installDocsPage(app: FastifyInstance): Promise<void> {
  let inner: Promise<FastifyInstance> | undefined;
  const docsApp = () => inner ??= (async () => {
    const [{ default: Fastify }, { default: swaggerUi }] = await Promise.all([import('fastify'), import('@fastify/swagger-ui')]);
    const f = Fastify();
    // the document is this app's: a stand-in plugin under @fastify/swagger's name (the UI plugin
    // declares it as a dependency) gives the UI's json/yaml routes this app's app.swagger()
    const document = Object.assign(async (i: FastifyInstance) => {
      i.decorate('swagger', ((opts?: { yaml?: boolean }) => app.swagger(opts as never)) as never);
    }, { [Symbol.for('skip-override')]: true, [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' } });
    await f.register(document);
    await f.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { url: '/openapi.json', deepLinking: true },
      staticCSP: false,
      uiHooks: {},
    });
    await f.ready();
    return f;
  })().catch((err) => { inner = undefined; throw err; });
  const answer = async (req: FastifyRequest, reply: FastifyReply) => {
    const f = await docsApp();
    const res = await f.inject({ method: req.method as 'GET' | 'HEAD', url: req.url, headers: pick(req.headers, ['if-none-match', 'if-modified-since', 'range', 'accept-encoding']) });
    if (res.statusCode === 404) return reply.callNotFound(); // this app's 404, as for any unknown path
    const headers = { ...res.headers };
    for (const h of ['connection', 'transfer-encoding', 'keep-alive', 'date']) delete headers[h];
    return reply.code(res.statusCode).headers(headers).send(res.rawPayload.length ? res.rawPayload : undefined);
  };
  for (const url of ['/docs', '/docs/*']) {
    app.route({ method: 'GET', url, schema: { hide: true }, config: { public: true }, handler: answer });
  }
}

function pick(h: Record<string, string | string[] | undefined>, names: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const n of names) { const v = h[n]; if (v !== undefined) out[n] = v; }
  return out;
}
