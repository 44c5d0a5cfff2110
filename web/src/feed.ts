// The live feed: one socket.io connection to /sync/io (docs/sync.md). It renews the JWT from the
// "authorization" event and hands "sync" event lists to subscribers; job events feed the jobs store.
import { io, type Socket } from 'socket.io-client';
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

export function connectFeed(): void {
  if (socket) return;
  setStatus('connecting');
  socket = io({
    path: '/sync/io',
    transports: ['websocket', 'polling'],
    // libraries: true opts in to assetlib's library events (docs/sync.md): the libraries screens follow them
    auth: (cb) => cb({ JWT: currentSession()?.jwt ?? '', libraries: true }),
  });
  // after each (re)connect, once the socket is live, subscribers re-read what they show (an empty
  // list): whatever committed before the socket went live is then on screen, the rest is pushed
  let resync = true;
  socket.on('connect', () => { resync = true; });
  socket.on('authorization', (a: { JWT: string }) => {
    renewJwt(a.JWT);
    setStatus('live');
    if (!resync) return;
    resync = false;
    for (const l of listeners) l([]);
  });
  socket.on('sync', (events: FeedEvent[]) => {
    const project = currentSession()?.project;
    for (const e of events) if (e.type === 'cc' && e.data_type === 'jobs') applyJobEvent(e, project);
    for (const l of listeners) l(events);
  });
  socket.on('disconnect', () => setStatus('offline'));
  socket.on('connect_error', () => setStatus('offline'));
}

export function disconnectFeed(): void {
  socket?.disconnect();
  socket = undefined;
  setStatus('offline');
}
