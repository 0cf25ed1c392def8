import type { Client } from 'openapi-fetch';
import type { paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

export interface ClientOptions {
  /** Where hookgate listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** A tenant API key, sent raw in `Authorization` (the sponsor, AS2 and ingestion APIs). */
  apiKey?: string;
  /** A JWT, sent as `Authorization: Bearer <token>` (the admin, subscription-management, operator and ingestion APIs). */
  token?: string;
  /** More headers for every request (e.g. `X-Request-Id`). */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

/** `client.GET('/api/v1/admin/webhooks', …)`, `client.POST('/api/v1/events', { body })`: paths, bodies and answers typed from the OpenAPI document. */
export type HookgateClient = Client<paths>;

export declare function createClient(options: ClientOptions): HookgateClient;
