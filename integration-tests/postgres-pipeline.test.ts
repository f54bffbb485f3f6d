import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { listFiles, readJsonLines } from '../connectors/sink/files/test/read-back.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { CASES, createTypesTable } from '../connectors/source/postgres/test/type-cases.js';
import { LogicalName } from '../plugins/api/index.js';
import { Lsn } from '../connectors/source/postgres/lsn.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance through the real runtime: the postgres source (by its Debezium class name) and the
 * files sink in an embedded worker; values are read back from the landed files (JSON text for
 * exactness, Parquet through DuckDB for the column types), and the slot's confirmed_flush_lsn
 * moves only once the runtime has committed the offsets.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => { server = await sharedPostgres(); duck = await DuckDbReader.open(); });
after(() => duck?.close());

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const COLUMNS = `id int PRIMARY KEY, big bigint, amount numeric(38,12), ratio double precision, ok boolean, name text, born date,
  at timestamptz, local_at timestamp, during interval, tags text[], doc jsonb, uid uuid, bytes bytea, price money`;
const ROW = (id: number) => `(${id}, 9223372036854775807, -12345678901234567890.123456789012, 0.1, true, 'naïve "q"', '1999-12-31',
  '2024-06-01 12:34:56.789012+02', '2024-06-01 12:34:56.789012', '1 day 02:03:04', '{a,"b c"}', '{"k": [1, 2.5]}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef', 12.34)`;

