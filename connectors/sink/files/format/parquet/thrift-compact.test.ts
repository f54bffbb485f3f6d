import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactType, CompactWriter } from './thrift-compact.js';

/** Byte layouts computed by hand from the Thrift compact protocol spec (field header = delta << 4 | type). */
const bytes = (w: CompactWriter) => [...w.view()];

test('i32 fields: short-form headers, zigzag varints; a delta over 15 takes the long form', () => {
  const w = new CompactWriter(4);
  w.begin().i32(1, 2).i32(2, -1).i32(20, 1).i32(21, 300).end();
  // 1: 0x15 zz(2)=4 · 2: 0x15 zz(-1)=1 · 20: type 0x05 then zz(20)=40, zz(1)=2 · 21: 0x15 zz(300)=600 → d8 04 · stop
  assert.deepEqual(bytes(w), [0x15, 0x04, 0x15, 0x01, 0x05, 0x28, 0x02, 0x15, 0xd8, 0x04, 0x00]);
});

test('i64 fields beyond 32 bits, negative ones, i8 and booleans', () => {
  const w = new CompactWriter();
  w.begin().i64(3, 300).i64(4, -3).i64(5, 2 ** 40).i8(6, 8).bool(7, true).bool(8, false).end();
  assert.deepEqual(bytes(w), [
    0x36, 0xd8, 0x04, // zz(300) = 600
    0x16, 0x05, // zz(-3) = 5
    0x16, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, // zz(2^40) = 2^41: five 0x80 groups, then 2^6
    0x13, 0x08,
    0x11, // true in the type nibble
    0x12, // false
    0x00,
  ]);
});

test('strings, nested structs (field ids restart inside, resume after) and lists', () => {
  const w = new CompactWriter();
  w.begin().string(4, 'ab').struct(5).i32(1, 7).end().i32(6, 1);
  w.list(7, CompactType.I32, 3).listI32(1).listI32(2).listI32(3);
  w.list(8, CompactType.BINARY, 1).listString('x');
  w.end();
  assert.deepEqual(bytes(w), [
    0x48, 0x02, 0x61, 0x62,
    0x1c, 0x15, 0x0e, 0x00, // struct 5 (delta 1 from 4); inside, field 1 counts from 0
    0x15, 0x02, // field 6 after the struct at 5
    0x19, 0x35, 0x02, 0x04, 0x06, // list of 3 i32
    0x19, 0x18, 0x01, 0x78, // list of 1 binary
    0x00,
  ]);
});

test('a list of 15 or more elements puts its size in a varint', () => {
  const w = new CompactWriter();
  w.begin().list(1, CompactType.STRUCT, 15);
  for (let i = 0; i < 15; i++) w.begin().end();
  w.end();
  assert.deepEqual(bytes(w), [0x19, 0xfc, 0x0f, ...new Array<number>(15).fill(0), 0x00]);
});

test('a data page header as the encoder writes it', () => {
  const w = new CompactWriter();
  w.begin().i32(1, 0).i32(2, 100).i32(3, 50).struct(5).i32(1, 10).i32(2, 0).i32(3, 3).i32(4, 3).end().end();
  assert.deepEqual(bytes(w), [0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x2c, 0x15, 0x14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00]);
});

test('reset keeps the buffer and starts over; the buffer grows past its capacity', () => {
  const w = new CompactWriter(2);
  w.begin().string(1, 'x'.repeat(300)).end();
  assert.equal(w.length, 1 + 2 + 300 + 1);
  w.reset();
  w.begin().i32(1, 1).end();
  assert.deepEqual(bytes(w), [0x15, 0x02, 0x00]);
});
