/**
 * Streaming benchmark: 1 M inserts + 100 k updates (8 mixed-type columns) streamed from a slot
 * into a null sink by the PostgreSQL source task, against `pg_recvlogical --endpos` draining the
 * same changes (pgoutput, same publication) from a second slot on the same server in the same run.
 *
 * usage: npx tsx bench/postgres-stream.ts [inserts=1000000] [updates=100000]
 */
import { spawnSync } from 'node:child_process';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';
import { drainDriver } from './fixtures/drain-driver.js';

const inserts = Number(process.argv[2] ?? 1_000_000);
const updates = Number(process.argv[3] ?? 100_000);
const total = inserts + updates;
const server = await startPostgres();
try {
  const db = await server.createDatabase('bench_stream');
  await server.query(db, `CREATE TABLE bench (id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid)`);
  const config = testConfig(server.port, db, { 'snapshot.mode': 'no_data', 'max.batch.size': process.env.BATCH ?? '4096', 'max.queue.size': process.env.QUEUE ?? '8192' });
  await server.query(db, `CREATE PUBLICATION ${config['publication.name']} FOR ALL TABLES`);
  await server.query(db, `SELECT pg_create_logical_replication_slot('recvlogical', 'pgoutput')`);
  await server.query(db, `SELECT pg_create_logical_replication_slot('warmup', 'pgoutput')`);
  await server.query(db, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [config['slot.name']]);
  // in batches of 100 k rows per transaction: an ordinary bulk load
  for (let from = 1; from <= inserts; from += 100_000) {
    await server.query(db, `INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid
      FROM generate_series(${from}, ${Math.min(inserts, from + 99_999)}) g`);
  }
  await server.query(db, `UPDATE bench SET qty = qty + 1, name = name || '!' WHERE id <= ${updates}`);
  const [{ lsn: endLsn }] = await server.query<{ lsn: string }>(db, 'SELECT pg_current_wal_lsn()::text AS lsn');

  // pg_recvlogical: the reference, decoding and sending the same pgoutput stream, writing nowhere.
  // A first, unmeasured pass warms the WAL and catalog caches so neither side decodes cold.
  const recvlogical = (slot: string) => spawnSync('/usr/lib/postgresql/15/bin/pg_recvlogical', [
    '-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', db, '--slot', slot, '--start', '--endpos', endLsn,
    '-o', 'proto_version=1', '-o', `publication_names=${config['publication.name']}`, '-f', '/dev/null', '--no-loop',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!process.env.BENCH_SKIP_RECVLOGICAL) recvlogical('warmup');
  const t0 = process.hrtime.bigint();
  const recv = process.env.BENCH_SKIP_RECVLOGICAL ? { status: 0 } : recvlogical('recvlogical');
  const recvSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (recv.status !== 0) throw new Error(`pg_recvlogical exited with ${recv.status}`);

  const driver = new TaskDriver(config);
  // as the runtime does: offsets committed on an interval, not per batch
  const { seconds: oursSeconds, cpuSeconds, peakRss: peak } = await drainDriver(driver, total, 1000);
  await driver.stop();

  const ours = total / oursSeconds;
  const reference = total / recvSeconds;
  console.log(`changes: ${inserts} inserts + ${updates} updates = ${total}`);
  console.log(`tributary postgres source → null sink: ${oursSeconds.toFixed(2)} s, ${Math.round(ours).toLocaleString('en')} changes/s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, CPU ${cpuSeconds.toFixed(2)} s`);
  console.log(`pg_recvlogical --endpos → /dev/null:   ${recvSeconds.toFixed(2)} s, ${Math.round(reference).toLocaleString('en')} changes/s`);
  console.log(`ratio: ${(ours / reference).toFixed(2)} (goal ≥ 0.7)`);
} finally {
  server.remove();
}
