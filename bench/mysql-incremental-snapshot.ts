/**
 * Incremental snapshot benchmark, MySQL/MariaDB (issue 16): a table of N rows (8 mixed-type
 * columns) read by an incremental snapshot (a `signal()` as REST sends it, chunks of
 * `incremental.snapshot.chunk.size` between watermark rows of the signal table) into a null sink,
 * against a plain `SELECT * FROM bench` through the `mariadb` client (`--quick --batch`) into
 * /dev/null on the same private server, in the same run. Also the streaming latency during the
 * snapshot: a writer commits a row to another table every 20 ms, and each one's latency
 * (commit → polled) is compared with the same writer's while no snapshot runs.
 *
 * `snapshot.max.threads` readers per run (a list runs each in turn): chunk windows of that many
 * chunks, read at once on as many connections.
 *
 * usage: node --import tsx bench/mysql-incremental-snapshot.ts [rows=200000] [chunk.size=1024,8192] [snapshot.max.threads=1]
 */
import { spawnSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { startMariaDb, MARIADB_PASSWORD, MARIADB_USER } from '../integration-tests/harness/mariadb-server.js';

const rows = Number(process.argv[2] ?? 200_000);
const chunkSizes = (process.argv[3] ?? '1024,8192').split(',');
const threadCounts = (process.argv[4] ?? '1').split(',');
const runs = chunkSizes.flatMap((chunkSize) => threadCounts.map((threads) => ({ chunkSize, threads })));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
const server = await startMariaDb();
try {
  const db = await server.createDatabase('bench_incremental');
  await server.query(db, 'CREATE TABLE bench (id BIGINT PRIMARY KEY, qty INT, price DECIMAL(12,2), name VARCHAR(64), flag BOOLEAN, created TIMESTAMP(6), score DOUBLE, tag CHAR(36))');
  await server.query(db, 'CREATE TABLE pulse (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT NOW(6))');
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  for (let from = 1; from <= rows; from += 50_000) {
    await server.query(db, `INSERT INTO bench SELECT seq, seq % 1000, (seq % 100000) / 100.0, CONCAT('name ', seq), seq % 2 = 0, NOW(6), seq * 1.5, UUID() FROM seq_${from}_to_${Math.min(rows, from + 49_999)}`);
  }
  const selectOnce = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('mariadb', ['--no-defaults', '--host=127.0.0.1', `--port=${server.port}`, `--user=${MARIADB_USER}`, `--password=${MARIADB_PASSWORD}`, '--quick', '--batch', '-e', `SELECT * FROM ${db}.bench`], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`mariadb exited with ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  selectOnce(); // warms the buffer pool
  const bestSelect = Math.min(selectOnce(), selectOnce(), selectOnce());
  console.log(`rows: ${rows}`);
  console.log(`mariadb --quick --batch -e 'SELECT * FROM bench' → /dev/null: best ${bestSelect.toFixed(2)} s = ${Math.round(rows / bestSelect).toLocaleString('en')} rows/s`);

  for (const [run, { chunkSize, threads }] of runs.entries()) {
    await server.query(db, 'DELETE FROM dbz_signal');
    const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, {
      'snapshot.mode': 'no_data', 'signal.data.collection': `${db}.dbz_signal`, 'incremental.snapshot.chunk.size': chunkSize, 'snapshot.max.threads': threads, 'max.batch.size': '4096',
    }));
    const writer = await mysql.createConnection(server.connection(db));
    let writing = true;
    const pulses = (async () => {
      while (writing) {
        await writer.query('INSERT INTO pulse () VALUES ()');
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await driver.start();
    const latencies = { idle: [] as number[], snapshot: [] as number[] };
    let phase: 'idle' | 'snapshot' = 'idle';
    let reads = 0;
    const pollInto = async () => {
      for (const r of await driver.pollOnce()) {
        const value = r.value as { op?: string; source?: { table?: string; ts_ms?: number } } | null;
        if (value?.op === 'r') reads++;
        // the binlog's timestamps are whole seconds: the latency is measured from the row's own NOW(6)
        else if (value?.source?.table === 'pulse' && value.op === 'c') latencies[phase].push(Date.now() - Date.parse(String((value as { after?: { at?: string } }).after?.at)));
      }
      driver.records.length = 0;
      await driver.commit();
    };
    const idleUntil = Date.now() + 3_000;
    while (Date.now() < idleUntil) await pollInto();
    phase = 'snapshot';
    const t0 = process.hrtime.bigint();
    await driver.task.signal({ id: `bench-${run}`, type: 'execute-snapshot', data: { 'data-collections': [`${db}.bench`] } });
    while (reads < rows) await pollInto();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    writing = false;
    await pulses;
    await writer.end();
    await driver.stop();
    console.log(`incremental snapshot, chunk.size=${chunkSize}, ${threads} reader(s) → null sink: ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s; ratio to the plain SELECT ${(bestSelect / seconds).toFixed(2)} (goal ≥ 0.8)`);
    console.log(`  stream latency (commit → polled) while idle: p50 ${median(latencies.idle)} ms, p99 ${p99(latencies.idle)} ms (${latencies.idle.length} rows); during the snapshot: p50 ${median(latencies.snapshot)} ms, p99 ${p99(latencies.snapshot)} ms (${latencies.snapshot.length} rows)`);
  }
} finally {
  await server.remove();
}
