// The one LISTEN connection of a server for its in-process caches (src/core/actor-cache.ts, the
// media cache src/core/media/cache.ts): a dedicated connection (not from the pool) LISTENs on each
// cache's channel; triggers send on those channels at commit (migrations 007 and 009).
//
// A cache is only trusted while it hears every change: `listening` is false while the connection
// is down (the caches are then bypassed: every lookup goes to the database), every subscriber is
// cleared when it drops and again when it is back, and it reconnects after 1 s. The caches' own
// generation checks make sure that a lookup that raced with a notification is not stored.
import pg from 'pg';

export class InvalidationListener {
  private readonly subscribers = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** true while the LISTEN connection is up: the caches may serve from memory */
  listening = false;

  /** pool: the database the caches hold answers of (the LISTEN connection is opened with its options) */
  constructor(readonly pool: pg.Pool) {}

  /** Calls `clear` on every notification on `channel` and whenever the connection drops or comes back. */
  subscribe(channel: string, clear: () => void): void {
    let s = this.subscribers.get(channel);
    if (!s) this.subscribers.set(channel, (s = new Set()));
    s.add(clear);
  }

  private clearAll(): void {
    for (const s of this.subscribers.values()) for (const clear of s) clear();
  }

  /** Connects and LISTENs; resolves once in place (or failed: the caches stay bypassed and it retries). */
  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.pool.options);
    let retried = false;
    const down = () => {
      if (this.client === client) { this.client = undefined; this.listening = false; this.clearAll(); }
      if (this.closed || retried) return;
      retried = true;
      this.retry = setTimeout(() => { void this.start(); }, 1000);
    };
    client.on('error', () => { /* 'end' follows */ });
    client.on('end', down);
    client.on('notification', (n) => { for (const clear of this.subscribers.get(n.channel) ?? []) clear(); });
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      if (this.closed) { await client.end(); return; }
      this.client = client;
      this.clearAll();
      this.listening = true;
    } catch {
      await client.end().catch(() => undefined);
      down();
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.listening = false;
    this.clearAll();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
