import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { auditTopic } from './harness/lake-audit.js';
import { initPgbench, runPgbench } from './harness/pgbench.js';
import { assertPgbenchLandedOnce, pgbenchTopics } from './harness/pgbench-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Exactly-once under kill -9 in steady streaming (issue: duplicates after kill -9): a TPC-B-like
 * workload (pgbench, 4 clients, four tables) captured into small Parquet files, the worker killed
 * at random moments three times. Then every change event is in the lake exactly once and each
 * table's latest state equals the table.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedPostgres();
  duck = await DuckDbReader.open();
});
after(() => duck?.close());

function storedOffset(offsetFile: string, prefix: string): Record<string, unknown> | undefined {
  if (!existsSync(offsetFile)) return undefined;
  const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, Record<string, unknown>> };
  return Object.entries(body.source).find(([k]) => k.includes(`"server":"${prefix}"`))?.[1];
}

const randomBetween = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

test('pgbench into small Parquet files, kill -9 three times at random moments: every change once, latest state equal', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('killstream');
  initPgbench(server, db, 1);
  const dir = tempDir('pg-kill-stream');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.pgbench_.*' };
  const prefix = source['topic.prefix'];
  const topics = pgbenchTopics(prefix);
  const sourceFile = writeProperties(join(dir.path, 'pg.properties'), source);
  const sinkFile = writeProperties(join(dir.path, 'lake.properties'), {
    name: 'lake', 'connector.class': 'files', topics: topics.join(','), 'store.url': `file://${lake}`, format: 'parquet',
    'flush.size': '400', 'rotate.interval.ms': '3000',
  });
  const props = { 'offset.flush.interval.ms': '300' };
  const offsetFile = join(dir.path, 'state', 'connect.offsets');
  let worker: WorkerProcess | null = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
  const load = runPgbench(server, db, { clients: 4, seconds: 30, rate: 400 });
  try {
    // the snapshot is not what this test kills (the snapshot has its own kill test)
    await eventually(() => (storedOffset(offsetFile, prefix)?.snapshot === undefined && storedOffset(offsetFile, prefix) ? true : undefined), 90_000, 'the snapshot to be committed');
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, randomBetween(1500, 6000)));
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
    }
    await load.done;
    const [{ n: historyRows }] = await server.query<{ n: string }>(db, 'SELECT count(*)::text AS n FROM pgbench_history');
    // caught up: every history insert has landed (files close by rotate.interval.ms when idle)
    await eventually(async () => ((await auditTopic(duck, lake, topics[3])).events >= Number(historyRows) ? true : undefined), 120_000, `${historyRows} history inserts to land`);
    await new Promise((r) => setTimeout(r, 4000));

    const transactions = Number(historyRows);
    assert.ok(transactions > 2000, `pgbench ran ${transactions} transactions`);
    await assertPgbenchLandedOnce(duck, lake, server, db, prefix, transactions);
  } finally {
    load.child.kill('SIGKILL');
    await worker?.kill('SIGKILL');
    dir.remove();
  }
});
