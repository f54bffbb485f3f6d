import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { SourceOffset } from '../plugins/api/index.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { Lsn } from '../connectors/source/postgres/lsn.js';
import { startPostgres, type PostgresServer } from './harness/postgres-server.js';
import { commitLsnOfPosition, SlotWatch } from './harness/slot-watch.js';
import { tempDir } from './harness/temp.js';

// These tests kill and restart the server, so they use one of their own.
let server: PostgresServer & { remove(): void };
before(async () => { server = await startPostgres(); });
after(() => server?.remove());

/** Inserts ids in small transactions until stopped, reconnecting through outages; returns the ids whose commit succeeded. */
function startWriter(db: string): { stop(): Promise<Set<number>> } {
  let running = true;
  const committed = new Set<number>();
  const done = (async () => {
    let id = 0;
    let client: pg.Client | null = null;
    while (running) {
      try {
        if (!client) {
          client = new pg.Client(server.connection(db));
          client.on('error', () => undefined);
          await client.connect();
        }
        const next = ++id;
        await client.query('INSERT INTO events VALUES ($1, $2)', [next, `payload ${next}`]);
        committed.add(next);
        await new Promise((r) => setTimeout(r, 2));
      } catch {
        await client?.end().catch(() => undefined);
        client = null;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await client?.end().catch(() => undefined);
  })();
  return { stop: async () => { running = false; await done; return committed; } };
}

async function confirmedFlush(db: string, slot: string): Promise<Lsn | null> {
  const rows = await server.query<{ lsn: string | null }>(db, 'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return rows[0]?.lsn ? Lsn.parse(rows[0].lsn) : null;
}

test('server restart and pg_terminate_backend of the walsender: reconnects within 30 s, nothing committed is lost', async () => {
  const db = await server.createDatabase('restart');
  await server.query(db, 'CREATE TABLE events (id int PRIMARY KEY, body text)');
  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.mode': 'no_data', 'retriable.restart.connector.wait.ms': '1000' }));
  await driver.start();
  const writer = startWriter(db);
  const seen = () => new Set(driver.changes().map((r) => (r.key as { id: number }).id));
  try {
    await driver.pollUntil(() => seen().size >= 50, 20_000, 'first changes');
    await driver.commit();
    // the walsender is terminated: the task reconnects and resumes
    const slot = driver.raw['slot.name'];
    const before = seen().size;
    await server.query(db, 'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    const t0 = Date.now();
    await driver.pollUntil(() => seen().size >= before + 100, 30_000, 'changes after terminate');
    assert.ok(Date.now() - t0 < 30_000);
    await driver.commit();

    // an immediate stop (a crash) and a restart of the server
    server.stopImmediate();
    await new Promise((r) => setTimeout(r, 1000));
    await server.start();
    const t1 = Date.now();
    const afterRestart = seen().size;
    await driver.pollUntil(() => seen().size >= afterRestart + 100, 30_000, 'changes after restart');
    assert.ok(Date.now() - t1 < 30_000, 'resumed within 30 s');
    // confirmed_flush_lsn never passes a transaction the committed offset does not cover
    const watch = new SlotWatch();
    watch.sample((await confirmedFlush(db, slot))!, driver.storedOffset!);
    const commits = driver.records.map((r) => commitLsnOfPosition(r.position)).filter((c): c is Lsn => c !== null);
    assert.deepEqual(watch.violations(commits), []);
  } finally {
    const ids = await writer.stop();
    await server.query(db, 'INSERT INTO events VALUES (-1, \'end\')');
    await driver.pollUntil(() => seen().has(-1), 30_000, 'end marker').catch((e: unknown) => console.log('end marker wait failed', e));
    await driver.stop();
    const got = seen();
    const missing = [...ids].filter((id) => !got.has(id));
    assert.deepEqual(missing, [], 'every committed insert was streamed');
    assert.ok(driver.logs.some((l) => l.includes('reconnecting')));
  }
});

test('kill -9 of the worker: nothing committed is lost and confirmed_flush_lsn never passes the stored offset', async () => {
  const db = await server.createDatabase('kill9');
  await server.query(db, 'CREATE TABLE events (id int PRIMARY KEY, body text)');
  const dir = tempDir('pg-kill9');
  const config = testConfig(server.port, db, { 'snapshot.mode': 'initial' });
  const configPath = join(dir.path, 'config.json');
  const recordsPath = join(dir.path, 'records.jsonl');
  const offsetPath = join(dir.path, 'offset.json');
  writeFileSync(configPath, JSON.stringify(config));
  const script = new URL('../connectors/source/postgres/test/file-worker.ts', import.meta.url).pathname;
  const spawnWorker = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', script, configPath, recordsPath, offsetPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const landed = () => (existsSync(recordsPath) ? readFileSync(recordsPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as { position: string; key: { id: number } | null; value: unknown }) : []);
  const slot = new SlotWatch();
  const watch = setInterval(() => {
    void (async () => {
      // slot first, then the stored offset: the offset is stored before the server hears of it
      const flushed = await confirmedFlush(db, config['slot.name']).catch(() => null);
      if (!flushed || !existsSync(offsetPath)) return;
      slot.sample(flushed, JSON.parse(readFileSync(offsetPath, 'utf8')) as SourceOffset);
    })();
  }, 50);
  await server.query(db, 'INSERT INTO events SELECT g, \'seed\' FROM generate_series(100000, 101000) g');
  const writer = startWriter(db);
  let worker = spawnWorker();
  try {
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 2500));
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      worker = spawnWorker();
    }
    const ids = await writer.stop();
    await server.query(db, 'INSERT INTO events VALUES (-1, \'end\')');
    const deadline = Date.now() + 30_000;
    while (!landed().some((r) => r.key?.id === -1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const got = new Set(landed().filter((r) => r.value !== null).map((r) => r.key!.id));
    const missing = [...ids].filter((id) => !got.has(id));
    assert.deepEqual(missing, [], 'every committed insert landed');
    for (let id = 100000; id <= 101000; id++) assert.ok(got.has(id), `snapshot row ${id}`);
    // the check has power only with enough samples; under load the last worker may have landed
    // everything before it wrote many offsets, so it keeps running (and being sampled) a while
    const sampleDeadline = Date.now() + 20_000;
    while (slot.samples <= 20 && Date.now() < sampleDeadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(slot.samples > 20, `sampled the slot (${slot.samples})`);
    const commits = landed().map((r) => commitLsnOfPosition(r.position)).filter((c): c is Lsn => c !== null);
    assert.deepEqual(slot.violations(commits), [], 'confirmed_flush_lsn passed a transaction the stored offset did not cover');
  } finally {
    clearInterval(watch);
    worker.kill('SIGKILL');
    await writer.stop();
    dir.remove();
  }
});
