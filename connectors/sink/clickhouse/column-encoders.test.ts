import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padPosition, Schemas, type Schema } from '../../../plugins/api/index.js';
import { parseType } from './clickhouse-types.js';
import { columnEncoder } from './column-encoders.js';
import { rowChangeOf, versionOf } from './record-rows.js';
import { RowBinaryWriter } from './row-binary.js';

function hex(schema: Schema, type: string, value: unknown, fillNull = false): string {
  const w = new RowBinaryWriter(4);
  columnEncoder('c', schema, parseType(type))(w, value, fillNull);
  return w.bytes().toString('hex');
}

test('integers: little-endian, range-checked, never wrapped', () => {
  assert.equal(hex(Schemas.int16(), 'Int16', -2), 'feff');
  assert.equal(hex(Schemas.int64(), 'Int64', 9223372036854775807n), 'ffffffffffffff7f');
  assert.equal(hex(Schemas.int64(), 'Int64', -1), 'ffffffffffffffff');
  assert.equal(hex(Schemas.int64(), 'Int64', 2 ** 40), '0000000000010000');
  assert.equal(hex(Schemas.int64(), 'UInt8', 255), 'ff');
  assert.throws(() => hex(Schemas.int32(), 'UInt8', 300), /300 is out of the range of UInt8 \(0 … 255\)/);
  assert.throws(() => hex(Schemas.int32(), 'UInt32', -1), /-1 is out of the range of UInt32/);
  assert.throws(() => hex(Schemas.int64(), 'Int32', 2n ** 31n), /out of the range of Int32/);
});

test('decimals: exact unscaled integers of 4, 8, 16 bytes; too many digits refused', () => {
  assert.equal(hex(Schemas.decimal(5, 2), 'Decimal(5, 2)', '-0.05'), 'fbffffff');
  assert.equal(hex(Schemas.decimal(12, 2), 'Decimal(18, 4)', '12.5'), '48e8010000000000');
  const le64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b.toString('hex'); };
  // the fast path (no BigInt) and the exact one agree
  for (const [text, units] of [['-1234567.89', -123456789n], ['0.05', 5n], ['-0.00', 0n], ['9999999999.99', 999999999999n], ['7', 700n]] as const) {
    assert.equal(hex(Schemas.decimal(12, 2), 'Decimal(12, 2)', text), le64(units), text);
  }
  assert.equal(hex(Schemas.decimal(18, 2), 'Decimal(18, 2)', '1234567890123456.78'), le64(123456789012345678n));
  assert.throws(() => hex(Schemas.decimal(12, 2), 'Decimal(12, 2)', '12345678901.00'), /exceeds precision 12/);
  const big = hex(Schemas.decimal(38, 10), 'Decimal(38, 10)', '123456789012345678901234567.8901234567');
  assert.equal(BigInt.asIntN(128, BigInt('0x' + Buffer.from(big, 'hex').reverse().toString('hex'))), 1234567890123456789012345678901234567n);
  assert.equal(hex(Schemas.decimal(38, 2), 'Decimal(38, 2)', '-1.00'), '9c' + 'ff'.repeat(15));
  assert.throws(() => hex(Schemas.decimal(12, 3), 'Decimal(12, 2)', '1.005'), /more than 2 fraction digits/);
  assert.throws(() => hex(Schemas.decimal(12, 2), 'Decimal(4, 2)', '123.45'), /exceeds precision 4/);
});

