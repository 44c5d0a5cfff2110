// The live feed: one socket.io connection to /sync/io (docs/sync.md). It renews the JWT from the
// "authorization" event and hands "sync" event lists to subscribers; job events feed the jobs store.
import type { Socket } from 'socket.io-client';
import { afterFirstGrid } from './first-grid.ts';
import { currentSession, renewJwt } from './api.ts';
import type { FeedEvent } from './types.ts';
import { applyJobEvent } from './jobs-store.ts';

type Listener = (events: FeedEvent[]) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<(s: FeedStatus) => void>();
export type FeedStatus = 'connecting' | 'live' | 'offline';
let status: FeedStatus = 'offline';
let socket: Socket | undefined;

function setStatus(s: FeedStatus) {
  status = s;
  for (const l of statusListeners) l(s);
}

export const feedStatus = () => status;
export function onFeedStatus(fn: (s: FeedStatus) => void): () => void {
  statusListeners.add(fn);
  return () => { statusListeners.delete(fn); };
}

export function onFeed(fn: Listener): () => void {
  listeners.add(fn);
  return () => { listeners.delete(fn); };
}

/** the current connection attempt (0: none); a disconnect cancels the one waiting */
let attempt = 0;
let attempts = 0;

/** Connects once the first grid is on screen (first-grid.ts); socket.io's code is loaded then. */
export function connectFeed(): void {
  if (socket || attempt) return;
  setStatus('connecting');
  const mine = attempt = ++attempts;
  void afterFirstGrid.then(() => import('socket.io-client')).then(({ io }) => {
    if (attempt !== mine) return; // disconnected meanwhile
    attempt = 0;
    open(io);
  }, () => { if (attempt === mine) { attempt = 0; setStatus('offline'); } });
}

function open(io: typeof import('socket.io-client').io): void {
  const s = io({
    path: '/sync/io',
    transports: ['websocket', 'polling'],
    // libraries: true opts in to assetlib's library events (docs/sync.md): the libraries screens follow them
    auth: (cb) => cb({ JWT: currentSession()?.jwt ?? '', libraries: true }),
  });
  socket = s;
  // after each (re)connect, once the socket is live, subscribers re-read what they show (an empty
  // list): whatever committed before the socket went live is then on screen, the rest is pushed
  let resync = true;
  s.on('connect', () => { resync = true; });
  s.on('authorization', (a: { JWT: string }) => {
    renewJwt(a.JWT);
    setStatus('live');
    if (!resync) return;
    resync = false;
    for (const l of listeners) l([]);
  });
  s.on('sync', (events: FeedEvent[]) => {
    const project = currentSession()?.project;
    for (const e of events) if (e.type === 'cc' && e.data_type === 'jobs') applyJobEvent(e, project);
    for (const l of listeners) l(events);
  });
  s.on('disconnect', () => setStatus('offline'));
  s.on('connect_error', () => setStatus('offline'));
}

export function disconnectFeed(): void {
  attempt = 0;
  socket?.disconnect();
  socket = undefined;
  setStatus('offline');
}
