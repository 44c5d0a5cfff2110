// The two server secrets, kept out of the database: the JWT signing secret and the key-sealing
// secret (docs/hardening.md#secrets).
//
// Each comes from the environment (JWT_SECRET, KEY_SEAL_SECRET) when set, else from the key file
// DATA_DIR/secrets.json (mode 0600, created once, atomically: a complete file is linked into
// place, so two processes starting at once on one DATA_DIR read the same one). The database holds
// only a check value per secret (an HMAC of a constant under the secret: it does not give the
// secret away), so that a host with another secret is refused at start instead of forging JWTs
// the others reject or sealing keys the others cannot open. Installs from before kept both
// secrets in the `settings` table: the first start moves them to the key file and deletes them
// from the database in the same transaction that records their check values.
import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { withTx, type Db } from '../db/pool.ts';
import { StartupError } from '../startup/preflight.ts';
import { resealAll } from './key-seal.ts';

export interface Secrets { jwtSecret: string; keySealSecret: string }
type Name = keyof Secrets;

/** the key-sealing secret first: losing it loses every API key, so its refusal is the one to show */
const NAMES: Name[] = ['keySealSecret', 'jwtSecret'];
/** The settings rows: the legacy secret (removed at first start) and its check value. */
const LEGACY: Record<Name, string> = { jwtSecret: 'jwt_secret', keySealSecret: 'key_seal_secret' };
const CHECK: Record<Name, string> = { jwtSecret: 'jwt_secret_check', keySealSecret: 'key_seal_secret_check' };
const ENV: Record<Name, string> = { jwtSecret: 'JWT_SECRET', keySealSecret: 'KEY_SEAL_SECRET' };
/** Serialises secret set-up and rotation between processes on one database. */
const LOCK_KEY = 727_271_011;

export const secretsFile = (dataDir: string) => join(dataDir, 'secrets.json');

/** The value stored in the database for `secret`: proves agreement without revealing it. */
export const checkValue = (secret: string) => createHmac('sha256', secret).update('assetlib secret check v1').digest('hex');

const generate = () => randomBytes(32).toString('hex');

function readFile(file: string): Partial<Secrets> {
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return { ...(typeof v.jwtSecret === 'string' ? { jwtSecret: v.jwtSecret } : {}), ...(typeof v.keySealSecret === 'string' ? { keySealSecret: v.keySealSecret } : {}) };
  } catch {
    throw new StartupError(`${file} is not readable JSON {"jwtSecret": ..., "keySealSecret": ...}; restore it from a backup or from another host`);
  }
}

/** Writes `content` to a fresh file (0600, synced) beside `file`; returns its path. */
function writeTemp(file: string, content: Partial<Secrets>): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  return tmp;
}

/** Creates `file` with `content` unless it exists (then false). Never exposes a partial file. */
function createOnce(file: string, content: Partial<Secrets>): boolean {
  const tmp = writeTemp(file, content);
  try { linkSync(tmp, file); return true; } catch (e: any) {
    if (e.code === 'EEXIST') return false;
    throw e;
  } finally { unlinkSync(tmp); }
}

/** Replaces `file` atomically (rename over it). */
function replace(file: string, content: Partial<Secrets>): void {
  renameSync(writeTemp(file, content), file);
}

/** Writes the key file (`assetlib restore`: the secrets the restored database's check values were made with). */
export function writeSecretsFile(dataDir: string, content: Partial<Secrets>): void {
  replace(secretsFile(dataDir), content);
}

async function settings(tx: Db): Promise<Map<string, string>> {
  const { rows } = await tx.query(`SELECT key, value FROM settings WHERE key = ANY($1)`, [[...Object.values(LEGACY), ...Object.values(CHECK)]]);
  return new Map(rows.map((r) => [r.key as string, r.value as string]));
}

async function sealedKeyCount(tx: Db): Promise<number> {
  const { rows } = await tx.query('SELECT count(*)::int AS n FROM api_keys WHERE key_sealed IS NOT NULL');
  return rows[0].n;
}

const mismatch = (name: Name, source: string) => new StartupError(
  `${source} does not hold this database's ${ENV[name] === 'JWT_SECRET' ? 'JWT secret' : 'key-sealing secret'} ` +
  `(every server and worker on one database needs the same ${ENV[name]}, or a copy of the same DATA_DIR/secrets.json; docs/hardening.md#secrets)`);

/**
 * The secrets of this process: from `env` (the configuration) or DATA_DIR/secrets.json, checked
 * against the database, created on a new database, moved out of `settings` on an old one.
 * Throws a StartupError (one line) when a secret the database was set up with cannot be found.
 */
