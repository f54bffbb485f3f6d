import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader, sqlString } from './harness/duckdb-reader.js';
import { auditTopic, latestState, tableStateQuery, topicGlob } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';
import { postgresItemsWriter, type ItemsWriter } from './harness/items-writer.js';

/**
 * Incremental snapshots (issue 16), PostgreSQL, in a standalone worker process into Parquet:
 * `snapshot.mode=no_data`, so every row of the table reaches the lake through the incremental
 * snapshot (or through a change streamed after it was read). A writer updates, deletes and
 * inserts rows all along, inside and outside the chunk being read; the lake's latest state must
 * equal the table (a row read before a change in its chunk's window and emitted after it would
 * show the old value), and no row may be read twice — also across kill -9s of the worker.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => { [server, duck] = await Promise.all([sharedPostgres(), DuckDbReader.open()]); });
after(() => duck?.close());

const ROWS = 40_000;

interface Setup {
  db: string;
  dir: ReturnType<typeof tempDir>;
  lake: string;
  topic: string;
  files: string[];
}

async function setup(name: string, extra: Record<string, string>): Promise<Setup> {
  const db = await server.createDatabase(name);
  await server.query(db, `
    CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, note text NOT NULL);
    INSERT INTO items SELECT g, 0, repeat('i', 60) FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE tributary_signals (id text PRIMARY KEY, type text NOT NULL, data text);`);
  const dir = tempDir(`pg-incremental-${name}`);
  const lake = join(dir.path, 'lake');
  const source: Record<string, string> = {
    name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db), 'table.include.list': 'public\\.items', 'snapshot.mode': 'no_data',
    'signal.data.collection': 'public.tributary_signals', 'incremental.snapshot.chunk.size': '500', ...extra,
  };
  const topic = `${source['topic.prefix']}.public.items`;
  const files = [
    writeProperties(join(dir.path, 'pg.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' }),
  ];
  return { db, dir, lake, topic, files };
}

/** The harness's concurrent writer on this test's `items` table. */
function startWriter(db: string): ItemsWriter {
  return postgresItemsWriter(server.connection(db), ROWS, 3);
}

async function snapshotState(worker: WorkerProcess): Promise<{ snapshot: { rows: number; collections: string[] } | null }> {
  return getJson(`${worker.url}/connectors/pg/snapshots`);
}

