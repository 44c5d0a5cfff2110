// Probes and metrics of the process. /livez: the process answers. /readyz (and /healthz, its alias
// for existing monitors): the database answers and every migration this build knows is applied;
// 503 otherwise. /metrics: Prometheus text (prom-client), one registry per app.
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from '@sinclair/typebox';
import { migrationFiles } from '../db/migrate.ts';

const Ready = Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()) });
const readySchema = (operationId: string, summary: string) => ({
  operationId, summary, response: { 200: { ...Ready, description: 'ready' }, 503: { ...Ready, description: 'not ready: the reason' } },
});

async function readiness(db: pg.Pool, expected: string[]): Promise<{ ok: boolean; reason?: string }> {
  try {
    const { rows } = await db.query('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const missing = expected.filter((m) => !applied.has(m));
    return missing.length ? { ok: false, reason: `migrations not applied: ${missing.join(', ')}` } : { ok: true };
  } catch (e) {
    return { ok: false, reason: `database: ${(e as Error).message}` };
  }
}

export function healthRoutes(app: FastifyInstance, db: pg.Pool): void {
  const expected = migrationFiles();
  app.get('/livez', { config: { public: true }, schema: { operationId: 'livez', summary: 'The process answers', response: { 200: Type.Object({ ok: Type.Literal(true) }, { description: 'alive' }) } } }, async () => ({ ok: true }));
  const ready = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    const r = await readiness(db, expected);
    return reply.code(r.ok ? 200 : 503).send(r);
  };
  app.get('/readyz', { config: { public: true }, schema: readySchema('readyz', 'The database answers and every migration is applied') }, ready);
  app.get('/healthz', { config: { public: true }, schema: readySchema('healthz', 'Alias of /readyz') }, ready);

  const register = new Registry();
  collectDefaultMetrics({ register });
  const http = new Histogram({
    name: 'assetlib_http_request_duration_seconds', help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'], registers: [register],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const requests = new Counter({ name: 'assetlib_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [register] });
  // the bound children of each (route, method, status), found once: prom-client hashes a labels
  // object on every observe (a finite set: routes x methods x statuses). A synchronous hook.
  const bound = new Map<string, { h: ReturnType<typeof http.labels>; c: ReturnType<typeof requests.labels> }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const k = `${route}\u0000${req.method}\u0000${status}`;
    let b = bound.get(k);
    if (!b) { b = { h: http.labels(route, req.method, status), c: requests.labels(route, req.method, status) }; bound.set(k, b); }
    b.h.observe(reply.elapsedTime / 1000);
    b.c.inc();
    done();
  });
  new Gauge({
    name: 'assetlib_db_pool_connections', help: 'database pool connections by state (in_use, idle, waiting)', labelNames: ['state'], registers: [register],
    collect() {
      this.set({ state: 'in_use' }, db.totalCount - db.idleCount);
      this.set({ state: 'idle' }, db.idleCount);
      this.set({ state: 'waiting' }, db.waitingCount);
    },
  });
  new Gauge({
    name: 'assetlib_jobs', help: 'bulk jobs by status (queued, processing)', labelNames: ['status'], registers: [register],
    async collect() {
      const { rows } = await db.query(`SELECT s.status, count(j.id)::int AS n FROM unnest(ARRAY['queued', 'processing']) s(status)
        LEFT JOIN jobs j ON j.status = s.status GROUP BY s.status`).catch(() => ({ rows: [] as any[] }));
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'assetlib_feed_events', help: 'project change feeds: events written since the start (sum of cursors) and still retained (above pruned_to)', labelNames: ['which'], registers: [register],
    async collect() {
      const { rows } = await db.query('SELECT coalesce(sum(cursor), 0)::bigint AS written, coalesce(sum(cursor - pruned_to), 0)::bigint AS retained FROM project_cursors')
        .catch(() => ({ rows: [] as any[] }));
      if (rows[0]) { this.set({ which: 'written' }, rows[0].written); this.set({ which: 'retained' }, rows[0].retained); }
    },
  });
  // items processed by bulk jobs, by every worker on the database (job_batches: one row per
  // committed batch): a counter, so rate() gives items per second; deleted jobs read as a reset
  new Counter({
    name: 'assetlib_job_items_processed_total', help: 'assets processed by bulk jobs (all workers on the database)', registers: [register],
    async collect() {
      const { rows } = await db.query('SELECT coalesce(sum(last_seq - first_seq + 1), 0)::bigint AS n FROM job_batches').catch(() => ({ rows: [] as any[] }));
      if (rows[0]) { this.reset(); this.inc(Number(rows[0].n)); }
    },
  });
  new Counter({
    name: 'assetlib_feed_cc_events_written_total', help: 'global (cc) feed events written since the start (the cc cursor)', registers: [register],
    async collect() {
      const { rows } = await db.query('SELECT cursor FROM cc_cursor WHERE id = 1').catch(() => ({ rows: [] as any[] }));
      if (rows[0]) { this.reset(); this.inc(Number(rows[0].cursor)); }
    },
  });
  new Gauge({
    name: 'assetlib_feed_oldest_retained_seconds', help: 'age of the oldest event still retained, by feed (project, cc); 0 when empty', labelNames: ['feed'], registers: [register],
    async collect() {
      const { rows } = await db.query(
        `SELECT coalesce(extract(epoch FROM now() - (SELECT min(o.created_on) FROM project_cursors pc CROSS JOIN LATERAL (SELECT x.created_on FROM changes x WHERE x.project_id = pc.project_id ORDER BY x.cursor LIMIT 1) o)), 0)::float8 AS project,
                coalesce(extract(epoch FROM now() - (SELECT min(created_on) FROM cc_changes)), 0)::float8 AS cc`).catch(() => ({ rows: [] as any[] }));
      if (rows[0]) { this.set({ feed: 'project' }, rows[0].project); this.set({ feed: 'cc' }, rows[0].cc); }
    },
  });
  new Gauge({
    name: 'assetlib_feed_oldest_retained_cursor', help: 'the lowest cursor still retained, by feed: cc, and the least over the project feeds (pruned_to + 1)', labelNames: ['feed'], registers: [register],
    async collect() {
      const { rows } = await db.query(
        `SELECT (SELECT pruned_to + 1 FROM cc_cursor WHERE id = 1) AS cc, (SELECT coalesce(min(pruned_to), 0) + 1 FROM project_cursors) AS project`).catch(() => ({ rows: [] as any[] }));
      if (rows[0]) { this.set({ feed: 'cc' }, Number(rows[0].cc)); this.set({ feed: 'project' }, Number(rows[0].project)); }
    },
  });
  app.get('/metrics', { config: { public: true }, schema: { operationId: 'metrics', summary: 'Prometheus metrics', response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } }, async (_req, reply) => {
    reply.header('content-type', register.contentType);
    return register.metrics();
  });
}