export async function loadSecrets(pool: pg.Pool, dataDir: string, env: Partial<Secrets>): Promise<Secrets> {
  const file = secretsFile(dataDir);
  return withTx(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const rows = await settings(tx);
    let fromFile = readFile(file);
    // a rotation stopped between its commit and the rename of its new file: finish it
    const next = readFile(`${file}.next`);
    if (NAMES.some((n) => next[n] && rows.get(CHECK[n]) === checkValue(next[n]!) && fromFile[n] !== next[n])) {
      renameSync(`${file}.next`, file);
      fromFile = next;
    }
    const out = {} as Secrets;
    const toFile: Partial<Secrets> = {};
    for (const name of NAMES) {
      const legacy = rows.get(LEGACY[name]);
      // a legacy value was never used when the environment gave the secret
      const expected = rows.get(CHECK[name]) ?? (legacy !== undefined && env[name] === undefined ? checkValue(legacy) : undefined);
      const value = env[name] ?? fromFile[name] ?? legacy;
      const source = env[name] !== undefined ? ENV[name] : fromFile[name] !== undefined ? file : 'the settings table';
      if (value === undefined) {
        if (expected !== undefined) {
          const keys = name === 'keySealSecret' ? await sealedKeyCount(tx) : 0;
          throw new StartupError(
            `this database was set up with a ${name === 'jwtSecret' ? 'JWT secret' : 'key-sealing secret'} that is not here: ` +
            `neither ${ENV[name]} nor ${file} holds it${keys ? ` (and ${keys} API keys are sealed under it)` : ''}; ` +
            `set ${ENV[name]} or copy secrets.json from the host that has it (docs/hardening.md#secrets)`);
        }
        out[name] = generate();
      } else {
        if (expected !== undefined && checkValue(value) !== expected) throw mismatch(name, source);
        out[name] = value;
      }
      if (env[name] === undefined) toFile[name] = out[name];
    }
    const missing = NAMES.some((n) => toFile[n] !== undefined && fromFile[n] === undefined);
    if (missing) {
      const content = { ...fromFile, ...toFile };
      if (!existsSync(file)) {
        if (!createOnce(file, content)) {
          // another process on this DATA_DIR created it first (same database: it holds the same
          // legacy secrets, or waited on the lock above): start over with its file
          throw new RetryError();
        }
      } else {
        replace(file, content);
      }
    }
    for (const name of NAMES) {
      await tx.query(`INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [CHECK[name], checkValue(out[name])]);
    }
    await tx.query('DELETE FROM settings WHERE key = ANY($1)', [Object.values(LEGACY)]);
    return out;
  }).catch(async (e) => {
    if (e instanceof RetryError) return loadSecrets(pool, dataDir, env);
    throw e;
  });
}

class RetryError extends Error {}

export interface Rotation {
  /** the secrets now in force */
  secrets: Secrets;
  /** API keys re-sealed */
  resealed: number;
  /** where the new secrets are: the key file, or the environment variables to set everywhere */
  where: string;
}

/**
 * Rotates `which` secrets: new values (from `next`, else generated), every sealed API key
 * re-sealed and the check values replaced in one transaction. Secrets from the key file are
 * written to it (secrets.json.next before the commit, renamed over secrets.json after it; a
 * start finishes a rename a crash interrupted). A secret given in the environment must get its
 * new value in `next` (NEW_JWT_SECRET, NEW_KEY_SEAL_SECRET): the caller then sets it everywhere.
 */
export async function rotateSecrets(pool: pg.Pool, dataDir: string, env: Partial<Secrets>, which: Name[], next: Partial<Secrets>): Promise<Rotation> {
  const current = await loadSecrets(pool, dataDir, env);
  for (const name of which) {
    if (env[name] !== undefined && next[name] === undefined) {
      throw new StartupError(`${ENV[name]} is set in the environment: give its new value in NEW_${ENV[name]} (then set ${ENV[name]} to it on every host)`);
    }
  }
  const file = secretsFile(dataDir);
  const fresh: Secrets = { ...current };
  for (const name of which) fresh[name] = next[name] ?? generate();
  const fileContent: Partial<Secrets> = {};
  for (const name of NAMES) if (env[name] === undefined) fileContent[name] = fresh[name];
  const writesFile = which.some((n) => env[n] === undefined);
  let resealed = 0;
  await withTx(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    if (which.includes('keySealSecret')) resealed = await resealAll(tx, current.keySealSecret, fresh.keySealSecret);
    for (const name of which) {
      await tx.query('UPDATE settings SET value = $2 WHERE key = $1', [CHECK[name], checkValue(fresh[name])]);
    }
    if (writesFile) renameSync(writeTemp(file, fileContent), `${file}.next`);
  });
  if (writesFile) renameSync(`${file}.next`, file);
  const envNames = which.filter((n) => env[n] !== undefined).map((n) => ENV[n]);
  return {
    secrets: fresh, resealed,
    where: [writesFile ? file : '', envNames.length ? `set ${envNames.join(' and ')} to the new value(s) on every host` : ''].filter(Boolean).join('; '),
  };
}
