import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import pg from 'pg';
import type { SourceOffset } from '../plugins/api/index.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { Lsn } from '../connectors/source/postgres/lsn.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { commitLsnOfPosition, SlotWatch } from './harness/slot-watch.js';
import { tempDir } from './harness/temp.js';
import { eventually, startWorkerProcess, writeProperties, type WorkerProcess } from './harness/worker-process.js';

/**
 * kill -9 of `tributary standalone` running postgres → files (JSON): after restarts every insert
 * the writer saw committed has landed, and the slot's confirmed_flush_lsn never passed the
 * offset the worker had stored.
 */
let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

function storedOffset(offsetFile: string, prefix: string): SourceOffset | null {
  if (!existsSync(offsetFile)) return null;
  const body = JSON.parse(readFileSync(offsetFile, 'utf8')).body as { source: Record<string, SourceOffset> };
  return Object.entries(body.source).find(([k]) => k.includes(`"server":"${prefix}"`))?.[1] ?? null;
}

test('kill -9 of the worker process: every committed insert lands, the slot never passes the stored offset', { timeout: 180_000 }, async () => {
  const db = await server.createDatabase('workercrash');
  await server.query(db, 'CREATE TABLE events (id int PRIMARY KEY, body text); INSERT INTO events SELECT g, \'seed\' FROM generate_series(1000000, 1000500) g');
  const dir = tempDir('pg-worker-crash');
  const source: Record<string, string> = { name: 'pg', 'connector.class': 'postgres', ...testConfig(server.port, db) };
  const topic = `${source['topic.prefix']}.public.events`;
  const sourceFile = writeProperties(join(dir.path, 'pg.properties'), source);
  const sinkFile = writeProperties(join(dir.path, 'lake.properties'), { name: 'lake', 'connector.class': 'files', topics: topic, 'store.url': `file://${dir.path}/lake`, format: 'json', 'flush.size': '100', 'rotate.interval.ms': '500' });
  const props = { 'offset.flush.interval.ms': '200' };
  const offsetFile = join(dir.path, 'state', 'connect.offsets');

  const writer = new pg.Client(server.connection(db));
  await writer.connect();
  const committed: number[] = [];
  let writing = true;
  const writes = (async () => {
    for (let id = 1; writing; id++) {
      await writer.query('INSERT INTO events VALUES ($1, $2)', [id, `event ${id}`]);
      committed.push(id);
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  const slot = new SlotWatch();
  const watch = setInterval(() => {
    void (async () => {
      const [row] = await server.query<{ lsn: string | null }>(db, 'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [source['slot.name']]).catch(() => []);
      const stored = (() => { try { return storedOffset(offsetFile, source['topic.prefix']); } catch { return null; } })();
      if (!row?.lsn || !stored) return;
      slot.sample(Lsn.parse(row.lsn), stored);
    })();
  }, 50);
  const landed = () => {
    const rows: { id: number; __source_pos: string }[] = [];
    for (const f of listFiles(join(dir.path, 'lake')).filter((f) => f.endsWith('.json'))) {
      for (const line of readFileSync(join(dir.path, 'lake', f), 'utf8').split('\n')) if (line) rows.push(JSON.parse(line) as { id: number; __source_pos: string });
    }
    return rows;
  };
  const landedIds = () => new Set(landed().map((r) => Number(r.id)));
  let worker: WorkerProcess | null = null;
  try {
    worker = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
    for (let round = 0; round < 2; round++) {
      await eventually(() => (storedOffset(offsetFile, source['topic.prefix']) ? true : undefined), 30_000, 'a stored offset');
      await new Promise((r) => setTimeout(r, 2000));
      await worker.kill('SIGKILL');
      worker = await startWorkerProcess(dir.path, props, [sourceFile, sinkFile]);
    }
    writing = false;
    await writes;
    const last = committed[committed.length - 1];
    await eventually(() => (landedIds().has(last) ? true : undefined), 60_000, `insert ${last} to land`);
    const ids = landedIds();
    const missing = committed.filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], 'every committed insert landed');
    for (let id = 1000000; id <= 1000500; id++) assert.ok(ids.has(id), `snapshot row ${id}`);
    assert.ok(slot.samples > 20, `slot sampled ${slot.samples} times`);
    const commits = landed().map((r) => commitLsnOfPosition(r.__source_pos)).filter((c): c is Lsn => c !== null);
    assert.deepEqual(slot.violations(commits), [], 'confirmed_flush_lsn passed a transaction the stored offset did not cover');
  } finally {
    writing = false;
    clearInterval(watch);
    await writes.catch(() => undefined);
    await writer.end();
    await worker?.kill('SIGKILL');
    dir.remove();
  }
});
