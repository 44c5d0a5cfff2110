// Real-time sync push over socket.io at /sync/io.
import type { Server as HttpServer } from 'node:http';
import type { AppContext } from '../../http/context.ts';

export interface SyncSocketHandle { close(): Promise<void> }

export function attachSyncSocket(_server: HttpServer, _ctx: AppContext): SyncSocketHandle {
  // filled in by the sync work
  return { async close() {} };
}