/** Every event landed once, no row read twice, and the latest state equal to the table. */
async function assertLakeEqualsTable(s: Setup): Promise<void> {
  const client = new pg.Client(server.connection(s.db));
  await client.connect();
  await client.query("INSERT INTO items VALUES (0, 0, 'the end')");
  await client.end();
  await eventually(async () => ((await latestState(duck, s.lake, s.topic, ['id'], ['v'])).some((r) => r[0] === '0') ? true : undefined), 120_000, 'the last insert to land');
  await new Promise((r) => setTimeout(r, 2000));
  const audit = await auditTopic(duck, s.lake, s.topic);
  assert.deepEqual(audit.duplicated, [], 'no position twice');
  const from = `read_parquet(${sqlString(topicGlob(s.lake, s.topic))}, union_by_name=true)`;
  const [reads] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS keys FROM ${from} WHERE __op = 'r'`);
  assert.equal(Number(reads.n), Number(reads.keys), 'no row read twice');
  assert.ok(Number(reads.n) > ROWS / 2, `${reads.n} rows read by the incremental snapshot`);
  const fromLake = await latestState(duck, s.lake, s.topic, ['id'], ['v', 'note']);
  const fromTable = (await server.query<Record<string, string>>(s.db, tableStateQuery('items', ['id'], ['v', 'note']))).map((r) => Object.values(r).map(String));
  assert.equal(fromLake.length, fromTable.length, 'row count');
  assert.deepEqual(fromLake, fromTable, 'latest state');
}

describe('PostgreSQL incremental snapshots', { timeout: 400_000 }, () => {
  it('a signal-table row starts it while streaming; with a concurrent writer the lake ends equal to the table, no row read twice', async (t) => {
    const s = await setup('incsig', {});
    let worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '500' }, s.files);
    const writer = startWriter(s.db);
    try {
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 1000));
      await server.query(s.db, `INSERT INTO tributary_signals VALUES ('sig-1', 'execute-snapshot', '{"data-collections": ["public.items"], "type": "incremental"}')`);
      await eventually(async () => ((await snapshotState(worker)).snapshot ? true : undefined), 30_000, 'the snapshot running');
      await eventually(async () => ((await snapshotState(worker)).snapshot === null ? true : undefined), 240_000, 'the snapshot complete');
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

  it('started over REST, pause and resume, kill -9 twice while it runs: it resumes at the next chunk, no row read twice, the lake ends equal to the table', async (t) => {
    const s = await setup('inckill', { 'incremental.snapshot.chunk.size': '100' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = startWriter(s.db);
    const logs: string[] = [];
    try {
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 1000));
      const started = await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'data-collections': ['public.items'], type: 'incremental' }) });
      assert.equal(started.status, 202, await started.text());

      // pause: the rows read stop growing; resume: they grow again
      await eventually(async () => (((await snapshotState(worker)).snapshot?.rows ?? 0) > 2_000 ? true : undefined), 60_000, 'a first part read');
      const refused = await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'data-collections': ['public.items'], type: 'blocking' }) });
      assert.equal(refused.status, 400, 'a blocking snapshot is refused while an incremental one runs');
      assert.equal((await fetch(`${worker.url}/connectors/pg/snapshots/pause`, { method: 'POST' })).status, 202);
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/snapshots`)).snapshot?.state === 'paused' ? true : undefined), 10_000, 'paused');
      await new Promise((r) => setTimeout(r, 1000));
      const pausedAt = (await snapshotState(worker)).snapshot!.rows;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await snapshotState(worker)).snapshot!.rows, pausedAt, 'no chunk read while paused');
      assert.equal((await fetch(`${worker.url}/connectors/pg/snapshots/resume`, { method: 'POST' })).status, 202);

      let kills = 0;
      for (const kill of [1, 2]) {
        // a kill once some chunks are out (the snapshot may also be over already on a fast machine)
        const state = await eventually(async () => {
          const { snapshot } = await snapshotState(worker).catch(() => ({ snapshot: { rows: 0, collections: [] } }));
          return snapshot === null ? 'done' : snapshot.rows > 2_000 ? 'running' : undefined;
        }, 60_000, `rows read before kill ${kill}`);
        if (state === 'done') break;
        await new Promise((r) => setTimeout(r, Math.random() * 1000));
        logs.push(worker.stderr());
        await worker.kill('SIGKILL');
        worker = await startWorkerProcess(s.dir.path, props, s.files);
        kills++;
      }
      t.diagnostic(`killed ${kills} times while the snapshot ran`);
      assert.ok(kills >= 1, 'at least one kill landed inside the snapshot');
      await eventually(async () => ((await snapshotState(worker).catch(() => ({ snapshot: {} as never }))).snapshot === null ? true : undefined), 240_000, 'the snapshot complete');
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

  it('two tables, one with an additional condition; a stop-snapshot (REST DELETE) ends it: only the matching rows of the first, the second stopped part way', async () => {
    const s = await setup('incstop', { 'table.include.list': 'public\\.items,public\\.more', 'incremental.snapshot.chunk.size': '50' });
    await server.query(s.db, 'CREATE TABLE more (id int PRIMARY KEY, v int NOT NULL); INSERT INTO more SELECT g, g FROM generate_series(1, 20000) g');
    const moreTopic = s.topic.replace(/items$/, 'more');
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '500' }, s.files.map((f, i) => (i === 1 ? writeProperties(f, { name: 'lake', 'connector.class': 'files', topics: `${s.topic},${moreTopic}`, 'store.url': `file://${s.lake}`, format: 'parquet', 'flush.size': '2000', 'rotate.interval.ms': '1000' }) : f)));
    try {
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 1000));
      const body = { 'data-collections': ['public.items', 'public.more'], 'additional-conditions': [{ 'data-collection': 'public.items', filter: 'id % 4 = 0' }] };
      assert.equal((await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status, 202);
      await eventually(async () => {
        const { snapshot } = await getJson<{ snapshot: { tablesDone: string[]; current: { rows: number } | null } | null }>(`${worker.url}/connectors/pg/snapshots`);
        return snapshot?.tablesDone.includes('public.items') && (snapshot.current?.rows ?? 0) > 500 ? true : undefined;
      }, 120_000, 'items done and more under way');
      assert.equal((await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'DELETE' })).status, 202);
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/snapshots`)).snapshot === null ? true : undefined), 30_000, 'the snapshot stopped');
      await new Promise((r) => setTimeout(r, 2500));
      const reads = async (topic: string) => {
        const [row] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE id % 4 <> 0)::BIGINT AS other FROM read_parquet(${sqlString(topicGlob(s.lake, topic))}, union_by_name=true) WHERE __op = 'r'`);
        return { n: Number(row.n), other: Number(row.other) };
      };
      assert.deepEqual(await reads(s.topic), { n: ROWS / 4, other: 0 }, 'items: exactly the rows of the condition');
      const more = await reads(moreTopic);
      assert.ok(more.n > 500 && more.n < 20_000, `more: stopped part way (${more.n} rows read)`);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await reads(moreTopic)).n, more.n, 'no chunk read after the stop');
    } finally {
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });

  it('a numeric key (no byte-order key encoding: positions from the key text) and kill -9 during the snapshot: no row read twice, the lake equals the table', async () => {
    const s = await setup('incnum', { 'table.include.list': 'public\\.prices', 'incremental.snapshot.chunk.size': '100' });
    await server.query(s.db, 'CREATE TABLE prices (code numeric PRIMARY KEY, v int NOT NULL); INSERT INTO prices SELECT g / 10.0, g FROM generate_series(1, 20000) g');
    const topic = s.topic.replace(/items$/, 'prices');
    const files = [s.files[0], writeProperties(s.files[1], { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${s.lake}`, format: 'parquet', 'flush.size': '1000', 'rotate.interval.ms': '1000' })];
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, files);
    const writer = new pg.Client(server.connection(s.db));
    await writer.connect();
    try {
      await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await fetch(`${worker.url}/connectors/pg/snapshots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'data-collections': ['public.prices'] }) })).status, 202);
      const state = await eventually(async () => {
        const { snapshot } = await snapshotState(worker).catch(() => ({ snapshot: { rows: 0, collections: [] } }));
        return snapshot === null ? 'done' : snapshot.rows > 3_000 ? 'running' : undefined;
      }, 60_000, 'rows read before the kill');
      // deletes and updates in the part already read and in the part to come
      for (let i = 0; i < 200; i++) await writer.query(i % 2 ? 'DELETE FROM prices WHERE code = $1' : 'UPDATE prices SET v = v + 1 WHERE code = $1', [(1 + Math.floor(Math.random() * 20000)) / 10]);
      if (state === 'running') {
        await worker.kill('SIGKILL');
        worker = await startWorkerProcess(s.dir.path, props, files);
      }
      await eventually(async () => ((await snapshotState(worker).catch(() => ({ snapshot: {} as never }))).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      await writer.query('INSERT INTO prices VALUES (-1, 0)');
      await eventually(async () => ((await latestState(duck, s.lake, topic, ['code'], ['v'])).some((r) => r[0] === '-1') ? true : undefined), 60_000, 'the last insert to land');
      await new Promise((r) => setTimeout(r, 2000));
      const audit = await auditTopic(duck, s.lake, topic);
      assert.deepEqual(audit.duplicated, [], 'no position twice');
      const [reads] = await duck.rows(`SELECT count(*)::BIGINT AS n, count(DISTINCT code)::BIGINT AS keys FROM read_parquet(${sqlString(topicGlob(s.lake, topic))}, union_by_name=true) WHERE __op = 'r'`);
      assert.equal(Number(reads.n), Number(reads.keys), 'no row read twice');
      const fromLake = await latestState(duck, s.lake, topic, ['code'], ['v']);
      const fromTable = (await server.query<Record<string, string>>(s.db, tableStateQuery('prices', ['code'], ['v']))).map((r) => Object.values(r).map(String));
      assert.equal(fromLake.length, fromTable.length, 'row count');
      // numeric text differs in trailing zeros (PostgreSQL's 0.10000000000000000000, the lake's 0.1): keys compared as numbers
      const lakeKeys = new Map(fromLake.map((r) => [String(Number(r[0])), r[1]]));
      const tableKeys = new Map(fromTable.map((r) => [String(Number(r[0])), r[1]]));
      const differ = [...new Set([...lakeKeys.keys(), ...tableKeys.keys()])].filter((k) => lakeKeys.get(k) !== tableKeys.get(k)).slice(0, 8).map((k) => `${k}: lake ${lakeKeys.get(k)} table ${tableKeys.get(k)}`);
      assert.deepEqual(differ, [], 'latest state');
    } finally {
      await writer.end();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });

  it('parallel: snapshot.max.threads=4 with a concurrent writer and a kill -9 in the middle: per-table progress and gauges, no row read twice, the lake ends equal to the table', async (t) => {
    const s = await setup('incpar', { 'snapshot.max.threads': '4', 'incremental.snapshot.chunk.size': '500' });
    const props = { 'offset.flush.interval.ms': '300' };
    let worker = await startWorkerProcess(s.dir.path, props, s.files);
    const writer = startWriter(s.db);
    const logs: string[] = [];
    const isRunning = async () => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined);
    try {
      await eventually(isRunning, 30_000, 'the source running');
      await new Promise((r) => setTimeout(r, 500));
      // the row estimate behind chunksTotal is pg_class.reltuples: unknown (-1) until the table is analyzed
      await server.query(s.db, 'ANALYZE items');
      await server.query(s.db, `INSERT INTO tributary_signals VALUES ('sig-par', 'execute-snapshot', '{"data-collections": ["public.items"], "type": "incremental"}')`);
      const progress = await eventually(async () => {
        const { snapshot } = await getJson<{ snapshot: { rows: number; current: { chunks: number; chunksTotal: number | null; rowsPerSecond: number } | null } | null }>(`${worker.url}/connectors/pg/snapshots`);
        return snapshot?.current && snapshot.rows > ROWS / 5 ? snapshot : undefined;
      }, 60_000, 'a fifth of the table read');
      assert.ok(progress.current!.chunks >= 4 && (progress.current!.chunksTotal ?? 0) >= progress.current!.chunks, JSON.stringify(progress));
      const status = await getJson<{ tasks: { progress?: { incremental?: { current?: { chunks: number; etaSeconds: number | null } } } }[] }>(`${worker.url}/connectors/pg/status`);
      assert.ok((status.tasks[0].progress?.incremental?.current?.chunks ?? 0) >= 4, 'the same figures in /status');
      const metrics = await (await fetch(`${worker.url}/metrics`)).text();
      assert.match(metrics, /postgres_incremental_snapshot_table_chunks_done\{[^}]*table="[^"]*items"/, 'the table\'s gauges');
      logs.push(worker.stderr());
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(s.dir.path, props, s.files);
      await eventually(async () => ((await getJson<{ snapshot: unknown }>(`${worker.url}/connectors/pg/snapshots`).catch(() => ({ snapshot: {} }))).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
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
  it('parallel: a reader\'s connection terminated in the middle of its chunk (twice): the window is read again, every row lands once, the lake ends equal to the table', async (t) => {
    // a rate limit keeps the snapshot going while the readers are caught
    const s = await setup('incrkill', { 'snapshot.max.threads': '4', 'incremental.snapshot.chunk.size': '2000', 'snapshot.max.rows.per.second': '10000' });
    const worker = await startWorkerProcess(s.dir.path, { 'offset.flush.interval.ms': '300' }, s.files);
    const writer = startWriter(s.db);
    const locker = new pg.Client(server.connection(s.db));
    await locker.connect();
    let killed = 0;
    try {
      await eventually(async () => ((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'the source running');
      await server.query(s.db, `INSERT INTO tributary_signals VALUES ('sig-rk', 'execute-snapshot', '{"data-collections": ["public.items"], "type": "incremental"}')`);
      await eventually(async () => (((await snapshotState(worker)).snapshot?.rows ?? 0) > 0 ? true : undefined), 30_000, 'the first chunk read');
      // with the table locked a reader's COPY waits, in flight: its backend is terminated there,
      // so the chunk it was reading fails (every time: no race with a fast read)
      for (let round = 0; round < 2; round++) {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
        try {
          const waiting = await eventually(async () => {
            const rows = await server.query<{ pid: number }>(s.db, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tributary-incremental' AND wait_event_type = 'Lock' AND query LIKE 'COPY (SELECT%items%'`);
            return rows.length > 0 ? rows : undefined;
          }, 30_000, 'a reader waiting for the locked table');
          for (const { pid } of waiting) killed += (await server.query<{ ok: boolean }>(s.db, 'SELECT pg_terminate_backend($1) AS ok', [pid]))[0]?.ok ? 1 : 0;
        } finally {
          await locker.query('COMMIT');
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(killed >= 2, 'readers terminated in two windows');
      t.diagnostic(`${killed} reader(s) terminated mid-chunk`);
      await eventually(async () => ((await snapshotState(worker)).snapshot === null ? true : undefined), 120_000, 'the snapshot complete');
      assert.match(worker.stderr(), /reading a chunk failed; retrying/, 'the failed window was retried');
      assert.equal((await getJson<{ tasks: { state: string }[] }>(`${worker.url}/connectors/pg/status`)).tasks[0]?.state, 'RUNNING');
      await writer.stop();
      await assertLakeEqualsTable(s);
    } catch (error) {
      writeFileSync(join(s.dir.path, 'worker.log'), worker.stderr());
      process.stdout.write(`# ${killed} reader(s) terminated; worker log tail:\n${worker.stderr().slice(-4000).replace(/^/gm, '# ')}\n`);
      throw error;
    } finally {
      await locker.end();
      await writer.stop();
      await worker.kill('SIGKILL');
      s.dir.remove();
    }
  });
});
