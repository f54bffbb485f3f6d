/**
 * Streaming benchmark: N inserts + N/10 updates (8 mixed-type columns, 10 k rows per
 * transaction) read from the binlog by the MySQL source into a null sink, against
 * `mariadb-binlog --read-from-remote-server` decoding the same binlog range (with row events
 * decoded, `--verbose`) into /dev/null, in the same run on the harness's MariaDB.
 *
 * usage: node --import tsx bench/mysql-stream.ts [inserts=300000]
 */
import { spawnSync } from 'node:child_process';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { startMariaDb, MARIADB_PASSWORD, MARIADB_USER } from '../integration-tests/harness/mariadb-server.js';
import { drainDriver } from './fixtures/drain-driver.js';

const inserts = Number(process.argv[2] ?? 300_000);
const updates = Math.floor(inserts / 10);
const total = inserts + updates;
const server = await startMariaDb();
try {
  const db = await server.createDatabase('bench_stream');
  await server.query(db, 'CREATE TABLE bench (id BIGINT PRIMARY KEY, qty INT, price DECIMAL(12,2), name VARCHAR(64), flag BOOLEAN, created TIMESTAMP(6), score DOUBLE, tag CHAR(36))');
  const [start] = await server.query<{ File: string; Position: string }>(null, 'SHOW MASTER STATUS');
  for (let from = 1; from <= inserts; from += 10_000) {
    const to = Math.min(inserts, from + 9_999);
    await server.query(db, `INSERT INTO bench SELECT seq, seq % 1000, (seq % 100000) / 100.0, CONCAT('name ', seq), seq % 2 = 0, NOW(6), seq * 1.5, UUID() FROM seq_${from}_to_${to}`);
  }
  for (let from = 1; from <= updates; from += 10_000) await server.query(db, `UPDATE bench SET qty = qty + 1, name = CONCAT(name, '!') WHERE id BETWEEN ${from} AND ${Math.min(updates, from + 9_999)}`);
  const [end] = await server.query<{ File: string; Position: string }>(null, 'SHOW MASTER STATUS');

  const referenceOnce = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('mariadb-binlog', ['--no-defaults', '--read-from-remote-server', '--host=127.0.0.1', `--port=${server.port}`, `--user=${MARIADB_USER}`, `--password=${MARIADB_PASSWORD}`,
      '--verbose', `--start-position=${start.Position}`, `--stop-position=${end.Position}`, start.File], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`mariadb-binlog exited with ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const sourceOnce = async () => {
    const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data', 'max.batch.size': '4096', 'max.queue.size': '8192' }),
      { file: start.File, pos: Number(start.Position), server_id: 1, ts_sec: 0 });
    const result = await drainDriver(driver, total);
    await driver.stop();
    return result;
  };
  referenceOnce();
  await sourceOnce();
  const runs = 3;
  const refs: number[] = [];
  const ours: Awaited<ReturnType<typeof sourceOnce>>[] = [];
  for (let i = 0; i < runs; i++) {
    refs.push(referenceOnce());
    ours.push(await sourceOnce());
  }
  const best = Math.min(...ours.map((o) => o.seconds));
  const bestRef = Math.min(...refs);
  const peak = Math.max(...ours.map((o) => o.peakRss));
  console.log(`changes: ${inserts} inserts + ${updates} updates = ${total}, runs: ${runs} of each`);
  console.log(`tributary mysql source → null sink: best ${best.toFixed(2)} s = ${Math.round(total / best).toLocaleString('en')} changes/s, peak RSS ${Math.round(peak / 1048576)} MB`);
  console.log(`mariadb-binlog --read-from-remote-server --verbose → /dev/null: best ${bestRef.toFixed(2)} s = ${Math.round(total / bestRef).toLocaleString('en')} changes/s`);
  console.log(`ratio: ${(bestRef / best).toFixed(2)} (goal ≥ 0.5)`);
} finally {
  await server.remove();
}
