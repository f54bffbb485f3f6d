import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mysql from 'mysql2/promise';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { auditTopic, latestState } from './harness/lake-audit.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Exactly-once under kill -9: a table of 20 k rows snapshotted in 500-row chunks and written to
 * all along (single-row and multi-row inserts, updates and deletes: multi-row binlog events, so
 * resumes land in the middle of one), captured into small Parquet files; the worker is killed
 * once during the snapshot and three times while streaming. Then every change event is in the
 * lake once (distinct positions), each row was snapshotted once, and the latest state per key
 * equals the table.
 */
let server: MariaDbServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedMariaDb();
  duck = await DuckDbReader.open();
});
after(() => duck?.close());

function storedOffset(offsetFile: string, prefix: string): Record<string, unknown> | undefined {
  if (!existsSync(offsetFile)) return undefined;
  const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, Record<string, unknown>> };
  return Object.entries(body.source).find(([k]) => k.includes(`"server":"${prefix}"`))?.[1];
}

/** Random small transactions until stopped; ids above 100 000 are inserted, any id may be updated or deleted. */
function startWriter(db: string): { stop(): Promise<number> } {
  let stopped = false;
  let transactions = 0;
  const done = (async () => {
    const c = await mysql.createConnection({ ...server.connection(db) });
    let next = 100_000;
    try {
      while (!stopped) {
        const pick = Math.random();
        if (pick < 0.4) {
          const rows = 1 + Math.floor(Math.random() * 20);
          const values = Array.from({ length: rows }, () => `(${next++}, ${Math.floor(Math.random() * 1000)}, 'new')`).join(', ');
          await c.query(`INSERT INTO items (id, v, note) VALUES ${values}`);
        } else if (pick < 0.8) {
          const from = Math.floor(Math.random() * next);
          await c.query('UPDATE items SET v = v + 1, note = ? WHERE id BETWEEN ? AND ?', [`u${transactions}`, from, from + 15]);
        } else {
          const from = Math.floor(Math.random() * next);
          await c.query('DELETE FROM items WHERE id BETWEEN ? AND ?', [from, from + 3]);
        }
        transactions++;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await c.end();
    }
  })();
  return { stop: async () => { stopped = true; await done; return transactions; } };
}

test('kill -9 once during the snapshot and three times while streaming, writes all along: every event once, latest state equal', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('killstream');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT, note VARCHAR(32))');
  await server.query(db, `INSERT INTO items (id, v, note) SELECT seq, seq % 1000, 'seed' FROM seq_0_to_19999`);
  const dir = tempDir('mysql-kill-stream');
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = { name: 'my', 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', ...mysqlTestConfig(server.port, db), 'snapshot.fetch.size': '500', 'max.batch.size': '256' };
  const prefix = source['topic.prefix'];
  const topic = `${prefix}.${db}.items`;
  const sourceFile = writeProperties(join(dir.path, 'my.properties'), source);
  const sinkFile = writeProperties(join(dir.path, 'lake.properties'), {
    name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '700', 'rotate.interval.ms': '2000',
  });
  const props = { 'offset.flush.interval.ms': '300' };
  const offsetFile = join(dir.path, 'state', 'connect.offsets');
  const writer = startWriter(db);
  let worker: WorkerProcess | null = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
  try {
    await eventually(() => (storedOffset(offsetFile, prefix)?.snapshot === true ? true : undefined), 60_000, 'a snapshot offset to be committed');
    await worker.kill('SIGKILL');
    worker = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
    await eventually(() => (storedOffset(offsetFile, prefix) && storedOffset(offsetFile, prefix)?.snapshot === undefined ? true : undefined), 90_000, 'the snapshot to be committed');
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 3000));
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
    }
    const transactions = await writer.stop();
    await server.query(db, "INSERT INTO items (id, v, note) VALUES (-1, 0, 'end')");
    await eventually(async () => ((await latestState(duck, lake, topic, ['id'], ['v'])).some((r) => r[0] === '-1') ? true : undefined), 120_000, 'the end row to land');
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(transactions > 200, `the writer ran ${transactions} transactions`);
    const audit = await auditTopic(duck, lake, topic);
    assert.deepEqual(audit.duplicated, [], 'positions landed twice');
    assert.equal(audit.events, audit.distinct, `${audit.events - audit.distinct} duplicate events`);
    const [{ r }] = await duck.rows(`SELECT count(DISTINCT id)::BIGINT AS r FROM read_parquet('${join(lake, 'topics', topic)}/**/*.parquet', union_by_name=true) WHERE __op = 'r'`);
    // the writer runs before the snapshot starts too, so it reads at least the seeded rows
    assert.ok(Number(r) >= 19_000 && audit.ops.r === Number(r), `each row snapshotted once (${audit.ops.r} reads of ${r} rows)`);
    const fromLake = await latestState(duck, lake, topic, ['id'], ['v', 'note']);
    const fromTable = (await server.query<Record<string, unknown>>(db, 'SELECT id, v, note FROM items ORDER BY id')).map((row) => [String(row.id), String(row.v), String(row.note)]);
    assert.equal(fromLake.length, fromTable.length, 'row count');
    assert.deepEqual(fromLake, fromTable, 'latest state');
  } finally {
    await writer.stop().catch(() => 0);
    await worker?.kill('SIGKILL');
    dir.remove();
  }
});
