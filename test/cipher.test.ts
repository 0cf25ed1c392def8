import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CipherBinding, createSecretCipher, outboundAuthOf, signingSecretOf } from '../src/lib/cipher.ts';
import { sealV1, sealV2 } from './support/reference-cipher.ts';
import { ENCRYPTION_KEY } from './support/server.ts';

const SESSION: CipherBinding = { purpose: 'console-session', subject: 'hookgate_console' };

describe('secret cipher: one key per purpose, every ciphertext bound to its purpose and row', () => {
  it('round-trips under the same binding and writes the v2 form', async () => {
    const cipher = await createSecretCipher(ENCRYPTION_KEY);
    for (const binding of [signingSecretOf('wh_1'), outboundAuthOf('wh_1'), SESSION]) {
      const stored = await cipher.encrypt('plain ✓', binding);
      assert.match(stored, /^v2\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
      assert.equal(await cipher.decrypt(stored, binding), 'plain ✓');
    }
  });

  it('opens what node:crypto seals with HKDF-SHA256 (info hookgate/<purpose>/v2) and the binding as associated data: the format is pinned', async () => {
    const cipher = await createSecretCipher(ENCRYPTION_KEY);
    assert.equal(await cipher.decrypt(sealV2('whsec_abc', signingSecretOf('wh_9')), signingSecretOf('wh_9')), 'whsec_abc');
    assert.equal(await cipher.decrypt(sealV2('{"a":1}', SESSION), SESSION), '{"a":1}');
  });

  it('refuses a ciphertext under any other purpose or row, cached or not', async () => {
    const cipher = await createSecretCipher(ENCRYPTION_KEY);
    const stored = await cipher.encrypt('secret', signingSecretOf('wh_1'));
    assert.equal(await cipher.decrypt(stored, signingSecretOf('wh_1')), 'secret', 'now cached');
    for (const other of [signingSecretOf('wh_2'), outboundAuthOf('wh_1'), SESSION, { purpose: 'console-session', subject: 'wh_1' } as const]) {
      await assert.rejects(cipher.decrypt(stored, other), `${JSON.stringify(other)} must not open it`);
    }
  });

  it('reads the v1 form of earlier releases for secrets at rest only, never as a session', async () => {
    const cipher = await createSecretCipher(ENCRYPTION_KEY);
    const legacy = sealV1('legacy-secret');
    assert.equal(await cipher.decrypt(legacy, signingSecretOf('wh_1')), 'legacy-secret');
    assert.equal(await cipher.decrypt(legacy, outboundAuthOf('wh_7')), 'legacy-secret');
    await assert.rejects(cipher.decrypt(legacy, SESSION), /unknown ciphertext format/);
  });

  it('refuses another key, a tampered ciphertext and unknown forms', async () => {
    const cipher = await createSecretCipher(ENCRYPTION_KEY);
    const other = await createSecretCipher(Buffer.alloc(32, 9).toString('base64'));
    const stored = await cipher.encrypt('secret', signingSecretOf('wh_1'));
    await assert.rejects(other.decrypt(stored, signingSecretOf('wh_1')));
    const [version, iv, sealed] = stored.split('.');
    const flipped = Buffer.from(sealed!, 'base64');
    flipped[0]! ^= 1;
    await assert.rejects(cipher.decrypt(`${version}.${iv}.${flipped.toString('base64')}`, signingSecretOf('wh_1')));
    for (const form of ['', 'v2', 'v2.', `v3.${iv}.${sealed}`, `${stored}.extra`]) {
      await assert.rejects(cipher.decrypt(form, signingSecretOf('wh_1')), /unknown ciphertext format/, form);
    }
  });
});
