import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideSnapshot } from './snapshot-mode.js';

test('snapshot decisions follow Debezium\'s modes', () => {
  assert.deepEqual(decideSnapshot('initial', 'none', true), { snapshot: 'fresh', stream: true });
  assert.deepEqual(decideSnapshot('initial', 'streaming', true), { snapshot: 'none', stream: true });
  assert.deepEqual(decideSnapshot('initial', 'streaming', false), { snapshot: 'position_lost', stream: true });
  assert.deepEqual(decideSnapshot('when_needed', 'streaming', false), { snapshot: 'fresh', stream: true });
  assert.deepEqual(decideSnapshot('always', 'streaming', true), { snapshot: 'fresh', stream: true });
  assert.deepEqual(decideSnapshot('no_data', 'none', true), { snapshot: 'none', stream: true });
  assert.deepEqual(decideSnapshot('initial_only', 'none', true), { snapshot: 'fresh', stream: false });
  assert.deepEqual(decideSnapshot('initial_only', 'streaming', true), { snapshot: 'none', stream: false });
  assert.deepEqual(decideSnapshot('initial', 'snapshot', true), { snapshot: 'resume', stream: true });
  assert.deepEqual(decideSnapshot('initial', 'snapshot', false), { snapshot: 'fresh', stream: true });
  assert.deepEqual(decideSnapshot('no_data', 'snapshot', false), { snapshot: 'none', stream: true });
});
