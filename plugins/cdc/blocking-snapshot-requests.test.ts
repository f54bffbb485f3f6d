import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockingSnapshotRequests } from './blocking-snapshot-requests.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

test('blocking snapshot requests: a second signal before the start joins the first; taken once; progress reported and cleared', () => {
  const reported: unknown[] = [];
  const requests = new BlockingSnapshotRequests(silent, (p) => void reported.push(p));
  assert.equal(requests.requested, false);
  requests.request({ id: 'a', type: 'execute-snapshot', snapshotType: 'blocking', collections: ['db.a'], conditions: new Map([['db.a', 'x > 1']]) });
  requests.request({ id: 'b', type: 'execute-snapshot', snapshotType: 'blocking', collections: ['db.a', 'db.b'], conditions: new Map() });
  assert.equal(requests.requested, true);
  const scope = requests.take();
  assert.deepEqual(scope, { collections: ['db.a', 'db.b'], conditions: { 'db.a': 'x > 1' } });
  assert.equal(requests.take(), null, 'taken once');
  requests.report(scope, 'running', { snapshot: { rows: 5 } });
  assert.deepEqual(requests.progress(), { type: 'blocking', state: 'running', collections: ['db.a', 'db.b'], snapshot: { rows: 5 } });
  requests.report(null);
  assert.equal(requests.progress(), null);
  assert.equal(reported.at(-1), null);
});
