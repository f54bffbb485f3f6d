import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Honest status during an outage (issue: status and lag hide outages). With the source database
 * down, the task stays RUNNING but its status carries the error and since when, the lag gauge keeps
 * growing, and the loss and the return of the connection are logged once each (the return with
 * the downtime). A connector started while the database is down — even with errors.max.retries=0 —
 * comes back by itself once it is up. Private servers: the tests stop them.
 */
let server: PostgresServer & { remove(): void };
before(async () => {
  server = await startPostgres();
});
after(() => server?.remove());

interface Status { connector: { state: string }; tasks: { state: string; trace?: string }[] }

async function lagMs(worker: WorkerProcess): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tributary_postgres_lag_ms{'));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

function landedIds(lake: string): Set<number> {
  const ids = new Set<number>();
  for (const f of listFiles(lake).filter((f) => f.endsWith('.json'))) {
    for (const line of readFileSync(join(lake, f), 'utf8').split('\n')) if (line) ids.add(Number((JSON.parse(line) as { id: number }).id));
  }
  return ids;
}

function setup(name: string, extra: Record<string, string> = {}) {
  const dir = tempDir(name);
  const lake = join(dir.path, 'lake');
  const source = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, name), 'status.update.interval.ms': '500', ...extra } as Record<string, string>;
  const files = [
    writeProperties(join(dir.path, 'pg.properties'), source),
    writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: `${source['topic.prefix']}.public.t`, 'store.url': `file://${lake}`, format: 'json', 'rotate.interval.ms': '500' }),
  ];
  return { dir, lake, files };
}

test('database down 8 s: RUNNING with the error and since when, growing lag, lost and regained logged once each', { timeout: 120_000 }, async () => {
  const db = await server.createDatabase('outage');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const { dir, lake, files } = setup(db);
  const worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '300', 'log.level': 'info' }, files);
  try {
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await eventually(() => (landedIds(lake).has(1) ? true : undefined), 30_000, 'the first insert to land');
    await eventually(async () => ((await lagMs(worker)) === 0 ? true : undefined), 10_000, 'lag 0 while caught up');

    server.stopImmediate();
    const downAt = Date.now();
    const degraded = await eventually(async () => {
      const s = await getJson<Status>(`${worker.url}/connectors/pg/status`);
      return s.tasks[0]?.trace ? s : undefined;
    }, 15_000, 'the status to show the outage');
    assert.equal(degraded.tasks[0].state, 'RUNNING');
    assert.match(degraded.tasks[0].trace!, /^source\.connection_lost: The replication connection to PostgreSQL was lost/);
    assert.match(degraded.tasks[0].trace!, /still RUNNING: the task has been working around this since \d{4}-\d\d-\d\dT/);
    // the gauge is sampled on a timer: it must pass 2 s and keep climbing, not stay where it was
    const lag1 = await lagMs(worker);
    const lag2 = await eventually(async () => {
      const lag = await lagMs(worker);
      return lag >= 2000 && lag > lag1 ? lag : undefined;
    }, 6000, `the lag to grow past 2 s while disconnected (it was ${lag1} ms)`);
    await eventually(async () => ((await lagMs(worker)) > lag2 ? true : undefined), 3000, `the lag to keep growing past ${lag2} ms`);
    await new Promise((r) => setTimeout(r, Math.max(0, 8000 - (Date.now() - downAt))));

    await server.start();
    await server.query(db, 'INSERT INTO t VALUES (2)');
    await eventually(() => (landedIds(lake).has(2) ? true : undefined), 60_000, 'the insert after the outage to land');
    await eventually(async () => ((await getJson<Status>(`${worker.url}/connectors/pg/status`)).tasks[0].trace === undefined ? true : undefined), 10_000, 'the trace to clear');
    await eventually(async () => ((await lagMs(worker)) < 1000 ? true : undefined), 10_000, 'the lag to come back down');
    const log = worker.stderr();
    assert.equal(log.match(/connection to PostgreSQL lost/g)?.length, 1, 'the loss is logged once');
    const regained = log.match(/connection to PostgreSQL re-established after (\d+) ms/g) ?? [];
    assert.equal(regained.length, 1, 'the return is logged once');
    assert.ok(Number(/after (\d+) ms/.exec(regained[0])![1]) >= 7000, `with the downtime: ${regained[0]}`);
  } finally {
    await worker.kill('SIGKILL');
    if (!(await server.query('postgres', 'SELECT 1').then(() => true, () => false))) await server.start();
    dir.remove();
  }
});

test('a connector started while the database is down (errors.max.retries=0) comes back by itself once it is up', { timeout: 120_000 }, async () => {
  const db = await server.createDatabase('downstart');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  const { dir, lake, files } = setup(db, { 'errors.max.retries': '0' });
  // a first run creates the slot and lands the snapshot; the next start finds the database down
  let worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '300' }, files);
  try {
    await eventually(() => (landedIds(lake).has(1) ? true : undefined), 30_000, 'the snapshot to land');
    await worker.kill('SIGTERM');
    server.stopImmediate();
    worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '300' }, files);
    await new Promise((r) => setTimeout(r, 6000));
    const down = await getJson<Status>(`${worker.url}/connectors/pg/status`);
    assert.notEqual(down.connector.state, 'FAILED', JSON.stringify(down));
    assert.ok(['RESTARTING', 'RUNNING'].includes(down.tasks[0]?.state ?? 'RESTARTING'), JSON.stringify(down));
    assert.ok(down.tasks.length === 0 || down.tasks[0].trace, 'the task shows why it is not streaming');

    await server.start();
    await server.query(db, 'INSERT INTO t VALUES (2)');
    await eventually(() => (landedIds(lake).has(2) ? true : undefined), 60_000, 'the insert after the database came back to land');
    const up = await getJson<Status>(`${worker.url}/connectors/pg/status`);
    assert.equal(up.connector.state, 'RUNNING');
    assert.equal(up.tasks[0].state, 'RUNNING');
  } finally {
    await worker.kill('SIGKILL');
    if (!(await server.query('postgres', 'SELECT 1').then(() => true, () => false))) await server.start();
    dir.remove();
  }
});
