// The sync bench's catch-up client, run in its own process (bench/sync.bench.ts, bench/profile-sync.ts)
// so that receiving, decoding and parsing the pages is not counted against the server on its event loop.
// Args: url jwt projectGid firstCursor total. Reads one page size per line on stdin; for each, catches
// up from firstCursor through POST /sync/get (node:http, one keep-alive connection, keeping the
// renewed JWT as a client does) and prints one JSON line:
//   ms        the whole catch-up, wall time;
//   receiveMs of which from sending each request to the last byte of its answer (the server's share:
//             the client then decodes and parses the page while the server waits for the next request);
//   parseMs   of which the client's decoding (UTF-8) and JSON.parse of the pages;
//   cpuUs     this process's CPU time; bytes: the answers' bodies.
// An empty line or the end of input ends it.
import http from 'node:http';
import { createInterface } from 'node:readline';

const [url, jwt, projectGid, firstRaw, totalRaw] = process.argv.slice(2);
const u = new URL(url);
const first = Number(firstRaw);
const total = Number(totalRaw);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; chunks: Buffer[]; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', agent,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => { chunks.push(c); bytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, chunks, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function catchUp(limit: number): Promise<{ ms: number; receiveMs: number; parseMs: number; cpuUs: number; bytes: number }> {
  let cursor = first;
  let count = 0;
  let receiveNs = 0n;
  let parseNs = 0n;
  let bytes = 0;
  let auth = `Bearer ${jwt}`;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (;;) {
    const r0 = process.hrtime.bigint();
    const res = await post('/sync/get', { authorization: auth }, JSON.stringify({ project: projectGid, cursor, limit }));
    const p0 = process.hrtime.bigint();
    receiveNs += p0 - r0;
    bytes += res.bytes;
    const body = JSON.parse(Buffer.concat(res.chunks, res.bytes).toString('utf8')) as
      { success: boolean; result: { sync: unknown[]; next: { cursor: number }; warning?: string } };
    parseNs += process.hrtime.bigint() - p0;
    if (res.status !== 200 || !body.success) throw new Error(`sync/get -> ${res.status} ${JSON.stringify(body)}`);
    const renewed = res.headers.authorization;
    if (!renewed) throw new Error('no renewed JWT on a 200');
    auth = `Bearer ${renewed}`;
    count += body.result.sync.length;
    cursor = body.result.next.cursor;
    if (!body.result.warning) break;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  if (count !== total) throw new Error(`caught up ${count} events, expected ${total}`);
  return { ms, receiveMs: Number(receiveNs) / 1e6, parseMs: Number(parseNs) / 1e6, cpuUs: c.user + c.system, bytes };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') break;
  process.stdout.write(JSON.stringify(await catchUp(Number(line))) + '\n');
}
agent.destroy();
