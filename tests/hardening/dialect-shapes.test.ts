// Issue 11, defects 4 and 5: client input never yields a 500, and every answer under a dialect's
// prefix is in that dialect's shape, also the router's own errors (414 over-long parameter, 400
// bad percent-encoding), unknown paths, deep nesting in any parser (JSON, XML) and Oracle's
// format negotiation before the body is parsed (413, 401 for an XML request are XML).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.ts';
import { sign } from '../uplynk/client.ts';
import { deepArray, deepObject } from './fuzz-inputs.ts';
import { MAX_NESTING } from '../../src/http/limits.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let root: string;
let file: string;
let collection: string;

const basic = () => `Basic ${Buffer.from(`${f.users.owner.email}:${f.users.owner.key}`).toString('base64')}`;
const signed = () => { const s = sign(f.users.owner.gid, f.users.owner.key); return `msg=${encodeURIComponent(s.msg)}&sig=${s.sig}`; };
const req = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => rawRequest(t.url, { method, path, headers, body });

function expectUnicat(a: RawAnswer, status: number) {
  expect(a.status, a.text.slice(0, 200)).toBe(status);
  expect(a.json).toMatchObject({ success: false, result: { code: expect.any(Number), message: expect.any(String) }, data: {} });
}
function expectUplynk(a: RawAnswer, status: number) {
  expect(a.status, a.text.slice(0, 200)).toBe(status);
  expect(a.json).toMatchObject({ '@type': 'Error', error: { status, code: expect.any(String), message: expect.any(String) } });
}
function expectOracle(a: RawAnswer, status: number, format: 'json' | 'xml') {
  expect(a.status, a.text.slice(0, 200)).toBe(status);
  if (format === 'xml') {
    expect(a.headers['content-type']).toMatch(/xml/);
    expect(a.text).toMatch(/^<\?xml[^>]*>\s*<response><errorCode>-\d+<\/errorCode><errorKey>[^<]+<\/errorKey><errorMessage>/);
  } else {
    expect(a.json).toMatchObject({ errorCode: expect.stringMatching(/^-\d+$/), errorKey: expect.any(String), errorMessage: expect.any(String) });
  }
}

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  root = (await c.call('assets/get', { pathname: '/' })).result.asset;
  file = (await c.upload({ parent: root }, { name: 'f.txt', content: 'x' })).body.result.asset;
  collection = (await req('POST', '/documents/api/1.1/collections', { authorization: basic(), 'content-type': 'application/json' }, '{"name":"shapes"}')).json.id;
});
afterAll(() => t?.close());

describe('router errors and unknown paths, in each dialect\'s shape', () => {
  const long = 'p'.repeat(150);
  it('Unicat (/api/p, /sync, /dam)', async () => {
    const auth = { authorization: `Bearer ${c.jwt}` };
    expectUnicat(await req('POST', `/api/p/${long}/assets/get`, auth), 414);
    expectUnicat(await req('POST', '/api/p/%E0%A4%A/assets/get', auth), 400);
    expectUnicat(await req('POST', `/api/p/${f.projectGid}/no/such/call`, auth), 404);
    expectUnicat(await req('GET', '/sync/nothing', auth), 404);
    expectUnicat(await req('GET', '/dam/nothing/here', auth), 404);
  });
  it('Uplynk (/api/v4)', async () => {
    expectUplynk(await req('GET', `/api/v4/libraries/${long}?${signed()}`), 414);
    expectUplynk(await req('GET', `/api/v4/libraries/%E0%A4%A?${signed()}`), 400);
    expectUplynk(await req('GET', `/api/v4/nothing?${signed()}`), 404);
  });
  it('Oracle (/documents/api/1.1), JSON or XML as negotiated', async () => {
    expectOracle(await req('GET', `/documents/api/1.1/collections/${long}`, { authorization: basic() }), 414, 'json');
    expectOracle(await req('GET', '/documents/api/1.1/collections/%E0%A4%A', { authorization: basic(), accept: 'application/xml' }), 400, 'xml');
    expectOracle(await req('GET', '/documents/api/1.1/nothing', { authorization: basic() }), 404, 'json');
  });
});

