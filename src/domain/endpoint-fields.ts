import type { Endpoint } from '../db/schema.ts';
import { checkTargetUrl } from '../delivery/address-policy.ts';
import { invalid } from '../errors.ts';
import { bytesToBase64 } from '../lib/encoding.ts';
import { randomBytes, randomHex } from '../lib/random.ts';
import type { Services } from '../services.ts';

/** Page 000's secret: 64 hex characters. */
export const newHexSecret = (): string => randomHex(32);

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const newSigningSecret = (): string => `whsec_${bytesToBase64(randomBytes(32))}`;

export const eventTypesOf = (endpoint: Pick<Endpoint, 'event_types'>): string[] | null => (endpoint.event_types === null ? null : (JSON.parse(endpoint.event_types) as string[]));

export const storedEventTypes = (names: readonly string[] | null): string | null => (names === null ? null : JSON.stringify(names));

export const toIso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Rejects a target URL the delivery engine would refuse, as a validation error at `loc`. */
export function assertTargetUrl(services: Services, url: string, loc: (string | number)[]): void {
  const problem = checkTargetUrl(url, {
    allowPrivateTargets: services.config.allowPrivateTargets,
    requireHttps: services.config.env === 'production',
  });
  if (problem) throw invalid(loc, `URL ${problem}`, 'url_parsing');
}
