import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { Lsn } from '../connectors/source/postgres/lsn.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { auditTopic, latestState, tableStateQuery, topicGlob } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Exactly-once across an interrupted snapshot (issue: an interrupted snapshot duplicates rows):
 * 200 k rows in two tables (a bigint key, and a composite text + int key under the C collation),
 * the worker killed twice while the snapshot runs and once while streaming, with rows inserted,
 * updated and deleted all along — also in the parts of the tables the snapshot has not read yet,
 * which a resumed snapshot reads inside another MVCC snapshot. Then every row is snapshotted at
 * most once (exactly once if nothing touched it), no event lands twice, and each table's latest
 * state equals the table.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedPostgres();
  duck = await DuckDbReader.open();
});
after(() => duck?.close());

interface StoredOffset { snapshot_lsn?: number | string; snapshot?: boolean; snapshot_table?: number; snapshot_rows_before?: number; snapshot_tables_done?: string }

function storedOffset(offsetFile: string, prefix: string): StoredOffset | undefined {
  if (!existsSync(offsetFile)) return undefined;
  try {
    const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, StoredOffset> };
    return Object.entries(body.source).find(([k]) => k.includes(`"server":"${prefix}"`))?.[1];
  } catch {
    return undefined; // read while being replaced
  }
}

const ROWS = 100_000;

