import { nodeEnvironment } from '../runtime/node-env.ts';
import { type NodeRuntime, type SetUpOptions, setUpNode } from '../runtime/node-setup.ts';

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
export async function withRuntime<T>(action: (runtime: NodeRuntime) => Promise<T>, options: SetUpOptions = { createStore: false }): Promise<T> {
  const runtime = await setUpNode(nodeEnvironment(), options);
  try {
    return await action(runtime);
  } finally {
    await runtime.store.close();
  }
}
