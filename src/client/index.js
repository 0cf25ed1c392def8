// The typed client of hookgate's HTTP APIs: `import { createClient } from 'hookgate/client'`.
// Plain JavaScript (with index.d.ts beside it), so that it runs wherever the package is installed;
// the types of every path and operation are generated from the OpenAPI document (openapi.d.ts).
import createFetchClient from 'openapi-fetch';

/** @param {import('./index.js').ClientOptions} options */
export function createClient({ baseUrl, apiKey, token, headers, fetch }) {
  const credentials = token ? { Authorization: `Bearer ${token}` } : apiKey ? { Authorization: apiKey } : {};
  return createFetchClient({ baseUrl, headers: { ...credentials, ...headers }, ...(fetch ? { fetch } : {}) });
}
