// npm run lint:openapi: writes the API document of this build (no server started: see
// src/http/openapi-document.ts) to a temporary file and lints it with Redocly (redocly.yaml);
// exits non-zero on any error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { apiDocument } from '../src/http/openapi-document.ts';

const dir = mkdtempSync(join(tmpdir(), 'assetlib-openapi-'));
try {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(await apiDocument(), null, 2));
  const r = spawnSync(join('node_modules', '.bin', 'redocly'), ['lint', file, '--config', 'redocly.yaml'], {
    stdio: 'inherit', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
