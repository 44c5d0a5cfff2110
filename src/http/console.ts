// The web console (web/, docs/console.md) served by the same server: GET / is its page, /assets/*
// its hashed bundle (pre-compressed .br/.gz beside each file), and POST /console/sign-in turns an
// email and API key into the project to authenticate in (the page then calls Unicat's auth).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from './context.ts';
import { signIn } from '../core/sign-in.ts';
import { installUnicatErrors, ok } from '../dialects/unicat/envelope.ts';
import { webDist } from './web-build.ts';

const FALLBACK = `<!doctype html><meta charset="utf-8"><title>assetlib</title>
<p>The web console is not built. Run <code>npm run build:web</code> (needs the dev dependencies), then reload.</p>`;

export async function consoleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const dist = webDist();
  await app.register(fastifyStatic, { root: dist, serve: false, preCompressed: true });

  // The page and its bundle carry the frame and sniffing guards but not helmet's document
  // policies (CSP, COOP, Origin-Agent-Cluster): with them Chromium's virtual list never loaded the
  // page of a folder's last rows (tests/web/console.test.ts, End on 2,000 items). docs/hardening.md
  const pageHeaders = { 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'SAMEORIGIN', 'Referrer-Policy': 'no-referrer' };
  app.get('/', { helmet: false, config: { public: true } }, async (_req, reply) => {
    reply.headers(pageHeaders);
    if (!existsSync(join(dist, 'index.html'))) return reply.type('text/html; charset=utf-8').send(FALLBACK);
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
  app.get('/assets/*', { helmet: false, config: { public: true } }, async (req, reply) => {
    reply.headers(pageHeaders);
    const file = (req.params as { '*': string })['*'];
    return reply.sendFile(file, join(dist, 'assets'), { maxAge: '365d', immutable: true });
  });

  await app.register(async (s) => {
    installUnicatErrors(s);
    s.post('/sign-in', { config: { public: true } }, async (req, reply) => {
      const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const actor = await s.guardAuth(req, reply, () => signIn(ctx.db, b.email, b.api_key));
      return ok({ project: actor.projectGid, user: actor.userGid });
    });
  }, { prefix: '/console' });
}
