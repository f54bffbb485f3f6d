import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteSink } from './byte-sink.js';
import { bitWidthOf, encodeRleHybrid } from './rle-hybrid.js';

/** Byte layouts computed by hand from Encodings.md ("Run Length Encoding / Bit-Packing Hybrid"). */
function encode(values: number[], bitWidth = 1): number[] {
  const out = new ByteSink(1);
  encodeRleHybrid(values, values.length, bitWidth, out);
  return [...out.written()];
}

test('a run of 8 or more equal values is one RLE run: header count << 1, then the value', () => {
  assert.deepEqual(encode(new Array<number>(10).fill(1)), [0x14, 0x01]);
  // 2000 → varint d0 0f
  assert.deepEqual(encode(new Array<number>(1000).fill(1)), [0xd0, 0x0f, 0x01]);
  assert.deepEqual(encode(new Array<number>(8).fill(0)), [0x10, 0x00]);
});

test('mixed values are bit-packed in groups of 8, least significant bit first', () => {
  // 1 0 1 1 0 0 0 1 → bits 0, 2, 3, 7 → 0x8d; header (1 group << 1) | 1
  assert.deepEqual(encode([1, 0, 1, 1, 0, 0, 0, 1]), [0x03, 0x8d]);
  // the last group of the sequence is padded with zeros
  assert.deepEqual(encode([1, 0, 1]), [0x03, 0x05]);
  assert.deepEqual(encode([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]), [0x05, 0x55, 0x55]);
});

test('bit-packed groups, then an RLE run where a long run starts at a group boundary', () => {
  assert.deepEqual(encode([1, 0, 1, 0, 1, 0, 1, 0, ...new Array<number>(20).fill(1)]), [0x03, 0x55, 0x28, 0x01]);
  assert.deepEqual(encode([1, 1, 1, 1, 1, 0, 0, 0, ...new Array<number>(20).fill(1)]), [0x03, 0x1f, 0x28, 0x01]);
  // a run shorter than 8 then the rest: RLE run, then packed
  assert.deepEqual(encode([...new Array<number>(9).fill(0), 1, 0]), [0x12, 0x00, 0x03, 0x01]);
});

test('wider values: the spec example for bit width 3, and RLE values in ceil(width / 8) bytes', () => {
  assert.deepEqual(encode([0, 1, 2, 3, 4, 5, 6, 7], 3), [0x03, 0b10001000, 0b11000110, 0b11111010]);
  assert.deepEqual(encode(new Array<number>(8).fill(300), 9), [0x10, 0x2c, 0x01]);
});

test('bit widths', () => {
  assert.deepEqual([0, 1, 2, 3, 7, 8, 255, 256].map(bitWidthOf), [0, 1, 2, 2, 3, 4, 8, 9]);
});
