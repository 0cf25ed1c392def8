import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { CHILD_ENV, ROOT } from './server.ts';

/** The `hookgate` command of this checkout. */
export const CLI = join(ROOT, 'bin/hookgate.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or null. */
  json: any;
}

/**
 * Runs `hookgate ARGS` in its own process with exactly `env` (plus CHILD_ENV) in `cwd`, `input` on its stdin. Asynchronous, so a
 * receiver or server living in the test process keeps answering meanwhile.
 */
export function runCli(args: string[], options: { env: Record<string, string>; cwd?: string; input?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...CHILD_ENV, ...options.env },
      stdio: 'pipe',
    });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('close', (code) => {
      let json: any = null;
      try {
        json = JSON.parse(stdout);
      } catch {}
      resolve({ code, stdout, stderr, json });
    });
  });
}

/**
 * Runs the CLI's main() in this process with its output captured: what bin/hookgate.js runs, without
 * a process start per call. Only for commands that read no configuration (help, version, usage
 * errors). main() writes strings; anything else written meanwhile (the test runner reports to its
 * parent through this process's stdout, in binary) passes through untouched.
 */
export async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { stdout: '', stderr: '' };
  const restore = (['stdout', 'stderr'] as const).map((name) => {
    const stream = process[name];
    const write = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      captured[name] += chunk;
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  });
  try {
    return { code: await main(argv), ...captured };
  } finally {
    for (const undo of restore) undo();
  }
}
