import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DegradedStatus } from './degraded-status.js';

test('degraded status: the first part in order with trouble is shown, reported only when what is shown changes', () => {
  const shown: unknown[] = [];
  const status = new DegradedStatus(['stream', 'queue'], (e) => shown.push(e));
  const queueDown = new Error('redis');
  const streamDown = new Error('binlog');
  status.report('queue', queueDown);
  status.report('stream', streamDown);
  status.report('queue', null);
  status.report('queue', queueDown);
  status.report('stream', null);
  status.report('stream', null);
  status.report('queue', undefined);
  assert.deepEqual(shown, [queueDown, streamDown, queueDown, null]);
});
