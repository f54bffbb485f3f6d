import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { endOffsets } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { auditTopic, latestState, tableStateQuery } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, type WorkerProcess } from './harness/worker-process.js';

/**
 * The default delivery (no exactly-once sources): a worker killed with SIGKILL during its initial
 * snapshot, before it ever committed an offset. The records it sent are in Kafka, the replication
 * slot it created is still there, no offset says what happened. The next worker must snapshot at
 * the slot's point again (the source stored that point when it created the slot), so the rows
 * it reads again have the positions they had and the sink's replay filter drops the ones it
 * holds; then it streams from the slot, so the updates made meanwhile land too. Every row is
 * read once, every update lands once, the latest state equals the table.
 */
let server: PostgresServer;
let kafka: KafkaEndpoint;
let duck: DuckDbReader;
before(async () => { [server, kafka, duck] = await Promise.all([sharedPostgres(), sharedKafka(), DuckDbReader.open()]); });
after(() => duck?.close());

const ROWS = 60_000;

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
}

test('kill -9 during the initial snapshot, before the first offset commit: every row read once, every later update once', { timeout: 300_000 }, async (t) => {
  const db = await server.createDatabase('snapkill');
  await server.query(db, `CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL); INSERT INTO items SELECT g, 0, repeat('x', 40) FROM generate_series(1, ${ROWS}) g`);
  const dir = tempDir('pg-snapshot-kill');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.items',
    'snapshot.fetch.size': '500', 'max.batch.size': '200', 'topic.creation.default.partitions': '2', 'topic.creation.default.replication.factor': '1',
  };
  const topic = `${source['topic.prefix']}.public.items`;
  // offsets are written only every two minutes: the kill comes before the first one
  const props = distributedWorkerProps(kafka, uniqueName('snapkill'), { 'offset.flush.interval.ms': '120000' });
  let worker: WorkerProcess = await startWorkerProcess(dir.path, props, [], { mode: 'distributed', timeoutMs: 60_000 });
  try {
    await post(`${worker.url}/connectors`, { name: uniqueName('lake'), config: { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '2000' } });
    await post(`${worker.url}/connectors`, { name: 'pg', config: source });
    const inKafka = async () => (await endOffsets(kafka, topic).catch(() => [] as bigint[])).reduce((a, b) => a + Number(b), 0);
    await eventually(async () => ((await inKafka()) >= 3_000 ? true : undefined), 120_000, 'a part of the snapshot in Kafka');
    await worker.kill('SIGKILL');
    const sent = await inKafka();
    t.diagnostic(`killed with ${sent} of ${ROWS} snapshot records in Kafka and no offset committed`);

    // changes while no worker runs: streamed later from the slot
    const [{ n: updated }] = await server.query<{ n: number }>(db, 'WITH u AS (UPDATE items SET v = v + 1 WHERE id % 50 = 7 RETURNING 1) SELECT count(*)::int AS n FROM u');
    await server.query(db, 'UPDATE items SET v = v + 10 WHERE id IN (1, 2, 3)');
    const updates = updated + 3;

    worker = await startWorkerProcess(dir.path, props, [], { mode: 'distributed', timeoutMs: 60_000 });
    await eventually(async () => ((await auditTopic(duck, lake, topic)).ops.r ?? 0) >= ROWS || undefined, 180_000, `${ROWS} reads in the lake`);
    // the updates come after the snapshot; if they never come the assertion below says how many did
    await eventually(async () => ((await auditTopic(duck, lake, topic)).ops.u ?? 0) >= updates || undefined, 30_000, 'the updates').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));

    const audit = await auditTopic(duck, lake, topic);
    t.diagnostic(`landed: ${JSON.stringify(audit.ops)}, ${audit.events - audit.distinct} positions twice`);
    assert.deepEqual(audit.duplicated, [], 'no position twice');
    assert.deepEqual(audit.ops, { r: ROWS, u: updates }, 'each row read once, each update once');
    const [{ keys }] = await duck.rows(`SELECT count(DISTINCT id)::BIGINT AS keys FROM read_parquet('${join(lake, 'topics', topic)}/**/*.parquet') WHERE __op = 'r'`);
    assert.equal(Number(keys), ROWS, 'every key read');
    const fromLake = await latestState(duck, lake, topic, ['id'], ['v', 'note']);
    const fromTable = (await server.query<Record<string, string>>(db, tableStateQuery('items', ['id'], ['v', 'note']))).map((r) => Object.values(r).map(String));
    assert.equal(fromLake.length, fromTable.length, 'row count');
    assert.deepEqual(fromLake, fromTable, 'latest state');
  } catch (error) {
    process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
    throw error;
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
