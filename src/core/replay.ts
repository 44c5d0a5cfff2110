// Single-use request signatures (Uplynk's strict mode): a signature is accepted once while its
// timestamp is inside the accepted window. Shared by every server through the database.
import type { Db } from '../db/pool.ts';

/**
 * Records a verified signature as used until `expiresAtSeconds` (unix); false when it was already
 * used. Expired records are pruned by the same statement.
 */
export async function useSignatureOnce(db: Db, sig: Buffer, expiresAtSeconds: number): Promise<boolean> {
  const { rows } = await db.query(
    `WITH prune AS (DELETE FROM uplynk_used_sigs WHERE expires_at < now()),
     ins AS (INSERT INTO uplynk_used_sigs(sig, expires_at) VALUES ($1, to_timestamp($2))
             ON CONFLICT (sig) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM ins`, [sig, expiresAtSeconds]);
  return rows[0].n === 1;
}
