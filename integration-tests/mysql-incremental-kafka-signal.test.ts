import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { topicGlob } from './harness/lake-audit.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess } from './harness/worker-process.js';

/**
 * Incremental snapshots of the MySQL source started over Debezium's Kafka signal channel (issue
 * 16), in a `tributary distributed` worker, with `signal.enabled.channels=kafka` only: the Kafka
 * signal keyed by the connector's `topic.prefix` is taken (the task inserts it into the signal
 * table, whose rows carry the watermarks too), one keyed for another connector is not, and a row
 * a user inserts into the signal table directly is not a signal (the `source` channel is off).
 */
let server: MariaDbServer;
let kafka: KafkaEndpoint;
let duck: DuckDbReader;
before(async () => { [server, kafka, duck] = await Promise.all([sharedMariaDb(), sharedKafka(), DuckDbReader.open()]); });
after(() => duck?.close());

test('execute-snapshot over the Kafka signal channel: the table is read into the lake; another connector\'s signal and a direct signal-table row are not taken', { timeout: 240_000 }, async (t) => {
  const db = await server.createDatabase('inckafka');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  await server.query(db, 'INSERT INTO items SELECT seq, seq FROM seq_1_to_5000');
  await server.query(db, 'CREATE TABLE others (id INT PRIMARY KEY)');
  await server.query(db, 'INSERT INTO others SELECT seq FROM seq_1_to_100');
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  const dir = tempDir('mysql-incremental-kafka');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    'connector.class': 'mysql', ...mysqlTestConfig(server.port, db), 'table.include.list': `${db}\\.items,${db}\\.others`, 'snapshot.mode': 'no_data',
    'signal.data.collection': `${db}.dbz_signal`, 'signal.enabled.channels': 'kafka', 'incremental.snapshot.chunk.size': '500',
  };
  const prefix = source['topic.prefix'];
  const topic = `${prefix}.${db}.items`;
  const worker = await startWorkerProcess(dir.path, distributedWorkerProps(kafka, uniqueName('inckafka')), [], { mode: 'distributed', timeoutMs: 60_000 });
  const producer = new Producer({ clientId: 'signal-test', bootstrapBrokers: [...kafka.brokers], serializers: stringSerializers, autocreateTopics: true });
  try {
    const post = async (body: unknown) => {
      const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 201, await res.text());
    };
    await post({ name: uniqueName('lake'), config: { 'connector.class': 'files', topics: `${topic},${prefix}.${db}.others`, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '1000', 'rotate.interval.ms': '1000' } });
    await post({ name: 'my', config: source });
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/my/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 60_000, 'the source running');
    await eventually(() => (worker.stderr().includes('reading signals from Kafka') ? true : undefined), 30_000, 'the signal channel open');
    // not a signal here: the source channel is off
    await server.query(db, `INSERT INTO dbz_signal VALUES ('direct', 'execute-snapshot', '{"data-collections": ["${db}.others"]}')`);
    await producer.send({ messages: [
      { topic: `${prefix}-signal`, key: 'someone-else', value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': [`${db}.others`], type: 'INCREMENTAL' } }) },
      { topic: `${prefix}-signal`, key: prefix, value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': [`${db}.items`], type: 'INCREMENTAL' } }) },
    ] });
    const reads = async (table: string) => {
      const glob = topicGlob(lake, `${prefix}.${db}.${table}`);
      const [row] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys FROM read_parquet(${sqlString(glob)}, union_by_name=true) WHERE __op = 'r'`).catch(() => [{ n: 0, keys: 0 }]);
      return { n: Number(row.n), keys: Number(row.keys) };
    };
    await eventually(async () => ((await reads('items')).n >= 5000 ? true : undefined), 120_000, 'the rows of items read');
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/my/snapshots`)).snapshot === null ? true : undefined), 30_000, 'the snapshot complete');
    assert.deepEqual(await reads('items'), { n: 5000, keys: 5000 });
    assert.equal((await reads('others')).n, 0, 'neither the other connector\'s signal nor the direct row was taken');
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
