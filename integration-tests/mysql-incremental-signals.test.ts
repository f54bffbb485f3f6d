import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SourceRecord } from '../plugins/api/index.js';
import { parseConfig } from '../plugins/api/index.js';
import { mysqlConfigSpec, type MySqlConfig } from '../connectors/source/mysql/mysql-config-spec.js';
import { validateMySql } from '../connectors/source/mysql/mysql-validator.js';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';

/**
 * Incremental snapshots of the MySQL source (issue 16), in-process against the harness's
 * MariaDB: signals through the signal table and through `signal()` (what REST and Kafka call),
 * additional conditions, stop / pause / resume, and the watermark rows Debezium's layout expects.
 * The lake-level checks with a concurrent writer and kill -9 are in mysql-incremental-snapshot.test.ts.
 */
let server: MariaDbServer;
before(async () => { server = await sharedMariaDb(); });

type Envelope = { op: string; after: Record<string, unknown> | null; source: Record<string, unknown> };
const env = (r: SourceRecord) => r.value as Envelope;
const reads = (records: SourceRecord[], topic: string) => records.filter((r) => r.topic === topic && r.value !== null && env(r).op === 'r');

async function setup(name: string, rows: number): Promise<{ db: string; config: Record<string, string>; topic: string }> {
  const db = await server.createDatabase(name);
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL)');
  await server.query(db, `INSERT INTO items SELECT seq, 0 FROM seq_1_to_${rows}`);
  await server.query(db, 'CREATE TABLE dbz_signal (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))');
  const config = mysqlTestConfig(server.port, db, {
    'snapshot.mode': 'no_data', 'table.include.list': `${db}\\.items,${db}\\.more`, 'signal.data.collection': `${db}.dbz_signal`, 'incremental.snapshot.chunk.size': '100',
  });
  return { db, config, topic: `${config['topic.prefix']}.${db}.items` };
}

