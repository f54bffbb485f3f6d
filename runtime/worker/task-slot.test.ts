import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelay } from './task-slot.js';

describe('restartDelay', () => {
  it('doubles from the initial delay with each consecutive failure', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((f) => restartDelay(f, 1000, 60_000)), [1000, 2000, 4000, 8000, 16000]);
  });

  it('is capped at the maximum', () => {
    assert.equal(restartDelay(7, 1000, 60_000), 60_000);
    assert.equal(restartDelay(1000, 1000, 60_000), 60_000);
    assert.equal(restartDelay(3, 500, 1500), 1500);
  });

  it('uses the initial delay for zero or one failure, and allows zero', () => {
    assert.equal(restartDelay(0, 1000, 60_000), 1000);
    assert.equal(restartDelay(1, 1000, 60_000), 1000);
    assert.equal(restartDelay(5, 0, 60_000), 0);
    assert.equal(restartDelay(1, 1000, 0), 0);
  });
});
