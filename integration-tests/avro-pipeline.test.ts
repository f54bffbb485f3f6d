import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { latestState, tableStateQuery } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { registryRequest, sharedSchemaRegistry, type SchemaRegistryEndpoint } from './harness/schema-registry.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess } from './harness/worker-process.js';

/**
 * Issue 18 acceptance, against the real registry (Apicurio's Confluent-compatible API), Kafka and
 * PostgreSQL: a PostgreSQL source writes Avro (key and value, Confluent wire format) into Kafka,
 * the files sink reads it back into Parquet, and the lake's latest state equals the table. A
 * column added mid-stream registers a second version of the value subject and lands.
 */
let kafka: KafkaEndpoint;
let pg: PostgresServer;
let registry: SchemaRegistryEndpoint;
let duck: DuckDbReader;
before(async () => { [kafka, pg, registry, duck] = await Promise.all([sharedKafka(), sharedPostgres(), sharedSchemaRegistry(), DuckDbReader.open()]); });
after(() => duck?.close());

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
}

const COLUMNS = ['small', 'big', 'amount', 'label', 'flag', 'day', 'at', 'payload'];

test('PostgreSQL → Kafka (Avro, registry) → Parquet: the latest state equals the table; an added column is a second version', { timeout: 240_000 }, async () => {
  const db = await pg.createDatabase('avro');
  await pg.query(db, `CREATE TABLE t (id int PRIMARY KEY, small int2, big int8, amount numeric(20,5), label text, flag bool, day date, at timestamptz, payload bytea);
    INSERT INTO t SELECT g, g % 100, 9223372036854775807 - g, g * 1.12345, 'row ' || g, g % 2 = 0, date '2026-01-01' + g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', decode('00ff', 'hex') FROM generate_series(1, 500) g;
    INSERT INTO t (id) VALUES (501)`);
  const dir = tempDir('avro-pipeline');
  const lake = join(dir.path, 'lake');
  const avro = { 'key.converter': 'io.confluent.connect.avro.AvroConverter', 'key.converter.schema.registry.url': registry.url, 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': registry.url };
  const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(pg.port, db), 'table.include.list': 'public\\.t', 'topic.creation.default.partitions': '1', 'topic.creation.default.replication.factor': '1', ...avro };
  const topic = `${source['topic.prefix']}.public.t`;
  const worker = await startWorkerProcess(dir.path, distributedWorkerProps(kafka, uniqueName('avro')), [], { mode: 'distributed', timeoutMs: 60_000 });
  try {
    // a sink's consumer group (connect-<name>) is the cluster's, shared with other test files: a name of its own
    await post(`${worker.url}/connectors`, { name: uniqueName('avro-lake'), config: { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '200', 'rotate.interval.ms': '1000', ...avro } });
    await post(`${worker.url}/connectors`, { name: 'pg', config: source });
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 60_000, 'the source running');
    await pg.query(db, `UPDATE t SET label = 'changed ' || id, amount = amount * 2 WHERE id % 10 = 0; DELETE FROM t WHERE id % 50 = 1; INSERT INTO t (id, big, amount) VALUES (600, -9223372036854775808, -0.00001)`);
    const sameAsTable = async (columns: readonly string[]) => {
      const fromTable = (await pg.query<Record<string, string | null>>(db, tableStateQuery('t', ['id'], columns))).map((r) => Object.values(r).map((v) => (v === null ? '' : String(v))));
      return eventually(async () => {
        const fromLake = await latestState(duck, lake, topic, ['id'], columns).catch(() => []);
        return fromLake.length === fromTable.length && fromLake.every((row, i) => row[0] === fromTable[i][0]) ? fromLake : undefined;
      }, 90_000, `${fromTable.length} rows in the lake`).then((fromLake) => ({ fromLake, fromTable }));
    };
    // the numbers and texts exactly; the temporal and binary ones are compared by their Parquet types below
    const exact = ['small', 'big', 'amount', 'label', 'flag'];
    const first = await sameAsTable(exact);
    assert.deepEqual(first.fromLake, first.fromTable, 'latest state equals the table');
    const types = await duck.columnTypes(`SELECT * FROM read_parquet('${join(lake, 'topics', topic, '**', '*.parquet')}', union_by_name=true)`);
    assert.deepEqual(COLUMNS.map((c) => [c, types[c]]), [['small', 'SMALLINT'], ['big', 'BIGINT'], ['amount', 'DECIMAL(20,5)'], ['label', 'VARCHAR'], ['flag', 'BOOLEAN'], ['day', 'DATE'], ['at', types.at], ['payload', 'BLOB']]);
    assert.match(types.at, /^TIMESTAMP/, 'timestamptz lands as a timestamp');
    const days = await duck.rows(`SELECT id, day::VARCHAR AS day FROM read_parquet('${join(lake, 'topics', topic, '**', '*.parquet')}', union_by_name=true) WHERE id IN (1, 2) AND __op = 'r' ORDER BY id`);
    assert.deepEqual(days.map((r) => String(r.day)), ['2026-01-02', '2026-01-03']);

    const subjects = (await registryRequest<string[]>(registry, 'GET', '/subjects')).body;
    assert.ok(subjects.includes(`${topic}-value`) && subjects.includes(`${topic}-key`), `subjects: ${subjects.join(', ')}`);
    const versions = async () => (await registryRequest<number[]>(registry, 'GET', `/subjects/${encodeURIComponent(`${topic}-value`)}/versions`)).body;
    assert.equal((await versions()).length, 1);

    // evolution: a nullable column (a compatible change under BACKWARD) registers version 2
    await pg.query(db, `ALTER TABLE t ADD COLUMN note text; UPDATE t SET note = 'n' || id WHERE id BETWEEN 2 AND 6`);
    const second = await eventually(async () => {
      const state = await latestState(duck, lake, topic, ['id'], [...exact, 'note']).catch(() => []);
      return state.filter((r) => r[6] !== '').length === 5 ? state : undefined;
    }, 90_000, 'the rows with the new column');
    const fromTable = (await pg.query<Record<string, string | null>>(db, tableStateQuery('t', ['id'], [...exact, 'note']))).map((r) => Object.values(r).map((v) => (v === null ? '' : String(v))));
    assert.deepEqual(second, fromTable);
    assert.equal((await versions()).length, 2, 'a second version of the value subject');
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});

