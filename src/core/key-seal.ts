// Sealing API keys (AES-256-GCM) so that HMAC signatures made with them can be verified.
// The secret is KEY_SEAL_SECRET when set (given by the composition root through useKeySealSecret),
// else the one generated into the settings table.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.ts';

const cache = new WeakMap<object, Buffer>();
let configured: Buffer | undefined;

/** Called once at start with config.keySealSecret (undefined: the generated one in the database). */
export function useKeySealSecret(value: string | undefined): void {
  configured = value ? createHash('sha256').update(value).digest() : undefined;
}

async function secret(db: Db): Promise<Buffer> {
  if (configured) return configured;
  let s = cache.get(db);
  if (!s) {
    const { rows } = await db.query("SELECT value FROM settings WHERE key = 'key_seal_secret'");
    s = createHash('sha256').update(rows[0].value).digest();
    cache.set(db, s);
  }
  return s;
}

export async function sealKey(db: Db, key: string): Promise<string> {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', await secret(db), iv);
  const body = Buffer.concat([c.update(key, 'utf8'), c.final()]);
  return [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export async function unsealKey(db: Db, sealed: string): Promise<string> {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  const d = createDecipheriv('aes-256-gcm', await secret(db), iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(body), d.final()]).toString('utf8');
}
