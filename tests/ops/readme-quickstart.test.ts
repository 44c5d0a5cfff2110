// The README's quick start cannot rot: its ```bash blocks are run in order, in one bash with
// `set -euo pipefail`, against a freshly started `assetlib serve` whose first start printed the
// demo project and key; every block must succeed and do what it says.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { spawnAssetlib, freePort, type Proc } from '../helpers/process.ts';
import { freshDatabase } from '../helpers/server.ts';

let server: Proc;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assetlib-readme-'));
  chmodSync(dir, 0o755);
  port = await freePort();
  server = spawnAssetlib(['serve'], { DATABASE_URL: await freshDatabase(), DATA_DIR: join(dir, 'data'), PORT: String(port) });
  await server.outputHas(/api key: +al_\S+/, 'the demo credentials');
});
afterAll(async () => {
  if (server?.child.exitCode === null) { server.child.kill('SIGTERM'); await server.exited; }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function quickStartBlocks(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('## Quick start');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
}

it('the README quick start runs against the demo project, every block succeeding', async () => {
  const blocks = quickStartBlocks();
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const script = ['set -euo pipefail', ...blocks.map((b, i) => `${b}\necho "__block_${i}_ok__"`)].join('\n');
  const work = join(dir, 'cwd');
  (await import('node:fs')).mkdirSync(work);
  writeFileSync(join(work, 'quickstart.sh'), script);
  const out = server.output();
  const env = { ...process.env, BASE: `http://127.0.0.1:${port}`, PROJECT: /project gid: (\S+)/.exec(out)![1], KEY: /api key: +(\S+)/.exec(out)![1] };
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['quickstart.sh'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  for (let i = 0; i < blocks.length; i++) expect(r.stdout).toContain(`__block_${i}_ok__`);
  const file = /downloaded ([0-9a-f-]{36})/.exec(r.stdout)?.[1];
  expect(file).toBeTruthy();
  expect(r.stdout).toMatch(/JWT ey\S+\.\.\. for user [0-9a-f-]{36}/);
  expect(r.stdout).toMatch(/"added": 1/); // Uplynk added the file
  expect(r.stdout).toMatch(/"errorCode": "0"/); // Oracle added it
  expect(r.stdout.split('\n')).toContain(file); // and lists it in the collection
  expect(r.stdout).toMatch(/job \S+: done/);
});
