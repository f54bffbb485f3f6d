import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { auditTopic, latestState, tableStateQuery } from './harness/lake-audit.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess, type WorkerProcess } from './harness/worker-process.js';

/**
 * The order a Kafka Connect user takes (issue: a sink created after its source silently misses
 * what was already published): POST the source, let its snapshot finish, then POST the sink. In
 * embedded mode there is no topic to keep the records, so the source holds its offsets while no
 * sink takes its topic — its status says so — and replays once the sink exists.
 */
let server: PostgresServer;
let duck: DuckDbReader;
before(async () => {
  server = await sharedPostgres();
  duck = await DuckDbReader.open();
});
after(() => duck?.close());

async function post(worker: WorkerProcess, name: string, config: Record<string, string>): Promise<void> {
  const res = await fetch(`${worker.url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, config }) });
  assert.equal(res.status, 201, await res.text());
}

interface Status { tasks: { state: string; warning?: string; progress?: { snapshot?: { running: boolean } } }[] }

test('a files sink created after its postgres source finished the snapshot still lands every row', { timeout: 120_000 }, async () => {
  const db = await server.createDatabase('sinklate');
  await server.query(db, "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g");
  const dir = tempDir('sink-late');
  const lake = join(dir.path, 'lake');
  const offsetFile = join(dir.path, 'state', 'connect.offsets');
  const source: Record<string, string> = { 'connector.class': 'postgres', ...testConfig(server.port, db) };
  const topic = `${source['topic.prefix']}.public.items`;
  const worker = await startWorkerProcess(dir.path, { 'offset.flush.interval.ms': '200' });
  try {
    await post(worker, 'pg', source);
    // the snapshot is read and published, but nothing takes it: RUNNING, with a warning, no offset stored
    const held = await eventually(async () => {
      const status = await getJson<Status>(`${worker.url}/connectors/pg/status`);
      const task = status.tasks[0];
      return task?.state === 'RUNNING' && task.progress?.snapshot?.running === false && task.warning ? task : undefined;
    }, 30_000, 'the snapshot to finish with a warning');
    assert.match(held.warning!, new RegExp(`No sink connector takes topic\\(s\\) ${topic.replace(/\./g, '\\.')}`));
    await new Promise((r) => setTimeout(r, 1000));
    // at most the starting point stored before the first row (the snapshot at its point, nothing done)
    const stored = Object.values(existsSync(offsetFile) ? JSON.parse(readFileSync(offsetFile, 'utf8')).body.source : {}) as Record<string, unknown>[];
    assert.ok(stored.every((o) => o.snapshot === true && o.snapshot_tables_done === '' && o.snapshot_table === undefined), `the source offset did not move past records no sink took: ${JSON.stringify(stored)}`);
    assert.match(worker.stderr(), /no sink connector takes topic/);

    await post(worker, 'lake', { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'rotate.interval.ms': '1000' });
    await server.query(db, "INSERT INTO items VALUES (2001, 'after the sink')");
    await eventually(async () => ((await auditTopic(duck, lake, topic)).events >= 2001 ? true : undefined), 60_000, 'the snapshot and the insert to land');
    const audit = await auditTopic(duck, lake, topic);
    assert.equal(audit.events, audit.distinct, 'no duplicates');
    assert.deepEqual(audit.ops, { r: 2000, c: 1 });
    const fromTable = (await server.query<Record<string, string>>(db, tableStateQuery('items', ['id'], ['name']))).map((r) => Object.values(r).map(String));
    assert.deepEqual(await latestState(duck, lake, topic, ['id'], ['name']), fromTable);
    const status = await getJson<Status>(`${worker.url}/connectors/pg/status`);
    assert.equal(status.tasks[0].warning, undefined, 'the warning is gone once a sink takes the topic');
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
