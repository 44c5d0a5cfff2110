// The media bench's thumbnail client, run in its own process (bench/media.bench.ts) so that its
// HTTP work is not counted against the server on its event loop and in its process CPU time (as
// bench/sync-client.ts for the sync bench). Args: serverUrl jwt projectGid storagePath.
// Reads one rendition key per line on stdin; for each, GETs
//   /dam/p/{project}/transform/{storagePath}/fill=400,300/type=jpg/key={key}
// and then the public_url it answers (node:http, keep-alive), reading the whole thumbnail, and
// prints one JSON line: ms (the pair, wall time), cpuUs (this process's CPU time), bytes.
// An empty line or the end of input ends it.
import http from 'node:http';
import { createInterface } from 'node:readline';

const [url, jwt, projectGid, storagePath] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const get = (u: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    http.get(u, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });

async function pair(key: string): Promise<{ ms: number; cpuUs: number; bytes: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await get(`${url}/dam/p/${projectGid}/transform/${storagePath}/fill=400,300/type=jpg/key=${key}`, { authorization: `Bearer ${jwt}` });
  const b = JSON.parse(r.body.toString()) as { result: { public_url: string } };
  if (r.status !== 200) throw new Error(`transform: ${r.status} ${r.body.toString()}`);
  const f = await get(b.result.public_url);
  if (f.status !== 200) throw new Error(`${b.result.public_url}: ${f.status}`);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpuUs: c.user + c.system, bytes: f.body.length };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') break;
  process.stdout.write(JSON.stringify(await pair(line.trim())) + '\n');
}
agent.destroy();
