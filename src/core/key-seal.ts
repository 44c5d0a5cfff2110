// Sealing API keys (AES-256-GCM) so that HMAC signatures made with them can be verified.
// The secret (KEY_SEAL_SECRET, else DATA_DIR/secrets.json: src/core/secrets.ts) is handed over
// once at start by the composition root through useKeySealSecret; it is never in the database.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.ts';

let configured: Buffer | undefined;

const derive = (value: string) => createHash('sha256').update(value).digest();

/** Called once at start with the key-sealing secret loaded by loadSecrets. */
export function useKeySealSecret(value: string): void {
  configured = derive(value);
}

function secret(): Buffer {
  if (!configured) throw new Error('the key-sealing secret was not loaded (loadSecrets, then useKeySealSecret, at start)');
  return configured;
}

function seal(key: Buffer, clear: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(clear, 'utf8'), c.final()]);
  return [iv, c.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

function unseal(key: Buffer, sealed: string): string {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(body), d.final()]).toString('utf8');
}

export function sealKey(key: string): string {
  return seal(secret(), key);
}

export function unsealKey(sealed: string): string {
  return unseal(secret(), sealed);
}

/**
 * Re-seals every sealed API key from `from` to `to` (inside the caller's transaction, one UPDATE);
 * returns how many. A key that does not open under `from` fails the whole rotation.
 */
export async function resealAll(tx: Db, from: string, to: string): Promise<number> {
  const [a, b] = [derive(from), derive(to)];
  const { rows } = await tx.query('SELECT id, key_sealed FROM api_keys WHERE key_sealed IS NOT NULL FOR UPDATE');
  const ids = rows.map((r) => r.id);
  const sealed = rows.map((r) => seal(b, unseal(a, r.key_sealed)));
  await tx.query('UPDATE api_keys k SET key_sealed = v.s FROM unnest($1::bigint[], $2::text[]) AS v(id, s) WHERE k.id = v.id', [ids, sealed]);
  if (configured) configured = b;
  return rows.length;
}