test('an incompatible change of a column (int to text, refused under BACKWARD): the source task is FAILED naming the subject, with the registry\'s message', { timeout: 180_000 }, async () => {
  const db = await pg.createDatabase('avrobad');
  await pg.query(db, 'CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL); INSERT INTO t SELECT g, g FROM generate_series(1, 10) g');
  const dir = tempDir('avro-incompatible');
  const avro = { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': registry.url };
  const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(pg.port, db), 'table.include.list': 'public\\.t', 'topic.creation.default.partitions': '1', 'topic.creation.default.replication.factor': '1', ...avro };
  const subject = `${source['topic.prefix']}.public.t-value`;
  const worker = await startWorkerProcess(dir.path, distributedWorkerProps(kafka, uniqueName('avrobad')), [], { mode: 'distributed', timeoutMs: 60_000 });
  try {
    await post(`${worker.url}/connectors`, { name: 'pg', config: source });
    await eventually(async () => ((await registryRequest<number[]>(registry, 'GET', `/subjects/${encodeURIComponent(subject)}/versions`)).body?.length === 1 ? true : undefined), 60_000, 'the first version registered');
    await pg.query(db, "ALTER TABLE t ALTER COLUMN n TYPE text USING n::text; INSERT INTO t VALUES (11, 'eleven')");
    const failed = await eventually(async () => {
      const status = await getJson<any>(`${worker.url}/connectors/pg/status`);
      return status.tasks[0]?.state === 'FAILED' ? status.tasks[0] : undefined;
    }, 90_000, 'the source task FAILED');
    assert.match(failed.trace, /^schema\.incompatible: /);
    assert.ok(failed.trace.includes(subject), `the trace names the subject: ${failed.trace.slice(0, 400)}`);
    assert.match(failed.trace, /Incompatible artifact/);
    assert.equal((await registryRequest<number[]>(registry, 'GET', `/subjects/${encodeURIComponent(subject)}/versions`)).body.length, 1, 'nothing new registered');
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
