import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geometryFromDecoded, geometryFromServerBytes } from './geometry-wkb.js';

const POINT_1_2 = '0101000000000000000000f03f0000000000000040';

test('the server\'s spatial bytes (SRID + WKB) become Debezium\'s { wkb, srid }, SRID 0 as null', () => {
  assert.deepEqual(geometryFromServerBytes(Buffer.from(`00000000${POINT_1_2}`, 'hex')), { wkb: Buffer.from(POINT_1_2, 'hex'), srid: null });
  assert.equal(geometryFromServerBytes(Buffer.from(`e6100000${POINT_1_2}`, 'hex')).srid, 4326);
});

test('the binlog library\'s decoded shapes are written back as WKB, typed by the column or by their shape', () => {
  const hex = (v: unknown, declared: string) => geometryFromDecoded(v, declared).wkb.toString('hex');
  assert.equal(hex({ x: 1, y: 2 }, 'geometry'), POINT_1_2);
  assert.equal(hex({ x: 1, y: 2 }, 'point'), POINT_1_2);
  const line = [{ x: 0, y: 0 }, { x: 1, y: 1 }];
  assert.equal(hex(line, 'geometry'), '01020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f');
  // a MULTIPOINT column: the same array, each point a whole WKB point
  assert.equal(hex(line, 'multipoint'), `010400000002000000${'0101000000' + '00'.repeat(16)}0101000000000000000000f03f000000000000f03f`);
  const square = [[{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 0 }]];
  const polygon = hex(square, 'geometry');
  assert.equal(polygon.slice(0, 18), '010300000001000000', 'a polygon of one ring');
  assert.equal(hex([square, square], 'geometry').slice(0, 18), '010600000002000000', 'deeper: a multipolygon');
  assert.equal(hex([{ x: 1, y: 2 }, line], 'geometrycollection'), `010700000002000000${POINT_1_2}01020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f`);
});
