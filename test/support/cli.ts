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
 * Runs `hookgate ARGS` in its own process with exactly `env` (plus CHILD_ENV) in `cwd`. Asynchronous, so a
 * receiver or server living in the test process keeps answering meanwhile.
 */
export function runCli(args: string[], options: { env: Record<string, string>; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env: { ...CHILD_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
 * Runs the CLI's main() in this process with stdout and stderr captured: what bin/hookgate.js runs,
 * without a process start per call. Only for commands that touch no configuration (help, usage errors).
 */
export async function runMain(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stdout };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}
