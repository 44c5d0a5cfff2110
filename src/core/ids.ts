// Public ids are UUIDs everywhere (one id per asset, library, user and project in every dialect).
// Dialects may receive them in the 32-hex form Uplynk shows; both normalise to the dashed form.
import { invalid } from './errors.ts';

const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32 = /^[0-9a-f]{32}$/i;
const LOWER_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The canonical (lowercase, dashed) form of an id, or undefined when it is not a UUID. */
export function normalizeId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  if (raw.length === 36 && LOWER_DASHED.test(raw)) return raw; // the common case: already canonical
  const s = raw.trim();
  if (DASHED.test(s)) return s.toLowerCase();
  if (HEX32.test(s)) {
    const h = s.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}

export function isId(raw: unknown): raw is string {
  return normalizeId(raw) !== undefined;
}

/** Normalises or throws `invalid` naming the field. */
export function requireId(raw: unknown, field: string): string {
  const id = normalizeId(raw);
  if (!id) throw invalid(`${field} must be a gid (uuid)`, { field, value: raw });
  return id;
}
