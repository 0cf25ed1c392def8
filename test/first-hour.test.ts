import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../src/version.ts';
import { runCli, runMain } from './support/cli.ts';
import { startReceiver } from './support/receiver.ts';
import { adminToken, BIN, bearer, call, createTenant, ROOT, type RunningServer, startServer } from './support/server.ts';

/** What a newcomer meets in the first hour: errors that say what to do, and a CLI that answers plainly. */
describe('errors that say what to do', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ HOOKGATE_ALLOW_PRIVATE_TARGETS: 'false' });
  });
  after(() => server.stop());

  for (const runtime of ['node', 'bun'] as const) {
    it(`a port in use is one line naming PORT, without a stack trace (${runtime})`, async () => {
      const port = new URL(server.url).port;
      const [command, script] = runtime === 'bun' ? [`${BIN}/bun`, 'src/runtime/bun.ts'] : [process.execPath, 'src/runtime/node.ts'];
      const second = spawn(command, [script], {
        cwd: ROOT,
        env: { ...server.env, PATH: process.env.PATH ?? '', PORT: port, DATABASE_URL: `${server.dataDir}/second.db` },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      second.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      assert.equal(code, 1);
      const lines = stderr
        .trim()
        .split('\n')
        .filter((line) => !line.includes('"level":"info"'));
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, new RegExp(`port ${port} .*already in use: set PORT`));
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('a target refused as private names HOOKGATE_ALLOW_PRIVATE_TARGETS, on the sponsor and the admin API', async () => {
    const tenant = await createTenant(server, 'Local dev');
    const sponsor = await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: 'http://127.0.0.1:9999/hook' } });
    assert.equal(sponsor.status, 422);
    assert.match(JSON.stringify(sponsor.body), /HOOKGATE_ALLOW_PRIVATE_TARGETS=true/);
    const admin = await call(server, 'POST', '/api/v1/admin/webhooks', {
      headers: bearer(await adminToken()),
      body: { tenant_id: tenant.id, url: 'http://localhost:9999/hook', events: ['invoice.paid'] },
    });
    assert.equal(admin.status, 422);
    assert.match(JSON.stringify(admin.body), /HOOKGATE_ALLOW_PRIVATE_TARGETS=true/);
  });
});

describe('the CLI answers plainly', () => {
  // Help, version and usage errors read no configuration: main() in this process, as bin/hookgate.js runs it.
  it('hookgate --version prints the version and exits 0', async () => {
    const result = await runMain(['--version']);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, `hookgate ${VERSION}\n`, '']);
  });

  it('hookgate deliveries --help lists that group’s commands and exits 0; a bare group is a usage error', async () => {
    const help = await runMain(['deliveries', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: hookgate deliveries <list\|show\|retry>/);
    assert.doesNotMatch(help.stdout, /tenant create/, 'only the group');
    const bare = await runMain(['deliveries']);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /deliveries retry/);
  });

  it('keeps the store’s informational log out of a command’s output unless LOG_LEVEL asks for it', async () => {
    const server = await startServer();
    const receiver = await startReceiver();
    try {
      const env = { DATABASE_URL: server.dbPath, JWT_SECRET: server.env.JWT_SECRET!, HOOKGATE_ENCRYPTION_KEY: server.env.HOOKGATE_ENCRYPTION_KEY! };
      const tenant = await createTenant(server, 'Tail');
      await call(server, 'POST', '/api/webhooks', { headers: { authorization: tenant.apiKey }, body: { url: receiver.url } });
      const tail = spawn(process.execPath, ['bin/hookgate.js', 'tail', '--count', '1', '--interval', '50'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = { stdout: '', stderr: '' };
      tail.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
      });
      tail.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => tail.once('exit', resolve));
      // tail follows attempts recorded after it starts: publish until one lands after its start.
      for (let sent = 0; tail.exitCode === null && sent < 100; sent++) {
        await call(server, 'POST', '/api/v1/events', { headers: { authorization: tenant.apiKey }, body: { type: 'invoice.created', data: { n: sent } } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await exited, 0);
      assert.equal(output.stdout.trim().split('\n').length, 1);
      assert.equal(JSON.parse(output.stdout).outcome, 'succeeded');
      assert.equal(output.stderr, '', 'no log lines beside the attempts');
      const chatty = await runCli(['migrate'], { env: { ...env, DATABASE_URL: `${server.dataDir}/fresh.db`, LOG_LEVEL: 'info' } });
      assert.match(chatty.stderr, /"msg":"migrations applied"/, 'LOG_LEVEL=info shows them');
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});
