// Never skip, never repeat: 8 writers on separate connections commit transactions that emit events
// (every fourth holds its transaction open, its cursor allocated, until the reader has completed a poll,
// so reads always meet open transactions; some roll back), while a reader polls POST /sync/get
// throughout and a socket listens. No sleeps: the writers synchronise on the reader's polls.
// The reader and the socket must each receive every committed event exactly once, in cursor order,
// and nothing that rolled back. This is what checks that cursor order is commit order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestServer, createFixture, type TestServer, type Fixture } from '../helpers/server.ts';
import { connectSync, jwtFor, syncGet, syncPost, socketUntil } from './helpers.ts';

let t: TestServer;
let f: Fixture;

beforeAll(async () => {
  t = await startTestServer();
  f = await createFixture(t.db, { owner: 'owner' });
});
afterAll(() => t?.close());

const WRITERS = 8;
const TXNS = 25;

describe('sync under concurrent writers', () => {
  it('a polling reader and a socket receive every committed event exactly once, in cursor order', async () => {
    const jwt = await jwtFor(t.url, f.projectGid, f.users.owner.key);
    const start = (await syncPost(t.url, 'cursors', jwt, { project: f.projectGid })).body.result;
    const socket = await connectSync(t.url, jwt);

    const committed = new Set<string>();   // project keys of committed transactions
    const committedCc = new Set<string>();
    const rolledBack = new Set<string>();
    let writing = true;
    let pollDone: (() => void)[] = [];
    /** Resolves when the reader completes its next poll (one that started after this call). */
    const nextPoll = () => new Promise<void>((resolve) => { let started = false; pollDone.push(() => { if (started) resolve(); else started = true; }); });

    const writer = async (w: number) => {
      const c = new pg.Client({ connectionString: t.config.databaseUrl });
      await c.connect();
      try {
        for (let i = 0; i < TXNS; i++) {
          const n = 1 + ((w + i) % 4);
          const keys = Array.from({ length: n }, (_, k) => `w${w}-t${i}-k${k}`);
          const cc = i % 3 === 0 ? `w${w}-t${i}-job` : undefined;
          const rollback = (w * 7 + i) % 8 === 0;
          await c.query('BEGIN');
          await c.query(`SELECT emit_changes($1, 'INSERT', 'assets', $2::text[])`, [f.projectId, keys]);
          if (cc) await c.query(`SELECT emit_cc_change($1, 'UPDATE', 'jobs', $2, '{"status":"processing"}'::jsonb)`, [f.projectId, cc]);
          // every fourth transaction: a whole poll runs while it is open with its cursors allocated
          // (the others queue behind its counter lock)
          if ((w + i) % 4 === 0) await nextPoll();
          await c.query(rollback ? 'ROLLBACK' : 'COMMIT');
          for (const k of keys) (rollback ? rolledBack : committed).add(k);
          if (cc) (rollback ? rolledBack : committedCc).add(cc);
        }
      } finally {
        await c.end();
      }
    };

    const got: any[] = [];
    const gotCc: any[] = [];
    let polls = 0;
    let pollsWithEventsWhileWriting = 0;
    let cursor = start.cursor;
    let ccCursor = start.cc_cursor;
    const poll = async () => {
      const waiting = pollDone;
      pollDone = [];
      for (const w of waiting) w(); // this poll starts after their call
      const r = await syncGet(t.url, jwt, { cc_cursor: ccCursor, project: f.projectGid, cursor, limit: 50 });
      for (const w of waiting) w(); // and has completed
      polls++;
      if (writing && r.sync.length > 0) pollsWithEventsWhileWriting++;
      for (const e of r.sync) (e.type === 'cc' ? gotCc : got).push(e);
      cursor = r.next.cursor;
      ccCursor = r.next.cc_cursor;
      return r;
    };
    const reader = (async () => {
      while (writing) await poll();
      // drain
      for (;;) { const r = await poll(); if (!r.warning && r.sync.length === 0) break; }
    })();

    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await reader;

    // the reader: strictly increasing, contiguous, every committed key once, nothing rolled back
    const cursors = got.map((e) => e.cursor);
    expect(cursors).toEqual(Array.from({ length: committed.size }, (_, i) => start.cursor + 1 + i));
    expect(new Set(got.map((e) => e.data_key))).toEqual(committed);
    expect(got.length).toBe(committed.size);
    expect(got.some((e) => rolledBack.has(e.data_key))).toBe(false);
    expect(gotCc.map((e) => e.cursor)).toEqual([...gotCc.map((e) => e.cursor)].sort((x, y) => x - y));
    expect(new Set(gotCc.map((e) => e.data_key))).toEqual(committedCc);
    expect(gotCc.length).toBe(committedCc.size);
    // the reader really read while the writers wrote
    expect(polls).toBeGreaterThan(3);
    expect(pollsWithEventsWhileWriting).toBeGreaterThan(1);
    expect(rolledBack.size).toBeGreaterThan(0);

    // the socket: the same events, once each, in the same order
    await socketUntil(socket, () => socket.events.length >= got.length + gotCc.length, 'the socket to receive everything');
    socket.close();
    const pushed = socket.events.filter((e) => e.type === f.projectGid);
    const pushedCc = socket.events.filter((e) => e.type === 'cc');
    expect(pushed).toEqual(got);
    expect(pushedCc).toEqual(gotCc);
  });
});
