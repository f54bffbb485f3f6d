import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IS_CONTROL, IS_TRANSACTIONAL, type RecordsBatch } from '@platformatic/kafka';
import { abortedBatches } from './aborted-transactions.js';

/** A batch of `count` records at `offset` from producer `pid`; kind: data (transactional or not) or a marker. */
function batch(offset: number, pid: number, kind: 'tx' | 'plain' | 'commit' | 'abort', count = 1): RecordsBatch {
  const marker = kind === 'commit' || kind === 'abort';
  const key = Buffer.alloc(4);
  key.writeInt16BE(kind === 'commit' ? 1 : 0, 2);
  return {
    firstOffset: BigInt(offset), lastOffsetDelta: count - 1, producerId: BigInt(pid), producerEpoch: 0,
    attributes: (kind === 'plain' ? 0 : IS_TRANSACTIONAL) | (marker ? IS_CONTROL : 0),
    records: Array.from({ length: count }, (_, i) => ({ offsetDelta: i, key: marker ? key : Buffer.from(`${offset + i}`) })),
  } as unknown as RecordsBatch;
}

const offsets = (set: ReadonlySet<RecordsBatch>) => [...set].map((b) => Number(b.firstOffset));

test('two aborted transactions of one producer id (a task across epochs) are both found; its committed one is not', () => {
  const batches = [batch(0, 7, 'tx'), batch(1, 7, 'abort'), batch(2, 7, 'tx', 2), batch(4, 7, 'commit'), batch(5, 7, 'tx'), batch(6, 7, 'tx'), batch(7, 7, 'abort')];
  assert.deepEqual(offsets(abortedBatches(batches, [{ producerId: 7n, firstOffset: 5n }, { producerId: 7n, firstOffset: 0n }])), [0, 5, 6]);
});

test('an aborted transaction whose marker is in a later response: its batches here are aborted all the same', () => {
  const batches = [batch(10, 3, 'tx'), batch(11, 3, 'tx'), batch(12, 3, 'tx')];
  assert.deepEqual(offsets(abortedBatches(batches, [{ producerId: 3n, firstOffset: 10n }])), [10, 11, 12]);
});

test('a response starting inside an aborted transaction (first offset before the fetch offset)', () => {
  const batches = [batch(20, 3, 'tx'), batch(21, 3, 'abort'), batch(22, 3, 'tx'), batch(23, 3, 'commit')];
  assert.deepEqual(offsets(abortedBatches(batches, [{ producerId: 3n, firstOffset: 15n }])), [20]);
});

test('other producers interleaved: only the aborting producer\'s transactional batches; a non-transactional batch never', () => {
  const batches = [batch(0, 1, 'tx'), batch(1, 2, 'tx'), batch(2, 9, 'plain'), batch(3, 1, 'tx'), batch(4, 2, 'commit'), batch(5, 1, 'abort'), batch(6, 1, 'tx'), batch(7, 1, 'commit')];
  assert.deepEqual(offsets(abortedBatches(batches, [{ producerId: 1n, firstOffset: 0n }])), [0, 3]);
});

test('a producer is aborted only from its aborted transaction\'s first offset on', () => {
  const batches = [batch(0, 4, 'tx'), batch(1, 4, 'commit'), batch(2, 4, 'tx', 3), batch(5, 4, 'abort')];
  assert.deepEqual(offsets(abortedBatches(batches, [{ producerId: 4n, firstOffset: 3n }])), [2], 'a batch reaching the first offset counts');
});

test('no aborted transactions listed (read_uncommitted, or none in range): nothing', () => {
  assert.equal(abortedBatches([batch(0, 1, 'tx')], []).size, 0);
  assert.equal(abortedBatches([batch(0, 1, 'tx')], undefined).size, 0);
});
