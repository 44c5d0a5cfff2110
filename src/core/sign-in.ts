// Sign-in with an email and an API key (the web console's form): the key must be active and belong
// to the user with that email. The key decides the project (one key = one user in one project).
import type { Db } from '../db/pool.ts';
import { actorForKey, type Actor } from './keys.ts';
import { invalid, unauthenticated } from './errors.ts';

export async function signIn(db: Db, email: unknown, apiKey: unknown): Promise<Actor> {
  if (typeof email !== 'string' || email.trim() === '') throw invalid('email is required', { field: 'email' });
  if (typeof apiKey !== 'string' || apiKey.trim() === '') throw invalid('api_key is required', { field: 'api_key' });
  let actor: Actor;
  try {
    actor = await actorForKey(db, apiKey.trim());
  } catch {
    throw unauthenticated('unknown email or API key');
  }
  // one message for both cases: a caller cannot probe which keys exist
  if (actor.email.toLowerCase() !== email.trim().toLowerCase()) throw unauthenticated('unknown email or API key');
  return actor;
}
