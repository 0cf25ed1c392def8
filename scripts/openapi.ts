/**
 * Writes the OpenAPI document the service serves at /openapi.json (from a throwaway store), for the
 * linters and the typed client's generated types.
 * Usage: node scripts/openapi.ts <output.json>
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { setUpNode } from '../src/runtime/node-setup.ts';

const output = process.argv[2];
if (!output) {
  console.error('usage: node scripts/openapi.ts <output.json>');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'hookgate-openapi-'));
const runtime = await setUpNode({ DATABASE_URL: join(dir, 'hookgate.db'), LOG_LEVEL: 'silent' });
try {
  const response = await createApp(runtime.services).request('/openapi.json');
  writeFileSync(output, `${JSON.stringify(await response.json(), null, 2)}\n`);
} finally {
  await runtime.engine.shutdown(0);
  await runtime.store.close();
  rmSync(dir, { recursive: true, force: true });
}
