// Worker settings, taken from the configuration (JOB_* variables, documented in docs/jobs.md).
import type { Config } from '../config.ts';

export interface WorkerSettings {
  batchSize: number;  // JOB_BATCH_SIZE: selected assets (subtree roots) per batch transaction
  leaseMs: number;    // JOB_LEASE_MS: a claimed job is reclaimable this long after its last renewal
  pollMs: number;     // JOB_POLL_MS: how often an idle worker looks for work
  emitMs: number;     // JOB_EMIT_MS: minimum spacing of progress events while processing
}

export function workerSettings(config: Pick<Config, 'jobBatchSize' | 'jobLeaseMs' | 'jobPollMs' | 'jobEmitMs'>): WorkerSettings {
  return { batchSize: config.jobBatchSize, leaseMs: config.jobLeaseMs, pollMs: config.jobPollMs, emitMs: config.jobEmitMs };
}
