// Worker settings from the environment (documented in docs/jobs.md).
export interface WorkerSettings {
  batchSize: number;  // JOB_BATCH_SIZE: selected assets (subtree roots) per batch transaction
  leaseMs: number;    // JOB_LEASE_MS: a claimed job is reclaimable this long after its last renewal
  pollMs: number;     // JOB_POLL_MS: how often an idle worker looks for work
  emitMs: number;     // JOB_EMIT_MS: minimum spacing of progress events while processing
}

function num(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

export function workerSettings(overrides: Partial<WorkerSettings> = {}): WorkerSettings {
  return {
    batchSize: num('JOB_BATCH_SIZE', 5000),
    leaseMs: num('JOB_LEASE_MS', 10_000, 1000),
    pollMs: num('JOB_POLL_MS', 1000, 10),
    emitMs: num('JOB_EMIT_MS', 500, 0),
    ...overrides,
  };
}
