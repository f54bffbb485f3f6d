/**
 * Snapshot benchmark: a table of N rows (8 mixed-type columns) read by the MySQL source's
 * snapshot (primary-key chunks of snapshot.fetch.size rows, converted to change events) into a
 * null sink, against `mariadb-dump --single-transaction --quick` of the same table into
 * /dev/null, in the same run on the harness's MariaDB.
 *
 * usage: node --import tsx bench/mysql-snapshot.ts [rows=300000] [fetch.size=10240]
 */
import { spawnSync } from 'node:child_process';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { startMariaDb, MARIADB_PASSWORD, MARIADB_USER } from '../integration-tests/harness/mariadb-server.js';
import { drainDriver } from './fixtures/drain-driver.js';

const rows = Number(process.argv[2] ?? 300_000);
const fetchSize = process.argv[3] ?? '10240';
const server = await startMariaDb();
try {
  const db = await server.createDatabase('bench_snapshot');
  await server.query(db, 'CREATE TABLE bench (id BIGINT PRIMARY KEY, qty INT, price DECIMAL(12,2), name VARCHAR(64), flag BOOLEAN, created TIMESTAMP(6), score DOUBLE, tag CHAR(36))');
  for (let from = 1; from <= rows; from += 50_000) {
    await server.query(db, `INSERT INTO bench SELECT seq, seq % 1000, (seq % 100000) / 100.0, CONCAT('name ', seq), seq % 2 = 0, NOW(6), seq * 1.5, UUID() FROM seq_${from}_to_${Math.min(rows, from + 49_999)}`);
  }
  const dumpOnce = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('mariadb-dump', ['--no-defaults', '--host=127.0.0.1', `--port=${server.port}`, `--user=${MARIADB_USER}`, `--password=${MARIADB_PASSWORD}`, '--single-transaction', '--quick', db, 'bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`mariadb-dump exited with ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const snapshotOnce = async () => {
    const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, { 'snapshot.mode': 'initial_only', 'snapshot.fetch.size': fetchSize }));
    const result = await drainDriver(driver, rows);
    await driver.stop();
    return result;
  };
  dumpOnce();
  await snapshotOnce();
  const runs = 3;
  const dumps: number[] = [];
  const ours: Awaited<ReturnType<typeof snapshotOnce>>[] = [];
  for (let i = 0; i < runs; i++) {
    dumps.push(dumpOnce());
    ours.push(await snapshotOnce());
  }
  const best = Math.min(...ours.map((o) => o.seconds));
  const bestDump = Math.min(...dumps);
  console.log(`rows: ${rows}, snapshot.fetch.size=${fetchSize}, runs: ${runs} of each`);
  console.log(`tributary mysql snapshot → null sink: best ${best.toFixed(2)} s = ${Math.round(rows / best).toLocaleString('en')} rows/s, peak RSS ${Math.round(Math.max(...ours.map((o) => o.peakRss)) / 1048576)} MB`);
  console.log(`mariadb-dump --single-transaction --quick → /dev/null: best ${bestDump.toFixed(2)} s = ${Math.round(rows / bestDump).toLocaleString('en')} rows/s`);
  console.log(`ratio: ${(bestDump / best).toFixed(2)} (goal ≥ 0.5)`);
} finally {
  await server.remove();
}
