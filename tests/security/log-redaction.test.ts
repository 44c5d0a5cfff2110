// Log lines never carry credentials: a server logging at info level (its real pino output,
// captured) serves Uplynk msg/sig calls, Unicat api_key/JWT calls and Oracle Basic/Bearer calls;
// none of the credentials appears in the output, while the requests themselves are logged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { sign } from '../uplynk/client.ts';

/** Collects log output; `waitFor` resolves when a line matching arrives (or has arrived). */
class LogCapture extends Writable {
  text = '';
  private waiters: { test: (line: string) => boolean; resolve: () => void }[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    const s = chunk.toString('utf8');
    this.text += s;
    for (const line of s.split('\n')) {
      this.waiters = this.waiters.filter((w) => { if (w.test(line)) { w.resolve(); return false; } return true; });
    }
    done();
  }
  waitFor(test: (line: string) => boolean): Promise<void> {
    if (this.text.split('\n').some(test)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

const log = new LogCapture();
let t: TestServer;
let f: Fixture;

beforeAll(async () => {
  t = await startTestServer({ logLevel: 'info' }, { logStream: log });
  f = await createFixture(t.db, { owner: 'owner' });
});
afterAll(() => t?.close());

/** Waits until the server logged the completion of a request whose URL starts with `prefix`. */
async function completed(prefix: string): Promise<void> {
  let reqId = '';
  await log.waitFor((line) => {
    if (!line.includes(`"url":"${prefix}`)) return false;
    reqId = JSON.parse(line).reqId;
    return true;
  });
  await log.waitFor((line) => line.includes('"request completed"') && line.includes(`"reqId":"${reqId}"`));
}

describe('credentials in logs', () => {
  it('an Uplynk URL is logged without its msg and sig', async () => {
    const { msg, sig } = sign(f.users.owner.gid, f.users.owner.key);
    const url = new URL(`${t.url}/api/v4/libraries`);
    url.searchParams.set('page', '1');
    url.searchParams.set('msg', msg);
    url.searchParams.set('sig', sig);
    expect((await fetch(url)).status).toBe(200);
    await completed('/api/v4/libraries?');
    expect(log.text).toContain('/api/v4/libraries?page=1&msg=[redacted]&sig=[redacted]');
    expect(log.text).not.toContain(sig);
    expect(log.text).not.toContain(encodeURIComponent(msg));
    expect(log.text).not.toContain(msg.slice(0, 24));
  });

  it('Unicat api keys and JWTs, and Oracle Basic and Bearer credentials, are not logged', async () => {
    const c = new UnicatClient(t.url, f.projectGid);
    expect((await c.auth(f.users.owner.key)).status).toBe(200);
    expect((await c.raw('init', {})).status).toBe(200);
    await completed(`/api/p/${f.projectGid}/init`);
    const basic = Buffer.from(`${f.users.owner.email}:${f.users.owner.key}`).toString('base64');
    expect((await fetch(`${t.url}/documents/api/1.1/collections/items`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    // a key in the query string, where no dialect reads it, is redacted all the same
    await fetch(`${t.url}/documents/api/1.1/collections/items?api_key=${f.users.owner.key}`, { headers: { authorization: `Bearer ${c.jwt}` } });
    await completed('/documents/api/1.1/collections/items?api_key=');
    expect(log.text).toContain('/documents/api/1.1/collections/items?api_key=[redacted]');
    for (const secret of [f.users.owner.key, c.jwt!, basic]) expect(log.text).not.toContain(secret);
    expect(log.text).toContain(`/api/p/${f.projectGid}/auth`);
  });
});
