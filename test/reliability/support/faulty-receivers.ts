import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';

/** A misbehaving receiver on 127.0.0.1: its URL, what it saw, and how to stop it. */
export interface FaultyReceiver {
  url: string;
  /** Requests (HTTP) or connections (TCP) it got. */
  hits: number;
  /** Most connections it had open at once. */
  maxOpen: number;
  /** Response bytes it managed to write (for the large-body receiver). */
  bytesWritten: number;
  close(): Promise<void>;
}

type Listening = HttpServer | TcpServer;

async function listen(server: Listening, state: FaultyReceiver, scheme = 'http'): Promise<FaultyReceiver> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    state.maxOpen = Math.max(state.maxOpen, sockets.size);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

const blank = (): FaultyReceiver => ({ url: '', hits: 0, maxOpen: 0, bytesWritten: 0, close: async () => {} });

/** An HTTP receiver whose answer is scripted; the request body is read first. */
export function httpReceiver(respond: (res: ServerResponse, state: FaultyReceiver) => void): Promise<FaultyReceiver> {
  const state = blank();
  const server = createHttpServer((req, res) => {
    state.hits++;
    res.on('error', () => {});
    req.resume();
    req.on('end', () => respond(res, state));
  });
  return listen(server, state);
}

/** A TCP server that reads the request and then does `onData` to the socket (never answer, reset, …). */
export function tcpReceiver(onData: (socket: Socket) => void): Promise<FaultyReceiver> {
  const state = blank();
  const server = createTcpServer((socket) => {
    state.hits++;
    socket.once('data', () => onData(socket));
  });
  return listen(server, state);
}

/** Answers `status` after `delayMs`. */
export const slowReceiver = (delayMs: number) =>
  httpReceiver((res) => {
    const timer = setTimeout(() => res.writeHead(200).end('late'), delayMs);
    res.on('close', () => clearTimeout(timer));
  });

/** Accepts the connection and the request, and never sends a byte back. */
export const silentReceiver = () => tcpReceiver(() => {});

/** Resets the connection (TCP RST) as soon as the request arrives. */
export const resettingReceiver = () => tcpReceiver((socket) => socket.resetAndDestroy());

/** Sends 200 and its headers at once, then one body byte every `everyMs`, forever. */
export const tricklingReceiver = (everyMs: number) =>
  httpReceiver((res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), everyMs);
    res.on('close', () => clearInterval(timer));
  });

/** Answers 200 with a body of `bytes` bytes, written as fast as the client reads it. */
export const hugeReceiver = (bytes: number) =>
  httpReceiver((res, state) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(bytes) });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const write = () => {
      while (state.bytesWritten < bytes) {
        state.bytesWritten += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });

export const statusReceiver = (status: number, headers: Record<string, string> = {}) =>
  httpReceiver((res) => res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`status ${status}`));

/** A port on 127.0.0.1 where nothing listens. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
