/** One JSON object per line on stdout. Callers never pass secrets or payload bodies. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type Logger = (line: Record<string, unknown> & { level?: Exclude<LogLevel, 'silent'>; msg: string }) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(threshold: LogLevel, write: (text: string) => void = (text) => console.log(text)): Logger {
  return (line) => {
    const level = line.level ?? 'info';
    if (RANK[level] < RANK[threshold]) return;
    write(JSON.stringify({ time: new Date().toISOString(), ...line, level }));
  };
}

export const silentLogger: Logger = () => {};
