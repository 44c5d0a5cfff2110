// Hostile multipart uploads (issue 11, defects 1, 2 and the multipart part of 4): a body that ends
// inside a file part (large: crashed the process; small: never answered), a body cut inside the
// part headers, no boundary. Each is answered 400 in Unicat's envelope, the server stays up,
// nothing is stored, no temporary file is left behind; files left in blobs/tmp by a crash are
// swept at start.
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { UnicatClient } from '../helpers/unicat-client.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { startServer } from '../../src/http/server.ts';

let t: TestServer;
let f: Fixture;
let c: UnicatClient;
let folder: string;

const tmpFiles = () => {
  const dir = join(t.dataDir, 'blobs', 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
};
async function state() {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*)::int FROM assets WHERE project_id = $1) AS assets,
            (SELECT cursor FROM project_cursors WHERE project_id = $1) AS cursor`, [f.projectId]);
  return rows[0];
}
async function alive() {
  const r = await rawRequest(t.url, { method: 'GET', path: '/healthz' });
  expect(r.status).toBe(200);
}

function truncatedUpload(partBytes: number, boundary = 'XB'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="parent"\r\n\r\n${folder}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="upload_file"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.alloc(partBytes, 'a'),
  ]);
}

const upload = (body: Buffer | string, contentType = 'multipart/form-data; boundary=XB', call = 'assets/upload') => rawRequest(t.url, {
  method: 'POST', path: `/api/p/${f.projectGid}/${call}`, body,
  headers: { authorization: `Bearer ${c.jwt}`, 'content-type': contentType },
});

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
  c = new UnicatClient(t.url, f.projectGid);
  await c.auth(f.users.owner.key);
  const root = (await c.call('assets/get', { pathname: '/' })).result.asset;
  folder = (await c.call('assets/create', { parent: root, name: 'Uploads' })).result.asset;
});
afterAll(() => t?.close());

describe('a multipart body that ends inside the file part', () => {
  for (const size of [17_000, 200_000, 1_000, 0]) {
    for (const call of ['assets/upload', 'assets/upload_update']) {
      it(`${call}: a ${size}-byte part without the closing boundary is a 400 in the envelope; nothing kept`, async () => {
        const before = await state();
        const r = await upload(truncatedUpload(size), undefined, call);
        expect(r.status).toBe(400);
        expect(r.json).toMatchObject({ success: false, result: { code: 400 }, data: {} });
        await alive();
        expect(await state()).toEqual(before);
        expect(tmpFiles()).toEqual([]);
      });
    }
  }
});

describe('other malformed multipart bodies', () => {
  const cases: [string, () => Buffer | string, string][] = [
    ['no boundary parameter', () => truncatedUpload(100), 'multipart/form-data'],
    ['an empty boundary', () => truncatedUpload(100), 'multipart/form-data; boundary='],
    ['cut inside the part headers', () => `--XB\r\nContent-Disposition: form-data; name="parent"\r\n\r\n${folder}\r\n--XB\r\nContent-Disposition: form-da`, 'multipart/form-data; boundary=XB'],
    ['cut right after a boundary line', () => `--XB\r\n`, 'multipart/form-data; boundary=XB'],
    ['only garbage', () => 'not a multipart body at all', 'multipart/form-data; boundary=XB'],
    ['a field named __proto__', () => `--XB\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx\r\n--XB--\r\n`, 'multipart/form-data; boundary=XB'],
  ];
  for (const [name, body, type] of cases) {
    it(`${name}: 400 in the envelope, nothing kept`, async () => {
      const before = await state();
      const r = await upload(body(), type);
      expect(r.status, r.text).toBe(400);
      expect(r.json).toMatchObject({ success: false, result: { code: 400 }, data: {} });
      await alive();
      expect(await state()).toEqual(before);
      expect(tmpFiles()).toEqual([]);
    });
  }

  it('a complete upload still works afterwards', async () => {
    const r = await c.upload({ parent: folder }, { name: 'ok.txt', content: 'fine' });
    expect(r.status).toBe(200);
    expect(tmpFiles()).toEqual([]);
  });
});

describe('temporary files left by a crash', () => {
  it('are swept when a server starts on the data dir; a file written within the request timeout is kept', async () => {
    const dir = join(t.dataDir, 'blobs', 'tmp');
    mkdirSync(dir, { recursive: true });
    const old = new Date(Date.now() - t.config.requestTimeoutMs - 60_000);
    for (const [name, content] of [['0b7c1b2e-crashed-upload', ''], ['another', 'partial content']]) {
      writeFileSync(join(dir, name), content);
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, 'in-progress-elsewhere'), 'a live upload of another server on this DATA_DIR');
    const second = await startServer({ ...t.config, port: 0 }, { quiet: true });
    try {
      expect(readdirSync(dir)).toEqual(['in-progress-elsewhere']);
    } finally {
      await second.close();
      rmSync(join(dir, 'in-progress-elsewhere'));
    }
  });
});
