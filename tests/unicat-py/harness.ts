// Runs the vendor's own Unicat Python client (../shared/clients/unicat-py, never edited) against a
// test server. A test hands runPy() a Python script body; the script starts with
// `from unicat_harness import *` (unicat_harness.py beside this file), drives the client, and ends
// with done(...), whose keyword arguments come back here as JSON. A Python exception fails the
// call with its traceback.
//
// A script may pause with step(**data): the test's onStep(data) runs (e.g. changes made through
// another client or dialect) and its return value goes back to the script.
//
// Other tests build on this: `const c = await clientFixture()`, then `await runPy(c.as.owner, code, args)`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import type { Role } from '../../src/core/users.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../..');

/** The client's folder: UNICAT_PY_CLIENT, else ../shared/clients/unicat-py beside the repository. */
export const CLIENT_DIR = process.env.UNICAT_PY_CLIENT ?? resolve(REPO, '../shared/clients/unicat-py');

function probe(): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(join(CLIENT_DIR, 'unicat', 'api.py'))) return { ok: false, reason: `the Unicat client is not at ${CLIENT_DIR} (set UNICAT_PY_CLIENT)` };
  const r = spawnSync('python3', ['-c', 'import requests, unicat; print(unicat.__version__)'], {
    encoding: 'utf8', env: { ...process.env, PYTHONPATH: CLIENT_DIR },
  });
  if (r.status !== 0) return { ok: false, reason: `python3 cannot import requests and unicat: ${r.error?.message ?? r.stderr.trim()}` };
  return { ok: true };
}

/** Whether the client can run here; when not, the tests skip and say why. */
export const python = probe();
if (!python.ok) console.warn(`SKIPPING the Unicat Python client tests: ${python.reason}`);

/** What a user configures: the base URL, the project gid and an API key (plus the local asset folder). */
export interface PyTarget { url: string; projectGid: string; apiKey: string; folder: string }

export class PyError extends Error {}

/** Called when the script calls step(**data); what it returns goes back to the script. */
export type OnStep = (data: any) => unknown;

/** Runs a script with the client; resolves with what the script passed to done(). */
export async function runPy(target: PyTarget, code: string, args: Record<string, unknown> = {}, onStep?: OnStep, timeoutMs = 120_000): Promise<any> {
  const dir = mkdtempSync(join(tmpdir(), 'unicat-py-run-'));
  try {
    const file = join(dir, 'script.py');
    writeFileSync(file, `from unicat_harness import *  # noqa: F403\n${code}\n`);
    const env = {
      ...process.env,
      PYTHONPATH: [CLIENT_DIR, HERE].join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
      UNICAT_URL: target.url,
      UNICAT_PROJECT: target.projectGid,
      UNICAT_API_KEY: target.apiKey,
      UNICAT_FOLDER: target.folder,
      HARNESS_ARGS: JSON.stringify(args),
    };
    // asynchronous: the server answering the client runs in this process
    const child = spawn('python3', [file], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    let result: string | undefined;
    let stepError: unknown;
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      pending += d;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('HARNESS_RESULT ')) result = line.slice('HARNESS_RESULT '.length);
        else if (line.startsWith('HARNESS_STEP ')) {
          const data = JSON.parse(line.slice('HARNESS_STEP '.length));
          Promise.resolve()
            .then(() => { if (!onStep) throw new Error('the script called step() but the test gave no onStep'); return onStep(data); })
            .then((back) => { child.stdin.write(`${JSON.stringify(back ?? null)}\n`); },
              (e: unknown) => { stepError ??= e; child.kill('SIGKILL'); });
        }
      }
    });
    const exit = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    clearTimeout(timer);
    if (stepError) throw stepError;
    if (exit !== 0 || result === undefined) throw new PyError(`the Python script failed (exit ${exit}):\n${stderr || stdout}`);
    return JSON.parse(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ClientFixture {
  t: TestServer;
  f: Fixture;
  /** a PyTarget per fixture member (alias -> its key), each with its own local folder */
  as: Record<string, PyTarget>;
  close(): Promise<void>;
}

/** A test server and a project whose members are {alias: role}, with a PyTarget per member. */
export async function clientFixture(members: Record<string, Role> = { owner: 'owner', editor: 'editor' }): Promise<ClientFixture> {
  const t = await startTestServer();
  const f = await createFixture(t.db, members);
  const folders: string[] = [];
  const as: Record<string, PyTarget> = {};
  for (const [alias, u] of Object.entries(f.users)) {
    const folder = mkdtempSync(join(tmpdir(), `unicat-py-${alias}-`));
    folders.push(folder);
    as[alias] = { url: t.url, projectGid: f.projectGid, apiKey: u.key, folder };
  }
  return {
    t, f, as,
    async close() {
      await t.close();
      for (const d of folders) rmSync(d, { recursive: true, force: true });
    },
  };
}
