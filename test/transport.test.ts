import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { TransportError } from '../src/delivery/transport.ts';
import { createFetchTransport } from '../src/delivery/transports/fetch.ts';
import { createUndiciTransport } from '../src/delivery/transports/undici.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';
import { BIN } from './support/server.ts';

describe('Node transport (undici)', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  const send = (transport: ReturnType<typeof createUndiciTransport>, url: string, timeoutMs = 2000) =>
    transport.send({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs });

  it('refuses at connect time a name that resolves to a private address', async () => {
    const guarded = createUndiciTransport({ allowPrivateTargets: false });
    const port = new URL(receiver.url).port;
    await assert.rejects(send(guarded, `http://localhost:${port}/`), (error: TransportError) => error.errorClass === 'blocked_address');
    await guarded.close!();
  });

  it('refuses a literal private address, which is connected without any lookup, before connecting', async () => {
    const guarded = createUndiciTransport({ allowPrivateTargets: false });
    const port = new URL(receiver.url).port;
    const before = receiver.received.length;
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::ffff:0:127.0.0.1]']) {
      await assert.rejects(send(guarded, `http://${host}:${port}/literal`), (error: TransportError) => error.errorClass === 'blocked_address', host);
    }
    assert.equal(receiver.received.length, before, 'nothing reached the receiver');
    await guarded.close!();
  });

  it('does not follow redirects', async () => {
    const transport = createUndiciTransport({ allowPrivateTargets: true });
    receiver.respond = answer(302, '', { location: 'http://169.254.169.254/' });
    const response = await send(transport, `${receiver.url}/redirect`);
    assert.equal(response.status, 302);
    assert.equal(receiver.received.filter((r) => r.path === '/redirect').length, 1);
    await transport.close!();
  });

  it('keeps only the first 4 KiB of a large body and does not read it all', async () => {
    const transport = createUndiciTransport({ allowPrivateTargets: true });
    receiver.respond = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const write = () => {
        while (sent < 100 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 100 * 1024 * 1024) res.once('drain', write);
        else res.end();
      };
      res.on('error', () => {});
      write();
    };
    const response = await send(transport, `${receiver.url}/big`, 10_000);
    assert.equal(response.body.length, 4096);
    await transport.close!();
    receiver.respond = answer(200, 'ok');
  });

  it('classifies a timeout, a refused connection and an unresolvable name', async () => {
    const transport = createUndiciTransport({ allowPrivateTargets: true });
    receiver.respond = () => {}; // never answers
    await assert.rejects(send(transport, `${receiver.url}/slow`, 300), (error: TransportError) => error.errorClass === 'timeout');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(send(transport, `http://127.0.0.1:${port}/`), (error: TransportError) => error.errorClass === 'connection');
    await assert.rejects(send(transport, 'http://does-not-exist.invalid/'), (error: TransportError) => error.errorClass === 'dns');
    await transport.close!();
    receiver.respond = answer(200, 'ok');
  });
});

describe('the same undici transport on Node and on Bun', () => {
  // Ten receivers (ten origins), each counting the TCP connections it accepted.
  const servers: Server[] = [];
  let connections = 0;
  before(async () => {
    for (let i = 0; i < 10; i++) {
      const server = createHttpServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (req.url === '/slow') return; // never answers
          if (req.url === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(1024 * 1024));
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        });
      });
      server.on('connection', () => connections++);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
  });
  after(() => {
    for (const server of servers) server.closeAllConnections();
    return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const runtimes = { node: process.execPath, bun: join(BIN, 'bun') };
  for (const [runtime, command] of Object.entries(runtimes)) {
    it(`on ${runtime}: refuses private names at connect time, caps bodies and time, and pools connections per origin`, async () => {
      connections = 0;
      const origins = servers.map((server) => `http://127.0.0.1:${(server.address() as { port: number }).port}`);
      // 80 in flight over ten origins, eight per origin: more than the 64 idle connections Bun's
      // own fetch keeps for all origins together, which made it open new ones all the time.
      const { stdout } = await promisify(execFile)(command, [join(import.meta.dirname, 'support', 'transport-probe.ts')], {
        env: { PATH: process.env.PATH ?? '', PROBE_ORIGINS: JSON.stringify(origins), PROBE_REQUESTS: '2000', PROBE_IN_FLIGHT: '80' },
        timeout: 60_000,
      });
      const probe = JSON.parse(stdout.trim().split('\n').at(-1)!);
      assert.equal(probe.blocked, 'blocked_address');
      assert.deepEqual(probe.statuses, { 200: 2000 });
      assert.equal(probe.bigBodyLength, 4096);
      assert.equal(probe.slow, 'timeout');
      // At most eight per origin for the 2,000 requests, plus /big and /slow's own on the first origin.
      assert.ok(connections <= 82, `${connections} connections opened for 2,000 requests`);
    });
  }
});

describe('fetch transport (Workers), run here on Node’s fetch', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  const send = (path: string) => createFetchTransport().send({ url: `${receiver.url}${path}`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 });

  it('keeps the first 4 KiB of a body, however it is framed or encoded', async () => {
    const text = 'é'.repeat(3000); // 6,000 bytes of UTF-8
    const kept = Buffer.from(text).subarray(0, 4096).toString('utf8');
    receiver.respond = answer(200, 'short', { 'content-length': '5' });
    assert.equal((await send('/declared')).body, 'short');
    receiver.respond = answer(200, text);
    assert.equal((await send('/declared-long')).body, kept);
    receiver.respond = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no declared length
      res.write(text.slice(0, 1000));
      res.end(text.slice(1000));
    };
    assert.equal((await send('/chunked')).body, kept);
    // 10 MB of zeros in about 10 KB: the declared length is the compressed one, the cap is on what is read.
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x30));
    receiver.respond = (_request, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
    };
    assert.equal((await send('/gzip')).body, '0'.repeat(4096));
    // A declared length under 4 KiB is no bound on an encoded body: 1 MB of zeros in about 1 KB.
    const small = gzipSync(Buffer.alloc(1024 * 1024, 0x30));
    assert.ok(small.length < 4096);
    receiver.respond = (_request, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(small.length) }).end(small);
    };
    assert.equal((await send('/gzip-small')).body, '0'.repeat(4096));
    receiver.respond = answer(200, 'ok');
  });
});
