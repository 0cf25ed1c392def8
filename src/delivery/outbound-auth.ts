import { bytesToBase64, utf8 } from '../lib/encoding.ts';
import { type Transport, TransportError } from './transport.ts';

/** Page 002's outbound authentication, as stored (encrypted) with a subscription. */
export type OutboundAuth =
  | { method: 'OAUTH2'; clientId: string; clientSecret: string; tokenUrl: string }
  | { method: 'BASIC_AUTH'; username: string; password: string }
  | { method: 'API_KEY'; headerName: string; key: string };

/** The secret values of an authentication, never its identities (client id, user name, header name). */
export function authSecrets(auth: OutboundAuth): string[] {
  switch (auth.method) {
    case 'BASIC_AUTH':
      return [auth.password];
    case 'API_KEY':
      return [auth.key];
    case 'OAUTH2':
      return [auth.clientSecret];
  }
}

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

/** RFC 6749 §2.3.1: client credentials are form-urlencoded before they go into HTTP Basic. */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
const basic = (user: string, password: string) => `Basic ${bytesToBase64(utf8.encode(`${user}:${password}`))}`;

/**
 * Turns a subscription's authentication into request headers. OAuth2 tokens come from the
 * client-credentials grant (client authentication by HTTP Basic, RFC 6749 §2.3.1), are cached per
 * endpoint until 30 s (or 10 % of the lifetime, if less) before `expires_in`, and can be dropped
 * after a 401 so the next call fetches a fresh one.
 */
export class OutboundAuthenticator {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly transport: Transport;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(transport: Transport, now: () => number, timeoutMs: number) {
    this.transport = transport;
    this.now = now;
    this.timeoutMs = timeoutMs;
  }

  async headers(endpointId: string, auth: OutboundAuth): Promise<Record<string, string>> {
    switch (auth.method) {
      case 'BASIC_AUTH':
        return { authorization: basic(auth.username, auth.password) };
      case 'API_KEY':
        return { [auth.headerName.toLowerCase()]: auth.key };
      case 'OAUTH2':
        return { authorization: `Bearer ${await this.token(endpointId, auth)}` };
    }
  }

  /** Forgets a cached token (the receiver answered 401 with it). */
  invalidate(endpointId: string): void {
    this.tokens.delete(endpointId);
  }

  private async token(endpointId: string, auth: Extract<OutboundAuth, { method: 'OAUTH2' }>): Promise<string> {
    const cached = this.tokens.get(endpointId);
    if (cached && cached.refreshAt > this.now()) return cached.accessToken;
    const response = await this.transport
      .send({
        url: auth.tokenUrl,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: basic(formEncode(auth.clientId), formEncode(auth.clientSecret)),
        },
        body: 'grant_type=client_credentials',
        timeoutMs: this.timeoutMs,
        keepBytes: 64 * 1024,
      })
      .catch((error: unknown) => {
        // The address guard, not the token endpoint, stopped a refused request: it keeps its class.
        const errorClass = error instanceof TransportError && error.errorClass === 'blocked_address' ? 'blocked_address' : 'auth';
        throw new TransportError(errorClass, `token endpoint unreachable: ${(error as Error).message}`);
      });
    if (response.status < 200 || response.status > 299) throw new TransportError('auth', `token endpoint answered ${response.status}`);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      throw new TransportError('auth', 'token endpoint answered with invalid JSON');
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token.length === 0) {
      throw new TransportError('auth', 'token endpoint answered without an access_token');
    }
    const lifetimeMs = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in * 1000 : 300_000;
    const margin = Math.min(30_000, lifetimeMs * 0.1);
    this.tokens.set(endpointId, { accessToken: parsed.access_token, refreshAt: this.now() + lifetimeMs - margin });
    return parsed.access_token;
  }
}
