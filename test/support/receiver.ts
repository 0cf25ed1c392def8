import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

export type Responder = (request: Received, res: ServerResponse) => void | Promise<void>;

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as the test scripts it. */
export interface Receiver {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once `predicate` holds for the received requests (polling), or rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Responder =>
  (_request, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };

export async function startReceiver(respond: Responder = answer(200, 'ok')): Promise<Receiver> {
  const receiver = { received: [] as Received[], respond } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      const request: Received = { path: req.url ?? '/', headers: req.headers, body, json, at: Date.now() };
      receiver.received.push(request);
      Promise.resolve(receiver.respond(request, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.waitFor = async (predicate, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(receiver.received)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (got ${receiver.received.length} requests)`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return receiver.received;
  };
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
