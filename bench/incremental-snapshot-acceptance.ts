/**
 * Issue 16's acceptance at its full size, which the test suite runs at 40 k rows: a 2 M-row
 * PostgreSQL table with a concurrent writer (updates, deletes, inserts, some beyond the largest
 * key), an incremental snapshot started by a signal-table row while a standalone worker process
 * streams the table into Parquet. At the end the lake's latest state must equal the table row for
 * row (compared in DuckDB against the table's own COPY), no row read twice by the snapshot, no
 * position twice. Prints the snapshot's rows/s against `COPY … TO STDOUT` of the same table in
 * the same run; exits 1 when the lake differs.
 *
 * usage: node --import tsx bench/incremental-snapshot-acceptance.ts [rows=2000000] [snapshot.max.threads=1] [chunk.size=8192]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader, sqlString } from '../integration-tests/harness/duckdb-reader.js';
import { postgresItemsWriter } from '../integration-tests/harness/items-writer.js';
import { topicGlob } from '../integration-tests/harness/lake-audit.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties } from '../integration-tests/harness/worker-process.js';
import { copyTableSeconds } from './fixtures/psql-copy.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const THREADS = process.argv[3] ?? '1';
const CHUNK = process.argv[4] ?? '8192';
const PSQL = '/usr/lib/postgresql/15/bin/psql';

const server = await startPostgres();
const dir = tempDir('bench-incremental-acceptance');
const duck = await DuckDbReader.open();
let exitCode = 0;
try {
  const db = await server.createDatabase('inc_acceptance');
  await server.query(db, `CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL);
    INSERT INTO items SELECT g, 0, repeat('i', 60) FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE tributary_signals (id text PRIMARY KEY, type text NOT NULL, data text)`);
  await server.query(db, 'VACUUM ANALYZE items');
  copyTableSeconds(server, db, 'items'); // warms the page cache
  const copySeconds = Math.min(copyTableSeconds(server, db, 'items'), copyTableSeconds(server, db, 'items'));
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.items', 'snapshot.mode': 'no_data',
    'signal.data.collection': 'public.tributary_signals', 'incremental.snapshot.chunk.size': CHUNK, 'snapshot.max.threads': THREADS,
  };
  const topic = `${source['topic.prefix']}.public.items`;
  const files = [
    writeProperties(join(dir.path, 'pg.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '100000', 'rotate.interval.ms': '2000' }),
  ];
  const worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '1000' }, files);
  try {
    await eventually(async () => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 60_000, 'the source running');
    const writer = postgresItemsWriter(server.connection(db), ROWS, 2);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = process.hrtime.bigint();
    await server.query(db, `INSERT INTO tributary_signals VALUES ('acceptance', 'execute-snapshot', '{"data-collections": ["public.items"], "type": "incremental"}')`);
    const snapshot = async () => (await getJson<{ snapshot: { rows: number } | null }>(`${worker.url}/connectors/pg/snapshots`)).snapshot;
    await eventually(async () => ((await snapshot()) ? true : undefined), 60_000, 'the snapshot running');
    await eventually(async () => ((await snapshot()) === null ? true : undefined), 3_600_000, 'the snapshot complete');
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await writer.stop();
    await server.query(db, "INSERT INTO items VALUES (0, 0, 'the end')");
    const from = `read_parquet(${sqlString(topicGlob(lake, topic))}, union_by_name=true)`;
    await eventually(async () => (Number(await duck.scalar(`SELECT count(*) FROM ${from} WHERE id = 0`).catch(() => 0)) > 0 ? true : undefined), 300_000, 'the last insert landed');
    await new Promise((r) => setTimeout(r, 3000));

    const csv = join(dir.path, 'items.csv');
    const copied = spawnSync(PSQL, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', db, '-q', '-c', `\\copy (SELECT id, v, note FROM items) TO '${csv}' CSV`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (copied.status !== 0) throw new Error(`psql exited with ${copied.status}`);
    await duck.rows(`CREATE TABLE pg_items AS SELECT * FROM read_csv(${sqlString(csv)}, header=false, columns={'id': 'INTEGER', 'v': 'INTEGER', 'note': 'VARCHAR'})`);
    await duck.rows(`CREATE TABLE lake_items AS WITH events AS (SELECT * FROM ${from}),
      ranked AS (SELECT *, row_number() OVER (PARTITION BY id ORDER BY __source_pos DESC) AS rn FROM events)
      SELECT id::INTEGER AS id, v::INTEGER AS v, note::VARCHAR AS note FROM ranked WHERE rn = 1 AND __op <> 'd'`);
    const count = async (sql: string) => Number(await duck.scalar(sql));
    const onlyInLake = await count('SELECT count(*) FROM (SELECT * FROM lake_items EXCEPT SELECT * FROM pg_items)');
    const onlyInTable = await count('SELECT count(*) FROM (SELECT * FROM pg_items EXCEPT SELECT * FROM lake_items)');
    const reads = await count(`SELECT count(*) FROM ${from} WHERE __op = 'r'`);
    const readKeys = await count(`SELECT count(DISTINCT id) FROM ${from} WHERE __op = 'r'`);
    const positions = await count(`SELECT count(*) - count(DISTINCT __source_pos) FROM ${from}`);
    const tableRows = await count('SELECT count(*) FROM pg_items');
    const lakeRows = await count('SELECT count(*) FROM lake_items');
    console.log(`rows: ${ROWS}, snapshot.max.threads=${THREADS}, incremental.snapshot.chunk.size=${CHUNK}; the writer made ${writer.changes} changes meanwhile`);
    console.log(`COPY (SELECT * FROM items) TO STDOUT → /dev/null: ${copySeconds.toFixed(2)} s = ${Math.round(ROWS / copySeconds).toLocaleString('en')} rows/s`);
    console.log(`incremental snapshot → Parquet lake: ${seconds.toFixed(1)} s = ${Math.round(ROWS / seconds).toLocaleString('en')} rows/s; ratio to COPY ${(copySeconds / seconds).toFixed(2)}`);
    console.log(`table ${tableRows} rows, lake ${lakeRows}; rows only in the lake ${onlyInLake}, only in the table ${onlyInTable}; snapshot reads ${reads} of ${readKeys} keys; positions landed twice ${positions}`);
    const ok = onlyInLake === 0 && onlyInTable === 0 && reads === readKeys && positions === 0 && tableRows === lakeRows;
    console.log(ok ? 'the lake equals the table: PASS' : 'the lake differs from the table: FAIL');
    if (!ok) exitCode = 1;
  } finally {
    await worker.kill('SIGKILL');
  }
} finally {
  duck.close();
  dir.remove();
  server.remove();
}
process.exit(exitCode);
