import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lsn } from './lsn.js';
import { blockingScopeOf, flushLsnOfOffset, heartbeatPosition, positionOfOffset, snapshotOffsets, snapshotPosition, streamOffset, streamPosition } from './positions.js';
import { offsetProblems } from './offset-check.js';

test('Lsn parses, formats and compares', () => {
  const lsn = Lsn.parse('16/B374D848');
  assert.equal(lsn.value, (0x16n << 32n) | 0xb374d848n);
  assert.equal(lsn.toString(), '16/B374D848');
  assert.equal(lsn.toHex16(), '00000016B374D848');
  assert.equal(Lsn.fromOffset(lsn.toOffset())!.compare(lsn), 0);
  assert.equal(Lsn.fromOffset('16/B374D848')!.compare(lsn), 0);
  assert.ok(Lsn.parse('0/FF').compare(Lsn.parse('1/0')) < 0);
  assert.throws(() => Lsn.parse('nope'));
});

test('positions sort: snapshot rows < heartbeat at that point < changes committed after; parts after their change', () => {
  const point = Lsn.parse('0/1000');
  const snap = [snapshotPosition(point, 16385, 0), snapshotPosition(point, 16385, 1), snapshotPosition(point, 16390, 0)];
  const beat = heartbeatPosition(point);
  const change = streamPosition(point, Lsn.parse('0/1000'), 1);
  const later = streamPosition(Lsn.parse('0/2000'), Lsn.parse('0/1800'), 1);
  const sequence = [...snap, beat, change, change + ':1', streamPosition(point, Lsn.parse('0/1000'), 2), later];
  assert.deepEqual([...sequence].sort(), sequence);
});

test('offsets map back to the last delivered position and the LSN to acknowledge', () => {
  const commit = Lsn.parse('0/2000');
  const offset = streamOffset(commit, Lsn.parse('0/1800'), 3, 1, 42, 1000);
  assert.equal(positionOfOffset(offset), streamPosition(commit, Lsn.parse('0/1800'), 3, 1));
  assert.equal(flushLsnOfOffset(offset)!.toString(), '0/2000', 'inside a transaction: its commit record start');
  const lastOfTransaction = { ...offset, lsn_commit_end: Lsn.parse('0/2030').toOffset() };
  assert.equal(flushLsnOfOffset(lastOfTransaction)!.toString(), '0/2030', 'its last record: the end of its commit record');
  assert.equal(positionOfOffset(lastOfTransaction), positionOfOffset(offset), 'the same position either way');
  assert.equal(positionOfOffset({ snapshot: true, snapshot_lsn: 5 }), null);
  assert.equal(flushLsnOfOffset({ snapshot: true, snapshot_lsn: 5, lsn_commit: 9 })!.value, 5n);
  // a Debezium offset without our ordinal covers the whole change LSN
  assert.ok(positionOfOffset({ lsn: 0x1800, lsn_commit: 0x2000, txId: 1 })! > streamPosition(commit, Lsn.parse('0/1800'), 99));
});

test('a blocking snapshot\'s offsets: its scope, and the stream after it goes on from the signal', () => {
  const point = Lsn.parse('0/9000');
  const resume = Lsn.parse('0/5000');
  const scope = { collections: ['public.a', 'public.b'], conditions: { 'public.a': 'id > 1' } };
  const offsets = snapshotOffsets(point, resume, 123, ['public.a'], scope);
  const inTable = offsets.inTable(42, ['7'], 10);
  assert.deepEqual(blockingScopeOf(inTable), scope);
  assert.deepEqual(offsetProblems(inTable), []);
  assert.equal(blockingScopeOf(snapshotOffsets(point, resume, 123, []).between()), null, 'an initial snapshot has no scope');
  // a restart streams from the signal on: the changes made while the rows were read come after them
  assert.equal(positionOfOffset(inTable), null);
  assert.equal(flushLsnOfOffset(inTable)?.toString(), resume.toString());
  assert.equal(positionOfOffset(offsets.completed()), heartbeatPosition(resume));
  // by position a row wins over the changes before its point, which it holds, and loses to those after
  assert.ok(snapshotPosition(point, 42, 9) > streamPosition(Lsn.parse('0/8FF0'), Lsn.parse('0/8FE0'), 1));
  assert.ok(snapshotPosition(point, 42, 9) < streamPosition(point, Lsn.parse('0/9008'), 1));
  assert.deepEqual(offsetProblems({ ...inTable, snapshot_conditions: '[1]' }).length, 1);
});
