import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { startKafkaCluster, uniqueName, type KafkaCluster } from './harness/kafka-cluster.js';
import { auditTopic } from './harness/lake-audit.js';
import { initPgbench, runPgbench } from './harness/pgbench.js';
import { assertPgbenchLandedOnce, diagnoseMissingSnapshotRows, pgbenchTopics } from './harness/pgbench-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, type WorkerProcess } from './harness/worker-process.js';

/**
 * Distributed mode's exactly-once path: PostgreSQL → Kafka → files. A snapshot plus a TPC-B-like
 * workload (pgbench) captured by a `tributary distributed` worker with exactly-once sources into
 * Kafka (read_committed by the sink) and from there into
 * small Parquet files, while the worker is killed with SIGKILL twice and the broker is killed and
 * restarted once. Then every change event is in the lake once and each table's latest state
 * equals the table. The cluster is private to this file: it is the one that gets killed.
 */
let server: PostgresServer;
let kafka: KafkaCluster;
let duck: DuckDbReader;
before(async () => {
  [server, kafka, duck] = await Promise.all([sharedPostgres(), startKafkaCluster(), DuckDbReader.open()]);
});
after(async () => {
  duck?.close();
  await kafka?.stop();
});

const randomBetween = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
}

test('pgbench through Kafka into small Parquet files, worker kill -9 twice and a broker restart: every change once, latest state equal', { timeout: 420_000 }, async () => {
  const db = await server.createDatabase('kafkakill');
  initPgbench(server, db, 1);
  const dir = tempDir('pg-kafka-kill');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.pgbench_.*', 'topic.creation.default.partitions': '2', 'topic.creation.default.replication.factor': '1' };
  const prefix = source['topic.prefix'];
  const topics = pgbenchTopics(prefix);
  // exactly-once sources (KIP-618): the sink reads read_committed, so what it is handed is what
  // any consumer sees (postgres-snapshot-kill.test.ts covers the default, at-least-once delivery)
  const props = distributedWorkerProps(kafka, uniqueName('pgkill'), { 'value.converter.schemas.enable': 'true', 'exactly.once.source.support': 'enabled' });
  const started: WorkerProcess[] = [];
  const start = async () => {
    const w = await startWorkerProcess(dir.path, props, [], { mode: 'distributed', timeoutMs: 60_000 });
    started.push(w);
    return w;
  };
  let worker: WorkerProcess = await start();
  await post(`${worker.url}/connectors`, { name: 'lake', config: { 'connector.class': 'files', topics: topics.join(','), 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '400', 'rotate.interval.ms': '3000' } });
  await post(`${worker.url}/connectors`, { name: 'pg', config: source });
  // a worker group starts the task after the create is answered (a rebalance, then its task
  // config): the load begins once the source runs, so every transaction is streamed, none snapshotted
  await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 60_000, 'the source running');
  const load = runPgbench(server, db, { clients: 4, seconds: 30, rate: 300 });
  try {
    for (const fault of ['worker', 'broker', 'worker']) {
      await new Promise((r) => setTimeout(r, randomBetween(2000, 6000)));
      if (fault === 'worker') {
        await worker.kill('SIGKILL');
        worker = await start();
      } else {
        await kafka.kill(0);
        await new Promise((r) => setTimeout(r, 2000));
        await kafka.startNode(0);
      }
    }
    await load.done;
    const [{ n: historyRows }] = await server.query<{ n: string }>(db, 'SELECT count(*)::text AS n FROM pgbench_history');
    // caught up: each topic holds its transactions' changes (each topic drains at its own pace)
    await eventually(async () => {
      const [a, t, b, h] = await Promise.all(topics.map((topic) => auditTopic(duck, lake, topic)));
      return [a.ops.u, t.ops.u, b.ops.u, h.ops.c].every((n) => (n ?? 0) >= Number(historyRows)) ? true : undefined;
    }, 180_000, `${historyRows} transactions to land in every topic`);
    await new Promise((r) => setTimeout(r, 4000));

    const transactions = Number(historyRows);
    assert.ok(transactions > 1500, `pgbench ran ${transactions} transactions`);
    await assertPgbenchLandedOnce(duck, lake, server, db, prefix, transactions);
  } catch (error) {
    process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-5000).replace(/^/gm, '# ')}\n`);
    const diagnosis = await diagnoseMissingSnapshotRows(duck, lake, kafka, topics[0]).catch((e: unknown) => `diagnosis failed: ${String(e)}`);
    process.stdout.write(`${diagnosis.replace(/^/gm, '# ')}\n`);
    // with KEEP_TEST_DIRS the whole story stays: every worker's log beside the lake
    started.forEach((w, i) => writeFileSync(join(dir.path, `worker-${i + 1}.log`), w.stderr()));
    process.stdout.write(`# the worker logs: ${dir.path}\n`);
    throw error;
  } finally {
    load.child.kill('SIGKILL');
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
