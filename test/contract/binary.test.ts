import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { VERSION } from '../../src/version.ts';
import { JWT_SECRET, spawnServer } from '../support/server.ts';
import { contractSuite } from './suite.ts';
import { compileBinary, startBinary } from './targets.ts';

contractSuite(startBinary);

const execute = promisify(execFile);

/** With only the executable (no Node, no node_modules, an empty PATH), every CLI command works over the server's store. */
describe('the single binary is the CLI too', { timeout: 240_000 }, () => {
  let folder: string;
  let binary: string;
  const env = () => ({ PATH: '', DATABASE_URL: join(folder, 'data', 'hookgate.db'), JWT_SECRET, HOOKGATE_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') });
  const hookgate = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await execute(binary, args, { cwd: folder, env: env() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'hookgate-binary-cli-'));
    binary = await compileBinary(folder);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('prints its version and each command group’s help, exiting 0', async () => {
    assert.deepEqual(await hookgate('--version'), { code: 0, stdout: `hookgate ${VERSION}\n`, stderr: '' });
    const help = await hookgate('deliveries', '--help');
    assert.equal(help.code, 0);
    for (const command of ['deliveries list', 'deliveries show', 'deliveries retry']) assert.ok(help.stdout.includes(command), command);
  });

  it('refuses to work on a database that does not exist, then migrates, creates a tenant and mints a token the server accepts', async () => {
    const refused = await hookgate('tenant', 'create', '--name', 'Acme');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /DATABASE_URL/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line');

    assert.equal((await hookgate('migrate')).code, 0);
    const created = await hookgate('tenant', 'create', '--name', 'Acme');
    assert.equal(created.code, 0, created.stderr);
    const { api_key } = JSON.parse(created.stdout) as { api_key: string };
    const minted = JSON.parse((await hookgate('token', '--sub', 'ops', '--scope', 'webhooks:admin')).stdout) as { token: string };

    const server = await spawnServer(binary, [], { cwd: folder, env: { ...env(), PORT: '0', HOST: '127.0.0.1' }, timeoutMs: 30_000 });
    try {
      const sponsor = await fetch(`${server.url}/api/webhooks`, { headers: { authorization: api_key } });
      assert.equal(sponsor.status, 404, 'the key is known; its tenant has no webhook yet');
      const tenants = await fetch(`${server.url}/api/v1/tenants`, { headers: { authorization: `Bearer ${minted.token}` } });
      assert.equal(tenants.status, 200);
      assert.deepEqual(
        ((await tenants.json()) as { items: { name: string }[] }).items.map((tenant) => tenant.name),
        ['Acme'],
      );
    } finally {
      await server.stop();
    }
  });
});
