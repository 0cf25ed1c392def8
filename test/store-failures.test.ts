import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createStoreHealth, storeFailureOf } from '../src/db/store-health.ts';
import { scheduleSweeps } from '../src/runtime/sweep-cron.ts';
import { startEngine } from './support/engine.ts';
import { eventually } from './support/eventually.ts';

/** The error that `write` throws on a real SQLite file holding `INSERT`ed row 1 of table t, through a connection set up by `open` (null if none). */
function sqliteError(write: string, open: (path: string) => Database.Database = (path) => new Database(path)): unknown {
  const path = join(mkdtempSync(join(tmpdir(), 'hookgate-store-failure-')), 'store.db');
  const setup = new Database(path);
  setup.exec('CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t (id) VALUES (1)');
  setup.close();
  const db = open(path);
  try {
    db.exec(write);
    return null;
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
}

describe('store failures', () => {
  it('tells failures of the store (retry later) from failures of a query', () => {
    const readOnly = sqliteError('INSERT INTO t (id) VALUES (2)', (path) => new Database(path, { readonly: true }));
    assert.equal(storeFailureOf(readOnly), 'SQLITE_READONLY');
    const capped = (path: string) => {
      const db = new Database(path);
      db.pragma('max_page_count = 3'); // the file may not grow: as a full disk
      return db;
    };
    const full = sqliteError(`CREATE TABLE big (v TEXT); INSERT INTO big (v) VALUES ('${'x'.repeat(20_000)}')`, capped);
    assert.equal(storeFailureOf(full), 'SQLITE_FULL');
    const duplicate = sqliteError('INSERT INTO t (id) VALUES (1)');
    assert.equal(storeFailureOf(duplicate), null, `a constraint is the query's own failure: ${String(duplicate)}`);
    // D1's errors whose recommended action is a retry, and its size limit (developers.cloudflare.com/d1/observability/debug-d1).
    for (const message of [
      'D1_ERROR: Network connection lost.',
      'D1_ERROR: D1 DB reset because its code was updated.',
      'D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.',
      'D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.',
      'D1_ERROR: D1 DB is overloaded. Requests queued for too long.',
      'D1_ERROR: Exceeded maximum DB size.',
      'D1_ERROR: database or disk is full: SQLITE_FULL',
    ]) {
      assert.ok(storeFailureOf(new Error(message)), message);
    }
    for (const message of ['D1_ERROR: UNIQUE constraint failed: tenants.id', 'D1_TYPE_ERROR: Type undefined is not supported', 'no such table: x']) {
      assert.equal(storeFailureOf(new Error(message)), null, message);
    }
  });

  it('reports the store not ready from a failed write until a write succeeds', () => {
    const health = createStoreHealth();
    assert.equal(health.failure, null);
    assert.equal(health.writeFailed(new Error('UNIQUE constraint failed')), null);
    assert.equal(health.failure, null, 'a query’s own failure says nothing about the store');
    health.writeFailed(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    assert.equal(health.failure, 'SQLITE_FULL');
    health.writeSucceeded();
    assert.equal(health.failure, null);
  });

  it('a failed sweep is logged and tried again on the next tick, without ending the process', async () => {
    const running = await startEngine(Date.now);
    await running.store.close(); // every query of the next sweeps fails
    const lines: Record<string, unknown>[] = [];
    const cron = scheduleSweeps('* * * * * *', running.engine, { log: (line) => lines.push(line), storeHealth: createStoreHealth() });
    try {
      await eventually(async () => (lines.filter((line) => line.msg === 'sweep failed').length >= 2 ? true : undefined), 10_000, 'two failed sweeps', 100);
    } finally {
      cron.stop();
      await running.engine.shutdown(0);
    }
    const failed = lines.filter((line) => line.msg === 'sweep failed');
    assert.ok(failed.length >= 2, `two failed sweeps logged, one per tick: ${JSON.stringify(lines)}`);
    assert.equal(failed[0]!.level, 'error');
  });
});
