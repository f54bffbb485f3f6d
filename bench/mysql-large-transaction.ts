/**
 * Memory benchmark: one transaction of N inserts (8 mixed-type columns, 1 M by default) read
 * from the binlog by the MySQL source into a null sink. A binlog transaction arrives as one
 * stream of row events between BEGIN and XID; the source must hand its rows on as they come,
 * not hold the transaction. Prints the time and the peak RSS (goal < 300 MB), and the RSS of
 * the process before the transaction is read, for reference.
 *
 * usage: node --import tsx bench/mysql-large-transaction.ts [rows=1000000]
 */
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { startMariaDb } from '../integration-tests/harness/mariadb-server.js';
import { drainDriver } from './fixtures/drain-driver.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const server = await startMariaDb();
try {
  const db = await server.createDatabase('bench_large_txn');
  await server.query(db, 'CREATE TABLE bench (id BIGINT PRIMARY KEY, qty INT, price DECIMAL(12,2), name VARCHAR(64), flag BOOLEAN, created TIMESTAMP(6), score DOUBLE, tag CHAR(36))');
  const [start] = await server.query<{ File: string; Position: string }>(null, 'SHOW MASTER STATUS');
  // one statement, one transaction: every row event of it between one BEGIN and one XID
  await server.query(db, `INSERT INTO bench SELECT seq, seq % 1000, (seq % 100000) / 100.0, CONCAT('name ', seq), seq % 2 = 0, NOW(6), seq * 1.5, UUID() FROM seq_1_to_${rows}`);
  global.gc?.();
  const before = process.memoryUsage().rss;
  const driver = new MySqlTaskDriver(mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data', 'max.batch.size': '4096', 'max.queue.size': '8192' }),
    { file: start.File, pos: Number(start.Position), server_id: 1, ts_sec: 0 });
  const result = await drainDriver(driver, rows);
  await driver.stop();
  console.log(`one transaction of ${rows.toLocaleString('en')} inserts → null sink: ${result.seconds.toFixed(2)} s = ${Math.round(rows / result.seconds).toLocaleString('en')} changes/s`);
  console.log(`peak RSS ${Math.round(result.peakRss / 1048576)} MB (before reading: ${Math.round(before / 1048576)} MB; goal < 300 MB)`);
} finally {
  await server.remove();
}
