// Jobs seen in this session: those the console started and every job of the project the feed
// reports. Progress, rate and ETA come from the server's counts (cc "jobs" events).
import type { FeedEvent, Job } from './types.ts';

const jobs = new Map<string, Job>();
const listeners = new Set<() => void>();
let version = 0;

const notify = () => { version++; for (const l of listeners) l(); };
export const jobsVersion = () => version;
export function onJobs(fn: () => void): () => void {
  listeners.add(fn);
  return () => { listeners.delete(fn); };
}
export const allJobs = () => [...jobs.values()].sort((a, b) => (b.created_on ?? 0) - (a.created_on ?? 0));

export const processed = (j: Job) => (j.info.done ?? 0) + Object.values(j.info.failed ?? {}).reduce((a, b) => a + b, 0);

export function upsertJob(j: Job): void {
  const prev = jobs.get(j.token);
  if (prev && order(prev) > order(j)) return; // an older state arriving late
  const samples = [...(prev?.samples ?? [])];
  const n = processed(j);
  if (samples.length === 0 || samples[samples.length - 1][1] !== n) samples.push([Date.now(), n]);
  jobs.set(j.token, { ...prev, ...j, samples: samples.slice(-20) });
  notify();
}

const RANK = { queued: 0, processing: 1, done: 2, rejected: 2 } as const;
const order = (j: Job) => RANK[j.status] * 1e12 + processed(j);

export function applyJobEvent(e: FeedEvent, project: string | undefined): void {
  const d = e.data as Partial<Job> & { project_gid?: string } | undefined;
  if (!d || (project && d.project_gid && d.project_gid !== project)) return;
  upsertJob({ token: e.data_key, job: String(d.job ?? ''), status: d.status ?? 'queued', info: d.info ?? {}, created_on: d.created_on, updated_on: d.updated_on });
}

/** Items per second over the recent samples, and the seconds left at that rate. */
export function rateOf(j: Job): { rate: number | null; eta: number | null } {
  const s = j.samples ?? [];
  if (s.length < 2) return { rate: null, eta: null };
  const [t0, n0] = s[Math.max(0, s.length - 8)];
  const [t1, n1] = s[s.length - 1];
  if (t1 <= t0) return { rate: null, eta: null };
  const rate = ((n1 - n0) * 1000) / (t1 - t0);
  const remaining = j.info.remaining ?? 0;
  return { rate, eta: rate > 0 ? remaining / rate : null };
}
