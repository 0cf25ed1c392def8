import { z } from 'zod';

const boolean = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const base64Key = z.string().refine((value) => {
  try {
    return atob(value).length === 32;
  } catch {
    return false;
  }
}, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');

const duration = z.coerce.number().int().positive();

/** Every environment variable hookgate reads, validated once at the entry point. */
const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    /** The SQLite file, or a `postgres://` URL; `DATA_DIR/hookgate.db` when not set (see the transform below). */
    DATABASE_URL: z.string().optional(),
    /** Connections each process keeps to Postgres (no effect on SQLite). */
    HOOKGATE_DB_POOL_SIZE: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(10),
    /** Postgres only: prepare the statements of atomic units by name (`false` behind a pooler that cannot track them). */
    HOOKGATE_DB_PREPARED_STATEMENTS: boolean.default(true),
    DATA_DIR: z.string().default('./data'),
    HOOKGATE_ENV: z.enum(['development', 'production']).default('development'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    HOOKGATE_ENCRYPTION_KEY: base64Key.optional(),
    HOOKGATE_ALLOW_PRIVATE_TARGETS: boolean.default(false),
    HOOKGATE_SWEEP_CRON: z.string().default('*/5 * * * * *'),
    HOOKGATE_RETRY_SCHEDULE: z
      .string()
      .regex(/^\d+(,\d+)*$/, 'must be comma-separated seconds, e.g. 5,300,1800')
      .default('5,300,1800,7200,18000,36000,36000'),
    HOOKGATE_ATTEMPT_TIMEOUT_MS: duration.default(15_000),
    HOOKGATE_SECRET_GRACE_SECONDS: duration.default(86_400),
    HOOKGATE_DISABLE_AFTER_SECONDS: duration.default(5 * 86_400),
    HOOKGATE_RETENTION_DAYS: duration.default(30),
    HOOKGATE_MAX_BODY_BYTES: duration.default(1_048_576),
    HOOKGATE_CONCURRENCY: duration.default(64),
    HOOKGATE_ENDPOINT_CONCURRENCY: duration.default(32),
    HOOKGATE_CIRCUIT_FAILURE_THRESHOLD: duration.default(20),
    HOOKGATE_CIRCUIT_COOLDOWN_SECONDS: duration.default(60),
    HOOKGATE_OPERATOR_WEBHOOK_URL: z.url().optional(),
    HOOKGATE_OPERATOR_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    HOOKGATE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
    HOOKGATE_MAX_ENDPOINTS_PER_TENANT: duration.default(500),
    HOOKGATE_MAX_EVENT_BYTES: duration.default(262_144),
    HOOKGATE_MAX_JSON_DEPTH: duration.default(64),
    HOOKGATE_HEADERS_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(1000, 'must be at least 1000')
      .max(255_000, 'must be at most 255000 (Bun counts whole seconds up to 255)')
      .default(10_000),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    HOOKGATE_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
    HOOKGATE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    HOOKGATE_PUBLIC_URL: z
      .url({ protocol: /^https?$/ })
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    HOOKGATE_ADMIN_USER: z.string().min(1).optional(),
    HOOKGATE_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.HOOKGATE_ADMIN_USER) !== Boolean(env.HOOKGATE_ADMIN_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['HOOKGATE_ADMIN_PASSWORD'], message: 'and HOOKGATE_ADMIN_USER must be set together' });
    }
    if (env.HOOKGATE_ENV !== 'production') return;
    if (!env.HOOKGATE_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['HOOKGATE_ENCRYPTION_KEY'], message: 'is required in production' });
    }
    if (!env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'JWT_SECRET or JWT_JWKS_URL is required in production' });
    }
  })
  .transform((env) => ({ ...env, DATABASE_URL: env.DATABASE_URL ?? `${env.DATA_DIR.replace(/\/+$/, '')}/hookgate.db` }));

export type Env = z.infer<typeof envSchema>;

