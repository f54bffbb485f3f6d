import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeOracle } from './test/fake-oracle.js';
import { fakeConfig, itemsTable, OracleFakeDriver, summary } from './test/fake-setup.js';

describe('oracle source over the fake LogMiner', () => {
  test('snapshot AS OF SCN, then streamed inserts, updates, deletes in commit order', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    db.autocommit((tx) => { tx.insert(items, { ID: '1', NAME: 'a', QTY: '1.5' }); tx.insert(items, { ID: '2', NAME: 'b', QTY: null }); });
    const driver = new OracleFakeDriver(db, fakeConfig());
    await driver.start();
    try {
      await driver.pollUntil((rs) => rs.length >= 2, 10_000, 'snapshot rows');
      const t1 = db.begin();
      const t2 = db.begin();
      const r3 = t1.insert(items, { ID: '3', NAME: "O'Brien", QTY: '10' });
      t2.update(items, [...db.committedRows('APP', 'ITEMS').keys()][0], { QTY: '2.25' });
      t2.commit();
      t1.delete(items, r3);
      t1.insert(items, { ID: '4', NAME: 'd', QTY: '-0.5' });
      t1.commit();
      await driver.pollUntil((rs) => rs.length >= 2 + 1 + 2, 10_000, 'streamed changes');
      const got = driver.records.map(summary);
      assert.deepEqual(got.slice(0, 2).map((r) => r.op), ['r', 'r']);
      assert.deepEqual(got.slice(2), [
        { topic: 'ora.APP.ITEMS', op: 'u', before: { ID: 1, NAME: 'a', QTY: '1.50' }, after: { ID: 1, NAME: 'a', QTY: '2.25' } },
        { topic: 'ora.APP.ITEMS', op: 'c', before: null, after: { ID: 3, NAME: "O'Brien", QTY: '10.00' } },
        { topic: 'ora.APP.ITEMS', op: 'd', before: { ID: 3, NAME: "O'Brien", QTY: '10.00' }, after: null },
        { topic: 'ora.APP.ITEMS', tombstone: { ID: 3 } },
        { topic: 'ora.APP.ITEMS', op: 'c', before: null, after: { ID: 4, NAME: 'd', QTY: '-0.50' } },
      ]);
      const positions = driver.records.map((r) => r.position);
      assert.deepEqual([...positions].sort(), positions, 'positions ascend');
    } finally {
      await driver.stop();
    }
  });
});
