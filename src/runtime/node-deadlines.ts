import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/** How often Node looks for requests past their deadlines (its default, 30 s, let a deadline run up to 30 s late). */
const DEADLINE_CHECK_MS = 250;

/**
 * The HTTP server's options for slow clients: a request's headers must be complete
 * `headersTimeoutMs` after its first byte. The whole request keeps Node's requestTimeout (300 s),
 * so a body that arrives slowly but steadily is not cut at the headers' deadline.
 */
export const deadlineOptions = (headersTimeoutMs: number): ServerOptions => ({ headersTimeout: headersTimeoutMs, connectionsCheckingInterval: DEADLINE_CHECK_MS });

/**
 * Node starts a request's headers clock at its first byte, so a connection that sends nothing has
 * no deadline, and one that waits before its first byte gets that much longer. The first request
 * gets one here, counted from the connection's opening, as on Bun: a connection without a request
 * `headersTimeoutMs` after it opened is closed. The request's arrival lifts it, so a handler may
 * take its time; later requests on the connection meet `headersTimeout`, and the pauses between
 * them Node's keepAliveTimeout (5 s).
 */
export function closeConnectionsWithoutRequest(server: Server, headersTimeoutMs: number): void {
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const deadline = setTimeout(() => socket.destroy(), headersTimeoutMs).unref();
    deadlines.set(socket, deadline);
    socket.once('close', () => clearTimeout(deadline));
  });
  server.on('request', (request: IncomingMessage) => clearTimeout(deadlines.get(request.socket)));
}
