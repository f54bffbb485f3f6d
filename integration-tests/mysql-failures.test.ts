import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import mysql from 'mysql2/promise';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { auditTopic, latestState, topicGlob } from './harness/lake-audit.js';
import { startMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * The binlog source's failure modes against a real MariaDB of its own (these tests restart it
 * and purge its binlogs): a server restart and a KILL of the dump thread while writes go on (the
 * stream reconnects within 30 s and the files sink holds every change once), binlogs purged past
 * the committed offset (FAILED, saying what to do; with snapshot.mode=when_needed a new
 * snapshot), and a second replica with the same database.server.id (a clear error).
 */
let server: MariaDbServer & { remove(): Promise<void> };
let duck: DuckDbReader;
before(async () => {
  server = await startMariaDb();
  duck = await DuckDbReader.open();
});
after(async () => {
  duck?.close();
  await server?.remove();
});

/** Inserts and updates in small transactions until stopped, reconnecting through outages; returns the highest id committed. */
function startWriter(db: string): { readonly lastId: number; stop(): Promise<number> } {
  let running = true;
  let lastId = 0;
  const done = (async () => {
    let client: mysql.Connection | null = null;
    let next = 1;
    while (running) {
      try {
        if (!client) {
          client = await mysql.createConnection(server.connection(db));
          client.on('error', () => undefined);
        }
        const id = next;
        await client.query('INSERT INTO items (id, v) VALUES (?, 0), (?, 0)', [id, id + 1]);
        next += 2;
        lastId = id + 1;
        await client.query('UPDATE items SET v = v + 1 WHERE id = ?', [Math.max(1, id - 10)]);
        await new Promise((r) => setTimeout(r, 5));
      } catch {
        // an insert whose commit is unknown (the server went away meanwhile) is retried under new ids
        next += 2;
        await client?.end().catch(() => undefined);
        client = null;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await client?.end().catch(() => undefined);
  })();
  return { get lastId() { return lastId; }, stop: async () => { running = false; await done; return lastId; } };
}

function storedOffset(offsetFile: string, prefix: string): Record<string, unknown> | undefined {
  if (!existsSync(offsetFile)) return undefined;
  const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, Record<string, unknown>> };
  return Object.entries(body.source).find(([k]) => k.includes(`"server":"${prefix}"`))?.[1];
}

interface Pipeline {
  readonly dir: string;
  readonly lake: string;
  readonly topic: string;
  readonly prefix: string;
  readonly offsetFile: string;
  start(source?: Record<string, string>): Promise<WorkerProcess>;
}

/** A standalone worker capturing `db.items` into Parquet files. */
function pipeline(db: string, dir: string, extra: Record<string, string> = {}): Pipeline {
  const lake = join(dir, 'lake');
  const base: Record<string, string> = { name: 'my', 'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector', ...mysqlTestConfig(server.port, db, { 'retriable.restart.connector.wait.ms': '2000', ...extra }) };
  const prefix = base['topic.prefix'];
  const topic = `${prefix}.${db}.items`;
  const sinkFile = writeProperties(join(dir, 'lake.properties'), {
    name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '500', 'rotate.interval.ms': '1000',
  });
  return {
    dir, lake, topic, prefix, offsetFile: join(dir, 'state', 'connect.offsets'),
    start: (source = {}) => startWorkerProcess(dir, { 'offset.flush.interval.ms': '300' }, [writeProperties(join(dir, 'my.properties'), { ...base, ...source }), sinkFile]),
  };
}

async function maxLandedId(p: Pipeline): Promise<number> {
  const rows = await latestState(duck, p.lake, p.topic, ['id'], ['v']);
  return rows.reduce((m, r) => Math.max(m, Number(r[0])), 0);
}

async function assertLakeEqualsTable(p: Pipeline, db: string): Promise<void> {
  const audit = await auditTopic(duck, p.lake, p.topic);
  assert.deepEqual(audit.duplicated, [], 'positions landed twice');
  assert.equal(audit.events, audit.distinct, `${audit.events - audit.distinct} duplicate events`);
  const fromLake = await latestState(duck, p.lake, p.topic, ['id'], ['v']);
  const fromTable = (await server.query<Record<string, unknown>>(db, 'SELECT id, v FROM items ORDER BY id')).map((r) => [String(r.id), String(r.v)]);
  assert.equal(fromLake.length, fromTable.length, 'row count');
  assert.deepEqual(fromLake, fromTable, 'latest state');
}

test('server restart and KILL of the binlog dump thread while writing: reconnects within 30 s, resumes at the committed offset, the files sink holds every change once', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('restart');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT)');
  const dir = tempDir('mysql-restart');
  const p = pipeline(db, dir.path);
  const writer = startWriter(db);
  const worker = await p.start();
  try {
    await eventually(async () => ((await maxLandedId(p)) >= 200 ? true : undefined), 60_000, 'the first changes to land');

    // the dump thread is killed: the stream reconnects at the transaction it was in
    const [dump] = await server.query<{ id: number }>(null, "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
    assert.ok(dump, 'a dump thread');
    await server.query(null, `KILL ${Number(dump.id)}`);
    const killedAt = writer.lastId;
    const t0 = Date.now();
    await eventually(async () => ((await maxLandedId(p)) > killedAt ? true : undefined), 30_000, 'changes written after the KILL to land');
    assert.ok(Date.now() - t0 < 30_000, `resumed ${Date.now() - t0} ms after the KILL`);

    // a restart of the server (SIGTERM, then start again) while the writer keeps trying
    await server.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await server.start();
    const t1 = Date.now();
    const restartedAt = writer.lastId;
    await eventually(async () => ((await maxLandedId(p)) > restartedAt + 50 ? true : undefined), 30_000, 'changes written after the restart to land');
    assert.ok(Date.now() - t1 < 30_000, `resumed ${Date.now() - t1} ms after the server was back`);

    const last = await writer.stop();
    assert.ok(last > restartedAt, 'the writer went on after the restart');
    await server.query(db, 'INSERT INTO items (id, v) VALUES (-1, 0)');
    await eventually(async () => ((await latestState(duck, p.lake, p.topic, ['id'], ['v'])).some((r) => r[0] === '-1') ? true : undefined), 60_000, 'the end row to land');
    await new Promise((r) => setTimeout(r, 1500));
    assert.match(worker.stderr(), /binlog connection lost; reconnecting/);
    await assertLakeEqualsTable(p, db);
  } finally {
    await writer.stop().catch(() => 0);
    await worker.kill('SIGKILL');
    dir.remove();
  }
});

