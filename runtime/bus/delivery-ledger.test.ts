import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryLedger } from './delivery-ledger.js';
import { boundBefore, boundThrough } from './durable-bound.js';
import { PublishedBatch } from './published-batch.js';

const batch = () => new PublishedBatch(new Map());

describe('DeliveryLedger', () => {
  it('merges consecutive offsets of one batch and source into one run', () => {
    const ledger = new DeliveryLedger();
    const b = batch();
    for (let offset = 0; offset < 1000; offset++) ledger.record('t', offset, offset, b, String(offset).padStart(4, '0'), 'src');
    assert.equal(ledger.pendingRuns, 1);
    assert.equal(b.pending, 1000);
  });

  it('records a range of offsets at once, merging it with the run it continues', () => {
    const ledger = new DeliveryLedger();
    const b = batch();
    ledger.record('t', 0, 499, b, '0499', 'src');
    ledger.record('t', 500, 999, b, '0999', 'src');
    ledger.record('t', 1002, 1009, b, '1009', 'src'); // after a gap (skipped offsets)
    assert.equal(ledger.pendingRuns, 2);
    assert.equal(b.pending, 1008);
    assert.deepEqual(ledger.ack('t', 1000), [{ topic: 't', source: 'src', bound: boundThrough('0999') }]);
    assert.equal(b.pending, 8);
    assert.equal(ledger.lookup('t', 1005)?.source, 'src');
    assert.equal(ledger.lookup('t', 1000), undefined);
  });

  it('starts a new run for another batch, another source, a gap, or another topic', () => {
    const ledger = new DeliveryLedger();
    const b1 = batch();
    const b2 = batch();
    ledger.record('t', 0, 0, b1, '1', 'a');
    ledger.record('t', 1, 1, b2, '2', 'a'); // other batch
    ledger.record('t', 2, 2, b2, '3', 'b'); // other source
    ledger.record('t', 4, 4, b2, '4', 'b'); // gap
    ledger.record('u', 5, 5, b2, '5', 'b'); // other topic
    assert.equal(ledger.pendingRuns, 5);
    assert.equal(b1.pending, 1);
    assert.equal(b2.pending, 4);
  });

  it('ack releases the pending counts of batches below the offset and reports durable positions', () => {
    const ledger = new DeliveryLedger();
    const b1 = batch();
    const b2 = batch();
    b1.sealed = true;
    b2.sealed = true;
    for (let o = 0; o < 3; o++) ledger.record('t', o, o, b1, `p${o}`, 'src');
    for (let o = 3; o < 5; o++) ledger.record('t', o, o, b2, `p${o}`, 'src');
    assert.deepEqual(ledger.ack('t', 3), [{ topic: 't', source: 'src', bound: boundThrough('p2') }]);
    assert.equal(b1.pending, 0);
    assert.equal(b1.complete, true);
    assert.equal(b2.pending, 2);
    assert.equal(b2.complete, false);
    assert.equal(ledger.pendingRuns, 1);
    assert.deepEqual(ledger.ack('t', 5), [{ topic: 't', source: 'src', bound: boundThrough('p4') }]);
    assert.equal(b2.complete, true);
    assert.equal(ledger.pendingRuns, 0);
    assert.deepEqual(ledger.ack('t', 5), [], 'nothing left');
  });

  it('a partial ack with the position of the record at the offset reports the exact bound before it', () => {
    const ledger = new DeliveryLedger();
    const b1 = batch();
    const b2 = batch();
    ledger.record('t', 0, 4, b1, 'p04', 'other');
    ledger.record('t', 5, 19, b2, 'p19', 'src');
    // the sink's oldest open file starts at offset 12, position p12
    assert.deepEqual(ledger.ack('t', 12, { position: 'p12' }).sort((x, y) => x.source.localeCompare(y.source)), [
      { topic: 't', source: 'other', bound: boundThrough('p04') },
      { topic: 't', source: 'src', bound: boundBefore('p12') },
    ]);
    assert.equal(b1.pending, 0);
    assert.equal(b2.pending, 8, 'offsets 12..19 still held');
    assert.equal(ledger.lookup('t', 11), undefined);
    assert.deepEqual(ledger.lookup('t', 12), { batch: b2, source: 'src' });
    assert.deepEqual(ledger.ack('t', 20), [{ topic: 't', source: 'src', bound: boundThrough('p19') }]);
    assert.equal(b2.pending, 0);
  });

  it('a partial ack with the position of the last durable record reports the bound through it', () => {
    const ledger = new DeliveryLedger();
    const b = batch();
    ledger.record('t', 0, 9, b, 'p09', 'src');
    assert.deepEqual(ledger.ack('t', 4, { lastPosition: 'p03' }), [{ topic: 't', source: 'src', bound: boundThrough('p03') }]);
    assert.equal(b.pending, 6);
  });

  it('a partial ack without a position releases part of a run but reports no bound for it', () => {
    const ledger = new DeliveryLedger();
    const b = batch();
    for (let o = 10; o < 20; o++) ledger.record('t', o, o, b, `p${o}`, 'src');
    assert.deepEqual(ledger.ack('t', 14), []);
    assert.equal(b.pending, 6);
    assert.equal(ledger.lookup('t', 13), undefined, 'released');
    assert.deepEqual(ledger.lookup('t', 14), { batch: b, source: 'src' });
    assert.deepEqual(ledger.ack('t', 10), [], 'an ack below what is held changes nothing');
    assert.equal(b.pending, 6);
    assert.deepEqual(ledger.ack('t', 20), [{ topic: 't', source: 'src', bound: boundThrough('p19') }]);
    assert.equal(b.pending, 0);
  });

  it('keeps the highest position of a run, and reports one position per source', () => {
    const ledger = new DeliveryLedger();
    const b = batch();
    ledger.record('t', 0, 0, b, '005', 'a');
    ledger.record('t', 1, 1, b, '003', 'a'); // transforms may reorder; the run keeps the highest
    ledger.record('t', 2, 2, b, '100', 'b');
    ledger.record('t', 3, 3, b, '007', 'a');
    const acked = ledger.ack('t', 4);
    assert.deepEqual(
      acked.sort((x, y) => x.source.localeCompare(y.source)),
      [
        { topic: 't', source: 'a', bound: boundThrough('007') },
        { topic: 't', source: 'b', bound: boundThrough('100') },
      ],
    );
  });

  it('ack of a topic with no deliveries reports nothing', () => {
    const ledger = new DeliveryLedger();
    assert.deepEqual(ledger.ack('nothing', 100), []);
  });

  it('looks up the batch and source of any held offset', () => {
    const ledger = new DeliveryLedger();
    const batches = Array.from({ length: 50 }, batch);
    let offset = 0;
    for (const [i, b] of batches.entries()) for (let k = 0; k < 3; k++, offset++) ledger.record('t', offset, offset, b, String(offset + 1), `s${i % 2}`);
    assert.equal(ledger.pendingRuns, 50);
    for (let o = 0; o < offset; o++) {
      const found = ledger.lookup('t', o)!;
      assert.equal(found.batch, batches[Math.floor(o / 3)]);
      assert.equal(found.source, `s${Math.floor(o / 3) % 2}`);
    }
    assert.equal(ledger.lookup('t', offset), undefined);
    assert.equal(ledger.lookup('other', 0), undefined);
  });

  it('clear forgets everything', () => {
    const ledger = new DeliveryLedger();
    ledger.record('t', 0, 0, batch(), '1', 's');
    ledger.clear();
    assert.equal(ledger.pendingRuns, 0);
    assert.equal(ledger.lookup('t', 0), undefined);
  });
});