/** The settings the app itself uses, after the entry point has filled in development defaults. */
export interface Config {
  env: 'development' | 'production';
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  allowPrivateTargets: boolean;
  retryScheduleSeconds: number[];
  attemptTimeoutMs: number;
  secretGraceSeconds: number;
  disableAfterSeconds: number;
  retentionDays: number;
  maxBodyBytes: number;
  concurrency: number;
  endpointConcurrency: number;
  /** Consecutive failed attempts that open an endpoint's circuit. */
  circuitFailureThreshold: number;
  circuitCooldownSeconds: number;
  /** Where hookgate's own operational events go (besides tenants' admin webhooks that subscribe to them). */
  operatorWebhook?: { url: string; secret?: string };
  /** Authenticated requests per minute per API key or token subject (a token bucket); 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Endpoints a tenant may have across all four surfaces. */
  maxEndpointsPerTenant: number;
  /** Bytes of an event's `data`, as JSON. */
  maxEventBytes: number;
  /** Levels of objects and arrays a JSON request body may nest, counted from its outermost value. */
  maxJsonDepth: number;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The service's address as its users reach it (e.g. behind a proxy), for the links it hands out; else each request's own origin. */
  publicUrl?: string;
  /** The console's sign-in credentials; without them the console takes only pasted admin tokens. */
  consoleAdmin?: { user: string; password: string };
}

export class ConfigError extends Error {}

/** Parses an environment record; throws a ConfigError with a one-line message naming the bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(`invalid configuration: ${issue.path.join('.') || 'environment'} ${issue.message}`);
}

export function toConfig(env: Env): Config {
  return {
    env: env.HOOKGATE_ENV,
    jwt: { secret: env.JWT_SECRET, jwksUrl: env.JWT_JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
    allowPrivateTargets: env.HOOKGATE_ALLOW_PRIVATE_TARGETS,
    retryScheduleSeconds: env.HOOKGATE_RETRY_SCHEDULE.split(',').map(Number),
    attemptTimeoutMs: env.HOOKGATE_ATTEMPT_TIMEOUT_MS,
    secretGraceSeconds: env.HOOKGATE_SECRET_GRACE_SECONDS,
    disableAfterSeconds: env.HOOKGATE_DISABLE_AFTER_SECONDS,
    retentionDays: env.HOOKGATE_RETENTION_DAYS,
    maxBodyBytes: env.HOOKGATE_MAX_BODY_BYTES,
    concurrency: env.HOOKGATE_CONCURRENCY,
    endpointConcurrency: env.HOOKGATE_ENDPOINT_CONCURRENCY,
    circuitFailureThreshold: env.HOOKGATE_CIRCUIT_FAILURE_THRESHOLD,
    circuitCooldownSeconds: env.HOOKGATE_CIRCUIT_COOLDOWN_SECONDS,
    operatorWebhook: env.HOOKGATE_OPERATOR_WEBHOOK_URL ? { url: env.HOOKGATE_OPERATOR_WEBHOOK_URL, secret: env.HOOKGATE_OPERATOR_WEBHOOK_SECRET } : undefined,
    rateLimitPerMinute: env.HOOKGATE_RATE_LIMIT_PER_MINUTE,
    maxEndpointsPerTenant: env.HOOKGATE_MAX_ENDPOINTS_PER_TENANT,
    maxEventBytes: env.HOOKGATE_MAX_EVENT_BYTES,
    maxJsonDepth: env.HOOKGATE_MAX_JSON_DEPTH,
    metricsToken: env.HOOKGATE_METRICS_TOKEN,
    publicUrl: env.HOOKGATE_PUBLIC_URL,
    consoleAdmin: env.HOOKGATE_ADMIN_USER && env.HOOKGATE_ADMIN_PASSWORD ? { user: env.HOOKGATE_ADMIN_USER, password: env.HOOKGATE_ADMIN_PASSWORD } : undefined,
  };
}
