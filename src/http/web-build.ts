// Builds the web console (web/) with Vite when web/dist is missing or older than its sources (a hash of
// web/index.html, web/vite.config.ts and web/src/** is kept in web/dist/.source-hash). Called by
// the server at start and by the test setup, so `npm ci && npm start` / `npm test` need no extra
// step; `npm run build:web` runs it by hand. Writes .gz and .br copies for @fastify/static.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

/** web/ of the repository: found upwards from this file (the same from src/ or a compiled copy). */
function webDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'web');
}
const WEB = webDir();

export const webDist = () => join(WEB, 'dist');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

export function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of [join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), ...files(join(WEB, 'src')).sort()]) {
    h.update(relative(WEB, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

const stampOf = (dist: string) => {
  try { return readFileSync(join(dist, '.source-hash'), 'utf8'); } catch { return ''; }
};

/** Builds when stale; returns whether it built. */
export async function ensureWebBuild(log: (m: string) => void = () => undefined): Promise<boolean> {
  if (!existsSync(join(WEB, 'src'))) return false;
  const hash = sourceHash();
  const dist = webDist();
  if (stampOf(dist) === hash) return false;
  const started = Date.now();
  const { build } = await import('vite');
  const out = mkdtempSync(join(WEB, '.dist-'));
  chmodSync(out, 0o755);
  try {
    // a production build whatever NODE_ENV the caller runs under (vitest sets "test", which would
    // make the JSX transform emit development calls)
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
    } finally {
      if (env === undefined) delete process.env.NODE_ENV; else process.env.NODE_ENV = env;
    }
    for (const f of files(out)) {
      if (!/\.(js|css|html|svg)$/.test(f) || statSync(f).size < 1024) continue;
      const buf = readFileSync(f);
      writeFileSync(`${f}.gz`, gzipSync(buf, { level: 9 }));
      writeFileSync(`${f}.br`, brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
    writeFileSync(join(out, '.source-hash'), hash);
    // another process may have built the same sources meanwhile: keep theirs
    if (stampOf(dist) === hash) return false;
    rmSync(dist, { recursive: true, force: true });
    try { renameSync(out, dist); } catch (e) { if (stampOf(dist) !== hash) throw e; }
    log(`web console built in ${Date.now() - started} ms`);
    return true;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
