import type { ChildProcess } from 'node:child_process';

/**
 * Collects a child's stdout and stderr, line by line, into `logs` (only the newest `keep` lines, if
 * given) for as long as it runs, and resolves with the first capture group of the first line that
 * matches `pattern`. A child that exits first, or prints no such line in time, fails the wait; one
 * that hangs is killed, so it cannot keep the test process alive.
 */
export function waitForLine(child: ChildProcess, logs: string[], pattern: RegExp, timeoutMs: number, keep = Number.POSITIVE_INFINITY): Promise<string> {
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not start within ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        if (logs.length > keep) logs.shift();
        const match = pattern.exec(line);
        if (match) {
          clearTimeout(timer);
          resolveLine(match[1]!);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${logs.join('\n')}`));
    });
  });
}
