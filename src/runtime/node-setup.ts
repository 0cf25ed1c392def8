import { getConnInfo } from '@hono/node-server/conninfo';
import { openBetterSqlite } from '../db/dialects/better-sqlite3.ts';
import { nodeApiReference } from './api-reference-node.ts';
import { type HostRuntime, hostSetUp } from './host.ts';

export type NodeRuntime = HostRuntime;

/** Reads the environment, opens and migrates the SQLite store (better-sqlite3), and builds the services. */
export const setUpNode = hostSetUp(openBetterSqlite, (c) => (c.env?.incoming ? (getConnInfo(c).remote.address ?? null) : null), nodeApiReference);
