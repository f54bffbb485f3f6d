import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinlogPosition, heartbeatPosition, snapshotTablePrefix, streamPosition } from './binlog-position.js';
import { blockingScopeOf, snapshotOffsets, snapshotResumeOf } from './snapshot-offsets.js';

test('a blocking snapshot\'s offsets carry its tables, filters and the place the stream stopped at', () => {
  const point = { at: new BinlogPosition('binlog.000003', 4711), gtids: '0-1-42' };
  const scope = { collections: ['db.a', 'db.b'], conditions: { 'db.a': 'id > 1' } };
  const offsets = snapshotOffsets(point, 7, 123, ['db.a'], scope);
  const inTable = offsets.inTable('db.b', [5], 10);
  assert.deepEqual(blockingScopeOf(inTable), scope);
  const { point: resumed, resume } = snapshotResumeOf(inTable);
  assert.equal(resumed?.at.toString(), point.at.toString(), 'the rows keep their place, where the stream goes on');
  assert.equal(resumed?.gtids, point.gtids);
  assert.equal(offsets.completed().pos, 4711);
  assert.deepEqual(resume.blocking, scope);
  assert.deepEqual(resume.done, ['db.a']);
  assert.deepEqual(resume.table, { name: 'db.b', after: [5], rowsBefore: 10 });
  assert.equal(blockingScopeOf(snapshotOffsets(point, 7, 123, []).between()), null, 'an initial snapshot has no scope');
  assert.equal(blockingScopeOf(offsets.completed()), null, 'the completed offset streams on from the point');
  // the rows sort after everything streamed before the stop and before everything after it
  const row = snapshotTablePrefix(point.at, '6462') + 'k1';
  assert.ok(row > streamPosition(new BinlogPosition('binlog.000003', 4000), 0, 0));
  assert.ok(row < streamPosition(point.at, 0, 0));
  assert.ok(row < heartbeatPosition(point.at));
});
