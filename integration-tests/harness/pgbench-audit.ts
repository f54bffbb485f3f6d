import assert from 'node:assert/strict';
import { sqlString, type DuckDbReader } from './duckdb-reader.js';
import type { KafkaEndpoint } from './kafka-cluster.js';
import { endOffsets, readRange } from './kafka-clients.js';
import { auditTopic, latestState, tableStateQuery, topicGlob } from './lake-audit.js';
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

/**
 * For a failed run: where the accounts snapshot rows missing from the lake are. Each is looked up
 * in the Kafka topic (streamed partition by partition, nothing held but the missing keys), so a
 * failure says whether the loss happened before Kafka (the source never wrote them) or after (the
 * sink skipped or lost them), with their partitions, offsets and positions.
 */
export async function diagnoseMissingSnapshotRows(duck: DuckDbReader, lake: string, kafka: KafkaEndpoint, topic: string): Promise<string> {
  const from = `read_parquet(${sqlString(topicGlob(lake, topic))}, union_by_name=true)`;
  const landed = new Set((await duck.rows(`SELECT DISTINCT aid FROM ${from} WHERE __op = 'r'`)).map((r) => Number(r.aid)));
  const missing = new Set<number>();
  for (let aid = 1; aid <= 100_000; aid++) if (!landed.has(aid)) missing.add(aid);
  if (missing.size === 0) return `${topic}: no snapshot row is missing`;
  const found: { aid: number; partition: number; offset: bigint; position: string; source: string }[] = [];
  const ends = await endOffsets(kafka, topic);
  for (let partition = 0; partition < ends.length; partition++) {
    await readRange(kafka, topic, partition, 0n, ends[partition], (r) => {
      const header = (name: string) => r.headers.find(([k]) => k?.toString() === name)?.[1]?.toString() ?? '';
      const key = JSON.parse(r.key?.toString() ?? 'null') as { payload?: { aid?: number }; aid?: number } | null;
      const aid = Number(key?.payload?.aid ?? key?.aid);
      if (!missing.has(aid)) return;
      const value = r.value?.toString() ?? '';
      if (!/"op":"r"/.test(value)) return;
      found.push({ aid, partition, offset: r.offset, position: header('tributary.position'), source: header('tributary.source') });
    });
  }
  const inKafka = new Set(found.map((f) => f.aid));
  const ids = [...missing].sort((a, b) => a - b);
  const lines = [`${topic}: ${missing.size} snapshot rows missing from the lake (aids ${ids.slice(0, 5).join(', ')} … ${ids.slice(-3).join(', ')}); ${inKafka.size} of them are in Kafka, ${missing.size - inKafka.size} are not`];
  for (const partition of new Set(found.map((f) => f.partition))) {
    const here = found.filter((f) => f.partition === partition).sort((a, b) => Number(a.offset - b.offset));
    lines.push(`  partition ${partition}: ${here.length} records at offsets ${here[0].offset}..${here[here.length - 1].offset}, positions ${here[0].position}..${here[here.length - 1].position} (${here[0].source})`);
  }
  return lines.join('\n');
}
