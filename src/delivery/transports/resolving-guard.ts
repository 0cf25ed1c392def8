import { ipFamily, isBlockedAddress } from '../address-policy.ts';
import { classifyNetworkError, type Transport, TransportError } from '../transport.ts';

/** Every address a host name resolves to (A and AAAA). */
export type ResolveAll = (hostname: string) => Promise<string[]>;

/**
 * For `fetch`-only runtimes that can resolve names (Bun and the binary): resolves the target's
 * name before sending and refuses it when any address is private or reserved. Unlike the Node
 * transport's guard, which checks the address actually connected, this cannot catch a DNS answer
 * that changes between this lookup and fetch's own (rebinding); literal IPs are checked by the
 * engine. Workers cannot resolve names at all, so they do without it.
 */
export function withResolvingGuard(transport: Transport, resolveAll: ResolveAll): Transport {
  return {
    async send(request) {
      const host = new URL(request.url).hostname.replace(/^\[|\]$/g, '');
      if (ipFamily(host) === null) {
        let addresses: string[];
        try {
          addresses = await resolveAll(host);
        } catch (error) {
          throw classifyNetworkError(error);
        }
        if (addresses.length === 0 || addresses.some(isBlockedAddress)) {
          throw new TransportError('blocked_address', `${host} resolves to a private or reserved address`);
        }
      }
      return transport.send(request);
    },
    close: transport.close ? () => transport.close!() : undefined,
  };
}
