import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransportError } from '../src/delivery/transport.ts';
import { createFetchTransport } from '../src/delivery/transports/fetch.ts';
import { withResolvingGuard } from '../src/delivery/transports/resolving-guard.ts';
import { resolveAll } from '../src/runtime/node-env.ts';
import { type Receiver, startReceiver } from './support/receiver.ts';

describe('fetch transport with the resolving guard (Bun, the binary)', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  const send = (transport: ReturnType<typeof createFetchTransport>, url: string) =>
    transport.send({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 });
  const port = () => new URL(receiver.url).port;
  const blocked = (error: TransportError) => error.errorClass === 'blocked_address';

  it('refuses a name that resolves to a loopback address, before any request is sent', async () => {
    const guarded = withResolvingGuard(createFetchTransport(), resolveAll);
    await assert.rejects(send(guarded, `http://localhost:${port()}/guarded`), blocked);
    assert.equal(receiver.received.length, 0);
  });

  it('refuses a name when any one of its addresses is private, since fetch picks the address itself', async () => {
    const guarded = withResolvingGuard(createFetchTransport(), async () => ['93.184.215.14', '10.0.0.7']);
    await assert.rejects(send(guarded, `http://mixed.example:${port()}/`), blocked);
    const none = withResolvingGuard(createFetchTransport(), async () => []);
    await assert.rejects(send(none, `http://empty.example:${port()}/`), blocked);
  });

  it('sends when every address is public, and leaves literal IPs to the engine’s URL check', async () => {
    let resolved = 0;
    const publicName = withResolvingGuard(createFetchTransport(), async () => {
      resolved++;
      return ['93.184.215.14'];
    });
    const response = await send(publicName, `${receiver.url}/literal`);
    assert.equal(response.status, 200);
    assert.equal(resolved, 0, 'a literal IP is not resolved');
    assert.equal(receiver.received.at(-1)?.path, '/literal');
  });

  it('classifies a name that does not resolve as a DNS error', async () => {
    const guarded = withResolvingGuard(createFetchTransport(), resolveAll);
    await assert.rejects(send(guarded, 'http://no-such-host.invalid/'), (error: TransportError) => error.errorClass === 'dns');
  });
});