test('postgres → files sink (json and parquet): every value lands exactly; the slot advances only after the offset commit', async () => {
  const db = await server.createDatabase('pipeline');
  await server.query(db, `CREATE TABLE typed (${COLUMNS}); INSERT INTO typed VALUES ${ROW(1)}`);
  const lake = tempDir('pg-lake');
  const source: Record<string, string> = { name: 'pg', 'connector.class': 'io.debezium.connector.postgresql.PostgresConnector', ...testConfig(server.port, db) };
  const topic = `${source['topic.prefix']}.public.typed`;
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300' },
    connectors: [
      source,
      { name: 'lake-json', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake.path}/json`, format: 'json', 'flush.size': '2', 'rotate.interval.ms': '1000' },
      { name: 'lake-parquet', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake.path}/parquet`, format: 'parquet', 'flush.size': '2', 'rotate.interval.ms': '1000' },
    ],
  });
  try {
    await server.query(db, `INSERT INTO typed VALUES ${ROW(2)}`);
    const jsonFiles = await waitFor('two rows in JSON files', () => {
      const files = listFiles(`${lake.path}/json`).filter((f) => f.endsWith('.json'));
      const rows = files.flatMap((f) => readJsonLines(`${lake.path}/json/${f}`));
      return rows.length >= 2 ? files : undefined;
    });
    const text = jsonFiles.map((f) => readJsonLines(`${lake.path}/json/${f}`)).flat();
    const raw = jsonFiles.map((f) => readFileSync(`${lake.path}/json/${f}`, 'utf8')).join('\n');
    // exactness: int64 max and a 38-digit decimal appear digit for digit in the JSON text
    assert.match(raw, /"big":9223372036854775807[,}]/);
    assert.match(raw, /"amount":-12345678901234567890\.123456789012[,}]/);
    for (const row of text) {
      assert.equal(row.ratio, 0.1);
      assert.equal(row.ok, true);
      assert.equal(row.name, 'naïve "q"');
      assert.equal(row.born, 10956);
      assert.equal(row.at, '2024-06-01T10:34:56.789012Z');
      assert.equal(row.during, 93_784_000_000, 'interval.handling.mode=numeric (Debezium\'s default): microseconds');
      assert.deepEqual(row.tags, ['a', 'b c']);
      assert.equal(row.doc, '{"k": [1, 2.5]}');
      assert.equal(row.uid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
      assert.equal(row.bytes, Buffer.from('deadbeef', 'hex').toString('base64'));
      assert.deepEqual([...text.map((r) => r.__op)].sort(), ['c', 'r']);
    }

    const parquet = await waitFor('two rows in Parquet files', async () => {
      const files = listFiles(`${lake.path}/parquet`).filter((f) => f.endsWith('.parquet'));
      if (files.length === 0) return undefined;
      const n = Number(await duck.scalar(`SELECT count(*) FROM read_parquet('${lake.path}/parquet/**/*.parquet')`));
      return n >= 2 ? files : undefined;
    });
    assert.ok(parquet.length >= 1);
    const rows = await duck.rows(`SELECT id, big::VARCHAR AS big, amount::VARCHAR AS amount, born::VARCHAR AS born, "at"::VARCHAR AS "at", local_at::VARCHAR AS local_at, uid::VARCHAR AS uid, price::VARCHAR AS price
      FROM read_parquet('${lake.path}/parquet/**/*.parquet') ORDER BY id`);
    for (const row of rows) {
      assert.equal(row.big, '9223372036854775807');
      assert.equal(row.amount, '-12345678901234567890.123456789012');
      assert.equal(row.born, '1999-12-31');
      assert.match(String(row.at), /^2024-06-01 10:34:56\.789012/);
      assert.equal(row.local_at, '2024-06-01 12:34:56.789012');
      assert.equal(row.uid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
      assert.equal(row.price, '12.34');
    }
    const types = await duck.columnTypes(`SELECT * FROM read_parquet('${lake.path}/parquet/**/*.parquet')`);
    assert.match(types.amount, /DECIMAL\(38,12\)/);
    assert.equal(types.big, 'BIGINT');

    // the runtime committed offsets after the files landed, and only then did the slot move
    await worker.commitNow();
    const slot = source['slot.name'];
    // the landed insert's __source_pos starts with its commit LSN: once committed the slot passes
    // that commit record (to its end, or to the server's position when nothing else is pending)
    const created = text.find((r) => r.__op === 'c')!;
    const commitLsn = BigInt('0x' + String(created.__source_pos).slice(0, 16));
    await waitFor('confirmed_flush_lsn to pass the streamed insert', async () => {
      const [r] = await server.query<{ flushed: string }>(db, `SELECT confirmed_flush_lsn::text AS flushed FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
      return r && Lsn.parse(r.flushed).value > commitLsn ? true : undefined;
    });
    const metrics = await worker.metricsText();
    assert.match(metrics, /tributary_postgres_records_total/);
    assert.match(metrics, /tributary_postgres_snapshot_rows\{[^}]*table="public.typed"[^}]*\} 1/);
    // snapshot progress in the task status, as REST shows it
    const status = await worker.herder.connectorStatus('pg');
    const progress = status.tasks[0].progress as { snapshot: { running: boolean; tables: Record<string, { rows: number; done: boolean }> } };
    assert.deepEqual({ running: progress.snapshot.running, ...progress.snapshot.tables['public.typed'] }, { running: false, rows: 1, estimated: 1, done: true });
  } finally {
    await worker.stop();
    lake.remove();
  }
});

test('every supported type lands exactly in a JSON file through the runtime (snapshot and stream)', async () => {
  const db = await server.createDatabase('pipetypes');
  const values = await createTypesTable((sql) => server.query(db, sql));
  const lake = tempDir('pg-lake-types');
  const source: Record<string, string> = { name: 'pgtypes', 'connector.class': 'postgres', ...testConfig(server.port, db) };
  const topic = `${source['topic.prefix']}.public.all_types`;
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300' },
    connectors: [source, { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake.path}`, format: 'json', 'flush.size': '1', 'rotate.interval.ms': '1000' }],
  });
  try {
    await server.query(db, `INSERT INTO all_types VALUES (2, ${values})`);
    const lines = await waitFor('both rows in JSON files', () => {
      const found = listFiles(lake.path).filter((f) => f.endsWith('.json')).flatMap((f) => readFileSync(`${lake.path}/${f}`, 'utf8').split('\n').filter((l) => l));
      return found.length >= 2 ? found : undefined;
    });
    for (const line of lines) {
      const row = JSON.parse(line) as Record<string, unknown>;
      for (const [column, [sqlType, , expected, kind]] of Object.entries(CASES)) {
        if (Array.isArray(expected) && sqlType.startsWith('numeric')) {
          // decimal elements are JSON number text with their scale: compare the text
          assert.ok(line.includes(`"${column}":[${expected.join(',')}]`), `${column} lands as [${expected.join(',')}]`);
        } else if (typeof expected === 'bigint' || (kind === LogicalName.Decimal && expected !== null)) {
          // exact digits in the file: compare the JSON text itself, JSON.parse would round
          const text = typeof expected === 'bigint' ? expected.toString() : String(expected);
          assert.ok(line.includes(`"${column}":${text},`) || line.includes(`"${column}":${text}}`) || line.includes(`"${column}":"${text}"`), `${column} lands as ${text}: ${line.slice(0, 200)}`);
        } else if (kind === 'io.debezium.data.VariableScaleDecimal') {
          // the files sink writes Debezium's {scale, value} struct as its exact decimal
          assert.ok(line.includes(`"${column}":3.1415926535897932384626433832795028841971693993751,`), `${column} lands as its decimal: ${line.slice(0, 300)}`);
        } else if (expected instanceof Buffer) {
          assert.equal(row[column], expected.toString('base64'), column);
        } else {
          assert.deepEqual(row[column], expected, column);
        }
      }
    }
  } finally {
    await worker.stop();
    lake.remove();
  }
});
