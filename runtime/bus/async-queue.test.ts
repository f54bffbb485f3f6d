import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { AsyncQueue, QueueClosedError } from './async-queue.js';

describe('AsyncQueue', () => {
  it('hands items out in order, at most max per take', async () => {
    const q = new AsyncQueue<number>(10);
    for (let i = 1; i <= 5; i++) assert.equal(await q.push(i), 0, 'no wait below capacity');
    assert.equal(q.size, 5);
    assert.deepEqual(await q.take(2, 1000), [1, 2]);
    assert.deepEqual(await q.take(10, 1000), [3, 4, 5]);
    assert.equal(q.size, 0);
  });

  it('returns [] when nothing arrives within the timeout', async () => {
    const q = new AsyncQueue<number>(1);
    assert.deepEqual(await q.take(10, 5), []);
  });

  it('ends a waiting take as soon as an item is pushed', async () => {
    const q = new AsyncQueue<string>(1);
    const taken = q.take(10, 60_000);
    await q.push('x');
    assert.deepEqual(await taken, ['x']);
  });

  it('wake ends a pending take with whatever is there', async () => {
    const q = new AsyncQueue<number>(1);
    const taken = q.take(10, 60_000);
    q.wake();
    assert.deepEqual(await taken, []);
    q.wake();
  });

  it('blocks push at capacity until a take makes room, and reports the time blocked', async () => {
    const q = new AsyncQueue<number>(2);
    await q.push(1);
    await q.push(2);
    let resolved = false;
    const blocked = q.push(3).then((ms) => {
      resolved = true;
      return ms;
    });
    await delay(10);
    assert.equal(resolved, false, 'the third push waits');
    assert.equal(q.size, 2);
    assert.deepEqual(await q.take(1, 0), [1]);
    const ms = await blocked;
    assert.ok(ms > 0, `blocked ${ms} ms`);
    assert.deepEqual(await q.take(10, 0), [2, 3]);
  });

  it('releases several blocked pushers one slot at a time, keeping order', async () => {
    const q = new AsyncQueue<number>(1);
    await q.push(0);
    const pushes = [q.push(1), q.push(2), q.push(3)];
    const seen: number[] = [];
    while (seen.length < 4) seen.push(...(await q.take(10, 1000)));
    await Promise.all(pushes);
    assert.deepEqual(seen, [0, 1, 2, 3]);
  });

  it('close rejects pending and later pushes with QueueClosedError, drops items and ends a take', async () => {
    const q = new AsyncQueue<number>(1);
    await q.push(1);
    const pending = q.push(2);
    q.close();
    await assert.rejects(pending, QueueClosedError);
    await assert.rejects(q.push(3), (e: unknown) => e instanceof QueueClosedError && e.message === 'queue closed');
    assert.equal(q.size, 0);
    // a closed queue idles as an empty one does, so a loop not yet stopped cannot spin on it
    const started = performance.now();
    assert.deepEqual(await q.take(10, 50), []);
    assert.ok(performance.now() - started >= 45, 'a take on a closed queue waits out its timeout');
    const woken = q.take(10, 60_000);
    q.wake();
    assert.deepEqual(await woken, [], 'and wake still ends it');
    const q2 = new AsyncQueue<number>(1);
    const taking = q2.take(10, 60_000);
    q2.close();
    assert.deepEqual(await taking, []);
  });

  it('with a weight function takes at least one item, then more while the total fits', async () => {
    const q = new AsyncQueue<number[]>(10);
    for (const chunk of [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10, 11], [12]]) await q.push(chunk);
    const weigh = (c: number[]) => c.length;
    assert.deepEqual(await q.take(6, 0, weigh), [[1, 2, 3], [4], [5, 6]]);
    assert.deepEqual(await q.take(2, 0, weigh), [[7, 8, 9, 10, 11]], 'an item heavier than max still goes alone');
    assert.deepEqual(await q.take(100, 0, weigh), [[12]]);
    assert.deepEqual(await q.take(100, 0, weigh), []);
  });

  it('keeps order across many items (internal compaction)', async () => {
    const q = new AsyncQueue<number>(20_000);
    for (let i = 0; i < 10_000; i++) await q.push(i);
    const out: number[] = [];
    for (let k = 0; k < 7; k++) out.push(...(await q.take(1000, 0)));
    for (let i = 10_000; i < 12_000; i++) await q.push(i);
    while (q.size > 0) out.push(...(await q.take(1500, 0)));
    assert.equal(out.length, 12_000);
    assert.ok(out.every((v, i) => v === i));
  });
});
