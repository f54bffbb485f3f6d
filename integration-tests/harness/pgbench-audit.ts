import assert from 'node:assert/strict';
import type { DuckDbReader } from './duckdb-reader.js';
import { auditTopic, latestState, tableStateQuery } from './lake-audit.js';
import { pgbenchTables } from './pgbench.js';
import type { PostgresServer } from './postgres-server.js';

/** The pgbench topics of a postgres source with `prefix`, in the order accounts, tellers, branches, history. */
export function pgbenchTopics(prefix: string): string[] {
  return ['accounts', 'tellers', 'branches', 'history'].map((t) => `${prefix}.public.pgbench_${t}`);
}

/**
 * Asserts that a pgbench run (scale 1, its snapshot, then `transactions` transactions) landed
 * exactly once: no change event twice, one account, teller and branch update and one history
 * insert per transaction, the accounts' snapshot complete, and each table's latest state in the
 * lake equal to the table.
 */
export async function assertPgbenchLandedOnce(duck: DuckDbReader, lake: string, server: PostgresServer, db: string, prefix: string, transactions: number): Promise<void> {
  const topics = pgbenchTopics(prefix);
  for (const topic of topics) {
    const audit = await auditTopic(duck, lake, topic);
    assert.deepEqual(audit.duplicated, [], `${topic}: positions landed twice`);
    assert.equal(audit.events, audit.distinct, `${topic}: ${audit.events - audit.distinct} duplicate events`);
  }
  const [accounts, tellers, branches, history] = await Promise.all(topics.map((topic) => auditTopic(duck, lake, topic)));
  assert.equal(accounts.ops.u, transactions, 'one account update per transaction');
  assert.equal(accounts.ops.r, 100_000, 'the snapshot of pgbench_accounts');
  assert.equal(tellers.ops.u, transactions);
  assert.equal(branches.ops.u, transactions);
  assert.equal(history.ops.c, transactions);
  for (const [name, t] of Object.entries(pgbenchTables)) {
    const fromLake = await latestState(duck, lake, `${prefix}.public.${t.table}`, t.keys, t.columns);
    const fromTable = (await server.query<Record<string, string>>(db, tableStateQuery(t.table, t.keys, t.columns))).map((r) => Object.values(r).map(String));
    assert.equal(fromLake.length, fromTable.length, `${name}: row count`);
    assert.deepEqual(fromLake, fromTable, `${name}: latest state`);
  }
}