describe('deep nesting and hostile names are a 400, never a 500', () => {
  it(`Unicat assets/update with transforms nested 5,000 levels; ${MAX_NESTING} levels are accepted`, async () => {
    const h = { authorization: `Bearer ${c.jwt}`, 'content-type': 'application/json' };
    expectUnicat(await req('POST', `/api/p/${f.projectGid}/assets/update`, h, `{"asset":"${file}","transforms":${deepObject(5000)}}`), 400);
    expectUnicat(await req('POST', `/api/p/${f.projectGid}/assets/update`, h, `{"asset":"${file}","transforms":${deepArray(100_000)}}`), 400);
    const ok = await req('POST', `/api/p/${f.projectGid}/assets/update`, h, `{"asset":"${file}","transforms":${deepObject(MAX_NESTING - 1)}}`);
    expect(ok.status, ok.text.slice(0, 200)).toBe(200);
  });
  it('/sync/get with a deeply nested cursor', async () => {
    const h = { authorization: `Bearer ${c.jwt}`, 'content-type': 'application/json' };
    expectUnicat(await req('POST', '/sync/get', h, `{"project":"${f.projectGid}","cursor":${deepArray(5000)}}`), 400);
  });
  it('Uplynk PATCH .../assets with a deeply nested array as an id; a long bad id is cut in the message', async () => {
    const h = { 'content-type': 'application/json' };
    expectUplynk(await req('PATCH', `/api/v4/libraries/${collection}/assets?${signed()}`, h, `{"asset_ids":[${deepArray(100_000)}]}`), 400);
    const long = await req('PATCH', `/api/v4/libraries/${collection}/assets?${signed()}`, h, `{"asset_ids":[${JSON.stringify('z'.repeat(100_000))}]}`);
    expectUplynk(long, 400);
    expect(long.text.length).toBeLessThan(2000);
  });
  for (const name of ['__proto__', 'constructor', 'prototype']) {
    it(`Oracle XML with an element named ${name}, on every body route`, async () => {
      const body = `<?xml version="1.0"?><request><${name}>1</${name}></request>`;
      const h = { authorization: basic(), 'content-type': 'application/xml' };
      for (const [m, p] of [['POST', '/collections'], ['POST', `/collections/${collection}/files`], ['DELETE', `/collections/${collection}/files`],
        ['POST', `/shares/${collection}`], ['PUT', `/shares/${collection}/role`], ['DELETE', `/shares/${collection}/user`]]) {
        expectOracle(await req(m, `/documents/api/1.1${p}`, h, body), 400, 'xml');
      }
    });
  }
  it('Oracle XML nested 150 levels, JSON nested 5,000 levels', async () => {
    expectOracle(await req('POST', '/documents/api/1.1/collections', { authorization: basic(), 'content-type': 'text/xml' },
      `<r>${'<a>'.repeat(150)}x${'</a>'.repeat(150)}</r>`), 400, 'xml');
    expectOracle(await req('POST', '/documents/api/1.1/collections', { authorization: basic(), 'content-type': 'application/json' },
      `{"name":${deepArray(5000)}}`), 400, 'json');
  });
});

describe('Oracle answers an XML request in XML before its body is parsed', () => {
  it('413 over the body limit, 401 without credentials', async () => {
    expectOracle(await req('POST', '/documents/api/1.1/collections', { authorization: basic(), 'content-type': 'application/xml' },
      `<r>${'x'.repeat(t.config.bodyLimitBytes + 10)}</r>`), 413, 'xml');
    expectOracle(await req('POST', '/documents/api/1.1/collections', { 'content-type': 'application/xml' }, '<r><name>n</name></r>'), 401, 'xml');
    expectOracle(await req('POST', '/documents/api/1.1/collections', { 'content-type': 'application/json' }, '{"name":"n"}'), 401, 'json');
  });
});
