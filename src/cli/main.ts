// The `assetlib` command (commander): serve, worker, migrate, and project/user/key administration.
// This is the composition root: the configuration is read here, once, and passed down.
// Only commander is loaded up front; each command imports what it needs, so that --help,
// --version and the admin commands start fast (esbuild splits the bundle at these imports).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type pg from 'pg';
import type { Config } from '../config.ts';
import pkg from '../../package.json' with { type: 'json' };
import { startMark } from '../startup/trace.ts';

startMark('cli loaded');

const ROLES = ['owner', 'admin', 'editor', 'viewer'];

let config: Config | undefined;
/** The configuration, read from the environment on first use (not for --help or --version). */
async function cfg(): Promise<Config> {
  if (!config) {
    const { loadConfig } = await import('../config.ts');
    config = loadConfig({}, process.env);
  }
  return config;
}

/** The secrets an admin command runs with (open('cli')). */
let loadedSecrets: { jwtSecret: string; keySealSecret: string } | undefined;

/** The secrets that come from DATA_DIR/secrets.json: those set in the environment are the operator's to keep. */
async function fileSecrets(): Promise<Record<string, string>> {
  const c = await cfg();
  const out: Record<string, string> = {};
  if (loadedSecrets && c.jwtSecret === undefined) out.jwtSecret = loadedSecrets.jwtSecret;
  if (loadedSecrets && c.keySealSecret === undefined) out.keySealSecret = loadedSecrets.keySealSecret;
  return out;
}

