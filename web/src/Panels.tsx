// The uploads and jobs panels: per-file and total upload progress; each job's live progress
// (done/total, rate, ETA), cancel, and its result (failures by reason).
import { useSyncExternalStore } from 'react';
import { clearFinished, onUploads, uploads } from './uploads-store.ts';
import { allJobs, jobsVersion, onJobs, processed, rateOf, upsertJob } from './jobs-store.ts';
import { unicat } from './api.ts';
import { notifyError } from './notify.ts';
import { count, duration, size } from './format.ts';
import type { Job } from './types.ts';

export function UploadsPanel() {
  const list = useSyncExternalStore(onUploads, uploads);
  if (list.length === 0) return null;
  const total = list.reduce((a, i) => a + i.size, 0);
  const sent = list.reduce((a, i) => a + (i.state === 'done' ? i.size : i.sent), 0);
  const finished = list.filter((i) => i.state === 'done').length;
  const failed = list.filter((i) => i.state === 'failed').length;
  return (
    <section className="panel" aria-labelledby="uploads-title">
      <h2 id="uploads-title">Uploads</h2>
      <p aria-live="polite">{finished} of {list.length} files uploaded{failed ? `, ${failed} failed` : ''} · {size(sent)} of {size(total)}</p>
      <progress max={total || 1} value={sent} aria-label="Total upload progress" />
      <ul className="rows">
        {list.map((i) => (
          <li key={i.id} className={`upload ${i.state}`} data-state={i.state}>
            <span className="name-text" title={i.name}>{i.name}</span>
            <progress max={i.size || 1} value={i.state === 'done' ? i.size : i.sent} aria-label={`${i.name} upload progress`} />
            <span className="muted">{i.state === 'failed' ? <span className="error-text">{i.error}</span> : i.state === 'done' ? 'done' : i.state === 'waiting' ? 'waiting' : `${Math.round((100 * i.sent) / (i.size || 1))}%`}</span>
            {i.abort && <button type="button" className="small" onClick={i.abort} aria-label={`Cancel upload of ${i.name}`}>×</button>}
          </li>
        ))}
      </ul>
      <button type="button" className="small" onClick={clearFinished}>Clear finished</button>
    </section>
  );
}

const LABEL: Record<string, string> = { bulk_delete_assets: 'Delete', bulk_undelete_assets: 'Restore', bulk_move_assets: 'Move' };

function JobRow({ j }: { j: Job }) {
  const total = j.info.total;
  const n = processed(j);
  const { rate, eta } = rateOf(j);
  const failed = Object.entries(j.info.failed ?? {}).filter(([, v]) => v > 0);
  const live = j.status === 'queued' || j.status === 'processing';
  return (
    <li className={`job ${j.status}`} data-token={j.token} data-status={j.status}>
      <div className="job-head">
        <strong>{LABEL[j.job] ?? j.job}</strong>
        <span className="job-status">{j.info.cancelled ? 'cancelled' : j.status}</span>
        {live && <button type="button" className="small" onClick={() => {
          unicat('jobs/cancel', { 'job.token': j.token }).then((r) => r.data?.jobs?.[j.token] && upsertJob({ ...r.data.jobs[j.token], token: j.token }), notifyError);
        }}>Cancel</button>}
      </div>
      <progress max={total || 1} value={total ? n : 0} aria-label={`${LABEL[j.job] ?? j.job} progress`} />
      <div className="job-figures">
        <span className="job-count">{total === undefined ? 'resolving the selection…' : `${count(j.info.done ?? 0)} / ${count(total)} done`}</span>
        {live && rate !== null && <span>{count(Math.round(rate))}/s · ETA {duration(eta)}</span>}
      </div>
      {failed.length > 0 && <p className="job-failed">Failed: {failed.map(([k, v]) => `${count(v)} ${k.replace(/_/g, ' ')}`).join(', ')}</p>}
      {j.info.reason && <p className="error-text">Rejected: {j.info.reason}</p>}
    </li>
  );
}

export function JobsPanel() {
  useSyncExternalStore(onJobs, jobsVersion);
  const jobs = allJobs();
  return (
    <section className="panel" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      {jobs.length === 0 ? <p className="muted">No jobs in this session.</p> : <ul className="rows" aria-live="polite">{jobs.map((j) => <JobRow key={j.token} j={j} />)}</ul>}
    </section>
  );
}
