/** Retention (HOOKGATE_RETENTION_DAYS): the sweeper prunes history through the store's repository. */
export { pruneHistory } from '../db/repo/retention.ts';
