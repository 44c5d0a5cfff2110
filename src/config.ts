// The configuration: one TypeBox schema, read once from the environment at the composition root
// (src/cli/main.ts) and passed down. Nothing below this file reads process.env.
//
// Each property names its environment variable (`env`), its default and its meaning; the README's
// configuration table is this schema. loadConfig() throws a ConfigError with one line naming the
// variable, its value (unless secret) and what is expected.
import { resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { Type, FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

FormatRegistry.Set('postgres-url', (v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch { return false; }
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface Meta { env: string; description: string; secret?: boolean }
const int = (min: number, max: number | undefined, dflt: number, m: Meta) =>
  Type.Integer({ minimum: min, ...(max === undefined ? {} : { maximum: max }), default: dflt, ...m });
const optInt = (min: number, m: Meta) => Type.Optional(Type.Integer({ minimum: min, ...m }));

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1, default: '127.0.0.1', env: 'HOST', description: 'address to listen on' }),
  port: int(0, 65535, 8080, { env: 'PORT', description: 'port to listen on (`0`: any free port)' }),
  dataDir: Type.String({ minLength: 1, default: './data', env: 'DATA_DIR', description: 'embedded database, uploaded file contents (`blobs/`), the key file `secrets.json`, the process lock' }),
  databaseUrl: Type.Optional(Type.String({ format: 'postgres-url', env: 'DATABASE_URL', secret: true, description: 'PostgreSQL (15+) to use, `postgres://user:password@host:port/database`; unset: the embedded PostgreSQL under `DATA_DIR/pg`' })),
  databaseConnectTimeoutMs: int(1, undefined, 10_000, { env: 'DATABASE_CONNECT_TIMEOUT_MS', description: 'a database connection not ready within this time fails (at start: a clear error and exit)' }),
  bodyLimitBytes: int(1, undefined, 4 * 1024 * 1024, { env: 'BODY_LIMIT_BYTES', description: 'largest JSON/XML request body (413 beyond)' }),
  uploadLimitBytes: int(1, undefined, 512 * 1024 * 1024, { env: 'UPLOAD_LIMIT_BYTES', description: 'largest uploaded file (413 beyond)' }),
  blobStore: Type.Union([Type.Literal('disk'), Type.Literal('s3')], { default: 'disk', env: 'BLOB_STORE', description: "where file contents go: 'disk' (DATA_DIR/blobs) or 's3' (an S3-compatible bucket, S3_*; docs/storage.md)" }),
  s3Bucket: Type.Optional(Type.String({ minLength: 1, env: 'S3_BUCKET', description: 'BLOB_STORE=s3: the bucket (it must exist)' })),
  s3Prefix: Type.String({ default: '', pattern: '^$|/$', env: 'S3_PREFIX', description: "BLOB_STORE=s3: key prefix inside the bucket ('' or ending in /)" }),
  s3Endpoint: Type.Optional(Type.String({ minLength: 1, env: 'S3_ENDPOINT', description: 'BLOB_STORE=s3: endpoint URL of an S3-compatible service (MinIO, Ceph, R2...); unset: AWS' })),
  s3Region: Type.String({ minLength: 1, default: 'us-east-1', env: 'S3_REGION', description: 'BLOB_STORE=s3: region' }),
  s3ForcePathStyle: Type.Boolean({ default: false, env: 'S3_FORCE_PATH_STYLE', description: 'BLOB_STORE=s3: path-style URLs (`1` for most self-hosted services)' }),
  s3AccessKeyId: Type.Optional(Type.String({ minLength: 1, env: 'S3_ACCESS_KEY_ID', description: "BLOB_STORE=s3: access key; unset: the AWS SDK's default chain (AWS_* variables, profile, instance role)" })),
  s3SecretAccessKey: Type.Optional(Type.String({ minLength: 1, env: 'S3_SECRET_ACCESS_KEY', secret: true, description: 'BLOB_STORE=s3: secret key' })),
  jwtSecret: Type.Optional(Type.String({ minLength: 1, env: 'JWT_SECRET', secret: true, description: 'JWT signing secret, the same on every server on the database; unset: generated into `DATA_DIR/secrets.json` (docs/hardening.md#secrets)' })),
  jwtTtlSeconds: int(1, undefined, 3600, { env: 'JWT_TTL_SECONDS', description: 'lifetime of a JWT (renewed on every authenticated Unicat call)' }),
  keySealSecret: Type.Optional(Type.String({ minLength: 1, env: 'KEY_SEAL_SECRET', secret: true, description: 'secret sealing API keys (needed to verify Uplynk HMAC signatures), the same on every server on the database; unset: generated into `DATA_DIR/secrets.json`' })),
  newJwtSecret: Type.Optional(Type.String({ minLength: 1, env: 'NEW_JWT_SECRET', secret: true, description: '`assetlib secrets rotate` only: the new JWT_SECRET when it is given in the environment' })),
  newKeySealSecret: Type.Optional(Type.String({ minLength: 1, env: 'NEW_KEY_SEAL_SECRET', secret: true, description: '`assetlib secrets rotate` only: the new KEY_SEAL_SECRET when it is given in the environment' })),
  runWorker: Type.Boolean({ default: true, env: 'RUN_WORKER', description: '`0`: this server runs no jobs (leave them to `assetlib worker` processes)' }),
  jobBatchSize: int(1, undefined, 5000, { env: 'JOB_BATCH_SIZE', description: 'selected assets per job batch (each batch is one transaction)' }),
  jobLeaseMs: int(1000, undefined, 10_000, { env: 'JOB_LEASE_MS', description: 'a claimed job is reclaimable this long after its last renewal' }),
  jobPollMs: int(10, undefined, 1000, { env: 'JOB_POLL_MS', description: 'how often an idle worker looks for work' }),
  jobEmitMs: int(0, undefined, 500, { env: 'JOB_EMIT_MS', description: 'minimum spacing of job progress events' }),
  changeRetentionDays: int(0, undefined, 30, { env: 'CHANGE_RETENTION_DAYS', description: 'change-feed events older than this are pruned (`0`: keep forever)' }),
  changeRetentionSeconds: optInt(0, { env: 'CHANGE_RETENTION_SECONDS', description: 'finer retention age; overrides CHANGE_RETENTION_DAYS' }),
  changePruneIntervalMs: optInt(1, { env: 'CHANGE_PRUNE_INTERVAL_MS', description: 'prune interval (default: a tenth of the age, between 1 s and 1 h)' }),
  requestTimeoutMs: int(0, undefined, 300_000, { env: 'REQUEST_TIMEOUT_MS', description: 'a whole request, body included, must arrive within this (408 and closed beyond; `0`: no limit)' }),
  headersTimeoutMs: int(1, undefined, 20_000, { env: 'HEADERS_TIMEOUT_MS', description: 'the request line and headers must arrive within this (at most REQUEST_TIMEOUT_MS)' }),
  keepAliveTimeoutMs: int(1, undefined, 65_000, { env: 'KEEP_ALIVE_TIMEOUT_MS', description: 'an idle kept-alive connection is closed after this' }),
  connectionTimeoutMs: int(0, undefined, 120_000, { env: 'CONNECTION_TIMEOUT_MS', description: 'a connection with no traffic either way for this long is closed (`0`: never)' }),
  uplynkAuth: Type.Union([Type.Literal('vendor'), Type.Literal('strict')], { default: 'vendor', env: 'UPLYNK_AUTH', description: "Uplynk msg/sig: 'vendor' (as Uplynk documents it) or 'strict' (single-use signatures, _method/_path checked; docs/dialects/uplynk.md)" }),
  authFailLimit: int(0, undefined, 30, { env: 'AUTH_FAIL_LIMIT', description: 'failed authentications per client address per window before every authentication from it gets 429 (`0`: no limit; docs/hardening.md#protection-layers)' }),
  authFailWindowSeconds: int(1, undefined, 60, { env: 'AUTH_FAIL_WINDOW_SECONDS', description: 'the window of AUTH_FAIL_LIMIT' }),
  publicUrl: Type.Optional(Type.String({ minLength: 1, env: 'PUBLIC_URL', description: 'the origin public media URLs start with (e.g. https://dam.example.com); default: the request\'s' })),
  mediaRenderConcurrency: int(1, undefined, availableParallelism(), { env: 'MEDIA_RENDER_CONCURRENCY', description: 'how many dam/transform renders run at once in this process' }),
  mediaPrerender: Type.String({ default: 'width=320/type=webp/q=80', env: 'MEDIA_PRERENDER', description: "dam/transform options of a rendition rendered in the background after each image upload (the default is the web console's thumbnail, so a folder's first view finds them ready); `none`: no background render" }),
  corsOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [], env: 'CORS_ORIGINS', description: 'comma-separated origins allowed to call the API (and socket.io) from a browser besides the server\'s own (e.g. https://app.example.com); unset: CORS off' }),
  logLevel: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info', env: 'LOG_LEVEL', description: 'pino log level' }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function convert(schema: TSchema, raw: string): unknown {
  switch (schema.type) {
    case 'integer': case 'number': return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return raw;
    }
    case 'array': return raw.split(',').map((s) => s.trim()).filter(Boolean);
    default: return raw;
  }
}

