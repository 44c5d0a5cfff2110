// Starts and stops a server process: database, app, socket.io, the in-process worker, signals.
import type { Server as HttpServer } from 'node:http';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';
import { startDatabase, type Database } from '../db/database.ts';
import { openBlobStore } from '../storage/open-store.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { startWorker, type WorkerHandle } from '../jobs/worker.ts';
import { createPrerenderer, prerenderOptionsProblem, type Prerenderer } from '../core/media/prerender.ts';
import { ensureDemo } from '../core/demo.ts';
import { retentionPolicy, startRetention } from '../core/feed/retention.ts';
import { loggerOptions } from './logging.ts';
import { useKeySealSecret } from '../core/key-seal.ts';
import { loadSecrets } from '../core/secrets.ts';
import { workerSettings } from '../jobs/settings.ts';
import { checkDataDir, checkPortFree, listenMessage, StartupError } from '../startup/preflight.ts';
import { ActorCache } from '../core/actor-cache.ts';
import { MediaCache } from '../core/media/cache.ts';
import { InvalidationListener } from '../core/invalidation.ts';
import { startMark } from '../startup/trace.ts';

export interface RunningServer {
  url: string;
  db: Database;
  logger: Logger;
  /** The demo project created on this start (first start on an empty database), if any. */
  demo?: { projectGid: string; email: string; apiKey: string };
  actors: ActorCache;
  media: MediaCache;
  /** background renders after uploads (tests await prerender.idle()) */
  prerender: Prerenderer;
  close(): Promise<void>;
}

export interface StartOptions {
  demo?: boolean;
  quiet?: boolean;
  /** where log lines go instead of stdout (tests read them) */
  logStream?: NodeJS.WritableStream;
}

export async function startServer(given: Config, opts: StartOptions = {}): Promise<RunningServer> {
  let config = given;
  const level = opts.quiet ? 'silent' : config.logLevel;
  const logger = opts.logStream ? pino(loggerOptions(level), opts.logStream) : pino(loggerOptions(level));
  // the cheap checks first: a bad DATA_DIR or a taken port fail before initdb and migrations
  checkDataDir(config.dataDir);
  const prerenderProblem = prerenderOptionsProblem(config.mediaPrerender);
  if (prerenderProblem) throw new StartupError(prerenderProblem);
  await checkPortFree(config.host, config.port);
  startMark('preflight done');
  // PostgreSQL starts in its own process while this one loads the HTTP side (Fastify, the three
  // dialects, socket.io) and builds the app: on a start, that is most of this process's work
  // (docs/BENCHMARKS.md "Start"). The code is imported once postgres has been spawned, so that
  // postgres is not kept waiting while the app's code compiles. No request is served before both
  // are done.
  const db = await startDatabase(config, 'server', (m) => logger.info(m));
  const http = Promise.all([import('./app.ts'), import('../dialects/unicat/sync-socket.ts')]);
  // ctx.config gets the secrets once the database is ready (they may be kept in it): requests read
  // them from ctx.config, and none is served before then
  const ctxConfig: Config = { ...config };
  let blobs: BlobStore;
  try {
    blobs = await openBlobStore(config);
  } catch (err) {
    await db.close();
    throw err;
  }
  // what a crashed upload left in blobs/tmp: a file idle longer than a request may last is no
  // live upload's (several servers may share DATA_DIR); swept at start and then as often
  const idleMs = config.requestTimeoutMs || 3_600_000;
  const sweep = () => blobs.sweepTemporary(idleMs).then((n) => { if (n) logger.info(`removed ${n} temporary upload file(s) left behind`); }, () => {});
  // the in-process caches, and the one LISTEN connection that drops them on every change (src/core/invalidation.ts)
  const invalidations = new InvalidationListener(db.pool);
  const actors = new ActorCache(invalidations);
  const media = new MediaCache(invalidations);
  const stopCaches = async () => { actors.close(); media.close(); await invalidations.stop(); };
  const prerender = createPrerenderer({ db: db.pool, blobs, renderConcurrency: config.mediaRenderConcurrency, cache: media }, {
    options: config.mediaPrerender,
    onError: (err, f) => logger.debug({ err, asset: f.gid }, 'background render failed (it renders on first view)'),
  });
  const ctx = { db: db.pool, config: ctxConfig, blobs, actors, media, prerender };
  const database = (async () => {
    await db.ready;
    // JWT_SECRET / KEY_SEAL_SECRET, else DATA_DIR/secrets.json (docs/hardening.md#secrets)
    const secrets = await loadSecrets(db.pool, config.dataDir, { jwtSecret: config.jwtSecret, keySealSecret: config.keySealSecret });
    Object.assign(ctxConfig, secrets);
    useKeySealSecret(secrets.keySealSecret);
    await sweep();
    await invalidations.start();
  })();
  const built = (async () => {
    const [{ buildApp }, { attachSyncSocket }] = await http;
    startMark('http code loaded');
    const app = await buildApp(ctx, { logger: opts.quiet ? false : logger });
    startMark('app built');
    return { app, attachSyncSocket };
  })();
  let app: Awaited<typeof built>['app'];
  let attachSyncSocket: Awaited<typeof built>['attachSyncSocket'];
  try {
    [, { app, attachSyncSocket }] = await Promise.all([database, built]);
  } catch (err) {
    // both settle before anything is closed under them
    const [, b] = await Promise.allSettled([database, built]);
    if (b.status === 'fulfilled') await b.value.app.close().catch(() => undefined);
    await prerender.close();
    await stopCaches();
    await db.close();
    throw err;
  }
  config = ctxConfig;
  let worker: WorkerHandle | undefined;
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await stopCaches();
    await db.close();
    throw new StartupError(listenMessage(err, config.host, config.port));
  }
  startMark('listening');
  const sweeper = setInterval(sweep, idleMs).unref();
  const sync = attachSyncSocket(app.server as HttpServer, ctx);
  if (config.runWorker) worker = startWorker(db.pool, workerSettings(config), (m) => logger.info(m), (f, m) => logger.info(f, m));
  const retention = startRetention(db.pool, retentionPolicy(config), (m) => logger.info(m));
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  const demo = opts.demo ? await ensureDemo(db.pool) : undefined;
  if (demo) logger.info({ project: demo.projectGid, user: demo.email }, 'created the demo project on this empty database');

  let closing: Promise<void> | undefined;
  return {
    url, db, logger, demo, actors, media, prerender,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await worker?.stop();
        await retention.stop();
        await sync.close();
        await app.close(); // stops accepting, waits for in-flight requests
        await prerender.close(); // drops the queue, waits for the render running
        await stopCaches();
        await db.close();
      })();
      return closing;
    },
  };
}

/** SIGINT/SIGTERM: stop accepting, finish in-flight requests, stop the database, exit. */
export function closeOnSignals(server: { close(): Promise<void> }, logger: Logger): void {
  let count = 0;
  const handler = (sig: string) => {
    if (++count > 1) { logger.warn(`${sig} again: exiting now`); process.exit(1); }
    logger.info(`${sig}: shutting down`);
    process.stderr.write(`${sig}: shutting down\n`); // for the person (or supervisor) watching, whatever LOG_LEVEL
    server.close().then(() => process.exit(0), (err) => { logger.error({ err }, 'shutdown failed'); process.exit(1); });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
