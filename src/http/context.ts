// What every route handler may use: the database pool, the config and the blob store.
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { BlobStore } from '../storage/blob-store.ts';

export interface AppContext {
  db: pg.Pool;
  config: Config;
  blobs: BlobStore;
}
