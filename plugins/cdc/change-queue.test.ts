import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeQueue } from './change-queue.js';

test('put waits while the queue is full; take returns at most max and [] after waiting', async () => {
  const q = new ChangeQueue<number>(2);
  await q.put(1);
  assert.ok(q.offer(2));
  assert.ok(!q.offer(3), 'full');
  let third = false;
  const pending = q.put(3).then(() => (third = true));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(third, false, 'backpressure');
  assert.deepEqual(await q.take(1, 10), [1]);
  await pending;
  assert.deepEqual(await q.take(10, 10), [2, 3]);
  const t0 = Date.now();
  assert.deepEqual(await q.take(10, 50), []);
  assert.ok(Date.now() - t0 >= 40);
});

test('a take wakes on put, on abort, and rethrows the reader failure after the queued items', async () => {
  const q = new ChangeQueue<string>(10);
  const waiting = q.take(5, 5_000);
  setTimeout(() => void q.put('x'), 5);
  assert.deepEqual(await waiting, ['x']);
  const abort = new AbortController();
  const aborted = q.take(5, 5_000, abort.signal);
  abort.abort();
  assert.deepEqual(await aborted, []);
  await q.put('y');
  q.fail(new Error('boom'));
  assert.deepEqual(await q.take(5, 10), ['y']);
  await assert.rejects(q.take(5, 10), /boom/);
});
