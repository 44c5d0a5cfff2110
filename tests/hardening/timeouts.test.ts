// Slow clients are cut off (issue 11, defect 3): a body trickled in, headers never finished, an
// idle kept-alive connection. The server runs with short timeouts from the config; each test
// waits for the socket's close event (no sleeps), while the client keeps trickling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/raw-http.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ requestTimeoutMs: 800, headersTimeoutMs: 400, keepAliveTimeoutMs: 300, connectionTimeoutMs: 5_000 });
});
afterAll(() => t?.close());

/** Writes one byte every 50 ms until the server closes the socket; returns what it answered. */
async function trickle(head: string, byte: string): Promise<string> {
  const { socket, closed } = await openSocket(t.url);
  socket.write(head);
  const timer = setInterval(() => { if (socket.writable) socket.write(byte); }, 50);
  try {
    return await closed;
  } finally {
    clearInterval(timer);
  }
}

describe('timeouts', () => {
  it('a body trickled in byte by byte is cut off at the request timeout (408)', async () => {
    const got = await trickle(`POST /api/p/00000000-0000-4000-8000-000000000000/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`, ' ');
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    // in Unicat's envelope: the request was under /api/p
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toMatchObject({ success: false, result: { code: 408 }, data: {} });
  }, 20_000);

  it('headers that never finish are cut off at the headers timeout', async () => {
    const got = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a');
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
  }, 20_000);

  it('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    const { socket, closed } = await openSocket(t.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const got = await closed;
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toMatch(/keep-alive/i);
  }, 20_000);
});
