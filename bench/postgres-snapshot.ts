/**
 * Snapshot benchmark: a 1 M-row table (8 mixed-type columns) read by the PostgreSQL source's
 * snapshot (primary-key chunks of snapshot.fetch.size rows, converted to change events) into a
 * null sink, against `COPY (SELECT ...) TO STDOUT` into /dev/null through psql on the same server.
 *
 * Connector defaults (max.batch.size, max.queue.size) unless BATCH / QUEUE are set.
 *
 * usage: node --import tsx bench/postgres-snapshot.ts [rows=1000000] [fetch.size=10240]
 */
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';
import { copyTableSeconds } from './fixtures/psql-copy.js';
import { drainDriver, type DrainResult } from './fixtures/drain-driver.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const fetchSize = process.argv[3] ?? '10240';
const server = await startPostgres();
try {
  const db = await server.createDatabase('bench_snapshot');
  await server.query(db, `CREATE TABLE bench (id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid)`);
  await server.query(db, `INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid FROM generate_series(1, ${rows}) g`);
  await server.query(db, 'VACUUM ANALYZE bench');

  const copyOnce = (): number => copyTableSeconds(server, db, 'bench');

  /** One snapshot of the table by the source task (its own slot) into a null sink. */
  const snapshotOnce = async (run: number): Promise<DrainResult> => {
    const driver = new TaskDriver(testConfig(server.port, db, {
      'slot.name': `bench_snapshot_${run}`, 'slot.drop.on.stop': 'true', 'snapshot.mode': 'initial_only', 'snapshot.fetch.size': fetchSize,
      ...(process.env.BATCH ? { 'max.batch.size': process.env.BATCH } : {}), ...(process.env.QUEUE ? { 'max.queue.size': process.env.QUEUE } : {}),
    }));
    const result = await drainDriver(driver, rows);
    await driver.stop();
    return result;
  };

  // Both sides run RUNS times, alternating, and are compared best to best: on this 2-core
  // machine single runs of either vary by up to 1.5x (the server and the reader share the cores).
  const runs = Number(process.env.RUNS ?? 3);
  copyOnce(); // unmeasured: warms the page cache for both sides
  const copySeconds: number[] = [];
  const ours: DrainResult[] = [];
  for (let run = 0; run < runs; run++) {
    copySeconds.push(copyOnce());
    ours.push(await snapshotOnce(run));
  }
  const best = Math.min(...ours.map((o) => o.seconds));
  const bestCopy = Math.min(...copySeconds);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rate = (seconds: number) => Math.round(rows / seconds).toLocaleString('en');
  console.log(`rows: ${rows}, snapshot.fetch.size=${fetchSize}, runs: ${runs} of each`);
  console.log(`tributary snapshot → null sink: best ${best.toFixed(2)} s = ${rate(best)} rows/s (median ${rate(median(ours.map((o) => o.seconds)))}), CPU ${Math.min(...ours.map((o) => o.cpuSeconds)).toFixed(2)} s, peak RSS ${(Math.max(...ours.map((o) => o.peakRss)) / 2 ** 20).toFixed(0)} MB`);
  console.log(`COPY (SELECT ...) TO STDOUT → /dev/null: best ${bestCopy.toFixed(2)} s = ${rate(bestCopy)} rows/s (median ${rate(median(copySeconds))})`);
  console.log(`ratio: ${(bestCopy / best).toFixed(2)} best to best, ${(median(copySeconds) / median(ours.map((o) => o.seconds))).toFixed(2)} median to median (goal ≥ 0.5)`);
} finally {
  server.remove();
}