describe('MySQL incremental snapshots: signals', { timeout: 120_000 }, () => {
  it('a signal-table row starts it; chunks between Debezium-style watermark rows; the rows read are op r with source.snapshot incremental, at positions after the watermark', async () => {
    const { db, config, topic } = await setup('incsig', 1000);
    const driver = new MySqlTaskDriver(config);
    await driver.start();
    try {
      await server.query(db, 'INSERT INTO items VALUES (5000, 1)');
      await driver.pollUntil((rs) => rs.some((r) => r.topic === topic), 20_000, 'streaming');
      await server.query(db, `INSERT INTO dbz_signal VALUES ('s1', 'execute-snapshot', '{"data-collections": ["${db}.items"], "type": "incremental"}')`);
      await driver.pollUntil((rs) => reads(rs, topic).length >= 1001, 60_000, 'every row read');
      await driver.pollUntil(() => driver.task.snapshotProgress() === null, 10_000, 'the snapshot complete');
      const read = reads(driver.records, topic);
      assert.deepEqual(read.map((r) => env(r).after!.id), [...Array.from({ length: 1000 }, (_, i) => i + 1), 5000], 'every row once, in key order');
      assert.equal(env(read[0]).source.snapshot, 'incremental');
      const positions = driver.records.map((r) => r.position);
      assert.deepEqual(positions, [...positions].sort(), 'positions in stream order');
      const marks = await server.query<{ id: string; type: string; data: string }>(db, 'SELECT id, type, data FROM dbz_signal WHERE type LIKE \'snapshot-window-%\' ORDER BY id');
      assert.equal(marks.length, 2 * 11, '11 chunks, each with an open and a close row');
      assert.ok(marks.every((m) => /^[0-9a-f-]{36}-(open|close)$/.test(m.id) && m.type === `snapshot-window-${m.id.endsWith('open') ? 'open' : 'close'}`), 'Debezium\'s watermark ids and types');
      const last = read[read.length - 1].sourceOffset;
      assert.equal(last.incremental_snapshot_collections, undefined, 'the last record\'s offset: no snapshot left');
      assert.equal(typeof read[0].sourceOffset.incremental_snapshot_collections, 'string', 'offsets carry the snapshot state');
    } finally {
      await driver.stop();
    }
  });

  it('signal(): additional conditions on two tables, pause, resume, log and stop-snapshot; a blocking snapshot is refused while it runs', async () => {
    const { db, config, topic } = await setup('incctl', 2000);
    await server.query(db, 'CREATE TABLE more (id INT PRIMARY KEY, v INT NOT NULL)');
    await server.query(db, 'INSERT INTO more SELECT seq, seq FROM seq_1_to_5000');
    const moreTopic = topic.replace(/items$/, 'more');
    const driver = new MySqlTaskDriver({ ...config, 'incremental.snapshot.chunk.size': '50' });
    await driver.start();
    try {
      await driver.task.signal({ id: 'l1', type: 'log', data: { message: 'hello from the test' } });
      await driver.task.signal({ id: 'x1', type: 'execute-snapshot', data: { 'data-collections': [`${db}.items`, `${db}.more`], 'additional-conditions': [{ 'data-collection': `${db}.items`, filter: 'id % 4 = 0' }] } });
      await driver.pollUntil((rs) => reads(rs, topic).length >= 500, 60_000, 'items read');
      await assert.rejects(driver.task.signal({ id: 'b', type: 'execute-snapshot', data: { 'data-collections': [`${db}.items`], type: 'blocking' } }), /while an incremental snapshot runs/);
      await driver.pollUntil((rs) => reads(rs, moreTopic).length >= 200, 60_000, 'more under way');
      assert.ok(driver.logs.some((l) => l.includes('hello from the test')), 'the log signal');
      await driver.task.signal({ id: 'p1', type: 'pause-snapshot', data: {} });
      await driver.pollUntil(() => (driver.task.snapshotProgress() as { state?: string } | null)?.state === 'paused', 10_000, 'paused');
      // the chunk in flight may still come out; then nothing
      for (let i = 0; i < 5; i++) await driver.pollOnce();
      const pausedAt = reads(driver.records, moreTopic).length;
      for (let i = 0; i < 10; i++) await driver.pollOnce();
      assert.equal(reads(driver.records, moreTopic).length, pausedAt, 'no chunk read while paused');
      await driver.task.signal({ id: 'r1', type: 'resume-snapshot', data: {} });
      await driver.pollUntil((rs) => reads(rs, moreTopic).length >= pausedAt + 200, 30_000, 'reading again');
      await driver.task.signal({ id: 'st1', type: 'stop-snapshot', data: { 'data-collections': [`${db}.more`] } });
      await driver.pollUntil(() => driver.task.snapshotProgress() === null, 10_000, 'stopped');
      for (let i = 0; i < 5; i++) await driver.pollOnce();
      const stoppedAt = reads(driver.records, moreTopic).length;
      for (let i = 0; i < 10; i++) await driver.pollOnce();
      assert.equal(reads(driver.records, moreTopic).length, stoppedAt, 'no chunk after the stop');
      assert.ok(stoppedAt < 5000, `more stopped part way (${stoppedAt})`);
      const items = reads(driver.records, topic).map((r) => Number(env(r).after!.id));
      assert.equal(items.length, 500, 'items: exactly the rows of the condition');
      assert.ok(items.every((id) => id % 4 === 0));
      assert.equal(new Set(reads(driver.records, moreTopic).map((r) => env(r).after!.id)).size, stoppedAt, 'no row of more twice');
    } finally {
      await driver.stop();
    }
  });

  it('validation names a missing signal table and accepts one with Debezium\'s three columns', async () => {
    const { db, config } = await setup('incval', 1);
    const validate = (collection: string) => validateMySql(parseConfig(mysqlConfigSpec, { ...config, 'signal.data.collection': collection }).value as MySqlConfig);
    assert.match((await validate(`${db}.nope`))['signal.data.collection']?.[0] ?? '', /does not exist: CREATE TABLE/);
    assert.equal((await validate(`${db}.dbz_signal`))['signal.data.collection'], undefined);
  });
});
