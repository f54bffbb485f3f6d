import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PaddedNumbers, padPosition } from './records.js';

test('PaddedNumbers gives prefix + padPosition(n, width) for any n, in any order', () => {
  const ids = new PaddedNumbers('orders:');
  const rows = new PaddedNumbers('0000000001A2B3C4', 12);
  const ns = [0, 1, 9_999, 10_000, 10_001, 123_456_789, 5, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, 42];
  for (let n = 0; n < 30_000; n += 7) ns.push(n);
  for (const n of ns) {
    assert.equal(ids.of(n), `orders:${padPosition(n)}`, String(n));
    assert.equal(rows.of(n), `0000000001A2B3C4${padPosition(n, 12)}`, String(n));
  }
  assert.ok(ids.of(10_001) < ids.of(100_000), 'sorts in numeric order');
});