test('binlogs purged past the committed offset: the task FAILS saying what to do; with snapshot.mode=when_needed it takes a new snapshot, and the lake equals the table', { timeout: 300_000 }, async () => {
  const db = await server.createDatabase('purge');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT)');
  await server.query(db, 'INSERT INTO items (id, v) SELECT seq, 0 FROM seq_1_to_300');
  const dir = tempDir('mysql-purge');
  const p = pipeline(db, dir.path);
  let worker = await p.start();
  try {
    await server.query(db, 'UPDATE items SET v = 1 WHERE id <= 10');
    await eventually(() => (Number(storedOffset(p.offsetFile, p.prefix)?.row ?? 0) > 0 ? true : undefined), 60_000, 'a streaming offset to be committed');
    await worker.kill('SIGTERM');
    const offset = storedOffset(p.offsetFile, p.prefix)!;
    // changes the stopped connector has not read, then every binlog up to them purged
    await server.query(db, 'UPDATE items SET v = 2 WHERE id > 290');
    await server.query(db, 'DELETE FROM items WHERE id <= 5');
    // MariaDB keeps a binlog until InnoDB's checkpoint has passed its transactions: purge until it is gone
    await eventually(async () => {
      await server.query(null, 'FLUSH BINARY LOGS');
      const logs = await server.query<{ Log_name: string }>(null, 'SHOW BINARY LOGS');
      await server.query(null, `PURGE BINARY LOGS TO '${logs[logs.length - 1].Log_name}'`);
      return (await server.query<{ Log_name: string }>(null, 'SHOW BINARY LOGS')).some((l) => l.Log_name === offset.file) ? undefined : true;
    }, 30_000, `${String(offset.file)} to be purged`);
    // the runtime restarts a failed task up to task.restart.max.attempts (10, with backoff) before
    // it stays FAILED, although a lost position does not heal by itself: none here
    worker = await p.start({ 'task.restart.max.attempts': '0' });
    const status = await eventually(async () => {
      const s = await getJson<{ tasks: { state: string; trace?: string }[] }>(`${worker.url}/connectors/my/status`);
      return s.tasks[0]?.state === 'FAILED' ? s.tasks[0] : undefined;
    }, 30_000, 'the task to fail');
    assert.match(status.trace ?? '', /source\.position_lost/);
    assert.match(status.trace ?? '', new RegExp(`binlog ${String(offset.file).replace('.', '\\.')}:${String(offset.pos)}`), 'names the lost position');
    assert.match(status.trace ?? '', /snapshot\.mode=when_needed/, 'says what to do');
    await worker.kill('SIGTERM');

    worker = await p.start({ 'snapshot.mode': 'when_needed' });
    await server.query(db, 'INSERT INTO items (id, v) VALUES (-1, 0)');
    await eventually(async () => ((await latestState(duck, p.lake, p.topic, ['id'], ['v'])).some((r) => r[0] === '-1') ? true : undefined), 60_000, 'the row written after the new snapshot to land');
    await new Promise((r) => setTimeout(r, 1500));
    const audit = await auditTopic(duck, p.lake, p.topic);
    assert.deepEqual(audit.duplicated, [], 'positions landed twice');
    assert.equal(audit.ops.r, 300 + 295, 'the first snapshot read 300 rows, the new one the 295 left');
    // the deletes in the purged binlog are lost with it: no event says rows 1..5 are gone, so a
    // reader takes the new snapshot as the table's whole state (as with Debezium); from it on,
    // the lake equals the table
    const from = `read_parquet(${sqlString(topicGlob(p.lake, p.topic))}, union_by_name=true)`;
    const [{ point }] = await duck.rows(`SELECT max(left(__source_pos, 24)) AS point FROM ${from} WHERE __op = 'r'`);
    const sinceSnapshot = (await duck.rows(`SELECT id::VARCHAR AS id, v::VARCHAR AS v FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY __source_pos DESC) AS rn FROM ${from} WHERE __source_pos >= ${sqlString(String(point))}) WHERE rn = 1 AND __op <> 'd' ORDER BY id::INT`)).map((r) => [String(r.id), String(r.v)]);
    const fromTable = (await server.query<Record<string, unknown>>(db, 'SELECT id, v FROM items ORDER BY id')).map((r) => [String(r.id), String(r.v)]);
    assert.deepEqual(sinceSnapshot, fromTable, 'the new snapshot and what followed it equal the table');
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});

