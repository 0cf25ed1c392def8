/** The OpenAPI security schemes the routes name in their `security`, as registered in the document. */
export const SECURITY_SCHEMES = {
  APIKeyHeader: { type: 'apiKey', in: 'header', name: 'Authorization' },
  BearerJWT: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  PartnerApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  MetricsToken: { type: 'http', scheme: 'bearer', description: 'HOOKGATE_METRICS_TOKEN' },
} as const;
