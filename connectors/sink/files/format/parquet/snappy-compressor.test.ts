import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snappyUncompress } from 'hyparquet';
import { SnappyCompressor } from './snappy-compressor.js';

function roundTrip(c: SnappyCompressor, input: Uint8Array): Uint8Array {
  const compressed = c.compress(input).slice();
  const back = new Uint8Array(input.length);
  snappyUncompress(compressed, back);
  assert.deepEqual(back, input);
  return compressed;
}

test('hand-checked layouts: the length varint, one literal, a copy with a 1-byte offset', () => {
  const c = new SnappyCompressor();
  assert.deepEqual([...c.compress(new Uint8Array(0))], [0x00]);
  // 3 bytes: length 3, literal tag (3 - 1) << 2 = 0x08
  assert.deepEqual([...c.compress(Uint8Array.of(1, 2, 3))], [0x03, 0x08, 1, 2, 3]);
  // 20 × 'a': literal of 1 (tag 0x00, 'a'), then a copy of 19 from offset 1: 2-byte form (19 > 11): tag 2 | 18 << 2 = 0x4a, offset 01 00
  assert.deepEqual([...c.compress(new Uint8Array(20).fill(97))], [0x14, 0x00, 97, 0x4a, 0x01, 0x00]);
});

test('round trips through hyparquet\'s decompressor: text, runs, random bytes, long matches, 64 KiB blocks', () => {
  const c = new SnappyCompressor();
  const text = new TextEncoder().encode(Array.from({ length: 20_000 }, (_, i) => `row ${i % 997} ü€ bench ${i}`).join('\n'));
  assert.ok(roundTrip(c, text).length < text.length / 2);
  roundTrip(c, new Uint8Array(300_000).fill(7));
  let seed = 42;
  const random = new Uint8Array(200_003).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  roundTrip(c, random);
  // random bytes with repeats at every distance up to the block size
  const mixed = new Uint8Array(150_000);
  for (let i = 0; i < mixed.length; i++) mixed[i] = i % 5000 < 2500 ? random[i % 4096] : random[(i * 7) % 200_000];
  roundTrip(c, mixed);
  for (let n = 0; n < 100; n++) roundTrip(c, random.subarray(0, n));
  // literals of every length form (1-byte, 2-byte, 3-byte lengths)
  roundTrip(c, random.subarray(0, 70_000));
  // a reused compressor starts each call afresh
  roundTrip(c, text.subarray(0, 1000));
});