test('dates, timestamps and UUIDs', () => {
  assert.equal(hex(Schemas.date(), 'Date', 19782), '464d');
  assert.throws(() => hex(Schemas.date(), 'Date', -1), /date -1 \(days since 1970-01-01\) is out of the column's range/);
  assert.equal(hex(Schemas.date(), 'Date32', -1), 'ffffffff');
  // 2024-01-02T08:04:05.123456Z
  const micros = 1_704_182_645_123_456n;
  const le = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b.toString('hex'); };
  assert.equal(hex(Schemas.zonedTimestamp(), 'Int64', '2024-01-02T08:04:05.123456Z'), le(micros));
  assert.equal(hex(Schemas.zonedTimestamp(), "DateTime64(6, 'UTC')", '2024-01-02T08:04:05.123456Z'), le(micros));
  assert.equal(hex(Schemas.microTimestamp(), "DateTime64(9, 'UTC')", Number(micros)), le(micros * 1000n));
  assert.equal(hex(Schemas.int64({ name: 'io.debezium.time.Timestamp' }), "DateTime64(3, 'UTC')", 1_704_182_645_123), le(1_704_182_645_123n));
  assert.throws(() => hex(Schemas.microTimestamp(), "DateTime64(3, 'UTC')", Number(micros)), /more digits than DateTime64\(3\)/);
  assert.throws(() => hex(Schemas.zonedTimestamp(), "DateTime64(6, 'UTC')", 'infinity'), /outside DateTime64's range/);
  assert.equal(hex(Schemas.uuid(), 'UUID', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), 'f84e0b9c99bceea0110a38bdb96b6dbb');
  assert.throws(() => hex(Schemas.uuid(), 'UUID', 'not-a-uuid'), /is not a UUID/);
});

test('strings, bytes, arrays and nulls', () => {
  assert.equal(hex(Schemas.string(), 'String', 'hé'), '0368c3a9');
  assert.equal(hex(Schemas.bytes(), 'String', Buffer.from([0, 255])), '0200ff');
  assert.equal(hex(Schemas.json(), 'String', '{"a":1}'), '077b2261223a317d');
  assert.equal(hex(Schemas.decimal(5, 2), 'String', '1.50'), '04312e3530');
  assert.equal(hex(Schemas.array(Schemas.int32({ optional: true })), 'Array(Nullable(Int32))', [1, null]), '02' + '0001000000' + '01');
  assert.equal(hex(Schemas.array(Schemas.string(), { optional: true }), 'Array(String)', null), '00');
  assert.equal(hex(Schemas.int32({ optional: true }), 'Nullable(Int32)', null), '01');
  assert.equal(hex(Schemas.int32({ optional: true }), 'Nullable(Int32)', 7), '0007000000');
  assert.throws(() => hex(Schemas.int32({ optional: true }), 'Int32', null), /column c \(Int32\) is not Nullable and the value is null/);
  // a deleted key's before-image may lack the other columns: their zero is written
  assert.equal(hex(Schemas.int32({ optional: true }), 'Int32', null, true), '00000000');
  assert.equal(hex(Schemas.string({ optional: true }), 'String', null, true), '00');
});

test('versions never decrease along positions', () => {
  // PostgreSQL: commit LSN (16 hex) + change LSN + ordinal; datagen: 20 decimal digits
  const pg = ['00000000016B3748' + '00000000016B3700' + '00000001', '00000000016B3749' + '0000000000000001' + '00000000', '00000001000000000000000000000000000000ff'];
  for (let i = 1; i < pg.length; i++) assert.ok(versionOf(pg[i]) > versionOf(pg[i - 1]), pg[i]);
  assert.equal(versionOf(pg[0]), 0x16b3748n);
  assert.equal(versionOf(padPosition(42)), 42n);
  assert.ok(versionOf(padPosition(10_001)) > versionOf(padPosition(10_000)));
  assert.ok(versionOf('b-other') > versionOf('a-other'));
});

test('rows of envelopes, flat rows and truncates', () => {
  const base = { topic: 't', partition: 0, offset: 0, keySchema: null, key: null, valueSchema: null, timestamp: 5, position: '1', id: 't:1' };
  const del = rowChangeOf({ ...base, value: { op: 'd', before: { id: 1 }, after: null, source: { ts_ms: 3 } } });
  assert.ok(del.kind === 'row' && del.deleted && del.row.id === 1 && del.sourceTsMs === 3);
  const upd = rowChangeOf({ ...base, value: { op: 'u', before: { id: 1, v: 1 }, after: { id: 1, v: 2 }, source: {} } });
  assert.ok(upd.kind === 'row' && !upd.deleted && upd.row.v === 2 && upd.sourceTsMs === 5);
  const flat = rowChangeOf({ ...base, value: { id: 1, __deleted: 'true' } });
  assert.ok(flat.kind === 'row' && flat.deleted);
  assert.equal(rowChangeOf({ ...base, value: { op: 't', before: null, after: null, source: {} } }).kind, 'truncate');
  assert.equal(rowChangeOf({ ...base, value: null }).kind, 'skip');
});
