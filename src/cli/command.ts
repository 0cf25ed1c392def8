import type { HostStore } from '../db/store.ts';
import type { HostRuntime, SetUpHost, SetUpOptions } from '../runtime/host.ts';
import { nodeEnvironment } from '../runtime/node-env.ts';

/** What the CLI runs on: the Node host (bin/hookgate.js) or the Bun one (the single binary). */
export interface CliHost {
  setUp: SetUpHost;
  serve(): Promise<unknown>;
  /** Opens a SQLite file with the host's driver (`hookgate copy` opens two stores). */
  openSqlite(path: string): HostStore;
}

let host: CliHost | undefined;

/** Chosen once, by `main`, before any command runs. */
export function useHost(chosen: CliHost): void {
  host = chosen;
}

export function currentHost(): CliHost {
  if (!host) throw new Error('the CLI host is not chosen');
  return host;
}

/**
 * The server's configuration, as the server reads it, but logging only warnings and errors unless
 * LOG_LEVEL says otherwise: a command's own output is its JSON or its table, not the store's log.
 */
export const cliEnvironment = (): Record<string, string | undefined> => {
  const source = nodeEnvironment();
  return source.LOG_LEVEL ? source : { ...source, LOG_LEVEL: 'warn' };
};

/** One `hookgate <command>`: its options, and what it prints (JSON, or a table on a terminal). */
export interface Command {
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  /** Takes positional arguments (e.g. a delivery id). */
  positionals?: boolean;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<unknown>;
  /** The human-readable form of the result, used when stdout is a terminal (unless --json). */
  table?(result: never): string;
}

export class UsageError extends Error {}

/** A result printed like any other, with a non-zero exit code (e.g. a retry whose attempt failed). */
export class ExitWith {
  readonly output: unknown;
  readonly code: number;
  constructor(output: unknown, code: number) {
    this.output = output;
    this.code = code;
  }
}

export const required = (values: Record<string, unknown>, name: string): string => {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required`);
  return value;
};

/** A positive integer option or argument, or a usage error naming it. */
export function positiveInt(value: unknown, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) throw new UsageError(`${name} must be a positive integer`);
  return number;
}

/**
 * Runs a command over the store, configured exactly as the server is (environment, `.env`,
 * `DATA_DIR`). The database must exist unless `options.createStore` (only `migrate` creates it).
 */
export async function withRuntime<T>(action: (runtime: HostRuntime) => Promise<T>, options: SetUpOptions = { createStore: false }): Promise<T> {
  const runtime = await currentHost().setUp(cliEnvironment(), options);
  try {
    return await action(runtime);
  } finally {
    await runtime.store.close();
  }
}
