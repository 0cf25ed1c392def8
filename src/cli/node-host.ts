import { openBetterSqlite } from '../db/dialects/better-sqlite3.ts';
import { setUpNode } from '../runtime/node-setup.ts';
import type { CliHost } from './command.ts';

/** The CLI on Node (bin/hookgate.js, `npm run hookgate`): better-sqlite3, and `serve` starts the Node server. */
export const nodeHost: CliHost = {
  setUp: setUpNode,
  openSqlite: openBetterSqlite,
  serve: () => import('../runtime/node.ts').then(({ startNodeServer }) => startNodeServer()),
};
