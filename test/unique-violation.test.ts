import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { isUniqueViolation } from '../src/db/unique-violation.ts';

const refusal = (db: Sqlite.Database, sql: string): unknown => {
  try {
    db.exec(sql);
  } catch (error) {
    return error;
  }
  assert.fail(`expected ${sql} to be refused`);
};

describe('isUniqueViolation', () => {
  const db = new Sqlite(':memory:');
  db.exec(
    "CREATE TABLE t (id TEXT PRIMARY KEY, k TEXT, n TEXT NOT NULL, c INTEGER CHECK (c > 0)); CREATE UNIQUE INDEX t_k ON t (k) WHERE k IS NOT NULL; INSERT INTO t VALUES ('a', 'x', 'n', 1)",
  );

  it('recognises better-sqlite3 refusing a key a unique index or the primary key already holds, by its code', () => {
    assert.equal(isUniqueViolation(refusal(db, "INSERT INTO t VALUES ('b', 'x', 'n', 1)")), true);
    assert.equal(isUniqueViolation(refusal(db, "INSERT INTO t VALUES ('a', 'y', 'n', 1)")), true);
  });

  it('tells other constraint failures and other errors apart', () => {
    assert.equal(isUniqueViolation(refusal(db, "INSERT INTO t VALUES ('c', 'z', NULL, 1)")), false);
    assert.equal(isUniqueViolation(refusal(db, "INSERT INTO t VALUES ('c', 'z', 'n', 0)")), false);
    assert.equal(isUniqueViolation(refusal(db, 'SELECT * FROM missing')), false);
    assert.equal(isUniqueViolation(new Error('a message that merely mentions UNIQUE')), false);
    assert.equal(isUniqueViolation('UNIQUE constraint failed'), false);
    assert.equal(isUniqueViolation(null), false);
  });

  it('recognises bun:sqlite by its errno and D1 by its message', () => {
    assert.equal(isUniqueViolation(Object.assign(new Error('constraint failed'), { errno: 2067 })), true);
    assert.equal(isUniqueViolation(new Error('D1_ERROR: UNIQUE constraint failed: endpoints.tenant_id: SQLITE_CONSTRAINT')), true);
  });
});
