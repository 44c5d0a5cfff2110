// What every route handler may use: the database pool, the config and the blob store.
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { ActorCache } from '../core/actor-cache.ts';
import type { Prerenderer } from '../core/media/prerender.ts';
import type { MediaCache } from '../core/media/cache.ts';

export interface AppContext {
  db: pg.Pool;
  config: Config;
  blobs: BlobStore;
  /** JWT actors cached in memory, dropped on every auth change (src/core/actor-cache.ts); absent: no cache */
  actors?: ActorCache;
  /** dam/transform answers and public links cached in memory, dropped on every change they depend on (src/core/media/cache.ts); absent: no cache */
  media?: MediaCache;
  /** renditions rendered in the background after uploads (MEDIA_PRERENDER; src/core/media/prerender.ts); absent: none */
  prerender?: Prerenderer;
}
