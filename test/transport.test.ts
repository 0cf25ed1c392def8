import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { TransportError } from '../src/delivery/transport.ts';
import { createFetchTransport } from '../src/delivery/transports/fetch.ts';
import { createUndiciTransport } from '../src/delivery/transports/undici.ts';
import { answer, type Receiver, startReceiver } from './support/receiver.ts';

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

describe('fetch transport (Bun, Workers), run here on Node’s fetch', () => {
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
