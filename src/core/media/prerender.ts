// Renditions rendered in the background after an upload commits (MEDIA_PRERENDER, by default the
// web console's thumbnail), as a DAM renders its standard preview at ingest: the first look at a
// folder then finds them ready (dam/transforms answers their URLs) instead of rendering on view.
// In-process and best effort: a bounded queue, one background render at a time per process (the
// transform's own semaphore bounds all renders), nothing retried; what a restart or a full queue
// drops is rendered on first view by dam/transform, as before. The render is transformAsset's:
// the same cache row, lock and in-flight sharing, so a viewer asking meanwhile joins it.
import type { Actor } from '../keys.ts';
import { IMAGE_INPUT_MIMES } from './formats.ts';
import { transformAsset, type MediaDeps } from './transform.ts';
import { parseTransformOptions } from './options.ts';

export interface PrerenderFile { gid: string; version: number; mime: string | null }

export interface Prerenderer {
  /** Queues the renditions of these files (non-images are skipped); never throws, never waits. */
  enqueue(actor: Actor, files: PrerenderFile[]): void;
  /** Resolves when the queue is empty and nothing is rendering (tests, shutdown). */
  idle(): Promise<void>;
  /** Drops what is queued and waits for the renders running. */
  close(): Promise<void>;
}

export interface PrerenderOptions {
  /** dam/transform options path of the rendition (checked here); '' or 'none' renders nothing */
  options: string;
  /** background renders at once (default 1) */
  concurrency?: number;
  /** queued renders beyond this are dropped (default 10,000) */
  maxQueued?: number;
  onError?: (err: unknown, file: PrerenderFile) => void;
}

/** MEDIA_PRERENDER's value that renders nothing (an empty environment variable means the default). */
export const NO_PRERENDER = 'none';

const isOff = (options: string) => options === '' || options === NO_PRERENDER;

/** Why MEDIA_PRERENDER's value is not an options path dam/transform takes, or undefined. */
export function prerenderOptionsProblem(options: string): string | undefined {
  if (isOff(options)) return undefined;
  try {
    parseTransformOptions(options);
    return undefined;
  } catch (err) {
    return `invalid configuration: MEDIA_PRERENDER=${JSON.stringify(options)}: ${(err as Error).message}`;
  }
}

export function createPrerenderer(deps: MediaDeps, opts: PrerenderOptions): Prerenderer {
  const problem = prerenderOptionsProblem(opts.options);
  if (problem) throw new Error(problem);
  const off = isOff(opts.options);
  const concurrency = opts.concurrency ?? 1;
  const maxQueued = opts.maxQueued ?? 10_000;
  const queue: { actor: Actor; file: PrerenderFile }[] = [];
  let running = 0;
  let closed = false;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (running > 0 || queue.length > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const pump = () => {
    while (!closed && running < concurrency && queue.length > 0) {
      const { actor, file } = queue.shift()!;
      running++;
      transformAsset(deps, actor, `${file.gid}~${file.version}`, opts.options)
        .catch((err) => opts.onError?.(err, file))
        .finally(() => { running--; pump(); settle(); });
    }
    settle();
  };
  return {
    enqueue(actor, files) {
      if (closed || off) return;
      for (const file of files) {
        if (!file.mime || !IMAGE_INPUT_MIMES.has(file.mime)) continue;
        if (queue.length >= maxQueued) break;
        queue.push({ actor, file });
      }
      // after the caller's answer is on its way
      setImmediate(pump);
    },
    idle() {
      return new Promise((resolve) => { waiters.push(resolve); setImmediate(settle); });
    },
    async close() {
      closed = true;
      queue.length = 0;
      await new Promise<void>((resolve) => { waiters.push(resolve); settle(); });
    },
  };
}
