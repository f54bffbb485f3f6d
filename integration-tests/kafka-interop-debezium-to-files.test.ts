import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmbeddedWorker, type EmbeddedWorker } from '../cli/embedded-worker.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { debeziumPostgresConfig, deleteConnectorAndSlot, startKafkaConnect, waitForTasksRunning, type KafkaConnectWorker } from './harness/kafka-connect.js';
import { auditTopic, latestState } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

/**
 * Issue 10 §5 (a): real Kafka Connect + Debezium 3.6.1 capture a PostgreSQL table (snapshot, then
 * inserts, updates, deletes and a primary-key change) into Kafka with Kafka Connect's
 * JsonConverter, once with schemas and once without; Tributary's files sink reads each topic
 * through the Kafka bus with the matching converter, and the lake's latest state is the table.
 */
let kafka: KafkaEndpoint;
let connect: KafkaConnectWorker;
let postgres: PostgresServer;
let duck: DuckDbReader;
const dir = tempDir('kafka-interop-files');

before(async () => {
  [kafka, postgres, duck] = await Promise.all([sharedKafka(), sharedPostgres(), DuckDbReader.open()]);
  connect = await startKafkaConnect(kafka, { debezium: true });
});
after(async () => {
  await connect?.stop();
  duck?.close();
  dir.remove();
});

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const KEYS = ['id'];
const COLUMNS = ['name', 'qty', 'price', 'ok', 'born', 'at'];

/**
 * The table's rows as the lake holds them, as text. With schemas the files sink knows the logical
 * types (Decimal, Date, MicroTimestamp) and writes them as such; without, a column is what the
 * JSON holds: days since the epoch, microseconds since the epoch, and the decimal as the string
 * Debezium writes with decimal.handling.mode=string.
 */
function tableState(schemas: boolean): string {
  const born = schemas ? 'born::text' : `(born - DATE '1970-01-01')::text`;
  const at = schemas ? 'at::text' : '(extract(epoch FROM at) * 1000000)::bigint::text';
  return `SELECT id::text AS id, name, qty::text AS qty, price::text AS price, ok::text AS ok, ${born} AS born, ${at} AS at FROM orders ORDER BY orders.id`;
}

async function tableRows(db: string, schemas: boolean): Promise<string[][]> {
  const rows = await postgres.query<Record<string, string | null>>(db, tableState(schemas));
  return rows.map((r) => Object.values(r).map((v) => v ?? ''));
}

test('Debezium on Kafka Connect → Kafka (JsonConverter, schemas on and off) → Tributary files sink: the lake equals the table', { timeout: 180_000 }, async (t) => {
  const db = await postgres.createDatabase('kafka_interop_files');
  await postgres.query(db, `CREATE TABLE orders (id int PRIMARY KEY, name text NOT NULL, qty int, price numeric(12,2), ok boolean, born date, at timestamp)`);
  await postgres.query(db, `INSERT INTO orders SELECT g, 'order ' || g, g * 10, g + 0.25, g % 2 = 0, DATE '2024-01-01' + g, TIMESTAMP '2024-06-01 12:34:56.789012' + g * INTERVAL '1 hour'
    FROM generate_series(1, 50) g`);

  const modes: { schemas: boolean; prefix: string; converter: Record<string, string>; extra?: Record<string, string> }[] = [
    { schemas: true, prefix: `dbz_s_${db}`, converter: {} },
    // without schemas a precise decimal would be base64 bytes nobody can read: Debezium users set string or double
    // the converter class named with its property: Kafka Connect applies a connector's
    // `value.converter.*` only to a converter the connector names itself
    {
      schemas: false, prefix: `dbz_n_${db}`,
      converter: { 'key.converter': JSON_CONVERTER, 'key.converter.schemas.enable': 'false', 'value.converter': JSON_CONVERTER, 'value.converter.schemas.enable': 'false' },
      extra: { 'decimal.handling.mode': 'string' },
    },
  ];
  for (const mode of modes) {
    const name = uniqueName(`dbz-${mode.schemas ? 'schemas' : 'schemaless'}`);
    await connect.request('POST', '/connectors', { name, config: debeziumPostgresConfig(postgres, db, mode.prefix, { 'table.include.list': 'public.orders', ...mode.converter, ...mode.extra }) });
    t.after(() => deleteConnectorAndSlot(connect, name, postgres, db, `slot_${mode.prefix}`));
    await waitForTasksRunning(connect, name);
  }

  const lake = join(dir.path, 'lake');
  let worker: EmbeddedWorker | undefined;
  t.after(() => worker?.stop());
  worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300' },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: 'interop-files', worker: {}, logger: logs.get('runtime.bus') }),
    connectors: modes.map((mode) => ({
      name: `lake-${mode.schemas ? 'schemas' : 'schemaless'}`, 'connector.class': 'files', topics: `${mode.prefix}.public.orders`,
      'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '20', 'rotate.interval.ms': '500', ...mode.converter,
    })),
  });

  // concurrent with the sinks reading: the changes Debezium streams after its snapshot
  await postgres.query(db, `INSERT INTO orders SELECT g, 'order ' || g, g * 10, g + 0.25, g % 2 = 0, DATE '2024-01-01' + g, TIMESTAMP '2024-06-01 12:34:56.789012' + g * INTERVAL '1 hour'
    FROM generate_series(51, 70) g`);
  await postgres.query(db, `UPDATE orders SET name = name || ' (changed)', qty = NULL WHERE id % 7 = 0`);
  await postgres.query(db, 'BEGIN; UPDATE orders SET price = price * 2, ok = NOT ok WHERE id BETWEEN 10 AND 14; DELETE FROM orders WHERE id IN (3, 4, 60); COMMIT');
  // a primary-key change: Debezium's delete of the old key, its tombstone, then a create
  await postgres.query(db, 'UPDATE orders SET id = 1000 WHERE id = 5');
  await postgres.query(db, `INSERT INTO orders VALUES (71, 'it''s "quoted" ünïcode', NULL, NULL, NULL, NULL, NULL)`);
  await postgres.query(db, 'DELETE FROM orders WHERE id = 71');
  await postgres.query(db, `INSERT INTO orders VALUES (71, 'back again', 1, 0.01, true, DATE '1999-12-31', TIMESTAMP '1999-12-31 23:59:59.999999')`);

  for (const mode of modes) {
    const topic = `${mode.prefix}.public.orders`;
    const expected = await tableRows(db, mode.schemas);
    const label = mode.schemas ? 'schemas.enable=true' : 'schemas.enable=false';
    let landed: string[][] = [];
    await eventually(async () => {
      landed = await latestState(duck, lake, topic, KEYS, COLUMNS);
      return JSON.stringify(landed) === JSON.stringify(expected) ? true : undefined;
    }, 60_000, `the lake of ${topic} to equal the table (${label})`).catch((error: Error) => {
      assert.deepEqual(landed, expected, `${label}: ${error.message}`);
    });
    // every change event once: as many rows as the topic has events (tombstones are skipped)
    const events = (await readTopic(kafka, topic)).filter((m) => m.value !== undefined && m.value !== null && m.value.length > 0);
    const audit = await auditTopic(duck, lake, topic);
    assert.equal(audit.events, events.length, `${label}: one row per change event, ${JSON.stringify(audit)}`);
    assert.equal(audit.distinct, audit.events, `${label}: no event landed twice: ${audit.duplicated.join(', ')}`);
    assert.deepEqual(audit.ops, { r: 50, c: 23, u: 15, d: 5 }, `${label}: the ops Debezium wrote`);
  }
});
