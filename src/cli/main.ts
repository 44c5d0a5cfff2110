// The `assetlib` admin CLI: serve, migrate, worker, project/user/key administration.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { DataDirBusyError } from '../db/embedded.ts';
import { withTx } from '../db/pool.ts';
import { startServer, closeOnSignals } from '../http/server.ts';
import { startWorker } from '../jobs/worker.ts';
import { createProject, getProjectByGid } from '../core/projects.ts';
import { ensureUser, findUserByEmail, setMembership, type Role } from '../core/users.ts';
import { createApiKey, revokeApiKey } from '../core/keys.ts';
import { CoreError } from '../core/errors.ts';

const USAGE = `usage: assetlib <command>
  serve                                         run the HTTP server (and the job worker)
  migrate                                       apply database migrations
  worker                                        run the job worker alone
  project create --name N                       -> {"gid": ...}
  user create --email E --project GID --role R  -> {"user_id": ..., "api_key": ...}
  key create --email E --project GID            -> {"api_key": ...}
  key revoke --key K`;

function fail(msg: string, code = 2): never {
  console.error(msg);
  process.exit(code);
}

async function admin<T>(fn: (pool: import('pg').Pool) => Promise<T>): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config, 'cli');
  try {
    const out = await fn(db.pool);
    console.log(JSON.stringify(out));
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, sub] = argv;
  const { values } = parseArgs({
    args: argv.slice(sub && !sub.startsWith('-') ? 2 : 1),
    options: { name: { type: 'string' }, email: { type: 'string' }, project: { type: 'string' }, role: { type: 'string' }, key: { type: 'string' } },
    strict: true,
  });
  const need = (k: keyof typeof values) => values[k] ?? fail(`missing --${k}\n${USAGE}`);

  switch (`${cmd ?? ''} ${cmd === 'project' || cmd === 'user' || cmd === 'key' ? sub ?? '' : ''}`.trim()) {
    case 'serve': {
      const server = await startServer(loadConfig(), { demo: true });
      console.log(`assetlib listening on ${server.url}`);
      closeOnSignals(server);
      return;
    }
    case 'migrate':
      return admin(async () => ({ migrated: true }));
    case 'worker': {
      const db = await openDatabase(loadConfig(), 'worker');
      const worker = startWorker(db.pool, (m) => console.log(m));
      console.log('assetlib worker running');
      closeOnSignals({ async close() { await worker.stop(); await db.close(); } });
      return;
    }
    case 'project create':
      return admin(async (pool) => {
        const p = await withTx(pool, (tx) => createProject(tx, need('name')));
        return { gid: p.gid };
      });
    case 'user create':
      return admin((pool) => withTx(pool, async (tx) => {
        const project = await getProjectByGid(tx, need('project'));
        const user = await ensureUser(tx, need('email'));
        await setMembership(tx, project.id, user.id, need('role') as Role);
        return { user_id: user.gid, api_key: await createApiKey(tx, user.id, project.id) };
      }));
    case 'key create':
      return admin((pool) => withTx(pool, async (tx) => {
        const project = await getProjectByGid(tx, need('project'));
        const user = await findUserByEmail(tx, need('email'));
        if (!user) throw new CoreError('not_found', 'no user with that email');
        return { api_key: await createApiKey(tx, user.id, project.id) };
      }));
    case 'key revoke':
      return admin(async (pool) => { await revokeApiKey(pool, need('key')); return { revoked: true }; });
    default:
      fail(USAGE);
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof DataDirBusyError) fail(`assetlib: ${err.message}`, 1);
  if (err instanceof CoreError) fail(`assetlib: ${err.message}`, 1);
  if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') fail(`${err.message}\n${USAGE}`);
  console.error(err);
  process.exit(1);
});
