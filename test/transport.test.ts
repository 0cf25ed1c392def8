import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TransportError } from '../src/delivery/transport.ts';
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
