// Real-time sync push over socket.io at /sync/io (see docs/sync.md).
//
// Connect with the auth payload {"JWT": <token>}; a bad token gets a connect_error. The server then
// emits "authorization" {JWT} (a renewed token, again before each expiry) and "sync" [events...]:
// the events of every project the user is a member of, and the cc events visible to the user, as
// lists in cursor order (each cursor space in its own lists). Project events are Unicat's types;
// the auth payload `libraries: true` adds assetlib's library events (feed-types.ts).
//
// Fan-out across processes: every server LISTENs on 'assetlib_changes' / 'assetlib_cc_changes'
// with a dedicated connection (src/core/feed/live.ts). A NOTIFY only says "something committed"; the server then reads the
// events after the last cursor it pushed (per project, and for cc) from the tables. Because cursor
// order is commit order, what it reads is always the next contiguous run: nothing is skipped or
// pushed twice, and a write through any server reaches sockets on every server.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { AppContext } from '../../http/context.ts';
import { CoreError } from '../../core/errors.ts';
import { ccEventsAfter, ccVisible, currentCounters, projectEventsAfter, type FeedCaller, type FeedEvent } from '../../core/feed/read.ts';
import { feedProjects, listenFeed, openFeedSession, renewFeedToken } from '../../core/feed/live.ts';
import { librariesFlag, projectTypes } from './feed-types.ts';

export interface SyncSocketHandle { close(): Promise<void> }

const PAGE = 1000;

interface SocketData {
  caller: FeedCaller;
  keyId: number;
  /** opted in to assetlib's library events (auth payload `libraries: true`) */
  libraries: boolean;
  projects: Map<number, string>; // id -> gid
  renew?: NodeJS.Timeout;
}

interface ServerEvents {
  sync: (events: FeedEvent[]) => void;
  authorization: (auth: { JWT: string }) => void;
}
type SyncSocket = Socket<Record<string, never>, ServerEvents, Record<string, never>, SocketData>;

/** Runs a task for a key one at a time; a request while it runs makes it run once more after. */
class Serial {
  private busy = new Map<string, boolean>();
  private again = new Set<string>();
  constructor(private readonly onError: (e: unknown) => void) {}
  run(key: string, task: () => Promise<void>): void {
    if (this.busy.get(key)) { this.again.add(key); return; }
    this.busy.set(key, true);
    void (async () => {
      try {
        do {
          this.again.delete(key);
          try { await task(); } catch (e) { this.onError(e); }
        } while (this.again.has(key));
      } finally {
        this.busy.delete(key);
      }
    })();
  }
}

