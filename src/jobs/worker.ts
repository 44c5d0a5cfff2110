// The job worker: claims queued jobs and runs them in batches. Runs inside the server by default,
// or alone as `assetlib worker`.
import type pg from 'pg';

export interface WorkerHandle { stop(): Promise<void> }

export function startWorker(_db: pg.Pool, _log: (m: string) => void = () => {}): WorkerHandle {
  // filled in by the jobs work
  return { async stop() {} };
}