test('kill -9 twice during the snapshot and once while streaming, with writes all along: each row snapshotted once, no duplicate, latest state equal', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('killsnap');
  await server.query(db, `
    CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL, note text NOT NULL);
    CREATE TABLE stock (region text COLLATE "C", item int, level int NOT NULL, note text NOT NULL, PRIMARY KEY (region, item));
    INSERT INTO orders SELECT g, g % 97, repeat('o', 120) FROM generate_series(1, ${ROWS}) g;
    INSERT INTO stock SELECT 'r' || lpad((g % 50)::text, 2, '0'), g, g % 13, repeat('s', 120) FROM generate_series(1, ${ROWS}) g;`);
  const [{ oid: ordersOid }] = await server.query<{ oid: number }>(db, "SELECT 'orders'::regclass::oid::int AS oid");
  // an independent record of every change from here on, to compare the streamed events with
  const auditSlot = `audit_${db}`.slice(0, 63);
  await server.query(db, "SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [auditSlot]);
  const dir = tempDir('pg-kill-snapshot');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db), 'snapshot.fetch.size': '2000', 'max.queue.size': '1024', 'max.batch.size': '512' };
  const prefix = source['topic.prefix'];
  const topics = { orders: `${prefix}.public.orders`, stock: `${prefix}.public.stock` };
  const files = [
    writeProperties(join(dir.path, 'pg.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), {
      name: 'lake', 'connector.class': 'files', topics: Object.values(topics).join(','), 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '3000', 'rotate.interval.ms': '2000',
    }),
  ];
  const props = { 'offset.flush.interval.ms': '200' };
  const offsetFile = join(dir.path, 'state', 'connect.offsets');

  // writes all along: updates and deletes of rows not yet read, inserts past and inside the key ranges
  const writer = new pg.Client(server.connection(db));
  await writer.connect();
  const touched = { orders: new Set<number>(), stock: new Set<string>() };
  let writing = true;
  const writes = (async () => {
    for (let i = 1; writing; i++) {
      const id = 1 + Math.floor(Math.random() * ROWS);
      const item = 1 + Math.floor(Math.random() * ROWS);
      const region = `r${String(item % 50).padStart(2, '0')}`;
      touched.orders.add(id);
      touched.stock.add(`${region}/${item}`);
      if (i % 3 === 0) await writer.query('DELETE FROM orders WHERE id = $1', [id]);
      else await writer.query('UPDATE orders SET qty = qty + 1 WHERE id = $1', [id]);
      if (i % 4 === 0) await writer.query('DELETE FROM stock WHERE region = $1 AND item = $2', [region, item]);
      else await writer.query("INSERT INTO stock VALUES ($1, $2, 1, 'new') ON CONFLICT (region, item) DO UPDATE SET level = stock.level + 1", [region, item + (i % 2) * ROWS]);
      touched.stock.add(`${region}/${item + (i % 2) * ROWS}`);
      const newId = ROWS + i;
      touched.orders.add(newId);
      await writer.query("INSERT INTO orders VALUES ($1, 1, 'late')", [newId]);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  let worker: WorkerProcess | null = await startWorkerProcess(dir.path, props, files);
  // each run's log, kept with the test folder (KEEP_TEST_DIRS=1) for a failure's post-mortem
  const saveLog = (w: WorkerProcess, run: number) => writeFileSync(join(dir.path, `worker-${run}.log`), w.stderr());
  try {
    const consistentPoint = (await eventually(() => storedOffset(offsetFile, prefix)?.snapshot_lsn, 60_000, 'the first snapshot offset')) !== undefined ? Lsn.fromOffset(storedOffset(offsetFile, prefix)!.snapshot_lsn) : null;
    // kill 1: inside the first table, well into it; kill 2: inside the second table
    const firstAt = 20_000 + Math.floor(Math.random() * 40_000);
    await eventually(() => {
      const o = storedOffset(offsetFile, prefix);
      return o?.snapshot && o.snapshot_table === ordersOid && (o.snapshot_rows_before ?? 0) >= firstAt ? true : undefined;
    }, 120_000, 'the snapshot to be inside orders');
    saveLog(worker, 1);
    await worker.kill('SIGKILL');
    worker = await startWorkerProcess(dir.path, props, files);
    // the committed offset may jump over the second table (the first one's open files hold it
    // back), so this kill goes by what the task reports it has read
    const secondAt = 10_000 + Math.floor(Math.random() * 50_000);
    await eventually(async () => {
      const status = await getJson<{ tasks: { progress?: { snapshot?: { tables?: Record<string, { rows: number }> } } }[] }>(`${worker!.url}/connectors/pg/status`);
      return (status.tasks[0]?.progress?.snapshot?.tables?.['public.stock']?.rows ?? 0) >= secondAt ? true : undefined;
    }, 120_000, 'the snapshot to be inside stock');
    saveLog(worker, 2);
    await worker.kill('SIGKILL');
    worker = await startWorkerProcess(dir.path, props, files);
    await eventually(() => (storedOffset(offsetFile, prefix) && !storedOffset(offsetFile, prefix)?.snapshot ? true : undefined), 120_000, 'the snapshot to complete');
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
    saveLog(worker, 3);
    await worker.kill('SIGKILL');
    worker = await startWorkerProcess(dir.path, props, files);
    await new Promise((r) => setTimeout(r, 1500));
    writing = false;
    await writes;
    await writer.query("INSERT INTO orders VALUES (0, 0, 'the end')");

    await eventually(async () => ((await latestState(duck, lake, topics.orders, ['id'], ['qty'])).some((r) => r[0] === '0') ? true : undefined), 120_000, 'the last insert to land');
    await new Promise((r) => setTimeout(r, 3000));
    // the changes of transactions committed after the snapshot's consistent point: what streams
    const all = await server.query<{ lsn: string; data: string }>(db, 'SELECT lsn::text AS lsn, data FROM pg_logical_slot_get_changes($1, NULL, NULL)', [auditSlot]);
    const changes: { data: string }[] = [];
    let pending: { data: string }[] = [];
    for (const row of all) {
      if (row.data.startsWith('BEGIN')) pending = [];
      else if (row.data.startsWith('COMMIT')) {
        if (Lsn.parse(row.lsn).compare(consistentPoint!) > 0) changes.push(...pending);
      } else pending.push(row);
    }
    for (const [table, topic] of Object.entries(topics)) {
      const audit = await auditTopic(duck, lake, topic);
      assert.deepEqual(audit.duplicated, [], `${topic}: positions landed twice`);
      assert.equal(audit.events, audit.distinct, `${topic}: duplicate events`);
      const count = (op: string) => changes.filter((c) => c.data.startsWith(`table public.${table}: ${op}:`)).length;
      assert.deepEqual({ c: audit.ops.c ?? 0, u: audit.ops.u ?? 0, d: audit.ops.d ?? 0 }, { c: count('INSERT'), u: count('UPDATE'), d: count('DELETE') }, `${table}: every streamed change once`);
    }
    // snapshot reads: at most once per row, exactly once for rows no writer touched
    const reads = async (topic: string, key: string) => new Map((await duck.rows(`SELECT ${key} AS k, count(*)::INT AS n FROM read_parquet(${sqlString(topicGlob(lake, topic))}) WHERE __op = 'r' GROUP BY 1`)).map((r) => [String(r.k), Number(r.n)]));
    const orderReads = await reads(topics.orders, 'id::VARCHAR');
    const stockReads = await reads(topics.stock, "region || '/' || item::VARCHAR");
    assert.deepEqual([...orderReads].filter(([, n]) => n > 1), [], 'orders snapshotted twice');
    assert.deepEqual([...stockReads].filter(([, n]) => n > 1), [], 'stock snapshotted twice');
    for (let id = 1; id <= ROWS; id++) if (!touched.orders.has(id)) assert.equal(orderReads.get(String(id)), 1, `orders ${id} snapshotted once`);
    let untouchedStock = 0;
    for (let item = 1; item <= ROWS; item++) {
      const key = `r${String(item % 50).padStart(2, '0')}/${item}`;
      if (touched.stock.has(key)) continue;
      untouchedStock++;
      assert.equal(stockReads.get(key), 1, `stock ${key} snapshotted once`);
    }
    assert.ok(untouchedStock > ROWS / 2);
    for (const [table, keys, columns] of [['orders', ['id'], ['qty', 'note']], ['stock', ['region', 'item'], ['level', 'note']]] as const) {
      const fromLake = await latestState(duck, lake, topics[table], keys, columns);
      const fromTable = (await server.query<Record<string, string>>(db, tableStateQuery(table, keys, columns))).map((r) => Object.values(r).map(String));
      const lakeRows = new Set(fromLake.map((r) => r.join('|')));
      const tableRows = new Set(fromTable.map((r) => r.join('|')));
      assert.deepEqual({ onlyInLake: [...lakeRows].filter((r) => !tableRows.has(r)).slice(0, 10), onlyInTable: [...tableRows].filter((r) => !lakeRows.has(r)).slice(0, 10) }, { onlyInLake: [], onlyInTable: [] }, `${table}: latest state`);
      assert.equal(fromLake.length, fromTable.length, `${table}: row count`);
    }
  } finally {
    writing = false;
    await writes.catch(() => undefined);
    await writer.end();
    if (worker) saveLog(worker, 4);
    await worker?.kill('SIGKILL');
    await server.query(db, 'SELECT pg_drop_replication_slot($1)', [auditSlot]).catch(() => undefined);
    dir.remove();
  }
});
