import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { topicGlob } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess } from './harness/worker-process.js';

/**
 * Incremental snapshots started over Debezium's Kafka signal channel (issue 16), in a
 * `tributary distributed` worker: a message keyed by the connector's `topic.prefix` on
 * `<topic.prefix>-signal` starts one; a message keyed otherwise (another connector's) does not.
 */
let server: PostgresServer;
let kafka: KafkaEndpoint;
let duck: DuckDbReader;
before(async () => { [server, kafka, duck] = await Promise.all([sharedPostgres(), sharedKafka(), DuckDbReader.open()]); });
after(() => duck?.close());

test('execute-snapshot over the Kafka signal channel: the table is read in chunks into the lake; a signal keyed for another connector is not taken', { timeout: 240_000 }, async (t) => {
  const db = await server.createDatabase('inckafka');
  await server.query(db, 'CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL); INSERT INTO items SELECT g, g FROM generate_series(1, 5000) g; CREATE TABLE others (id int PRIMARY KEY); INSERT INTO others SELECT generate_series(1, 100)');
  const dir = tempDir('pg-incremental-kafka');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.items,public\\.others', 'snapshot.mode': 'no_data', 'signal.enabled.channels': 'source,kafka', 'incremental.snapshot.chunk.size': '500' };
  const prefix = source['topic.prefix'];
  const topic = `${prefix}.public.items`;
  const worker = await startWorkerProcess(dir.path, distributedWorkerProps(kafka, uniqueName('inckafka')), [], { mode: 'distributed', timeoutMs: 60_000 });
  const producer = new Producer({ clientId: 'signal-test', bootstrapBrokers: [...kafka.brokers], serializers: stringSerializers, autocreateTopics: true });
  try {
    const post = async (body: unknown) => {
      const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 201, await res.text());
    };
    await post({ name: uniqueName('lake'), config: { 'connector.class': 'files', topics: `${topic},${prefix}.public.others`, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '1000', 'rotate.interval.ms': '1000' } });
    await post({ name: 'pg', config: source });
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 60_000, 'the source running');
    await eventually(() => (worker.stderr().includes('reading signals from Kafka') ? true : undefined), 30_000, 'the signal channel open');
    await producer.send({ messages: [
      // another connector's signal: same topic, another key
      { topic: `${prefix}-signal`, key: 'someone-else', value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': ['public.others'], type: 'INCREMENTAL' } }) },
      { topic: `${prefix}-signal`, key: prefix, value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': ['public.items'], type: 'INCREMENTAL' } }) },
    ] });
    const reads = async (table: string) => {
      const glob = topicGlob(lake, `${prefix}.public.${table}`);
      const [row] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys FROM read_parquet(${sqlString(glob)}, union_by_name=true) WHERE __op = 'r'`).catch(() => [{ n: 0, keys: 0 }]);
      return { n: Number(row.n), keys: Number(row.keys) };
    };
    await eventually(async () => ((await reads('items')).n >= 5000 ? true : undefined), 120_000, 'the rows of items read');
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/snapshots`)).snapshot === null ? true : undefined), 30_000, 'the snapshot complete');
    assert.deepEqual(await reads('items'), { n: 5000, keys: 5000 });
    assert.equal((await reads('others')).n, 0, 'the signal keyed for another connector was not taken');
    t.diagnostic('5000 rows read after a signal over Kafka');
  } catch (error) {
    process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
    throw error;
  } finally {
    await producer.close();
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
