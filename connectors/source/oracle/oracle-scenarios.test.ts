import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TributaryError } from '../../../plugins/api/index.js';
import { FakeOracle } from './test/fake-oracle.js';
import { col, fakeConfig, itemsTable, OracleFakeDriver, summary } from './test/fake-setup.js';
import type { FakeLogMinerSession } from './test/fake-logminer-session.js';

const ops = (d: OracleFakeDriver) => d.changes().map((r) => (r.value as { op: string }).op);

describe('oracle source scenarios over the fake LogMiner', () => {
  test('a transaction open at the snapshot SCN is mined from its start; one committed before it is not emitted twice', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const early = db.begin();
    early.insert(items, { ID: '1', NAME: 'open at snapshot', QTY: '1' });
    db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'committed before', QTY: '2' }));
    const driver = new OracleFakeDriver(db, fakeConfig());
    await driver.start();
    try {
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'the snapshot');
      early.insert(items, { ID: '3', NAME: 'after snapshot', QTY: '3' });
      early.commit();
      await driver.pollUntil((rs) => rs.filter((r) => (r.value as { op: string } | null)?.op === 'c').length >= 2, 10_000, 'the open transaction');
      await new Promise((r) => setTimeout(r, 200));
      await driver.pollOnce();
      assert.deepEqual(driver.changes().map(summary).map((s) => [s.op, (s.after as { ID: number }).ID]), [['r', 2], ['c', 1], ['c', 3]]);
      const last = driver.records.at(-1)!.sourceOffset;
      assert.equal(typeof last.snapshot_scn, 'string');
    } finally {
      await driver.stop();
    }
  });

  test('a snapshot records the open transactions (snapshot_pending_tx) and streaming starts below them', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const open = db.begin();
    open.insert(items, { ID: '1', NAME: 'x', QTY: '1' });
    db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'y', QTY: '2' }));
    const driver = new OracleFakeDriver(db, fakeConfig());
    await driver.start();
    try {
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'the snapshot');
      const offset = driver.records[0].sourceOffset;
      assert.equal(offset.snapshot_completed, true);
      assert.equal(offset.snapshot_pending_tx, `${open.xid}:${open.startScn}`);
      assert.equal(offset.scn, String(open.startScn - 1n));
    } finally {
      await driver.stop();
    }
  });

  test('ORA-01291 and ORA-00310 from START_LOGMNR are retried: the window is mined again, nothing lost or doubled', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'first insert');
      db.startFaults.push(1291, 310);
      db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'b', QTY: '2' }));
      await driver.pollUntil((rs) => rs.length >= 2, 15_000, 'second insert after the faults');
      assert.equal(db.startFaults.length, 0);
      assert.deepEqual(driver.changes().map((r) => (r.value as { after: { ID: number } }).after.ID), [1, 2]);
      assert.ok(driver.logs.some((l) => l.includes('mining failed')), 'the retry is logged');
    } finally {
      await driver.stop();
    }
  });

  test('a lost connection is re-established and mining resumes at the last queued offset', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const opened: FakeLogMinerSession[] = [];
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }), null, opened);
    await driver.start();
    try {
      db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'first insert');
      opened[0].closed = true; // the mining session's connection drops (ORA-03114)
      db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'b', QTY: '2' }));
      await driver.pollUntil((rs) => rs.length >= 2, 15_000, 'after reconnecting');
      assert.deepEqual(driver.changes().map((r) => (r.value as { after: { ID: number } }).after.ID), [1, 2]);
      assert.ok(opened.length >= 3, 'a new session was opened');
    } finally {
      await driver.stop();
    }
    assert.ok(opened.every((s) => s.closed), 'a stopped task leaves no session open');
  });

  test('log switches between and inside transactions: the log-file set follows V$LOG and V$ARCHIVED_LOG', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      db.autocommit((t) => t.insert(items, { ID: '0', NAME: 'before', QTY: '0' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'a first change');
      const tx = db.begin();
      tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' });
      for (let i = 0; i < 5; i++) db.logSwitch();
      tx.insert(items, { ID: '2', NAME: 'b', QTY: '2' });
      tx.commit();
      db.logSwitch();
      db.autocommit((t) => t.insert(items, { ID: '3', NAME: 'c', QTY: '3' }));
      await driver.pollUntil((rs) => rs.length >= 4, 10_000, 'changes across log switches');
      assert.deepEqual(driver.changes().map((r) => (r.value as { after: { ID: number } }).after.ID), [0, 1, 2, 3]);
      assert.ok((driver.gauges.get('oracle_log_switches_total') ?? 0) >= 1);
    } finally {
      await driver.stop();
    }
  });

  test('an offset older than every available log fails with "do a new snapshot"; when_needed takes one', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' }));
    const old = { scn: String(db.scn) };
    for (let i = 0; i < 5; i++) db.logSwitch();
    db.purgeArchived(1, 3);
    const failing = new OracleFakeDriver(db, fakeConfig(), old);
    await assert.rejects(failing.start(), (e: TributaryError) => e.code === 'source.position_lost' && /do a new snapshot/i.test(e.message));
    const recovering = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'when_needed' }), old);
    await recovering.start();
    try {
      await recovering.pollUntil((rs) => rs.length >= 1, 10_000, 'a new snapshot');
      assert.deepEqual(ops(recovering), ['r']);
    } finally {
      await recovering.stop();
    }
  });

  test('a transaction open longer than log.mining.transaction.retention.ms is dropped; the oldest-transaction metric shows its age', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data', 'log.mining.transaction.retention.ms': '60000' }));
    await driver.start();
    try {
      const stale = db.begin();
      stale.insert(items, { ID: '1', NAME: 'forgotten', QTY: '1' });
      db.clockMs += 30_000;
      db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'b', QTY: '2' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'the first commit');
      await driver.pollUntil(() => (driver.gauges.get('oracle_oldest_transaction_age_ms') ?? 0) >= 30_000, 10_000, 'the age metric');
      assert.equal(driver.gauges.get('oracle_open_transactions'), 1);
      db.clockMs += 60_000;
      db.autocommit((tx) => tx.insert(items, { ID: '3', NAME: 'c', QTY: '3' }));
      await driver.pollUntil((rs) => rs.length >= 2, 10_000, 'the second commit');
      await driver.pollUntil(() => driver.gauges.get('oracle_open_transactions') === 0, 10_000, 'the stale transaction dropped');
      stale.commit();
      await new Promise((r) => setTimeout(r, 300));
      await driver.pollOnce();
      assert.deepEqual(driver.changes().map((r) => (r.value as { after: { ID: number } }).after.ID), [2, 3]);
      assert.ok(driver.logs.some((l) => l.includes('abandoned')));
    } finally {
      await driver.stop();
    }
  });

  test('a rolled back transaction and a partial rollback to a savepoint emit only what was kept', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      const gone = db.begin();
      gone.insert(items, { ID: '9', NAME: 'rolled back', QTY: '9' });
      gone.rollback();
      const tx = db.begin();
      const kept = tx.insert(items, { ID: '1', NAME: 'kept', QTY: '1' });
      tx.savepoint('A');
      tx.update(items, kept, { NAME: 'undone' });
      tx.insert(items, { ID: '2', NAME: 'undone too', QTY: '2' });
      tx.rollbackTo('A');
      tx.update(items, kept, { QTY: '5' });
      tx.commit();
      await driver.pollUntil((rs) => rs.length >= 2, 10_000, 'the kept changes');
      await new Promise((r) => setTimeout(r, 200));
      await driver.pollOnce();
      assert.deepEqual(driver.changes().map(summary).map((s) => [s.op, s.after]), [['c', { ID: 1, NAME: 'kept', QTY: '1.00' }], ['u', { ID: 1, NAME: 'kept', QTY: '5.00' }]]);
    } finally {
      await driver.stop();
    }
  });

  test('a key change is a delete, a tombstone and a create', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      const rowId = db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' })).changes[0].rowId;
      db.autocommit((tx) => tx.update(items, rowId, { ID: '10' }));
      await driver.pollUntil((rs) => rs.length >= 4, 10_000, 'the key change');
      assert.deepEqual(driver.records.slice(1).map(summary).map((s) => s.op ?? 'tombstone'), ['d', 'tombstone', 'c']);
    } finally {
      await driver.stop();
    }
  });

  test('a captured table with a LOB column is refused at start, naming column.exclude.list; excluding the column captures the rest', async () => {
    const db = new FakeOracle();
    const docs = db.createTable('APP', 'DOCS', [col('ID', 'NUMBER', 10, 0, false), col('BODY', 'CLOB'), col('TITLE', 'VARCHAR2')], ['ID']);
    const refused = new OracleFakeDriver(db, fakeConfig());
    await assert.rejects(refused.start(), (e: TributaryError) => e.code === 'source.setup_required' && e.message.includes('column.exclude.list=APP.DOCS.BODY'));
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data', 'column.exclude.list': 'APP\\.DOCS\\.BODY' }));
    await driver.start();
    try {
      db.autocommit((tx) => tx.insert(docs, { ID: '1', BODY: null, TITLE: 't' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'the insert');
      assert.deepEqual((driver.records[0].value as { after: unknown }).after, { ID: 1, TITLE: 't' });
    } finally {
      await driver.stop();
    }
  });

  test('heartbeats carry the mined SCN while the captured tables are idle', async () => {
    const db = new FakeOracle();
    itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data', 'heartbeat.interval.ms': '50' }));
    await driver.start();
    try {
      await driver.pollUntil((rs) => rs.some((r) => r.topic === '__debezium-heartbeat.ora'), 10_000, 'a heartbeat');
      const hb = driver.records.find((r) => r.topic === '__debezium-heartbeat.ora')!;
      assert.match(String(hb.sourceOffset.scn), /^\d+$/);
    } finally {
      await driver.stop();
    }
  });

  test('an interrupted snapshot resumes at its chunk with the same SCN: every row once, then streaming', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    db.autocommit((tx) => { for (let i = 1; i <= 25; i++) tx.insert(items, { ID: String(i), NAME: `n${i}`, QTY: String(i) }); });
    const config = fakeConfig({ 'snapshot.fetch.size': '4', 'max.batch.size': '3', 'max.queue.size': '3' });
    const first = new OracleFakeDriver(db, config);
    await first.start();
    await first.pollUntil((rs) => rs.length >= 9, 10_000, 'part of the snapshot');
    await first.commit();
    const delivered = [...first.records];
    await first.stop();
    // a change after the snapshot SCN: it comes from the stream, not from the resumed snapshot
    db.autocommit((tx) => tx.update(items, [...db.committedRows('APP', 'ITEMS').keys()][0], { NAME: 'changed' }));
    const second = new OracleFakeDriver(db, config, first.storedOffset);
    await second.start();
    try {
      await second.pollUntil((rs) => rs.some((r) => (r.value as { op: string } | null)?.op === 'u'), 10_000, 'the streamed update');
      // a resumed chunk is read again from its start: rows of it already delivered come again with
      // the same id and position (the runtime skips them), so the records de-duplicated by id hold every row once
      const seen = new Set<string>();
      const all = [...delivered, ...second.records].filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
      const reads = all.filter((r) => (r.value as { op: string }).op === 'r').map((r) => (r.value as { after: { ID: number } }).after.ID);
      assert.deepEqual(reads, Array.from({ length: 25 }, (_, i) => i + 1));
      assert.ok(second.records.length < 25, 'the resumed snapshot did not start over');
      const update = all.find((r) => (r.value as { op: string }).op === 'u')!.value as { after: { NAME: string } };
      assert.equal(update.after.NAME, 'changed');
      assert.equal(second.records[0].sourceOffset.snapshot_scn, first.storedOffset?.snapshot_scn, 'the resumed snapshot keeps its SCN');
    } finally {
      await second.stop();
    }
  });

  test('a PDB: the catalog and the snapshot run in the PDB, mining filters on SRC_CON_NAME', async () => {
    const db = new FakeOracle();
    db.cdb = 'YES';
    db.pdbs.set('ORCLPDB1', 'READ WRITE');
    db.container = 'ORCLPDB1';
    const items = itemsTable(db);
    db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'in pdb', QTY: '1' }));
    const driver = new OracleFakeDriver(db, fakeConfig({ 'database.pdb.name': 'ORCLPDB1', 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      db.container = 'OTHERPDB';
      db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'another container', QTY: '2' }));
      db.container = 'ORCLPDB1';
      db.autocommit((tx) => tx.insert(items, { ID: '3', NAME: 'in pdb', QTY: '3' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'the PDB change');
      await new Promise((r) => setTimeout(r, 200));
      await driver.pollOnce();
      assert.deepEqual(driver.changes().map((r) => (r.value as { after: { ID: number } }).after.ID), [3]);
      assert.equal((driver.records[0].value as { source: { db: string } }).source.db, 'ORCLPDB1');
    } finally {
      await driver.stop();
    }
  });

  test('a resumed snapshot whose SCN is beyond the undo retention (ORA-01555) starts over at a new SCN', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    db.autocommit((tx) => { for (let i = 1; i <= 12; i++) tx.insert(items, { ID: String(i), NAME: `n${i}`, QTY: String(i) }); });
    const config = fakeConfig({ 'snapshot.fetch.size': '4', 'max.batch.size': '2', 'max.queue.size': '2' });
    const first = new OracleFakeDriver(db, config);
    await first.start();
    await first.pollUntil((rs) => rs.length >= 5, 10_000, 'part of the snapshot');
    await first.commit();
    await first.stop();
    db.undoFloorScn = db.scn + 1n;
    const second = new OracleFakeDriver(db, config, first.storedOffset);
    await second.start();
    try {
      await second.pollUntil((rs) => rs.filter((r) => (r.value as { op: string }).op === 'r').length >= 12, 10_000, 'a whole new snapshot');
      assert.ok(second.logs.some((l) => l.includes('a new snapshot is taken')));
      assert.notEqual(second.records[0].sourceOffset.snapshot_scn, first.storedOffset?.snapshot_scn);
    } finally {
      await second.stop();
    }
  });

  test('after DDL on a captured table the online catalog\'s new shape is used', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' }));
      await driver.pollUntil((rs) => rs.length >= 1, 10_000, 'before the DDL');
      db.alterTable('APP', 'ITEMS', [...items.columns, col('NOTE', 'VARCHAR2')], 'alter table "APP"."ITEMS" add ("NOTE" VARCHAR2(20));');
      db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'b', QTY: '2', NOTE: 'new column' }));
      await driver.pollUntil((rs) => rs.length >= 2, 10_000, 'after the DDL');
      assert.deepEqual((driver.records[1].value as { after: unknown }).after, { ID: 2, NAME: 'b', QTY: '2.00', NOTE: 'new column' });
      assert.ok(driver.logs.some((l) => l.includes('DDL on a captured table')));
    } finally {
      await driver.stop();
    }
  });

  test('SQL_REDO the parser cannot read fails the task with record.conversion_failed, naming the transaction and SCN', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const driver = new OracleFakeDriver(db, fakeConfig({ 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      const tx = db.begin();
      db.append({ thread: 1, xid: tx.xid, operationCode: 1, owner: 'APP', table: 'ITEMS', sqlRedo: 'insert into "APP"."ITEMS"("ID") values (SYS_GUID());', rowId: 'AAAX', rollback: false });
      tx.commit();
      void items;
      await assert.rejects(driver.pollUntil(() => false, 10_000, 'the failure'), (e: TributaryError) => e.code === 'record.conversion_failed' && e.message.includes(tx.xid) && e.message.includes('unknown function SYS_GUID'));
    } finally {
      await driver.stop();
    }
  });
});
