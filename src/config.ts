// Configuration from the environment. Every setting has a default; see the README's table.
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  runWorker: boolean;
  changeRetentionDays: number;
  logLevel: string;
  /** the whole request, body included, must arrive within this (0: no limit); Node answers 408 */
  requestTimeoutMs: number;
  /** the request line and headers must arrive within this */
  headersTimeoutMs: number;
  /** an idle kept-alive connection is closed after this */
  keepAliveTimeoutMs: number;
  /** a connection with no traffic either way for this long is closed (0: never) */
  connectionTimeoutMs: number;
  /** Uplynk msg/sig: 'vendor' (as Uplynk documents it) or 'strict' (single-use signatures; docs/dialects/uplynk.md) */
  uplynkAuth: 'vendor' | 'strict';
  /** The origin public media URLs start with (e.g. https://dam.example.com); default: the request's. */
  publicUrl: string | undefined;
  /** How many dam/transform renders run at once in this process. */
  mediaRenderConcurrency: number;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function loadConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: process.env.HOST ?? '127.0.0.1',
    port: int('PORT', 8080),
    dataDir: resolve(process.env.DATA_DIR ?? './data'),
    databaseUrl: process.env.DATABASE_URL || undefined,
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 4 * 1024 * 1024),
    uploadLimitBytes: int('UPLOAD_LIMIT_BYTES', 512 * 1024 * 1024),
    jwtSecret: process.env.JWT_SECRET || undefined,
    jwtTtlSeconds: int('JWT_TTL_SECONDS', 3600),
    runWorker: (process.env.RUN_WORKER ?? '1') !== '0',
    changeRetentionDays: int('CHANGE_RETENTION_DAYS', 30),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 300_000),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 20_000),
    keepAliveTimeoutMs: int('KEEP_ALIVE_TIMEOUT_MS', 65_000),
    connectionTimeoutMs: int('CONNECTION_TIMEOUT_MS', 120_000),
    uplynkAuth: oneOf('UPLYNK_AUTH', ['vendor', 'strict'] as const, 'vendor'),
    publicUrl: process.env.PUBLIC_URL || undefined,
    mediaRenderConcurrency: Math.max(1, int('MEDIA_RENDER_CONCURRENCY', availableParallelism())),
    ...overrides,
  };
}
