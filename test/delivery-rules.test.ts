import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import type { Endpoint } from '../src/db/schema.ts';
import { checkTargetUrl, isBlockedAddress } from '../src/delivery/address-policy.ts';
import { buildPayload } from '../src/delivery/payload.ts';
import { credentialOf, redactSecrets, secretMasker } from '../src/delivery/redact.ts';
import { MAX_RETRY_AFTER_SECONDS, nextRetryDelay, parseRetryAfter } from '../src/delivery/schedule.ts';
import { bodySignature, nobleMac, signatureHeaders, standardSignature } from '../src/delivery/signer.ts';
import { createNodeMac } from '../src/lib/node-mac.ts';
import { PUBLIC_ADDRESSES, REFUSED_TARGETS, RESERVED_ADDRESSES, urlOf } from './support/ssrf-targets.ts';

const SVIX_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('retry schedule', () => {
  it('follows the schedule with ±20 % jitter, then gives up', () => {
    SVIX_SCHEDULE.forEach((seconds, index) => {
      assert.equal(
        nextRetryDelay(SVIX_SCHEDULE, index + 1, null, () => 0),
        seconds * 800,
      );
      assert.equal(
        nextRetryDelay(SVIX_SCHEDULE, index + 1, null, () => 1),
        seconds * 1200,
      );
    });
    assert.equal(nextRetryDelay(SVIX_SCHEDULE, SVIX_SCHEDULE.length + 1, null), null);
  });

  it('lets Retry-After lengthen a delay, never shorten it, and bounds it', () => {
    assert.equal(
      nextRetryDelay(SVIX_SCHEDULE, 1, 60, () => 0.5),
      60_000,
    );
    assert.equal(
      nextRetryDelay(SVIX_SCHEDULE, 2, 1, () => 0.5),
      300_000,
    );
    assert.equal(
      nextRetryDelay(SVIX_SCHEDULE, 1, 10 ** 9, () => 0.5),
      MAX_RETRY_AFTER_SECONDS * 1000,
    );
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });

  it('always yields a delay within the jitter band (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: SVIX_SCHEDULE.length }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, random) => {
        const delay = nextRetryDelay(SVIX_SCHEDULE, attempt, null, () => random)!;
        const base = SVIX_SCHEDULE[attempt - 1]! * 1000;
        return delay >= base * 0.8 - 1 && delay <= base * 1.2 + 1;
      }),
    );
  });
});

describe('signatures', () => {
  it('verify with the standardwebhooks package for whsec_ secrets and raw secrets', async () => {
    const body = JSON.stringify({ hello: 'wörld' });
    const timestamp = Math.floor(Date.now() / 1000);
    const whsec = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    for (const [secret, verifierKey] of [
      [whsec, whsec],
      ['a'.repeat(64), Buffer.from('a'.repeat(64)).toString('base64')],
    ] as const) {
      const headers = await signatureHeaders({ current: secret, previous: null }, 'msg_1', timestamp, body, false);
      assert.deepEqual(new Webhook(verifierKey).verify(body, headers), { hello: 'wörld' });
    }
  });

  it('node:crypto and @noble/hashes give the same signatures, for any secret and body (property)', () => {
    const nodeMac = createNodeMac();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
        ),
        fc.string({ unit: 'binary' }),
        fc.boolean(),
        (secret, body, withBody) => {
          const secrets = { current: secret, previous: 'previous-secret' };
          assert.deepEqual(signatureHeaders(secrets, 'msg_p', 1700000000, body, withBody, nodeMac), signatureHeaders(secrets, 'msg_p', 1700000000, body, withBody, nobleMac));
        },
      ),
    );
  });

  it('signs with both secrets during a rotation grace period', async () => {
    const headers = await signatureHeaders({ current: 'new-secret', previous: 'old-secret' }, 'msg_2', 1700000000, '{}', true);
    const parts = headers['webhook-signature']!.split(' ');
    assert.equal(parts.length, 2);
    assert.equal(parts[0], await standardSignature('new-secret', 'msg_2', 1700000000, '{}'));
    assert.equal(parts[1], await standardSignature('old-secret', 'msg_2', 1700000000, '{}'));
    assert.equal(headers['x-webhook-signature'], `${bodySignature('new-secret', '{}')},${bodySignature('old-secret', '{}')}`, 'newest first');
    assert.match(headers['x-webhook-signature']!, /^sha256=[0-9a-f]{64},sha256=[0-9a-f]{64}$/);
  });

  it('signs with the current secret alone outside a grace period', () => {
    const headers = signatureHeaders({ current: 'new-secret', previous: null }, 'msg_3', 1700000000, '{}', true);
    assert.equal(headers['webhook-signature'], standardSignature('new-secret', 'msg_3', 1700000000, '{}'));
    assert.equal(headers['x-webhook-signature'], bodySignature('new-secret', '{}'));
  });
});

