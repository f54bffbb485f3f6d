import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { SourceRecord } from '../plugins/api/index.js';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';

let server: MariaDbServer;
before(async () => { server = await sharedMariaDb(); });

type Envelope = { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown> };
const env = (r: SourceRecord) => r.value as Envelope;

test('DDL while streaming: ADD/DROP COLUMN take effect at the next row event, TRUNCATE is op t, schema changes reach <topic.prefix>, a new table is captured, key change = delete + tombstone + create', async () => {
  const db = await server.createDatabase('ddl');
  await server.query(db, 'CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))');
  const config = mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data', 'include.query': 'true' });
  const driver = new MySqlTaskDriver(config);
  await driver.start();
  try {
    const topic = `${config['topic.prefix']}.${db}.t`;
    await server.query(db, "INSERT INTO t VALUES (1, 'x')");
    await server.query(db, 'ALTER TABLE t ADD COLUMN b INT DEFAULT 7');
    await server.query(db, "INSERT INTO t VALUES (2, 'y', 8)");
    await server.query(db, 'ALTER TABLE t DROP COLUMN a');
    await server.query(db, 'UPDATE t SET id = 20 WHERE id = 2');
    await server.query(db, 'TRUNCATE TABLE t');
    await server.query(db, 'CREATE TABLE later (id INT PRIMARY KEY)');
    await server.query(db, 'INSERT INTO later VALUES (5)');
    await driver.pollUntil((rs) => rs.some((r) => r.topic.endsWith('.later')), 30_000, 'the new table\'s insert');
    const rows = driver.records.filter((r) => r.topic === topic);
    assert.deepEqual(rows.map((r) => (r.value === null ? 'tombstone' : env(r).op)), ['c', 'c', 'd', 'tombstone', 'c', 't']);
    assert.deepEqual(env(rows[0]).after, { id: 1, a: 'x' });
    assert.deepEqual(env(rows[1]).after, { id: 2, a: 'y', b: 8 }, 'the added column appears at the next row event');
    assert.deepEqual(env(rows[2]).before, { id: 2, b: 8 }, 'the dropped column is gone');
    assert.deepEqual(env(rows[4]).after, { id: 20, b: 8 });
    assert.equal(env(rows[0]).source.query, "INSERT INTO t VALUES (1, 'x')", 'include.query');
    assert.equal(env(rows[0]).source.connector, 'mysql');
    assert.equal(typeof env(rows[0]).source.gtid, 'string');
    const ddl = driver.records.filter((r) => r.topic === config['topic.prefix']).map((r) => (r.value as { ddl: string }).ddl);
    assert.deepEqual(ddl, ['ALTER TABLE t ADD COLUMN b INT DEFAULT 7', 'ALTER TABLE t DROP COLUMN a', 'TRUNCATE TABLE t', 'CREATE TABLE later (id INT PRIMARY KEY)']);
    const positions = driver.records.map((r) => r.position);
    assert.deepEqual(positions, [...positions].sort(), 'positions sort in binlog order');
  } finally {
    await driver.stop();
  }
});

test('KILL of the binlog dump thread: the stream reconnects and resumes, nothing lost, nothing twice', async () => {
  const db = await server.createDatabase('dumpkill');
  await server.query(db, 'CREATE TABLE t (id INT PRIMARY KEY)');
  const config = mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data' });
  const dumpThreads = async () => (await server.query<{ Id: number }>(null, "SELECT ID AS Id FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'")).map((d) => Number(d.Id));
  // other test files share the server: only the dump thread this driver opened is killed
  const before = new Set(await dumpThreads());
  const driver = new MySqlTaskDriver(config);
  await driver.start();
  try {
    await server.query(db, 'INSERT INTO t VALUES (1), (2), (3)');
    await driver.pollUntil((rs) => rs.length >= 3, 20_000, 'the first rows');
    const ours = (await dumpThreads()).filter((id) => !before.has(id));
    assert.ok(ours.length > 0, 'a dump thread');
    for (const id of ours) await server.query(null, `KILL ${id}`).catch(() => undefined);
    await server.query(db, 'INSERT INTO t VALUES (4), (5)');
    const t0 = Date.now();
    await driver.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 5, 30_000, 'the rows after the kill');
    assert.ok(Date.now() - t0 < 30_000);
    const ids = driver.changes().map((r) => env(r).after!.id);
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  } finally {
    await driver.stop();
  }
});

test('snapshot.mode=no_data, killed before its first offset commit: the restart resumes where the first run started, so the changes in between are not skipped', async () => {
  const db = await server.createDatabase('nocommit');
  await server.query(db, 'CREATE TABLE t (id INT PRIMARY KEY)');
  const config = mysqlTestConfig(server.port, db, { 'snapshot.mode': 'no_data' });
  const first = new MySqlTaskDriver(config);
  await first.start();
  const stored = first.storedOffset;
  try {
    await server.query(db, 'INSERT INTO t VALUES (1), (2)');
    await first.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 2, 20_000, 'the first run\'s rows');
  } finally {
    // never committed: all the store holds is what the task stored when it started
    await first.stop();
  }
  assert.ok(stored, 'the starting position stored before the first change');
  await server.query(db, 'INSERT INTO t VALUES (3)');
  const second = new MySqlTaskDriver(config, first.storedOffset);
  await second.start();
  try {
    await server.query(db, 'INSERT INTO t VALUES (4)');
    await second.pollUntil((rs) => rs.filter((r) => r.value !== null).length >= 4, 20_000, 'every row since the first start');
    assert.deepEqual(second.changes().map((r) => env(r).after!.id), [1, 2, 3, 4]);
  } finally {
    await second.stop();
  }
});
