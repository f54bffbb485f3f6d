import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Lsn } from '../connectors/source/postgres/lsn.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { startPostgres, type PostgresServer } from './harness/postgres-server.js';
import { eventually } from './harness/worker-process.js';

/**
 * What the source confirms to the server (issue: confirmed_flush_lsn stops short of the last
 * commit): the end of the last committed transaction, and on a quiet database the server's WAL
 * position, so lag reaches zero and a DBA's `pg_ctl stop -m fast` is not held up by the
 * walsender waiting for a confirmation. Each test uses a private server (it is stopped, and the
 * server's WAL position must not move with other tests' work).
 */
let server: PostgresServer & { remove(): void };
before(async () => {
  server = await startPostgres();
});
after(() => server?.remove());

async function slotState(db: string, slot: string): Promise<{ confirmed: Lsn; current: Lsn }> {
  const [row] = await server.query<{ confirmed: string; current: string }>(db, 'SELECT confirmed_flush_lsn::text AS confirmed, pg_current_wal_lsn()::text AS current FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return { confirmed: Lsn.parse(row.confirmed), current: Lsn.parse(row.current) };
}

test('after a commit the slot confirms the end of the last transaction, then the server position: lag reaches zero', { timeout: 60_000 }, async () => {
  const db = await server.createDatabase('ackend');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, \'seed\')');
  const config = testConfig(server.port, db, { 'status.update.interval.ms': '200' });
  const driver = new TaskDriver(config);
  await driver.start();
  try {
    await driver.pollUntil((rs) => rs.some((r) => (r.value as { source?: { snapshot?: string } } | null)?.source?.snapshot === 'last'), 20_000, 'the snapshot');
    await driver.commit();
    await server.query(db, "BEGIN; INSERT INTO t VALUES (2, 'a'), (3, 'b'); COMMIT; INSERT INTO t VALUES (4, 'c')");
    const [{ lsn: afterWrites }] = await server.query<{ lsn: string }>(db, 'SELECT pg_current_wal_lsn()::text AS lsn');
    await driver.pollUntil((rs) => rs.filter((r) => (r.value as { op?: string } | null)?.op === 'c').length === 3, 20_000, 'three inserts');
    const last = driver.records.filter((r) => (r.value as { op?: string } | null)?.op === 'c').at(-1)!;
    assert.ok(last.sourceOffset.lsn_commit_end !== undefined, 'the last record of a transaction carries its end');
    const first = driver.records.find((r) => (r.key as { id?: number } | null)?.id === 2)!;
    assert.equal(first.sourceOffset.lsn_commit_end, undefined, 'a record inside a transaction does not');
    await driver.commit();
    // the slot reaches past the last commit record, and then the server's position
    await eventually(async () => ((await slotState(db, config['slot.name'])).confirmed.compare(Lsn.parse(afterWrites)) >= 0 ? true : undefined), 10_000, 'confirmed_flush_lsn past the last commit');
    await eventually(async () => {
      const { confirmed, current } = await slotState(db, config['slot.name']);
      return confirmed.compare(current) === 0 ? true : undefined;
    }, 10_000, 'confirmed_flush_lsn = pg_current_wal_lsn() on a quiet database');
  } finally {
    await driver.stop();
  }
});

test('nothing unacknowledged is ever confirmed: records polled but not committed hold the slot back', { timeout: 60_000 }, async () => {
  const db = await server.createDatabase('ackhold');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const config = testConfig(server.port, db, { 'status.update.interval.ms': '200', 'snapshot.mode': 'no_data' });
  const driver = new TaskDriver(config);
  await driver.start();
  try {
    await new Promise((r) => setTimeout(r, 500));
    const { confirmed: start } = await slotState(db, config['slot.name']);
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await driver.pollUntil((rs) => rs.length > 0, 20_000, 'the insert');
    await new Promise((r) => setTimeout(r, 1500));
    const held = (await slotState(db, config['slot.name'])).confirmed;
    assert.ok(held.compare(Lsn.fromOffset(driver.records[0].sourceOffset.lsn_commit)!) <= 0, `confirmed ${held} stays before the uncommitted insert`);
    assert.ok(held.compare(start) >= 0);
  } finally {
    await driver.stop();
  }
});

test('pg_ctl stop -m fast completes promptly with a connected source that has committed everything', { timeout: 90_000 }, async () => {
  const db = await server.createDatabase('ackstop');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const config = testConfig(server.port, db, { 'status.update.interval.ms': '1000', 'snapshot.mode': 'no_data' });
  const driver = new TaskDriver(config);
  await driver.start();
  try {
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await driver.pollUntil((rs) => rs.length > 0, 20_000, 'the insert');
    await driver.commit();
    await new Promise((r) => setTimeout(r, 2000));
    const { stopped, elapsedMs } = await server.stopFast(20);
    assert.ok(stopped, 'pg_ctl stop -m fast finished');
    assert.ok(elapsedMs < 10_000, `stopped in ${elapsedMs} ms`);
  } finally {
    await driver.stop();
    await server.start();
  }
});

test('a fast shutdown while a record is not yet durable asks the runtime to commit, and then completes', { timeout: 90_000 }, async () => {
  const db = await server.createDatabase('ackstop2');
  await server.query(db, 'CREATE TABLE t (id int PRIMARY KEY)');
  const config = testConfig(server.port, db, { 'status.update.interval.ms': '60000', 'snapshot.mode': 'no_data' });
  const driver = new TaskDriver(config);
  await driver.start();
  try {
    await server.query(db, 'INSERT INTO t VALUES (1)');
    await driver.pollUntil((rs) => rs.length > 0, 20_000, 'the insert');
    const stopping = server.stopFast(30);
    // the walsender asks for a confirmation; the source asks the runtime (here the driver) to commit
    await eventually(() => (driver.commitRequests > 0 ? true : undefined), 20_000, 'a commit request');
    await driver.commit();
    const { stopped, elapsedMs } = await stopping;
    assert.ok(stopped, 'pg_ctl stop -m fast finished');
    assert.ok(elapsedMs < 25_000, `stopped in ${elapsedMs} ms`);
  } finally {
    await driver.stop();
    await server.start();
  }
});
