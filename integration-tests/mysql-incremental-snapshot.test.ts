import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { auditTopic, latestState, topicGlob } from './harness/lake-audit.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { mysqlItemsWriter, type ItemsWriter } from './harness/items-writer.js';

/**
 * Incremental snapshots (issue 16), MySQL/MariaDB, in a standalone worker process into Parquet,
 * as postgres-incremental-snapshot.test.ts does for PostgreSQL: `snapshot.mode=no_data`, so every
 * row reaches the lake through the incremental snapshot (or through a change streamed after it
 * was read). A writer updates, deletes and inserts rows all along; the lake's latest state must
 * equal the table (a row read before a change inside its chunk's window and emitted after it
 * would show the old value: the streamed value must win), and no row may be read twice, also
 * across kill -9s of the worker.
 */
let server: MariaDbServer;
let duck: DuckDbReader;
before(async () => { [server, duck] = await Promise.all([sharedMariaDb(), DuckDbReader.open()]); });
after(() => duck?.close());

const ROWS = 20_000;

interface Setup {
  db: string;
  dir: ReturnType<typeof tempDir>;
  lake: string;
  topic: string;
  files: string[];
}

async function setup(name: string, extra: Record<string, string>): Promise<Setup> {
  const db = await server.createDatabase(name);
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(100) NOT NULL)');
  await server.query(db, `INSERT INTO items SELECT seq, 0, REPEAT('i', 60) FROM seq_1_to_${ROWS}`);
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  const dir = tempDir(`mysql-incremental-${name}`);
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    name: 'my', 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', ...mysqlTestConfig(server.port, db), 'table.include.list': `${db}\\.items`, 'snapshot.mode': 'no_data',
    'signal.data.collection': `${db}.dbz_signal`, 'incremental.snapshot.chunk.size': '500', ...extra,
  };
  const topic = `${source['topic.prefix']}.${db}.items`;
  const files = [
    writeProperties(join(dir.path, 'my.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' }),
  ];
  return { db, dir, lake, topic, files };
}

/** The harness's concurrent writer on this test's `items` table. */
function startWriter(db: string): ItemsWriter {
  return mysqlItemsWriter(server.connection(db), ROWS, 2);
}

async function snapshotState(worker: WorkerProcess): Promise<{ snapshot: { rows: number; state: string } | null }> {
  return getJson(`${worker.url}/connectors/my/snapshots`);
}

