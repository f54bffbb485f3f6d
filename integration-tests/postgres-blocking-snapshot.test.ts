import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { assertSnapshotLake, auditTopic, latestState, tableStateQuery, topicGlob } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { killDuringBlockingSnapshot, snapshotProgress } from './harness/blocking-snapshot-kills.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { postgresItemsWriter } from './harness/items-writer.js';

/**
 * Blocking snapshots (issue 16), PostgreSQL, in a standalone worker process into Parquet: a
 * signal while streaming stops the stream, the named tables are read as `op: r` records at one
 * exact point, and the stream goes on. With `snapshot.mode=no_data` every row reaches the lake
 * through the snapshot or a change streamed after it; a writer changes rows all along. The
 * lake's latest state must equal the table, no row may be read twice (also across kill -9s of
 * the worker while the snapshot runs), and no change may sit among the snapshot's rows.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => { [server, duck] = await Promise.all([sharedPostgres(), DuckDbReader.open()]); });
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
  await server.query(db, `
    CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL);
    INSERT INTO items SELECT g, 0, repeat('b', 60) FROM generate_series(1, ${rows}) g;
    CREATE TABLE other (id int PRIMARY KEY);
    INSERT INTO other SELECT g FROM generate_series(1, 100) g;
    CREATE TABLE tributary_signals (id text PRIMARY KEY, type text NOT NULL, data text);`);
  const dir = tempDir(`pg-blocking-${name}`);
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.items,public\\.other', 'snapshot.mode': 'no_data',
    'signal.data.collection': 'public.tributary_signals', 'snapshot.fetch.size': '500', ...extra,
  };
  const topic = `${source['topic.prefix']}.public.items`;
  const files = [
    writeProperties(join(dir.path, 'pg.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: `${topic},${source['topic.prefix']}.public.other`, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' }),
  ];
  return { db, dir, lake, topic, files, rows };
}

const progressOf = (worker: WorkerProcess) => snapshotProgress(worker, 'pg');

/** The last insert landed, then the lake audited (assertSnapshotLake) against the table. */
async function assertLake(s: Setup, keep?: (id: number) => boolean): Promise<{ reads: number }> {
  const client = new pg.Client(server.connection(s.db));
  await client.connect();
  await client.query("INSERT INTO items VALUES (0, 0, 'the end')");
  await client.end();
  await eventually(async () => ((await latestState(duck, s.lake, s.topic, ['id'], ['v'])).some((r) => r[0] === '0') ? true : undefined), 120_000, 'the last insert to land');
  await new Promise((r) => setTimeout(r, 2000));
  const table = (await server.query<Record<string, string>>(s.db, tableStateQuery('items', ['id'], ['v', 'note']))).map((r) => Object.values(r).map(String));
  return { reads: await assertSnapshotLake(duck, s.lake, s.topic, table, { minReads: s.rows / 2, blocking: true, keep }) };
}

const running = async (worker: WorkerProcess) => eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');

describe('PostgreSQL blocking snapshots', { timeout: 400_000 }, () => {
  it('a signal-table row starts one while streaming and a writer changes rows: only the named table is read, at one point, and the lake ends equal to the table', async (t) => {
    const s = await setup('blksig', 30_000);
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '500' }, s.files);
    const writer = postgresItemsWriter(server.connection(s.db), s.rows, 3);
    try {
      await running(worker);
      await new Promise((r) => setTimeout(r, 1000));
      await server.query(s.db, `INSERT INTO tributary_signals VALUES ('blk-1', 'execute-snapshot', '{"data-collections": ["public.items"], "type": "blocking"}')`);
      // a small table may be read between two looks at the progress: its rows landing show it ran
      await eventually(async () => ((await auditTopic(duck, s.lake, s.topic)).ops.r ?? 0) > s.rows / 2 ? true : undefined, 60_000, 'the blocking snapshot\'s rows landing');
      await eventually(async () => ((await progressOf(worker)) === null ? true : undefined), 120_000, 'the blocking snapshot complete');
      await new Promise((r) => setTimeout(r, 1500));
      await writer.stop();
      const { reads } = await assertLake(s);
      const [other] = await duck.rows(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(join(s.lake, 'topics', '*other*', '**', '*.parquet'))}) WHERE __op = 'r'`).catch(() => [{ n: 0 }]);
      assert.equal(Number(other.n), 0, 'the table not named is not read');
      t.diagnostic(`${reads} rows read; ${writer.changes} concurrent changes; ops ${JSON.stringify((await auditTopic(duck, s.lake, s.topic)).ops)}`);
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
    const s = await setup('blkkill', 150_000, { 'snapshot.fetch.size': '200' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = postgresItemsWriter(server.connection(s.db), s.rows, 3);
    const logs: string[] = [];
    try {
      await running(worker);
      await new Promise((r) => setTimeout(r, 1000));
      const body = { 'data-collections': ['public.items'], type: 'blocking', 'additional-conditions': [{ 'data-collection': 'public.items', filter: 'id % 10 <> 7' }] };
      const started = await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(started.status, 202, await started.text());
      let kills: number;
      ({ worker, kills } = await killDuringBlockingSnapshot(worker, 'pg', () => startWorkerProcess(s.dir.path, props, s.files), logs));
      t.diagnostic(`killed ${kills} times while the snapshot ran`);
      assert.ok(kills >= 1, 'at least one kill landed inside the snapshot');
      await eventually(async () => ((await progressOf(worker).catch(() => undefined)) === null ? true : undefined), 240_000, 'the snapshot complete');
      await new Promise((r) => setTimeout(r, 1500));
      await writer.stop();
      // the rows the filter leaves out reach the lake only when the writer changed them
      const { reads } = await assertLake({ ...s, rows: s.rows * 0.9 }, (id) => id % 10 !== 7);
      const [filtered] = await duck.rows(`SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(topicGlob(s.lake, s.topic))}, union_by_name=true) WHERE __op = 'r' AND id % 10 = 7`);
      assert.equal(Number(filtered.n), 0, 'the filter holds');
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
