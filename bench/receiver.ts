import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * The bench's webhook receiver, run as its own process on the client core: answers every POST with
 * 200 at once over keep-alive connections, and notes when each event (by the `seq` the load
 * generator put in its data) arrived. `GET /__bench/collect` hands over, and forgets, what arrived
 * (and how many connections were opened) since the last collect; `GET /__bench/total` counts every POST ever received. Listens on BENCH_PORTS ports (default 1: several ports make several
 * origins, so endpoints on different ports get their own connections) and prints them on stdout.
 */
const clock = () => Number(process.hrtime.bigint()) / 1e6; // the monotonic clock the load generator uses too
let count = 0;
let total = 0;
let signed = 0;
let connections = 0;
let first = 0;
let last = 0;
let seqs: number[] = [];
let times: number[] = [];
const SEQ = /"seq":(\d+)/;

function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' && req.url === '/__bench/total') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total }));
    return;
  }
  if (req.method === 'GET' && req.url === '/__bench/collect') {
    const body = JSON.stringify({ count, signed, connections, first, last, seqs, times });
    count = signed = connections = first = last = 0;
    seqs = [];
    times = [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => {
    const at = clock();
    count++;
    total++;
    if (req.headers['webhook-signature']) signed++;
    if (!first) first = at;
    last = at;
    const match = SEQ.exec(body);
    if (match) {
      seqs.push(Number(match[1]));
      times.push(at);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
}

const servers = Array.from({ length: Math.max(1, Number(process.env.BENCH_PORTS ?? 1)) }, () => {
  const server = createServer(handle);
  server.on('connection', () => {
    connections++;
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  return server;
});
await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
process.stdout.write(`${JSON.stringify({ ports: servers.map((server) => (server.address() as { port: number }).port) })}\n`);
process.on('SIGTERM', () => {
  for (const server of servers) server.closeAllConnections();
  process.exit(0);
});
