// The web console (web/, docs/console.md) served by the same server: GET / is its page, /assets/*
// its hashed bundle (pre-compressed .br/.gz beside each file), and POST /console/sign-in turns an
// email and API key into the project to authenticate in (the page then calls Unicat's auth).
// Both carry helmet's headers with a Content-Security-Policy made for the console (consoleCsp).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from './context.ts';
import { signIn } from '../core/sign-in.ts';
import { installUnicatErrors, ok } from '../dialects/unicat/envelope.ts';
import { webDist } from './web-build.ts';
import { Console } from '../dialects/unicat/schemas.ts';

const FALLBACK = `<!doctype html><meta charset="utf-8"><title>assetlib</title>
<p>The web console is not built. Run <code>npm run build:web</code> (needs the dev dependencies), then reload.</p>`;

export async function consoleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const dist = webDist();
  await app.register(fastifyStatic, { root: dist, serve: false, preCompressed: true });

  // helmet's document policies (COOP, CORP, Origin-Agent-Cluster, nosniff, frame and referrer
  // guards) with a CSP for this page: docs/hardening.md#the-web-console
  const helmet = { contentSecurityPolicy: { useDefaults: false, directives: consoleCsp(ctx.config.publicUrl) }, crossOriginResourcePolicy: { policy: 'same-origin' as const } };
  app.get('/', { helmet, config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    if (!existsSync(join(dist, 'index.html'))) return reply.type('text/html; charset=utf-8').send(FALLBACK);
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
  app.get('/assets/*', { helmet, config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    return reply.sendFile(file, join(dist, 'assets'), { maxAge: '365d', immutable: true });
  });

  await app.register(async (s) => {
    installUnicatErrors(s);
    s.post('/sign-in', { config: { public: true }, schema: Console.signIn }, async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const actor = await s.guardAuth(req, reply, () => signIn(ctx.db, b.email, b.api_key));
      return ok({ project: actor.projectGid, user: actor.userGid });
    });
  }, { prefix: '/console' });
}

/**
 * The console's Content-Security-Policy. The Vite build is one module script and one stylesheet
 * from this origin, with no inline script or style element (React's style props go through the
 * CSSOM, which CSP does not govern); API calls and the socket.io feed go to this origin ('self'
 * covers ws: and wss: to it in CSP Level 3); thumbnails, previews and downloads are public media
 * URLs, which start with PUBLIC_URL when it is set (another origin, e.g. a CDN); the console makes
 * no data: or blob: URLs (its icons are inline SVG elements). No upgrade-insecure-requests: a self-hosted server on a LAN may answer over plain http.
 */
export function consoleCsp(publicUrl: string | undefined): Record<string, string[]> {
  const media = publicUrl ? [new URL(publicUrl).origin] : [];
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", ...media],
    'media-src': ["'self'", ...media],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'worker-src': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
  };
}