test('a second replica with the same database.server.id: the connection the server drops fails with a clear error naming the property', { timeout: 120_000 }, async () => {
  const db = await server.createDatabase('dupid');
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT)');
  const config = mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data', 'database.server.id': '4242' });
  const first = new MySqlTaskDriver(config);
  const second = new MySqlTaskDriver({ ...config, 'topic.prefix': `${config['topic.prefix']}_2` });
  await first.start();
  try {
    await server.query(db, 'INSERT INTO items VALUES (1, 0)');
    await first.pollUntil((rs) => rs.length >= 1, 20_000, 'the first replica streaming');
    await second.start();
    await server.query(db, 'INSERT INTO items VALUES (2, 0)');
    // the server keeps the newer replica and drops the older one with "A slave with the same server_uuid/server_id"
    const error = await (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          await first.pollOnce();
        } catch (e) {
          return e as Error & { code?: string; configPath?: string };
        }
      }
      return null;
    })();
    assert.ok(error, 'the older replica fails');
    assert.equal(error.code, 'source.setup_required');
    assert.equal(error.configPath, 'database.server.id');
    assert.match(error.message, /same server_uuid\/server_id/);
    assert.match(error.message, /give database\.server\.id a value unique/);
    await second.pollUntil((rs) => rs.some((r) => (r.key as { id: number } | null)?.id === 2), 20_000, 'the newer replica streaming');
  } finally {
    await first.stop();
    await second.stop();
  }
});

test('the snapshot\'s connection killed while a table\'s rows stream: the task fails as retriable (source.connection_lost) instead of waiting forever', { timeout: 120_000 }, async () => {
  const db = await server.createDatabase('snapkill');
  await server.query(db, 'CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(100))');
  await server.query(db, `INSERT INTO t SELECT seq, REPEAT('x', 80) FROM seq_1_to_200000`);
  // one chunk for the whole table, so the kill lands while its rows stream
  const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, { 'snapshot.fetch.size': '1000000', 'max.queue.size': '2048', 'max.batch.size': '512' }));
  const killer = await mysql.createConnection(server.connection(db));
  await driver.start();
  try {
    await driver.pollUntil((rs) => rs.length >= 2000, 30_000, 'the first snapshot rows');
    const [rows] = await killer.query<mysql.RowDataPacket[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE CONCAT('SELECT %`', DATABASE(), '`.`t`%') AND ID <> CONNECTION_ID()");
    assert.equal(rows.length, 1, 'the snapshot\'s query is running');
    await killer.query(`KILL ${Number(rows[0].ID)}`);
    const failure = await driver.pollUntil(() => false, 30_000, 'the failure').then(() => null, (error: unknown) => error as { code?: string; retriable?: boolean; message: string });
    assert.ok(failure && !/timed out/.test(failure.message), `the task failed (${failure?.message})`);
    assert.equal(failure.code, 'source.connection_lost', failure.message);
  } finally {
    await killer.end();
    await driver.stop().catch(() => undefined);
  }
});