function expected(schema: TSchema, message: string): string {
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((s: TSchema) => 'const' in s)) {
    return `must be one of ${schema.anyOf.map((s: TSchema) => s.const).join(', ')}`;
  }
  if (schema.format === 'postgres-url') return 'must be a URL postgres://user:password@host:port/database';
  if (schema.type === 'boolean') return 'must be 1 or 0 (true or false)';
  if (schema.type === 'integer') {
    const { minimum: lo, maximum: hi } = schema;
    return `must be an integer${hi !== undefined ? ` from ${lo} to ${hi}` : lo !== undefined ? ` >= ${lo}` : ''}`;
  }
  return message.replace(/^Expected/, 'must be').replace('less or equal to', '<=').replace('greater or equal to', '>=');
}

/** The schema's environment variables with their defaults and meanings (for docs and --help). */
export function configVariables(): { env: string; key: string; default: unknown; description: string }[] {
  return Object.entries(ConfigSchema.properties).map(([key, s]) => ({ key, env: s.env, default: s.default, description: s.description ?? '' }));
}

/**
 * Reads the configuration from `env` (the composition root passes process.env) and applies
 * `overrides` (tests). Throws ConfigError on the first invalid variable.
 */
export function loadConfig(overrides: Partial<Config> = {}, env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(ConfigSchema.properties) as [string, TSchema][]) {
    if (key in overrides) continue;
    const raw = env[schema.env];
    if (raw === undefined || raw === '') {
      if (schema.default !== undefined) out[key] = schema.default;
      continue;
    }
    const value = convert(schema, raw);
    if (!Value.Check(schema, value)) {
      const first = Value.Errors(schema, value).First();
      const shown = schema.secret ? '' : `=${JSON.stringify(raw)}`;
      throw new ConfigError(`invalid configuration: ${schema.env}${shown} ${expected(schema, first?.message ?? 'is invalid')}`);
    }
    out[key] = value;
  }
  const config = { ...out, ...overrides } as Config;
  config.dataDir = resolve(config.dataDir);
  if (config.blobStore === 's3' && !config.s3Bucket) throw new ConfigError('invalid configuration: BLOB_STORE=s3 needs S3_BUCKET');
  return config;
}
