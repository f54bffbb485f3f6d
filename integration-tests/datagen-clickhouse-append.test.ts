import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sharedClickHouse, type ClickHouseServer } from './harness/clickhouse-server.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * Acceptance (issue 13): insert-only events → ClickHouse in append mode, 2 M events, the worker
 * killed with SIGKILL mid-run. Replays after the restart re-insert rows already acknowledged
 * but not yet committed; the ReplacingMergeTree on the record id collapses them: after
 * OPTIMIZE FINAL exactly 2 M rows with 2 M distinct ids remain.
 */
let server: ClickHouseServer;
before(async () => {
  server = await sharedClickHouse();
});
after(() => server?.close());

const EVENTS = 2_000_000;

test('datagen → ClickHouse append, 2 M events, kill -9 mid-run: exactly 2 M distinct ids, each once after dedup', { timeout: 300_000 }, async () => {
  const database = await server.createDatabase('append_kill');
  const dir = tempDir('ch-append');
  const files = [
    writeProperties(join(dir.path, 'gen.properties'), { name: 'gen', 'connector.class': 'datagen', topic: 'events', ops: 'insert', 'max.records': String(EVENTS), 'batch.size': '5000' }),
    writeProperties(join(dir.path, 'ch.properties'), {
      name: 'ch', 'connector.class': 'clickhouse', topics: 'events', hostname: '127.0.0.1', port: String(server.httpPort), database,
      'auto.create': 'true', 'insert.mode': 'append', 'partition.by': 'created_at', 'batch.size': '100000', 'linger.ms': '500', 'errors.retry.timeout': '60000',
    }),
  ];
  const props = { 'offset.flush.interval.ms': '1000' };
  const rows = async () => Number((await server.query<{ n: string }>(`SELECT count() AS n FROM ${database}.events`).catch(() => [{ n: '0' }]))[0].n);
  let worker: WorkerProcess | null = await startWorkerProcess(dir.path, props, files);
  try {
    await eventually(async () => ((await rows()) >= EVENTS * 0.3 ? true : undefined), 120_000, '30 % of the events in ClickHouse');
    await worker.kill('SIGKILL');
    const beforeRestart = await rows();
    worker = await startWorkerProcess(dir.path, props, files);
    const distinct = async () => Number((await server.query<{ n: string }>(`SELECT uniqExact(_id) AS n FROM ${database}.events`))[0].n);
    await eventually(async () => ((await distinct()) >= EVENTS ? true : undefined), 180_000, `${EVENTS} distinct ids in ClickHouse`);
    await worker.kill('SIGTERM');
    worker = null;
    await server.command(`OPTIMIZE TABLE ${database}.events FINAL`);
    const [stats] = await server.query<{ n: string; ids: string; lo: string; hi: string }>(`SELECT count() AS n, uniqExact(_id) AS ids, toString(min(seq)) AS lo, toString(max(seq)) AS hi FROM ${database}.events`);
    assert.ok(beforeRestart > 0 && beforeRestart < EVENTS, `killed mid-run (${beforeRestart} rows landed)`);
    assert.deepEqual(stats, { n: String(EVENTS), ids: String(EVENTS), lo: '1', hi: String(EVENTS) });
  } finally {
    await worker?.kill('SIGKILL');
    dir.remove();
  }
});