async function open(role: 'cli' | 'worker', log?: (m: string) => void) {
  const c = await cfg();
  (await import('../startup/preflight.ts')).checkDataDir(c.dataDir);
  const db = await (await import('../db/database.ts')).openDatabase(c, role, log);
  if (role === 'cli') {
    // admin commands seal new API keys: the secrets must be this database's (workers need none)
    try {
      const { loadSecrets } = await import('../core/secrets.ts');
      loadedSecrets = await loadSecrets(db.pool, c.dataDir, c);
      (await import('../core/key-seal.ts')).useKeySealSecret(loadedSecrets.keySealSecret);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

async function admin<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<void> {
  const db = await open('cli');
  try {
    const out = await fn(db.pool);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await db.close();
  }
}

export function program(): Command {
  const p = new Command('assetlib')
    .description('assetlib: a digital asset management server speaking the Uplynk, Unicat and Oracle Documents APIs.\n' +
      'Configuration comes from environment variables (see the README); DATA_DIR or DATABASE_URL select the data.')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();

  p.command('serve').description('run the HTTP server (and the job worker unless RUN_WORKER=0)').action(async () => {
    const c = await cfg();
    const { startServer, closeOnSignals } = await import('../http/server.ts');
    const { banner } = await import('./banner.ts');
    const server = await startServer(c, { demo: true });
    process.stderr.write(banner(server.url, server.demo));
    closeOnSignals(server, server.logger);
  });

  p.command('worker').description('run the job worker alone (scale out: several workers and servers on one database)').action(async () => {
    const c = await cfg();
    const { default: pino } = await import('pino');
    const { startWorker } = await import('../jobs/worker.ts');
    const { workerSettings } = await import('../jobs/settings.ts');
    const { closeOnSignals } = await import('../http/server.ts');
    const logger = pino({ level: c.logLevel });
    const db = await open('worker', (m) => logger.info(m));
    const worker = startWorker(db.pool, workerSettings(c), (m) => logger.info(m), (f, m) => logger.info(f, m));
    logger.info({ worker: worker.id }, 'worker started');
    process.stderr.write(`assetlib worker running (${worker.id})\n`);
    closeOnSignals({ async close() { await worker.stop(); await db.close(); } }, logger);
  });

  p.command('migrate').description('apply pending database migrations (the server also does at start)')
    .action(() => admin(async () => ({ migrated: true })));

  const project = p.command('project').description('projects');
  project.command('create').description('create a project; prints {"gid": ...}')
    .requiredOption('--name <name>', 'project name')
    .action((o) => admin(async (pool) => {
      const [{ withTx }, { createProject }] = await Promise.all([import('../db/pool.ts'), import('../core/projects.ts')]);
      return { gid: (await withTx(pool, (tx) => createProject(tx, o.name))).gid };
    }));

  project.command('list').description('list the projects with their counts of members, assets and libraries; prints a JSON array')
    .action(() => admin(async (pool) => (await adminModules()).listProjects(pool)));
  project.command('delete').description('delete a project and everything in it (assets, libraries, jobs, keys, feed, unshared blobs); prints what was removed')
    .requiredOption('--project <gid>', 'project gid')
    .requiredOption('--yes', 'confirm: this cannot be undone')
    .action((o) => admin(async (pool) => {
      const { withTx, deleteProject, removeOrphanBlobs } = await adminModules();
      const { blobs: hashes, ...deleted } = await withTx(pool, (tx) => deleteProject(tx, o.project));
      await removeOrphanBlobs(pool, await blobStore(), hashes);
      return { deleted: true, ...deleted, blobs: hashes.length };
    }));

  const user = p.command('user').description('users');
  user.command('create').description('add a user (by email) to a project with a role; prints {"user_id": ..., "api_key": ...}')
    .requiredOption('--email <email>', 'the user\'s email (created if new)')
    .requiredOption('--project <gid>', 'project gid')
    .addOption(new Option('--role <role>', 'role in the project').choices(ROLES as string[]).makeOptionMandatory())
    .action((o) => admin(async (pool) => {
      const { withTx, getProjectByGid, ensureUser, setMembership, createApiKey } = await adminModules();
      return withTx(pool, async (tx) => {
      const proj = await getProjectByGid(tx, o.project);
      const u = await ensureUser(tx, o.email);
      await setMembership(tx, proj.id, u.id, o.role);
      return { user_id: u.gid, api_key: await createApiKey(tx, u.id, proj.id) };
      });
    }));

  user.command('list').description('list the users with their projects and roles; prints a JSON array')
    .option('--project <gid>', 'only the members of this project')
    .action((o) => admin(async (pool) => {
      const { listUsers, getProjectByGid } = await adminModules();
      return listUsers(pool, o.project ? (await getProjectByGid(pool, o.project)).id : undefined);
    }));
  user.command('delete').description('delete a user: memberships, keys, shares, the libraries it owns, its jobs (its uploads stay in their projects)')
    .requiredOption('--email <email>', 'the user\'s email')
    .requiredOption('--yes', 'confirm: this cannot be undone')
    .action((o) => admin(async (pool) => {
      const { withTx, deleteUser } = await adminModules();
      return { deleted: true, ...(await withTx(pool, (tx) => deleteUser(tx, o.email))) };
    }));

  const key = p.command('key').description('API keys');
  key.command('create').description('a new API key for a member of a project; prints {"api_key": ...}')
    .requiredOption('--email <email>', 'the user\'s email')
    .requiredOption('--project <gid>', 'project gid')
    .action((o) => admin(async (pool) => {
      const { withTx, getProjectByGid, findUserByEmail, createApiKey, CoreError } = await adminModules();
      return withTx(pool, async (tx) => {
        const proj = await getProjectByGid(tx, o.project);
        const u = await findUserByEmail(tx, o.email);
        if (!u) throw new CoreError('not_found', 'no user with that email');
        return { api_key: await createApiKey(tx, u.id, proj.id) };
      });
    }));
  key.command('list').description('list API keys (id, user, project, dates; never the key): a JSON array')
    .option('--project <gid>', 'only the keys of this project')
    .option('--email <email>', 'only the keys of this user')
    .option('--all', 'include revoked keys')
    .action((o) => admin(async (pool) => {
      const { listApiKeys, getProjectByGid } = await adminModules();
      const projectId = o.project ? (await getProjectByGid(pool, o.project)).id : undefined;
      return listApiKeys(pool, { projectId, email: o.email, includeRevoked: Boolean(o.all) });
    }));
  key.command('revoke').description('revoke an API key, given as the key or by its id from `key list`; prints {"revoked": true}')
    .addOption(new Option('--key <key>', 'the API key').conflicts('id'))
    .addOption(new Option('--id <id>', 'the key\'s id (key list)').argParser(positiveInt))
    .action((o) => admin(async (pool) => {
      const m = await adminModules();
      if (o.key) await m.revokeApiKey(pool, o.key);
      else if (o.id) await m.revokeApiKeyById(pool, o.id);
      else throw new m.CoreError('invalid', 'give --key or --id');
      return { revoked: true };
    }));

  const secrets = p.command('secrets').description('the JWT and key-sealing secrets (docs/hardening.md#secrets)');
  secrets.command('rotate').description('new JWT and/or key-sealing secret; API keys are re-sealed in one transaction; prints what changed. Stop every server and worker on the database first.')
    .option('--jwt', 'rotate the JWT secret (every issued JWT stops working; clients authenticate again)')
    .option('--key-seal', 'rotate the key-sealing secret (every API key is re-sealed; keys themselves do not change)')
    .action((o) => admin(async (pool) => {
      const c = await cfg();
      const which = [...(o.jwt ? ['jwtSecret' as const] : []), ...(o.keySeal ? ['keySealSecret' as const] : [])];
      if (!which.length) which.push('jwtSecret', 'keySealSecret');
      const { rotateSecrets } = await import('../core/secrets.ts');
      const r = await rotateSecrets(pool, c.dataDir, c, which, { jwtSecret: c.newJwtSecret, keySealSecret: c.newKeySealSecret });
      return { rotated: which.map((n) => (n === 'jwtSecret' ? 'jwt' : 'key-seal')), resealed_keys: r.resealed, new_secrets_in: r.where };
    }));
  p.command('backup').description('a consistent online backup of the database and the blobs (server running or not) into one tar file; prints a summary')
    .requiredOption('--to <file>', 'the archive to write (.tar, or .tar.gz/.tgz compressed); written to FILE.partial and renamed when complete')
    .action((o) => admin(async (pool) => {
      const { backup, fileSize } = await import('../ops/backup.ts');
      const started = performance.now();
      const summary = await backup(pool, await blobStore(), o.to, stepLine('backup'), await fileSecrets());
      const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
      return { file: o.to, bytes: await fileSize(o.to), rows, blobs: summary.blobs, blob_bytes: summary.blob_bytes, seconds: secondsSince(started), tables: summary.tables };
    }));
  p.command('restore').description('restore a backup into an empty DATA_DIR (or an empty DATABASE_URL database); prints a summary')
    .argument('<file>', 'an archive written by assetlib backup')
    .action((file) => admin(async (pool) => {
      const { restore } = await import('../ops/restore.ts');
      const started = performance.now();
      const { summary, secrets } = await restore(pool, await blobStore(), file, stepLine('restore'));
      // the restored check values are the backup's: its secrets replace the ones this start generated
      const c = await cfg();
      const keep = Object.fromEntries(Object.entries(secrets).filter(([k]) => (k === 'jwtSecret' ? c.jwtSecret : c.keySealSecret) === undefined));
      if (Object.keys(keep).length) (await import('../core/secrets.ts')).writeSecretsFile(c.dataDir, { ...(await fileSecrets()), ...keep });
      const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
      return { restored: true, rows, blobs: summary.blobs, blob_bytes: summary.blob_bytes, seconds: secondsSince(started), tables: summary.tables };
    }));
  p.command('import').description('upload a folder tree into a project (resumable: files already there with the same size and content are skipped); prints a summary, exit 1 listing what failed')
    .argument('<dir>', 'the local folder to import')
    .requiredOption('--project <gid>', 'project gid')
    .option('--into <path>', 'the project folder to import into (made when missing)', '/')
    .option('--as <email>', 'the member the uploads are made as (default: the project\'s first owner)')
    .option('--concurrency <n>', 'files uploaded at once', positiveInt, 8)
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (dir, o) => {
      const db = await open('cli');
      let failed: number;
      try {
        const { importTree } = await import('./import.ts');
        const c = await cfg();
        const summary = await importTree(db.pool, await blobStore(), { dir, projectGid: o.project, into: o.into, as: o.as, concurrency: o.concurrency, uploadLimitBytes: c.uploadLimitBytes, progress: o.progress });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        failed = summary.failed.length;
        if (failed) process.stderr.write(`assetlib: ${failed} of ${summary.files} files failed:\n${summary.failed.map((f) => `  ${f.path}: ${f.error}`).join('\n')}\n`);
      } finally {
        await db.close();
      }
      if (failed) process.exitCode = 1;
    });
  return p;
}

const secondsSince = (t: number) => Math.round(performance.now() - t) / 1000;

/** Progress of a long command on stderr, at most one line a second (stdout keeps the JSON answer). */
function stepLine(command: string) {
  let last = 0;
  return (what: string, name: string, done?: number, total?: number) => {
    const now = Date.now();
    if (now - last < 1000 && !(done !== undefined && done === total)) return;
    last = now;
    process.stderr.write(`${command}: ${what} ${name}${total ? ` (${done}/${total})` : ''}\n`);
  };
}

async function adminModules() {
  const [pool, projects, users, keys, errors, trash] = await Promise.all([import('../db/pool.ts'), import('../core/projects.ts'),
    import('../core/users.ts'), import('../core/keys.ts'), import('../core/errors.ts'), import('../core/assets/trash.ts')]);
  return { ...pool, ...projects, ...users, ...keys, ...errors, removeOrphanBlobs: trash.removeOrphanBlobs };
}

/** The blob store of the configuration (the server's: DATA_DIR/blobs or the S3 bucket). */
async function blobStore() {
  const { openBlobStore } = await import('../storage/open-store.ts');
  return openBlobStore(await cfg());
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** The one line to print for an error a user can fix, or undefined for a bug (printed with its stack). */
async function userMessage(err: any): Promise<string | undefined> {
  const [{ ConfigError }, { StartupError, databaseMessage }, { DataDirBusyError }, { CoreError }] = await Promise.all([
    import('../config.ts'), import('../startup/preflight.ts'), import('../db/embedded.ts'), import('../core/errors.ts')]);
  if (err instanceof ConfigError || err instanceof StartupError || err instanceof DataDirBusyError || err instanceof CoreError) return err.message;
  return databaseMessage(err, config?.databaseUrl);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err: any) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2); // help, version, usage
    const line = await userMessage(err);
    if (line) process.stderr.write(`assetlib: ${line}\n`);
    else process.stderr.write(`assetlib: unexpected error: ${err?.stack ?? err}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
