/** The HTTP client the delivery engine sends through; each runtime supplies one. */
export interface OutboundRequest {
  url: string;
  method?: 'POST';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Bytes of the response body to keep (default RESPONSE_BODY_KEEP). */
  keepBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** The first RESPONSE_BODY_KEEP bytes of the body, decoded as UTF-8. */
  body: string;
}

export type ErrorClass = 'timeout' | 'dns' | 'connection' | 'tls' | 'blocked_address' | 'invalid_url' | 'auth';

/** A request that got no HTTP answer, classified for the attempt log and the retry policy. */
export class TransportError extends Error {
  readonly errorClass: ErrorClass;
  constructor(errorClass: ErrorClass, message: string) {
    super(message);
    this.errorClass = errorClass;
  }
}

export interface Transport {
  send(request: OutboundRequest): Promise<OutboundResponse>;
  close?(): Promise<void>;
}

/** Bytes of a response body kept in the attempt log; more is read up to RESPONSE_BODY_READ_LIMIT, then dropped. */
export const RESPONSE_BODY_KEEP = 4096;
export const RESPONSE_BODY_READ_LIMIT = 64 * 1024;

/** Classifies a low-level network error by its code or message. */
export function classifyNetworkError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const err = error as { code?: string; name?: string; message?: string; cause?: unknown };
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const code = err.code ?? cause?.code ?? '';
  const message = `${err.message ?? ''} ${cause?.message ?? ''}`.trim() || String(error);
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/i.test(code)) return new TransportError('timeout', 'request timed out');
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|ENODATA/.test(code)) return new TransportError('dns', message);
  if (/CERT|SSL|TLS|ERR_TLS/i.test(code) || /certificate|ssl|tls/i.test(message)) return new TransportError('tls', message);
  return new TransportError('connection', message);
}
