import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
// The package's own entry file: on Bun the bare name `undici` is Bun's built-in stand-in, which has
// no `Agent.dispatch`; this path loads the real undici on Node and Bun alike.
import { Agent, type Dispatcher } from 'undici/index.js';
import type { Env } from '../../config.ts';
import { ipFamily, isBlockedAddress } from '../address-policy.ts';
import { classifyNetworkError, type OutboundRequest, type OutboundResponse, RESPONSE_BODY_KEEP, RESPONSE_BODY_READ_LIMIT, type Transport, TransportError } from '../transport.ts';

/**
 * The transport of Node and Bun: undici with keep-alive connections pooled per origin (on Node
 * several times the throughput of `fetch` to the same receiver; on Bun, whose `fetch` keeps at most
 * 64 idle connections for all origins together, it reuses its connections where `fetch` opens new
 * ones, and each new one to an HTTPS receiver is a TLS handshake). The SSRF guard sits in the
 * connection's DNS lookup, so the address checked is the address connected; a literal IP, which is
 * connected without a lookup, is checked before dispatch. Every request goes through both: deliveries
 * and OAuth2 token requests alike.
 */
export function createUndiciTransport(options: { allowPrivateTargets: boolean; connectionsPerOrigin?: number }): Transport {
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    // `dns.lookup` is read at call time (a resolver preloaded by the SSRF tests replaces it, on Node and Bun).
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as unknown as { address: string; family: number }[];
      const allowed = options.allowPrivateTargets ? list : list.filter((entry) => !isBlockedAddress(entry.address));
      if (allowed.length === 0) {
        return callback(new TransportError('blocked_address', `${hostname} resolves only to private or reserved addresses`), '', 4);
      }
      if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof allowed) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
  const agent = new Agent({
    connect: { lookup: guardedLookup },
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  });

  return {
    send(outbound) {
      let url: URL;
      try {
        url = new URL(outbound.url);
      } catch (error) {
        return Promise.reject(classifyNetworkError(error));
      }
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (!options.allowPrivateTargets && ipFamily(literal) !== null && isBlockedAddress(literal)) {
        return Promise.reject(new TransportError('blocked_address', `${literal} is a private or reserved address`));
      }
      return dispatchCapped(agent, url, outbound);
    },
    close: () => agent.close(),
  };
}

/** The transport as the Node and Bun entry points configure it: one connection pool per origin, as wide as the per-endpoint cap. */
export function undiciTransportFor(env: Pick<Env, 'HOOKGATE_ALLOW_PRIVATE_TARGETS' | 'HOOKGATE_ENDPOINT_CONCURRENCY'>): Transport {
  return createUndiciTransport({ allowPrivateTargets: env.HOOKGATE_ALLOW_PRIVATE_TARGETS, connectionsPerOrigin: env.HOOKGATE_ENDPOINT_CONCURRENCY });
}

/** What a request past its deadline is aborted with (classified as `timeout`). */
const timeoutError = () => Object.assign(new Error('request timed out'), { name: 'TimeoutError' });

/**
 * One POST through undici's lowest-level API (`dispatch` with a handler): no response stream and
 * no promise per chunk, and nothing that outlives the request. Reads at most
 * RESPONSE_BODY_READ_LIMIT bytes of the body, keeps RESPONSE_BODY_KEEP, and aborts the rest. The
 * whole request, connect to last byte, is bounded by `timeoutMs`.
 */
function dispatchCapped(agent: Agent, url: URL, outbound: OutboundRequest): Promise<OutboundResponse> {
  const keep = outbound.keepBytes ?? RESPONSE_BODY_KEEP;
  const limit = Math.max(RESPONSE_BODY_READ_LIMIT, keep);
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let timedOut = false;
    let status = 0;
    let headers: Record<string, string> = {};
    const kept: Buffer[] = [];
    let read = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const answer = () => settle(() => resolve({ status, headers, body: Buffer.concat(kept).subarray(0, keep).toString('utf8') }));
    const timer = setTimeout(() => {
      timedOut = true;
      controller?.abort(timeoutError());
    }, outbound.timeoutMs);
    agent.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: outbound.headers,
        body: outbound.body,
        headersTimeout: outbound.timeoutMs,
        bodyTimeout: outbound.timeoutMs,
      },
      {
        onRequestStart(started) {
          controller = started;
          if (timedOut) started.abort(timeoutError());
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          headers = {};
          for (const [name, value] of Object.entries(responseHeaders)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
          }
        },
        onResponseData(started, chunk) {
          if (read < keep) kept.push(chunk);
          read += chunk.length;
          if (read >= limit) {
            answer(); // enough read: the rest is not wanted
            started.abort(new Error('response body over the read limit'));
          }
        },
        onResponseEnd: answer,
        onResponseError(_controller, error) {
          settle(() => reject(classifyNetworkError(timedOut ? timeoutError() : error)));
        },
      },
    );
  });
}
