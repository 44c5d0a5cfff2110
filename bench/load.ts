// A load client for the small-call bench, run in its own process (so that its CPU is not the
// server's): CONNS keep-alive node:http connections, each sending the same request back to back
// for SECONDS, keeping a renewed JWT (Authorization response header) as a client does. Prints {"n", "rps", "p50", "p99", "errors", "cpuUs" (its own CPU per request)} as JSON on stdout.
// Args: url method headersJSON body conns seconds
import http from 'node:http';

const [url, method, headersJson, body, conns, seconds] = process.argv.slice(2);
const u = new URL(url);
const headers: Record<string, string | number> = JSON.parse(headersJson);
if (body) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(body); }
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const lat: number[] = [];
let errors = 0;
const end = Date.now() + Number(seconds) * 1000;

const one = () => new Promise<void>((resolve) => {
  const t = process.hrtime.bigint();
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, agent, headers }, (res) => {
    // keep a renewed JWT, as a client does
    const renewed = res.headers.authorization;
    if (renewed && headers.authorization && res.statusCode === 200) headers.authorization = `Bearer ${renewed}`;
    res.on('data', () => {});
    res.on('end', () => {
      if (res.statusCode !== 200) errors++;
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      resolve();
    });
  });
  req.on('error', () => { errors++; resolve(); });
  req.end(body || undefined);
});

const started = Date.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: Number(conns) }, async () => { while (Date.now() < end) await one(); }));
const elapsed = (Date.now() - started) / 1000;
agent.destroy();
lat.sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ n: lat.length, rps: lat.length / elapsed, p50: pct(50), p99: pct(99), errors, cpuUs: (cpu.user + cpu.system) / lat.length }));
