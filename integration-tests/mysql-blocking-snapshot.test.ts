import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { assertSnapshotLake, auditTopic, latestState, topicGlob } from './harness/lake-audit.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';
import { killDuringBlockingSnapshot, snapshotProgress } from './harness/blocking-snapshot-kills.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { mysqlItemsWriter } from './harness/items-writer.js';

/**
 * Blocking snapshots (issue 16), MariaDB, in a standalone worker process into Parquet, as
 * postgres-blocking-snapshot.test.ts does for PostgreSQL: the binlog session ends after the
 * signal's transaction, the named table is read at the consistent snapshot's exact binlog
 * position, and streaming goes on from there. `snapshot.mode=no_data`, a writer all along; the
 * lake's latest state must equal the table, no row read twice (also across kill -9s while it
 * runs), no change among the snapshot's rows.
 */
let server: MariaDbServer;
let duck: DuckDbReader;
before(async () => { [server, duck] = await Promise.all([sharedMariaDb(), DuckDbReader.open()]); });
after(() => duck?.close());

interface Setup {
  db: string;
  dir: ReturnType<typeof tempDir>;
  lake: string;
  topic: string;
  files: string[];
  rows: number;
}

async function setup(name: string, rows: number, extra: Record<string, string> = {}): Promise<Setup> {
  const db = await server.createDatabase(name);
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(100) NOT NULL)');
  await server.query(db, `INSERT INTO items SELECT seq, 0, REPEAT('b', 60) FROM seq_1_to_${rows}`);
  await server.query(db, 'CREATE TABLE other (id INT PRIMARY KEY)');
  await server.query(db, 'INSERT INTO other SELECT seq FROM seq_1_to_100');
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  const dir = tempDir(`mysql-blocking-${name}`);
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    name: 'my', 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', ...mysqlTestConfig(server.port, db), 'table.include.list': `${db}\\.items,${db}\\.other`, 'snapshot.mode': 'no_data',
    'signal.data.collection': `${db}.dbz_signal`, 'snapshot.fetch.size': '500', ...extra,
  };
  const topic = `${source['topic.prefix']}.${db}.items`;
  const files = [
    writeProperties(join(dir.path, 'my.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: `${topic},${source['topic.prefix']}.${db}.other`, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' }),
  ];
  return { db, dir, lake, topic, files, rows };
}

const progressOf = (worker: WorkerProcess) => snapshotProgress(worker, 'my');
const running = async (worker: WorkerProcess) => eventually(async () => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/my/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');

/** The last insert landed, then the lake audited (assertSnapshotLake) against the table. */
async function assertLake(s: Setup, keep?: (id: number) => boolean): Promise<number> {
  await server.query(s.db, "INSERT INTO items VALUES (0, 0, 'the end')");
  await eventually(async () => ((await latestState(duck, s.lake, s.topic, ['id'], ['v'])).some((r) => r[0] === '0') ? true : undefined), 120_000, 'the last insert to land');
  await new Promise((r) => setTimeout(r, 1500));
  const table = (await server.query<Record<string, unknown>>(s.db, 'SELECT CAST(id AS CHAR) AS id, CAST(v AS CHAR) AS v, note FROM items ORDER BY items.id')).map((r) => Object.values(r).map(String));
  return assertSnapshotLake(duck, s.lake, s.topic, table, { minReads: s.rows / 2, blocking: true, keep });
}

describe('MySQL blocking snapshots', { timeout: 300_000 }, () => {
  it('a signal-table row starts one while streaming and a writer changes rows: only the named table is read, at one point, and the lake ends equal to the table', async (t) => {
    const s = await setup('blksig', 20_000);
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '500' }, s.files);
    const writer = mysqlItemsWriter(server.connection(s.db), s.rows, 2);
    try {
      await running(worker);
      await new Promise((r) => setTimeout(r, 500));
      await server.query(s.db, `INSERT INTO dbz_signal VALUES ('blk-1', 'execute-snapshot', '{"data-collections": ["${s.db}.items"], "type": "blocking"}')`);
      // a small table may be read between two looks at the progress: its rows landing show it ran
      await eventually(async () => ((await auditTopic(duck, s.lake, s.topic)).ops.r ?? 0) > s.rows / 2 ? true : undefined, 60_000, 'the blocking snapshot\'s rows landing');
      await eventually(async () => ((await progressOf(worker)) === null ? true : undefined), 120_000, 'the blocking snapshot complete');
      await new Promise((r) => setTimeout(r, 1000));
      await writer.stop();
      const reads = await assertLake(s);
      const [other] = await duck.rows(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(join(s.lake, 'topics', '*other*', '**', '*.parquet'))}) WHERE __op = 'r'`).catch(() => [{ n: 0 }]);
      assert.equal(Number(other.n), 0, 'the table not named is not read');
      t.diagnostic(`${reads} rows read; ${writer.changes} concurrent changes`);
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

  it('started over REST with a filter, kill -9 twice while it runs: it resumes where it was, no row read twice, the lake ends equal to the table', async (t) => {
    const s = await setup('blkkill', 100_000, { 'snapshot.fetch.size': '200' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = mysqlItemsWriter(server.connection(s.db), s.rows, 2);
    const logs: string[] = [];
    try {
      await running(worker);
      await new Promise((r) => setTimeout(r, 500));
      const body = { 'data-collections': [`${s.db}.items`], type: 'blocking', 'additional-conditions': [{ 'data-collection': `${s.db}.items`, filter: 'id % 10 <> 7' }] };
      const started = await fetch(`${worker.url}/connectors/my/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(started.status, 202, await started.text());
      let kills: number;
      ({ worker, kills } = await killDuringBlockingSnapshot(worker, 'my', () => startWorkerProcess(s.dir.path, props, s.files), logs));
      t.diagnostic(`killed ${kills} times while the snapshot ran`);
      await eventually(async () => ((await progressOf(worker).catch(() => undefined)) === null ? true : undefined), 240_000, 'the snapshot complete');
      await new Promise((r) => setTimeout(r, 1000));
      await writer.stop();
      // the rows the filter leaves out reach the lake only when the writer changed them
      const reads = await assertLake({ ...s, rows: s.rows * 0.9 }, (id) => id % 10 !== 7);
      const [filtered] = await duck.rows(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(topicGlob(s.lake, s.topic))}, union_by_name=true) WHERE __op = 'r' AND id % 10 = 7`);
      assert.equal(Number(filtered.n), 0, 'the filter holds');
      assert.ok(kills >= 1, 'at least one kill landed inside the snapshot');
      t.diagnostic(`${reads} rows read`);
    } catch (error) {
      logs.push(worker.stderr());
      logs.forEach((log, i) => writeFileSync(join(s.dir.path, `worker-${i + 1}.log`), log));
      process.stdout.write(`# worker log tail:\n${worker.stderr().slice(-6000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });
});
