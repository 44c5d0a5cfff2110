// The operator's view of a real server: the request completion line names the route, the user and
// the project; a bulk job logs its start, each batch and its end; /metrics counts job items (a
// counter: rate() is items per second), cc feed events, and the oldest retained feed event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { seedFolder, seedFiles } from '../helpers/seed.ts';
import { waitJob } from '../jobs/helpers.ts';

class Lines extends Writable {
  lines: any[] = [];
  private waiters: { test: (l: any) => boolean; resolve: (l: any) => void }[] = [];
  override _write(chunk: Buffer, _e: string, done: () => void): void {
    for (const s of chunk.toString('utf8').split('\n').filter(Boolean)) {
      const l = JSON.parse(s);
      this.lines.push(l);
      this.waiters = this.waiters.filter((w) => { if (w.test(l)) { w.resolve(l); return false; } return true; });
    }
    done();
  }
  waitFor(test: (l: any) => boolean): Promise<any> {
    const hit = this.lines.find(test);
    return hit ? Promise.resolve(hit) : new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

const log = new Lines();
let t: TestServer;
let f: Fixture;
let c: UnicatClient;
beforeAll(async () => {
  t = await startTestServer({ logLevel: 'info', jobBatchSize: 10, jobEmitMs: 0 }, { logStream: log });
  f = await createFixture(t.db, { owner: 'owner' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
});
afterAll(async () => { await t?.close(); });

const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('request completion line', () => {
  it('carries the route, the user and the project of an authenticated call', async () => {
    await c.call('assets/root');
    const line = await log.waitFor((l) => l.msg === 'request completed' && l.route === '/api/p/:project/assets/root');
    expect(line).toMatchObject({ user: f.users.owner.gid, project: f.projectGid, res: { statusCode: 200 } });
  });
  it('carries the route (and no user) when authentication failed', async () => {
    const bad = new UnicatClient(t.url, f.projectGid);
    bad.jwt = 'not-a-jwt';
    await bad.raw('assets/root');
    const line = await log.waitFor((l) => l.msg === 'request completed' && l.route === '/api/p/:project/assets/root' && l.res.statusCode !== 200);
    expect(line.user).toBeUndefined();
  });
});

describe('jobs', () => {
  it('a bulk job logs its start, each batch and its end; /metrics counts its items', async () => {
    const before = metric(await (await fetch(`${t.url}/metrics`)).text(), 'assetlib_job_items_processed_total') ?? 0;
    const folder = await seedFolder(t.db, f.projectId, 'bulk');
    await seedFiles(t.db, f.projectId, folder.id, 35);
    const token = (await c.call('assets/bulk/delete', { selection: [{ children: folder.gid }] })).result['job.token'];
    expect((await waitJob(c, token)).status).toBe('done');
    const ended = await log.waitFor((l) => l.msg === 'job ended' && l.job === token);
    expect(ended).toMatchObject({ end: 'finished', items: 35, kind: 'bulk_delete_assets' });
    expect(log.lines.filter((l) => l.msg === 'job started' && l.job === token)).toHaveLength(1);
    const progress = log.lines.filter((l) => l.msg === 'job progress' && l.job === token);
    expect(progress.map((p) => p.items)).toEqual([10, 10, 10, 5]);
    expect(progress.at(-1)).toMatchObject({ done: 35, remaining: 0 });

    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/# TYPE assetlib_job_items_processed_total counter/);
    expect(metric(text, 'assetlib_job_items_processed_total')).toBe(before + 35);
    expect(metric(text, 'assetlib_feed_cc_events_written_total')).toBeGreaterThan(0);
    expect(metric(text, 'assetlib_feed_oldest_retained_seconds{feed="project"}')).toBeGreaterThan(0);
    expect(metric(text, 'assetlib_feed_oldest_retained_cursor{feed="cc"}')).toBe(1);
    expect(metric(text, 'assetlib_db_pool_connections{state="waiting"}')).toBe(0);
  });
});
