import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Logger } from '../../../plugins/api/index.js';
import type { MinedRow } from './logminer-row.js';
import { MiningWindow } from './mining-window.js';
import { Scn } from './scn.js';
import { TransactionBuffer } from './transaction-buffer.js';

const logs: string[] = [];
const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (_o, m) => void logs.push(String(m)), error: () => undefined };
let scn = 100;
const row = (xid: string, operationCode: number, extra: Partial<MinedRow> = {}): MinedRow => ({
  scn: Scn.of(++scn), scnText: String(scn), operationCode, sqlRedo: null, timestamp: scn, xid, owner: 'A', table: 'T', userName: null, rowId: null, rollback: false, rsId: null, ssn: 0, thread: 1, info: null, ...extra,
});

describe('transaction buffer', () => {
  test('changes are held per transaction until COMMIT; ROLLBACK drops them; the oldest open one holds the watermark', () => {
    const b = new TransactionBuffer({ retentionMs: 0, maxEvents: 0 }, logger);
    b.start(row('X', 6));
    b.change(row('X', 1, { rowId: 'r1' }));
    b.start(row('Y', 6));
    b.change(row('Y', 1, { rowId: 'r2' }));
    assert.equal(b.size, 2);
    assert.equal(b.eventCount, 2);
    assert.equal(b.oldest()?.xid, 'X');
    b.rollback('X');
    assert.equal(b.oldest()?.xid, 'Y');
    const y = b.commit('Y')!;
    assert.deepEqual(y.changes.map((c) => c.rowId), ['r2']);
    assert.equal(b.eventCount, 0);
    assert.equal(b.commit('nobody'), null);
  });

  test('an undo row (ROLLBACK = 1) removes the latest change to its ROW_ID', () => {
    const b = new TransactionBuffer({ retentionMs: 0, maxEvents: 0 }, logger);
    b.change(row('X', 1, { rowId: 'r1', sqlRedo: 'insert r1' }));
    b.change(row('X', 3, { rowId: 'r1', sqlRedo: 'update r1' }));
    b.change(row('X', 1, { rowId: 'r2', sqlRedo: 'insert r2' }));
    b.change(row('X', 1, { rowId: 'r1', rollback: true }));
    assert.deepEqual(b.commit('X')!.changes.map((c) => c.sqlRedo), ['insert r1', 'insert r2']);
  });

  test('retention and size limits abandon a transaction; its later rows are ignored', () => {
    const b = new TransactionBuffer({ retentionMs: 50, maxEvents: 2 }, logger);
    b.start(row('OLD', 6, { timestamp: 0 }));
    b.change(row('BIG', 1));
    b.change(row('BIG', 1));
    b.change(row('BIG', 1));
    assert.equal(b.commit('BIG'), null, 'over the events threshold');
    b.expire(100);
    b.change(row('OLD', 1));
    assert.equal(b.size, 0);
    assert.ok(logs.some((l) => l.includes('log.mining.transaction.retention.ms=50')));
  });
});

describe('mining window', () => {
  const config = { 'log.mining.batch.size.min': 10, 'log.mining.batch.size.max': 40, 'log.mining.batch.size.default': 20, 'log.mining.batch.size.increment': 10, 'log.mining.sleep.time.min.ms': 0, 'log.mining.sleep.time.max.ms': 100, 'log.mining.sleep.time.default.ms': 50, 'log.mining.sleep.time.increment.ms': 25 };

  test('the upper bound is capped by the batch, the current SCN and the flushed SCN', () => {
    const w = new MiningWindow(config);
    assert.equal(w.upperBound(Scn.of(100), Scn.of(1000), null)?.toString(), '120');
    assert.equal(w.upperBound(Scn.of(100), Scn.of(110), null)?.toString(), '110');
    assert.equal(w.upperBound(Scn.of(100), Scn.of(1000), Scn.of(105))?.toString(), '105');
    assert.equal(w.upperBound(Scn.of(100), Scn.of(100), null), null);
  });

  test('it grows and pauses less while lagging, shrinks and pauses more once caught up', () => {
    const w = new MiningWindow(config);
    w.adapt(Scn.of(120), Scn.of(1000));
    w.adapt(Scn.of(150), Scn.of(1000));
    w.adapt(Scn.of(190), Scn.of(1000));
    assert.equal(w.batchSize, 40n);
    assert.equal(w.sleepMs, 0);
    for (let i = 0; i < 5; i++) w.adapt(Scn.of(1000), Scn.of(1000));
    assert.equal(w.batchSize, 10n);
    assert.equal(w.sleepMs, 100);
  });
});