/** Every event landed once, no row read twice, and the latest state equal to the table. */
async function assertLakeEqualsTable(s: Setup): Promise<void> {
  await server.query(s.db, "INSERT INTO items VALUES (0, 0, 'the end')");
  await eventually(async () => ((await latestState(duck, s.lake, s.topic, ['id'], ['v'])).some((r) => r[0] === '0') ? true : undefined), 60_000, 'the last insert to land');
  await new Promise((r) => setTimeout(r, 1500));
  const audit = await auditTopic(duck, s.lake, s.topic);
  assert.deepEqual(audit.duplicated, [], 'no position twice');
  const from = `read_parquet(${sqlString(topicGlob(s.lake, s.topic))}, union_by_name=true)`;
  const [reads] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys FROM ${from} WHERE __op = 'r'`);
  assert.equal(Number(reads.n), Number(reads.keys), 'no row read twice');
  assert.ok(Number(reads.n) > ROWS / 2, `${reads.n} rows read by the incremental snapshot`);
  const fromLake = await latestState(duck, s.lake, s.topic, ['id'], ['v', 'note']);
  const fromTable = (await server.query<Record<string, unknown>>(s.db, 'SELECT CAST(id AS CHAR) AS id, CAST(v AS CHAR) AS v, note FROM items ORDER BY items.id')).map((r) => Object.values(r).map(String));
  // compared by key, the first differences named (a whole-table diff would take minutes to print)
  const lake = new Map(fromLake.map((r) => [r[0], r.slice(1).join('|')]));
  const table = new Map(fromTable.map((r) => [r[0], r.slice(1).join('|')]));
  const differ = [...new Set([...lake.keys(), ...table.keys()])].filter((k) => lake.get(k) !== table.get(k)).slice(0, 8).map((k) => `${k}: lake ${lake.get(k)} table ${table.get(k)}`);
  assert.deepEqual(differ, [], 'latest state');
  assert.equal(fromLake.length, fromTable.length, 'row count');
}

const running = async (worker: WorkerProcess) => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/my/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined);

describe('MySQL incremental snapshots', { timeout: 240_000 }, () => {
  it('a signal-table row starts it while streaming; with a concurrent writer the lake ends equal to the table, no row read twice', async (t) => {
    const s = await setup('incsig', {});
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '500' }, s.files);
    const writer = startWriter(s.db);
    try {
      await eventually(() => running(worker), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 500));
      await server.query(s.db, `INSERT INTO dbz_signal VALUES ('sig-1', 'execute-snapshot', '{"data-collections": ["${s.db}.items"], "type": "incremental"}')`);
      await eventually(async () => ((await snapshotState(worker)).snapshot ? true : undefined), 30_000, 'the snapshot running');
      await eventually(async () => ((await snapshotState(worker)).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      await writer.stop();
      await assertLakeEqualsTable(s);
      t.diagnostic(JSON.stringify((await auditTopic(duck, s.lake, s.topic)).ops));
    } catch (error) {
      writeFileSync(join(s.dir.path, 'worker.log'), worker.stderr());
      process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });

  it('started over REST, pause and resume over REST, kill -9 twice while it runs: it resumes at the next chunk, no row read twice, the lake ends equal to the table', async (t) => {
    const s = await setup('inckill', { 'incremental.snapshot.chunk.size': '200' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = startWriter(s.db);
    const logs: string[] = [];
    try {
      await eventually(() => running(worker), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 500));
      const started = await fetch(`${worker.url}/connectors/my/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'data-collections': [`${s.db}.items`], type: 'incremental' }) });
      assert.equal(started.status, 202, await started.text());

      await eventually(async () => (((await snapshotState(worker)).snapshot?.rows ?? 0) > 1_000 ? true : undefined), 60_000, 'a first part read');
      const refused = await fetch(`${worker.url}/connectors/my/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'data-collections': [`${s.db}.items`], type: 'blocking' }) });
      assert.equal(refused.status, 400, 'a blocking snapshot is refused while an incremental one runs');
      assert.equal((await fetch(`${worker.url}/connectors/my/snapshots/pause`, { method: 'POST' })).status, 202);
      await eventually(async () => ((await snapshotState(worker)).snapshot?.state === 'paused' ? true : undefined), 10_000, 'paused');
      await new Promise((r) => setTimeout(r, 700));
      const pausedAt = (await snapshotState(worker)).snapshot!.rows;
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await snapshotState(worker)).snapshot!.rows, pausedAt, 'no chunk read while paused');
      assert.equal((await fetch(`${worker.url}/connectors/my/snapshots/resume`, { method: 'POST' })).status, 202);

      let kills = 0;
      for (const kill of [1, 2]) {
        const state = await eventually(async () => {
          const { snapshot } = await snapshotState(worker).catch(() => ({ snapshot: { rows: 0, state: '' } }));
          return snapshot === null ? 'done' : snapshot.rows > 1_000 ? 'running' : undefined;
        }, 60_000, `rows read before kill ${kill}`);
        if (state === 'done') break;
        await new Promise((r) => setTimeout(r, Math.random() * 700));
        logs.push(worker.stderr());
        await worker.kill('SIGKILL');
        worker = await startWorkerProcess(s.dir.path, props, s.files);
        kills++;
      }
      t.diagnostic(`killed ${kills} times while the snapshot ran`);
      assert.ok(kills >= 1, 'at least one kill landed inside the snapshot');
      await eventually(async () => ((await snapshotState(worker).catch(() => ({ snapshot: {} as never }))).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      await writer.stop();
      await assertLakeEqualsTable(s);
      t.diagnostic(JSON.stringify((await auditTopic(duck, s.lake, s.topic)).ops));
    } catch (error) {
      logs.push(worker.stderr());
      logs.forEach((log, i) => writeFileSync(join(s.dir.path, `worker-${i + 1}.log`), log));
      process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });

  it('parallel: snapshot.max.threads=4 with a concurrent writer and a kill -9 in the middle: per-table progress and gauges, no row read twice, the lake ends equal to the table', async (t) => {
    const s = await setup('incpar', { 'snapshot.max.threads': '4', 'incremental.snapshot.chunk.size': '250' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = startWriter(s.db);
    const logs: string[] = [];
    const isRunning = async () => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/my/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined);
    try {
      await eventually(isRunning, 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 500));
      await server.query(s.db, `INSERT INTO dbz_signal VALUES ('sig-par', 'execute-snapshot', '{"data-collections": ["${s.db}.items"], "type": "incremental"}')`);
      const progress = await eventually(async () => {
        const { snapshot } = await getJson<{ snapshot: { rows: number; current: { chunks: number; chunksTotal: number | null; rowsPerSecond: number } | null } | null }>(`${worker.url}/connectors/my/snapshots`);
        return snapshot?.current && snapshot.rows > ROWS / 5 ? snapshot : undefined;
      }, 60_000, 'a fifth of the table read');
      assert.ok(progress.current!.chunks >= 4 && (progress.current!.chunksTotal ?? 0) >= progress.current!.chunks, JSON.stringify(progress));
      const status = await getJson<{ tasks: { progress?: { incremental?: { current?: { chunks: number; etaSeconds: number | null } } } }[] }>(`${worker.url}/connectors/my/status`);
      assert.ok((status.tasks[0].progress?.incremental?.current?.chunks ?? 0) >= 4, 'the same figures in /status');
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(metrics, /mysql_incremental_snapshot_table_chunks_done\{[^}]*table="[^"]*items"/, 'the table\'s gauges');
      logs.push(worker.stderr());
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(s.dir.path, props, s.files);
      await eventually(async () => ((await getJson<{ snapshot: unknown }>(`${worker.url}/connectors/my/snapshots`).catch(() => ({ snapshot: {} }))).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      await writer.stop();
      await assertLakeEqualsTable(s);
      t.diagnostic(JSON.stringify((await auditTopic(duck, s.lake, s.topic)).ops));
    } catch (error) {
      logs.push(worker.stderr());
      logs.forEach((log, i) => writeFileSync(join(s.dir.path, `worker-${i + 1}.log`), log));
      process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });
  it('parallel: a reader\'s connection killed in the middle of its chunk (twice): the window is read again, every row lands once, the lake ends equal to the table', async (t) => {
    // a rate limit keeps the snapshot going while the readers are caught
    const s = await setup('incrkill', { 'snapshot.max.threads': '4', 'incremental.snapshot.chunk.size': '2000', 'snapshot.max.rows.per.second': '5000' });
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '300' }, s.files);
    const writer = startWriter(s.db);
    const locker = await mysql.createConnection(server.connection(s.db));
    const killer = await mysql.createConnection(server.connection(s.db));
    let killed = 0;
    try {
      await eventually(() => running(worker), 30_000, 'the source running');
      await server.query(s.db, `INSERT INTO dbz_signal VALUES ('sig-rk', 'execute-snapshot', '{"data-collections": ["${s.db}.items"], "type": "incremental"}')`);
      await eventually(async () => (((await snapshotState(worker)).snapshot?.rows ?? 0) > 0 ? true : undefined), 30_000, 'the first chunk read');
      // with the table locked a reader's SELECT waits, in flight: its connection is killed there,
      // so the chunk it was reading fails (every time: no race with a fast read)
      // a lock taken while the task is between reads (a retry's backoff) may see no reader for a
      // while: then it is let go and taken again, up to 4 times a round (a snapshot that stopped
      // reading altogether fails the wait for its end below)
      for (let round = 0, attempt = 0; round < 2 && attempt < 8; attempt++) {
        await locker.query('LOCK TABLES items WRITE');
        try {
          const waiting = await eventually(async () => {
            const [rows] = await killer.query<mysql.RowDataPacket[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE CONCAT('SELECT %`', DATABASE(), '`.`items` %') AND ID <> CONNECTION_ID()");
            return rows.length > 0 ? rows : undefined;
          }, 15_000, 'a reader waiting for the locked table').catch(async () => {
            const [all] = await killer.query<mysql.RowDataPacket[]>("SELECT ID, COMMAND, STATE, LEFT(INFO, 120) AS INFO FROM information_schema.PROCESSLIST WHERE DB = DATABASE()");
            t.diagnostic(`round ${round + 1}: no reader waited within 15 s; sessions: ${JSON.stringify(all)}`);
            return null;
          });
          if (waiting) {
            for (const { ID } of waiting) killed += await killer.query(`KILL ${Number(ID)}`).then(() => 1, () => 0);
            round++;
          }
        } finally {
          await locker.query('UNLOCK TABLES');
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(killed >= 2, 'readers killed in two windows');
      t.diagnostic(`${killed} reader(s) killed mid-chunk`);
      await eventually(async () => ((await snapshotState(worker)).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      assert.match(worker.stderr(), /reading a chunk failed; retrying/, 'the failed window was retried');
      assert.equal((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/my/status`)).tasks[0]?.state, 'RUNNING');
      await writer.stop();
      await assertLakeEqualsTable(s);
    } catch (error) {
      writeFileSync(join(s.dir.path, 'worker.log'), worker.stderr());
      process.stdout.write(`# ${killed} reader(s) killed; worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await locker.end();
      await killer.end();
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });
});