describe('SSRF guard on target URLs', () => {
  const policy = { allowPrivateTargets: false, requireHttps: false };
  for (const url of REFUSED_TARGETS) {
    it(`refuses ${url}`, () => assert.notEqual(checkTargetUrl(url, policy), null));
  }

  it('accepts public addresses and names, with or without the trailing dot of a fully-qualified name', () => {
    for (const url of ['https://api.example.com/hook', 'https://api.example.com./hook', ...PUBLIC_ADDRESSES.map(urlOf)]) {
      assert.equal(checkTargetUrl(url, policy), null, url);
    }
  });

  it('requires https in production and refuses credentials in URLs', () => {
    assert.notEqual(checkTargetUrl('http://api.example.com/', { ...policy, requireHttps: true }), null);
    assert.notEqual(checkTargetUrl('https://user:pass@api.example.com/', policy), null);
    assert.notEqual(checkTargetUrl('file:///etc/passwd', policy), null);
  });

  it('allows private targets when configured to', () => {
    assert.equal(checkTargetUrl('http://127.0.0.1:9000/', { ...policy, allowPrivateTargets: true }), null);
  });

  // The connect-time check: what a name resolved to, judged before connecting.
  for (const { range, address } of RESERVED_ADDRESSES) {
    it(`classifies the resolved address ${address} (${range}) as blocked`, () => assert.equal(isBlockedAddress(address), true));
  }

  it('classifies public resolved addresses as allowed, also inside IPv4-mapped, IPv4-translated, NAT64 and 6to4 forms', () => {
    for (const address of PUBLIC_ADDRESSES) assert.equal(isBlockedAddress(address), false, address);
  });
});

describe('payloads', () => {
  const event = {
    id: 'evt_1',
    tenant_id: 'ten_1',
    type: 'invoice.created',
    requested_type: 'invoice.created',
    as2_partner_id: 7,
    idempotency_key: null,
    delivery_count: 1,
    occurred_at: 1_700_000_000_000,
    created_at: 1_700_000_000_000,
  };
  const endpoint = (surface: Endpoint['surface']) => ({ surface, tenant_id: 'ten_1', as2_partner_id: 7 });

  it('are the JSON of each surface’s envelope with the stored data, byte for byte', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom<Endpoint['surface']>('sponsor', 'admin', 'subscription', 'as2'), (data, surface) => {
        const stored = JSON.stringify(data ?? {});
        const body = buildPayload(endpoint(surface), { ...event, data: stored });
        assert.equal(body, JSON.stringify({ ...JSON.parse(body), data: JSON.parse(stored) }));
        assert.deepEqual(JSON.parse(body).data, JSON.parse(stored));
      }),
    );
  });

  it('keep integers beyond 2^53 exactly as they were published', () => {
    const body = buildPayload(endpoint('admin'), { ...event, data: '{"amount":123456789012345678901234567890}' });
    assert.ok(body.endsWith(',"data":{"amount":123456789012345678901234567890}}'));
    assert.deepEqual(Object.keys(JSON.parse(body)), ['event_id', 'event_type', 'timestamp', 'tenant_id', 'data']);
  });
});

describe('redacting echoed secrets', () => {
  const secrets = ['p@ss/"word"', 'tok/en+1234', 'whsec_c2VjcmV0'];

  it('masks a secret however the receiver spells it: as sent, JSON-escaped (with or without \\/), URL-encoded', () => {
    const echoed = JSON.stringify({ password: 'p@ss/"word"', token: 'tok/en+1234' });
    assert.equal(redactSecrets(echoed, secrets), '{"password":"****","token":"****"}');
    assert.equal(redactSecrets('{"password":"p@ss\\/\\"word\\""}', secrets), '{"password":"****"}');
    assert.equal(redactSecrets(`token=${encodeURIComponent('tok/en+1234')}&x=1`, secrets), 'token=****&x=1');
    assert.equal(redactSecrets('secret: whsec_c2VjcmV0, again whsec_c2VjcmV0', secrets), 'secret: ****, again ****');
  });

  it('masks the start of a secret where a kept body was cut off, and leaves short values and everything else alone', () => {
    assert.equal(redactSecrets('…"authorization":"Bearer tok/en+1', secrets), '…"authorization":"Bearer ****');
    assert.equal(redactSecrets('nothing secret here: tok', secrets), 'nothing secret here: tok', 'three characters are not a secret’s start');
    assert.equal(redactSecrets('a b a b', ['a', 'b']), 'a b a b', 'values under four characters are not searched for');
  });

  it('leaves no spelling of a secret, nor a cut-off start of one, in any text (property)', () => {
    const alphabet = fc.constantFrom(...'ab/"+%\\é ');
    const text = fc.string({ unit: alphabet, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.string({ unit: alphabet, minLength: 5, maxLength: 8 }), { minLength: 1, maxLength: 3 }), text, (secrets, body) => {
        // A text made of the secrets in their spellings, the body, and a cut-off start of one (4 characters or more).
        const echoed = `${body}${secrets.map((secret) => `${secret}|${JSON.stringify(secret)}|${encodeURIComponent(secret)}`).join(body)}${secrets[0]!.slice(0, -1)}`;
        const masked = secretMasker(secrets)(echoed);
        for (const secret of secrets) {
          for (const spelling of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) assert.ok(!masked.includes(spelling), `${spelling} in ${masked}`);
        }
        assert.ok(masked.endsWith('****'), masked);
      }),
      { numRuns: 500 },
    );
  });

  it('takes the secret out of a credential header value', () => {
    assert.equal(credentialOf('Basic d2ViaG9vazpzM2NyM3Q='), 'd2ViaG9vazpzM2NyM3Q=');
    assert.equal(credentialOf('Bearer eyJ.x.y'), 'eyJ.x.y');
    assert.equal(credentialOf('my-secret-api-key'), 'my-secret-api-key');
  });
});
