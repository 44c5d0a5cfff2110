// The API document of this build, without a server: the app is built on a pool that never
// connects and a blob store that is never used, made ready, and asked for app.swagger().
// Used by scripts/openapi.ts (npm run lint:openapi, npm run sdk) and the SDK staleness test.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../config.ts';
import { DiskBlobStore } from '../storage/disk-store.ts';
import { buildApp } from './app.ts';

export async function apiDocument(): Promise<Record<string, unknown>> {
  const dataDir = join(tmpdir(), 'assetlib-openapi');
  const config = loadConfig({ dataDir, databaseUrl: 'postgres://127.0.0.1:1/none', logLevel: 'silent' }, {});
  const db = new pg.Pool({ connectionString: config.databaseUrl });
  const app = await buildApp({ db, config, blobs: new DiskBlobStore(join(dataDir, 'blobs')) }, { logger: false, webBuild: false });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.end();
  }
}
