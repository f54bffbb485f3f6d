/**
 * Snapshot benchmark: a 1 M-row table (8 mixed-type columns) read by the PostgreSQL source's
 * snapshot (primary-key chunks of snapshot.fetch.size rows, converted to change events) into a
 * null sink, against `COPY (SELECT ...) TO STDOUT` into /dev/null through psql on the same server.
 *
 * usage: npx tsx bench/postgres-snapshot.ts [rows=1000000] [fetch.size=10240]
 */
import { spawnSync } from 'node:child_process';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres } from '../integration-tests/harness/postgres-server.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const fetchSize = process.argv[3] ?? '10240';
const server = await startPostgres();
try {
  const db = await server.createDatabase('bench_snapshot');
  await server.query(db, `CREATE TABLE bench (id bigint PRIMARY KEY, qty int, price numeric(12,2), name text, flag boolean, created timestamptz, score double precision, tag uuid)`);
  await server.query(db, `INSERT INTO bench SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, g % 2 = 0, now(), g * 1.5, md5(g::text)::uuid FROM generate_series(1, ${rows}) g`);
  await server.query(db, 'VACUUM ANALYZE bench');

  const copyOnce = () => spawnSync('/usr/lib/postgresql/15/bin/psql', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', '-d', db, '-q', '-c', 'COPY (SELECT * FROM bench) TO STDOUT'], { stdio: ['ignore', 'ignore', 'inherit'] });
  copyOnce(); // unmeasured: warms the page cache for both sides
  const t0 = process.hrtime.bigint();
  const copy = copyOnce();
  const copySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (copy.status !== 0) throw new Error(`psql exited with ${copy.status}`);

  const driver = new TaskDriver(testConfig(server.port, db, { 'snapshot.mode': 'initial_only', 'snapshot.fetch.size': fetchSize, 'max.batch.size': process.env.BATCH ?? '4096', 'max.queue.size': process.env.QUEUE ?? '8192' }));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const cpu0 = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  await driver.start();
  const startedSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  let count = 0;
  while (count < rows) {
    const batch = await driver.pollOnce();
    count += batch.length;
    driver.records.length = 0;
  }
  const oursSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  await driver.stop();

  const ours = rows / oursSeconds;
  const reference = rows / copySeconds;
  console.log(`rows: ${rows}, snapshot.fetch.size=${fetchSize}`);
  console.log(`tributary snapshot → null sink: ${oursSeconds.toFixed(2)} s, ${Math.round(ours).toLocaleString('en')} rows/s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (of which ${startedSeconds.toFixed(2)} s start-up: connections, slot creation, snapshot import)`);
  console.log(`COPY (SELECT ...) TO STDOUT → /dev/null: ${copySeconds.toFixed(2)} s, ${Math.round(reference).toLocaleString('en')} rows/s`);
  console.log(`ratio: ${(ours / reference).toFixed(2)} (goal ≥ 0.5)`);
} finally {
  server.remove();
}
