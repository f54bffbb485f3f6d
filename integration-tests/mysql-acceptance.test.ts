// The connector test kit's acceptance suite run by the MySQL source against the harness's MariaDB.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceAcceptanceSuite } from '../plugins/testing/index.js';
import { mysqlConfigSpec } from '../connectors/source/mysql/mysql-config-spec.js';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';

let server: MariaDbServer;

sourceAcceptanceSuite({
  name: 'mysql source (MariaDB)',
  spec: mysqlConfigSpec,
  requiredProperties: ['topic.prefix', 'database.hostname', 'database.user'],
  start: async () => { server = await sharedMariaDb(); },
  stop: async () => undefined,
  database: async (prefix) => {
    const db = await server.createDatabase(prefix);
    const config = mysqlTestConfig(server.port, db);
    return {
      config,
      exec: async (sql) => void await server.query(db, sql),
      rows: async (table) => (await server.query<{ id: number; name: string; qty: number }>(db, `SELECT id, name, qty FROM ${table}`)).map((r) => ({ id: Number(r.id), name: r.name, qty: Number(r.qty) })),
      topic: (table) => `${config['topic.prefix']}.${db}.${table}`,
    };
  },
  driver: (config, stored) => new MySqlTaskDriver(config, stored ?? null),
  typeCases: [
    { type: 'BIGINT', literal: '-9223372036854775808', expected: -9223372036854775808n },
    { type: 'BIGINT UNSIGNED', literal: '18446744073709551615', expected: -1 },
    { type: 'DECIMAL(30,10)', literal: '12345678901234567890.0123456789', expected: '12345678901234567890.0123456789' },
    { type: 'VARCHAR(20) CHARACTER SET latin1', literal: "'café'", expected: 'café' },
    { type: 'TEXT', literal: "'héllo ☃ 😀'", expected: 'héllo ☃ 😀' },
    { type: 'DATE', literal: "'2024-02-29'", expected: 19782 },
    { type: 'DATETIME(6)', literal: "'2024-02-29 23:59:59.123456'", expected: 1709251199123456 },
    { type: 'TIMESTAMP(3) NULL', literal: "'2024-02-29 23:59:59.654'", expected: '2024-02-29T23:59:59.654Z' },
    { type: 'TIME(6)', literal: "'-838:59:59.000000'", expected: -3020399000000 },
    { type: 'BIT(10)', literal: "b'1010101010'", expected: Buffer.from([0xaa, 0x02]) },
    { type: "ENUM('a','b')", literal: "'b'", expected: 'b' },
    { type: 'VARBINARY(4)', literal: "X'ff00'", expected: Buffer.from([0xff, 0x00]) },
  ],
});

/** Sockets and timers this process holds (what keeps a test file from exiting by itself). */
async function openHandles(): Promise<string[]> {
  // a destroyed socket closes on a later turn of the event loop
  const deadline = Date.now() + 5_000;
  let open = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout');
  while (open.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    open = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout');
  }
  // the wait's own timer is gone by now
  return open;
}

test('a stopped task, and a task whose start failed, leave no socket and no timer behind (the file exits without --test-force-exit)', async () => {
  const db = await server.createDatabase('handles');
  await server.query(db, 'CREATE TABLE t (id INT PRIMARY KEY)');
  await server.query(db, 'INSERT INTO t VALUES (1)');
  const config = mysqlTestConfig(server.port, db, { 'heartbeat.interval.ms': '200' });
  const streaming = new MySqlTaskDriver(config);
  await streaming.start();
  await streaming.pollUntil((rs) => rs.some((r) => r.value !== null), 20_000, 'the snapshot row');
  await server.query(db, 'INSERT INTO t VALUES (2)');
  await streaming.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 2, 20_000, 'the streamed row');
  await streaming.stop();
  assert.deepEqual(await openHandles(), [], 'after stop');
  // an offset whose binlog file the server never had: start fails with position_lost
  const lost = new MySqlTaskDriver(config, { file: 'binlog.999999', pos: 4, event: 0, row: 1, server_id: 1, ts_sec: 0 });
  await assert.rejects(lost.start(), (e: Error & { code?: string }) => e.code === 'source.position_lost');
  assert.deepEqual(await openHandles(), [], 'after a failed start');
});
