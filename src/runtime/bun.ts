import type { Context } from 'hono';
import { openBunSqlite } from '../db/dialects/bun-sqlite.ts';
import { bunApiReference } from './api-reference-bun.ts';
import { exitOnStartFailure, hostSetUp, serveHost } from './host.ts';
import { nodeEnvironment } from './node-env.ts';

/** Reads the environment, opens and migrates the SQLite store (bun:sqlite), and builds the services. */
export const setUpBun = hostSetUp(openBunSqlite, bunClientAddress, bunApiReference);

/** Bun.serve hands its server to fetch as the second argument, which Hono keeps as `c.env`. */
function bunClientAddress(c: Context): string | null {
  const server = c.env as { requestIP?: (request: Request) => { address: string } | null } | undefined;
  return server?.requestIP?.(c.req.raw)?.address ?? null;
}

/**
 * Bun entry point (and the compiled single binary): environment → bun:sqlite → migrations → app →
 * Bun.serve, with croner for the sweeper and undici (as on Node) for deliveries.
 */
export async function startBunServer(source: Record<string, string | undefined> = nodeEnvironment()): Promise<void> {
  await serveHost(
    await setUpBun(source),
    async (fetch, env) => {
      // Bun closes a connection idle this long (whole seconds, at most 255), which bounds the headers of every
      // request after a connection's first; the first request's headers get Bun's own 10 s, whatever is set.
      const idleTimeout = Math.ceil(env.HOOKGATE_HEADERS_TIMEOUT_MS / 1000);
      const server = Bun.serve({ port: env.PORT, hostname: env.HOST, idleTimeout, fetch });
      return { port: server.port, stop: () => server.stop() };
    },
    `bun ${Bun.version}`,
  );
}

/** The single binary is the CLI too: `hookgate` alone (or `hookgate serve`) serves; any other command line runs that command on bun:sqlite. */
if (import.meta.main) {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || (argv[0] === 'serve' && argv.length === 1)) {
    startBunServer().catch(exitOnStartFailure);
  } else {
    const { main } = await import('../cli/main.ts');
    process.exitCode = await main(argv, { setUp: setUpBun, serve: () => startBunServer(), openSqlite: openBunSqlite });
  }
}