/** An Origin header is allowed when absent, the server's own (its host is the Host header), or listed. */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function attachSyncSocket(server: HttpServer, ctx: AppContext): SyncSocketHandle {
  // Browsers: same-origin by default, plus the origins of CORS_ORIGINS; a request from any other
  // Origin is refused (polling and websocket alike). Clients that send no Origin (not browsers) pass.
  const origins = ctx.config.corsOrigins;
  const io = new Server<Record<string, never>, ServerEvents, Record<string, never>, SocketData>(server, {
    path: '/sync/io', serveClient: false,
    ...(origins.length > 0 ? { cors: { origin: origins } } : {}),
    allowRequest: (req, cb) => cb(null, originAllowed(req.headers.origin, req.headers.host, origins)),
  });
  const db = ctx.db;
  let closed = false;
  const log = (e: unknown) => { if (!closed) console.error('sync push:', (e as Error)?.message ?? e); };
  const serial = new Serial(log);

  // Last pushed cursor per tracked project (a project is tracked while a local socket is in its room).
  const lastPushed = new Map<number, { gid: string; last: number }>();
  let lastCc: number | undefined;
  const ready = currentCounters(db, []).then((c) => { lastCc ??= c.cc; }).catch(log);

  const room = (projectId: number) => `p:${projectId}`;
  // sockets that opted in to the library events are in both rooms of a project
  const libRoom = (projectId: number) => `pl:${projectId}`;
  const join = (s: SyncSocket, id: number) => { s.join(room(id)); if (s.data.libraries) s.join(libRoom(id)); };
  const leave = (s: SyncSocket, id: number) => { s.leave(room(id)); s.leave(libRoom(id)); };
  const unicatTypes = new Set(projectTypes(false));
  const libraryTypes = new Set(projectTypes(true));
  const roomSize = (name: string) => io.sockets.adapter.rooms.get(name)?.size ?? 0;

  async function track(projects: Map<number, string>): Promise<void> {
    const fresh = [...projects.keys()].filter((id) => !lastPushed.has(id));
    if (fresh.length === 0) return;
    const c = await currentCounters(db, fresh);
    for (const id of fresh) if (!lastPushed.has(id)) lastPushed.set(id, { gid: projects.get(id)!, last: c.projects.get(id) ?? 0 });
  }

  function pushProject(projectId: number): void {
    serial.run(`p${projectId}`, async () => {
      const st = lastPushed.get(projectId);
      if (!st) return;
      if (roomSize(room(projectId)) === 0) { lastPushed.delete(projectId); return; }
      for (;;) {
        const events = await projectEventsAfter(db, projectId, st.last, PAGE);
        if (events.length === 0 || closed) return;
        st.last = events[events.length - 1].cursor;
        const unicat = events.filter((e) => unicatTypes.has(e.data_type));
        const withLibraries = events.filter((e) => libraryTypes.has(e.data_type));
        if (unicat.length > 0) io.to(room(projectId)).except(libRoom(projectId)).emit('sync', unicat);
        if (withLibraries.length > 0) io.to(libRoom(projectId)).emit('sync', withLibraries);
        if (events.length < PAGE) return;
      }
    });
  }

  async function refreshMemberships(userGid: string): Promise<void> {
    const sockets = [...io.of('/').sockets.values()].filter((x) => x.data.caller?.userGid === userGid);
    if (sockets.length === 0) return;
    const projects = await feedProjects(db, sockets[0].data.caller.userId);
    for (const s of sockets) {
      if (!s.connected) continue;
      for (const id of s.data.projects.keys()) if (!projects.has(id)) leave(s, id);
      for (const id of projects.keys()) join(s, id);
      s.data.projects = projects;
    }
    await track(projects); // after joining: a project tracked from now on pushes to these sockets
  }

  function pushCc(): void {
    serial.run('cc', async () => {
      await ready;
      if (lastCc === undefined) lastCc = (await currentCounters(db, [])).cc;
      for (;;) {
        const rows = await ccEventsAfter(db, lastCc, PAGE);
        if (rows.length === 0 || closed) return;
        lastCc = rows[rows.length - 1].event.cursor;
        for (const s of io.of('/').sockets.values()) {
          const mine = rows.filter((r) => ccVisible(r, s.data.caller.userGid, new Set(s.data.projects.keys())));
          if (mine.length > 0) s.emit('sync', mine.map((r) => r.event));
        }
        // membership changes move sockets between project rooms (after the event itself went out)
        const users = new Set(rows.filter((r) => r.event.data_type === 'cc.projects_members')
          .map((r) => r.event.data_key.split('/')[1]).filter((u): u is string => Boolean(u)));
        for (const u of users) await refreshMemberships(u);
        if (rows.length < PAGE) return;
      }
    });
  }

  // ---- LISTEN on a dedicated connection, reconnecting when it drops ----
  const listener = listenFeed(db, {
    cc: pushCc,
    project: (p) => { if (lastPushed.has(p)) pushProject(p); },
    // (re)connected: catch up whatever committed while nobody listened
    connected: () => { pushCc(); for (const id of lastPushed.keys()) pushProject(id); },
    log,
  });

  // ---- authentication at connect ----
  io.use((socket, next) => {
    void (async () => {
      const auth = socket.handshake.auth as { JWT?: unknown; libraries?: unknown } | undefined;
      const jwt = auth?.JWT;
      if (typeof jwt !== 'string' || jwt === '') throw new CoreError('unauthenticated', 'missing JWT: connect with auth {"JWT": <token>}');
      const libraries = librariesFlag(auth?.libraries);
      if (libraries === undefined) throw new CoreError('invalid', 'libraries must be true or false');
      const session = await openFeedSession(db, jwt, ctx.config.jwtSecret);
      Object.assign(socket.data, { ...session, libraries } satisfies SocketData);
    })().then(() => next(), (e: unknown) => {
      const err = new Error(e instanceof CoreError ? e.message : 'authentication failed') as Error & { data?: unknown };
      const code = e instanceof CoreError ? ({ forbidden: 403, invalid: 400 } as Record<string, number>)[e.kind] ?? 401 : 401;
      err.data = { code, message: err.message };
      next(err);
    });
  });

  const renewMs = Math.max(1000, (ctx.config.jwtTtlSeconds * 1000) / 2);
  async function authorize(s: SyncSocket): Promise<void> {
    try {
      const token = await renewFeedToken(db, s.data.keyId, s.data.caller.userGid, ctx.config.jwtTtlSeconds, ctx.config.jwtSecret);
      if (s.connected) s.emit('authorization', { JWT: token });
    } catch (e) {
      if (e instanceof CoreError) { s.disconnect(true); return; }
      log(e);
    }
  }

  io.on('connection', (socket) => {
    const s: SyncSocket = socket;
    for (const id of s.data.projects.keys()) join(s, id);
    // "authorization" goes out once the socket is live: every event committed after it is pushed
    track(s.data.projects).catch(log).finally(() => { void authorize(s); });
    s.data.renew = setInterval(() => { void authorize(s); }, renewMs);
    s.data.renew.unref();
    s.on('disconnect', () => { clearInterval(s.data.renew); });
  });

  return {
    async close() {
      closed = true;
      for (const s of io.of('/').sockets.values()) clearInterval(s.data.renew);
      io.disconnectSockets(true);
      io.engine.close();
      await listener.close();
    },
  };
}
