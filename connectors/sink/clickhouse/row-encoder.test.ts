import assert from 'node:assert/strict';
import { test } from 'node:test';
import { padPosition, Schemas, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { decimalToUnscaled, zonedTimestampToMicros } from '../files/format/value-conversions.js';
import { parseType } from './clickhouse-types.js';
import { columnEncoder } from './column-encoders.js';
import { versionOf } from './record-rows.js';
import { RowBinaryWriter } from './row-binary.js';
import { compileRowEncoder, type EncodedColumn } from './row-encoder.js';
import { decimalUnits, isoMicros, uuidInto } from './text-values.js';

/**
 * The compiled row encoders against the general column encoders they fall back to: for every
 * column type and many values (the common representation the fast paths take, and the others
 * they hand on), the same bytes or the same error. What the server reads back from these bytes
 * is checked in integration-tests/clickhouse-encoder.test.ts.
 */

const record = (position = padPosition(7), id = 't:7'): SinkRecord => ({ topic: 't', partition: 0, offset: 0, keySchema: null, key: null, valueSchema: null, value: null, timestamp: 0, position, id });

/** the bytes (hex) or the error message of one value through the compiled encoder, with bytes already in the buffer before it */
function compiled(schema: Schema, type: string, value: unknown, deleted = false): string {
  const w = new RowBinaryWriter(1);
  w.u8(0xaa);
  const encode = compileRowEncoder({ fields: [{ name: 'c', schema, type: parseType(type) }], version: false, id: false, sourceTs: false });
  try {
    encode(w, { c: value }, deleted, record(), 0);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
  assert.equal(w.bytes()[0], 0xaa, 'the bytes before the row are kept');
  return w.bytes().subarray(1).toString('hex');
}

function general(schema: Schema, type: string, value: unknown, deleted = false): string {
  const w = new RowBinaryWriter(1);
  try {
    columnEncoder('c', schema, parseType(type))(w, value, deleted);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
  return w.bytes().toString('hex');
}

function same(schema: Schema, type: string, values: readonly unknown[]): void {
  for (const v of values) {
    for (const deleted of [false, true]) {
      assert.equal(compiled(schema, type, v, deleted), general(schema, type, v, deleted), `${type} ← ${schema.name ?? schema.type} ${typeof v === 'bigint' ? v + 'n' : JSON.stringify(v)}`);
    }
  }
}

const INTS = [0, -0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, NaN, Infinity, 5n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, true, false, '42', ' -7 ', 'x', null, undefined, {}];

test('integers: Int8 … Int64 and UInt8 … UInt64, from every representation', () => {
  for (const type of ['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']) {
    same(Schemas.int64(), type, INTS);
    same(Schemas.int32({ optional: true }), `Nullable(${type})`, INTS);
    same(Schemas.boolean(), type, [true, false, 1, 0, 'true', null]);
  }
  assert.equal(compiled(Schemas.int64(), 'Int64', -(2 ** 40)), '0000000000ffffff');
  assert.equal(compiled(Schemas.int64(), 'UInt32', 2 ** 32 - 1), 'ffffffff');
});

test('floats: Float32 and Float64, exact binary', () => {
  const values = [0, -0, 1.5, -1e-300, 1e300, 3.4028234663852886e38, 1e39, Math.PI, NaN, Infinity, -Infinity, 5n, '2.5', null, true];
  same(Schemas.float64(), 'Float64', values);
  same(Schemas.float32(), 'Float32', values);
  same(Schemas.float64({ optional: true }), 'Nullable(Float64)', values);
  assert.equal(compiled(Schemas.float64(), 'Float64', 1.5), '000000000000f83f');
});

test('decimals: Decimal(P, S) of 4, 8 and 16 bytes from text, numbers and integers', () => {
  const texts = ['0', '-0.00', '1.5', '-1.05', '12.345', '999999999.99', '9999999999.99', '1234567890123456.78', '-0.05', '.5', '5.', '-', '', '1e5', '1.2.3', ' 1', '+1', '00012.30', 7, 2.5, 7n];
  for (const type of ['Decimal(9, 2)', 'Decimal(12, 2)', 'Decimal(18, 2)', 'Decimal(18, 4)', 'Decimal(38, 10)', 'Decimal(5, 0)', 'Nullable(Decimal(12, 2))']) {
    same(Schemas.decimal(12, 2, { optional: type.startsWith('Nullable') }), type, texts);
    same(Schemas.int32(), type, [0, 5, -7, 123456, 2 ** 31 - 1]);
  }
  assert.equal(compiled(Schemas.decimal(12, 2), 'Decimal(12, 2)', '-1.05'), Buffer.from(new BigInt64Array([-105n]).buffer).toString('hex'));
});

test('dates: Date and Date32 from day numbers and JS dates', () => {
  const values = [0, 1, 19782, 65535, 65536, -1, -25567, -25568, 120529, 120530, 1.5, '19782', new Date(86_400_000 * 3), null];
  same(Schemas.date(), 'Date', values);
  same(Schemas.date(), 'Date32', values);
  same(Schemas.date({ optional: true }), 'Nullable(Date)', values);
});

test('timestamps: DateTime64(3/6/9) from ms, µs and ns counts and zoned text; ZonedTimestamp as Int64 µs', () => {
  const counts = [0, 1, -1, 1_704_182_645_123, 1_704_182_645_123_456, -2_208_988_800_000, -2_208_988_800_001, 10_413_791_999_999, 10_413_792_000_000, Number.MAX_SAFE_INTEGER, 1.5, 5n, '17', null];
  for (const type of ["DateTime64(3, 'UTC')", "DateTime64(6, 'UTC')", "DateTime64(9, 'UTC')", 'DateTime64(0)', 'Int64']) {
    same(Schemas.int64({ name: 'io.debezium.time.Timestamp' }), type, counts);
    same(Schemas.microTimestamp(), type, counts);
    same(Schemas.int64({ name: 'io.debezium.time.NanoTimestamp' }), type, counts);
  }
  const zoned = ['2024-01-02T08:04:05Z', '2024-01-02T08:04:05.1Z', '2024-01-02T08:04:05.123Z', '2024-01-02T08:04:05.123456Z', '2024-01-02T08:04:05.1234567Z', '2024-01-02T08:04:05.123456789Z',
    '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999999Z', '1900-01-01T00:00:00Z', '1899-12-31T23:59:59.999999Z', '2299-12-31T23:59:59.999999Z', '2300-01-01T00:00:00Z', '2255-06-05T23:47:34.740991Z', '2255-06-05T23:47:34.740992Z',
    '2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2024-12-31T23:59:60Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z', '+10000-01-01T00:00:00Z', '-0044-03-15T12:00:00Z',
    '2024-01-02T08:04:05+02:00', '2024-01-02 08:04:05Z', '2024-01-02T08:04:05.Z', '2024-1-02T08:04:05Z', 'infinity', '-infinity', 'x', null];
  for (const type of ["DateTime64(6, 'UTC')", "DateTime64(9, 'UTC')", "DateTime64(3, 'UTC')", 'Int64', 'Nullable(Int64)']) same(Schemas.zonedTimestamp({ optional: type.startsWith('Nullable') }), type, zoned);
});

test('UUID, String, FixedString, bytes, JSON text, Array(T), LowCardinality', () => {
  same(Schemas.uuid(), 'UUID', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g', 'a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\u0661', null]);
  same(Schemas.uuid({ optional: true }), 'Nullable(UUID)', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null, 'nope']);
  const texts = ['', 'a', 'x'.repeat(16), 'x'.repeat(17), 'é', 'émilie', '日本語', 'zoë 🚀 606', 'x'.repeat(42) + 'é', '日'.repeat(42), '日'.repeat(43), 'x'.repeat(127), 'é'.repeat(64), '日'.repeat(127), 'x'.repeat(128), '日'.repeat(5460), '日'.repeat(5461), 'x'.repeat(70_000), '\ud800 lone', 'a\u0000b', 5, true, { a: 1 }, null];
  for (const schema of [Schemas.string(), Schemas.json(), Schemas.zonedTimestamp(), Schemas.uuid(), Schemas.decimal(5, 2), Schemas.microTimestamp(), Schemas.struct([Schemas.field('a', Schemas.int32())]), Schemas.map(Schemas.string(), Schemas.int32()), Schemas.array(Schemas.int32())]) {
    same(schema, 'String', texts);
    same({ ...schema, optional: true }, 'Nullable(String)', texts);
    same(schema, 'LowCardinality(String)', texts.slice(0, 8));
  }
  same(Schemas.bytes(), 'String', [Buffer.from([0, 255]), new Uint8Array(300), 'AAE=', '', null]);
  same(Schemas.bytes(), 'FixedString(4)', [Buffer.from([1, 2]), Buffer.from([1, 2, 3, 4, 5]), 'AQID', null]);
  same(Schemas.string(), 'FixedString(3)', ['ab', 'abc', 'abcd', 'é']);
  same(Schemas.array(Schemas.int32({ optional: true })), 'Array(Nullable(Int32))', [[1, null, -5], [], null, 'x']);
  same(Schemas.array(Schemas.string()), 'Array(String)', [['a', 'é'], [], null]);
  assert.equal(compiled(Schemas.string(), 'String', 'hé'), '0368c3a9');
  assert.equal(compiled(Schemas.string(), 'String', 'x'.repeat(200)), 'c801' + '78'.repeat(200));
  assert.equal(compiled(Schemas.string(), 'String', 'é'.repeat(64)), '8001' + 'c3a9'.repeat(64));
  assert.equal(compiled(Schemas.uuid(), 'UUID', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), 'f84e0b9c99bceea0110a38bdb96b6dbb');
});

test('nulls: Nullable flags, zeros for the columns a deleted key lacks, an error otherwise', () => {
  assert.equal(compiled(Schemas.int32({ optional: true }), 'Int32', null), 'error: column c (Int32) is not Nullable and the value is null');
  assert.equal(compiled(Schemas.int32({ optional: true }), 'Int32', null, true), '00000000');
  assert.equal(compiled(Schemas.string({ optional: true }), 'String', undefined, true), '00');
  assert.equal(compiled(Schemas.int32({ optional: true }), 'Nullable(Int32)', null), '01');
  assert.equal(compiled(Schemas.int32({ optional: true }), 'Nullable(Int32)', 7), '0007000000');
});

test('metadata columns: version from the position, deleted flag, record id, source time', () => {
  const encode = compileRowEncoder({ fields: [{ name: 'id', schema: Schemas.int32(), type: parseType('Int32') }], version: true, id: false, sourceTs: true });
  const positions = [padPosition(0), padPosition(42), padPosition(2 ** 53 - 1), padPosition(2n ** 53n), padPosition(2n ** 64n - 1n), '99999999999999999999', '7', '',
    '00000000016B3748' + '00000000016B3700' + '00000001', 'ffffffffffffffff', 'FFFFFFFF00000000', '00000000016b374', '00000000016B374G0000', 'b-other', 'mysql-bin.000003:1234', '日本語のポジション'];
  for (const position of positions) {
    for (const [deleted, ts] of [[false, 1_767_225_600_123], [true, -5], [false, 1.5], [false, NaN]] as const) {
      const w = new RowBinaryWriter(1);
      encode(w, { id: 3 }, deleted, record(position), ts);
      const b = w.bytes();
      assert.equal(b.length, 4 + 8 + 1 + 8);
      assert.equal(b.readBigUInt64LE(4), versionOf(position), position);
      assert.equal(b[12], deleted ? 1 : 0);
      assert.equal(b.readBigInt64LE(13), BigInt(Number.isFinite(ts) ? Math.trunc(ts) : 0));
    }
  }
  const append = compileRowEncoder({ fields: [], version: false, id: true, sourceTs: false });
  for (const id of ['t:00000000000000000001', 'é'.repeat(100), 'x'.repeat(300)]) {
    const w = new RowBinaryWriter(1);
    append(w, {}, false, record(padPosition(1), id), 0);
    const expected = new RowBinaryWriter(1);
    expected.string(id);
    assert.deepEqual(w.bytes(), expected.bytes());
  }
});

test('rows of many columns (several generated functions) and whole rows against the general encoders', () => {
  const types: [Schema, string, unknown][] = [
    [Schemas.int8(), 'Int8', -5], [Schemas.int64(), 'UInt64', 2 ** 40], [Schemas.float32({ optional: true }), 'Nullable(Float32)', null], [Schemas.decimal(12, 2), 'Decimal(12, 2)', '-12.30'],
    [Schemas.zonedTimestamp(), 'Int64', '2026-01-01T00:00:00.5Z'], [Schemas.date(), 'Date', 20_000], [Schemas.uuid(), 'UUID', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], [Schemas.string(), 'String', 'zoë 🚀'],
    [Schemas.boolean(), 'UInt8', true], [Schemas.array(Schemas.int16()), 'Array(Int16)', [1, 2]],
  ];
  const fields: EncodedColumn[] = [];
  const row: Record<string, unknown> = {};
  for (let i = 0; i < 75; i++) {
    const [schema, type, value] = types[i % types.length];
    fields.push({ name: `c${i} "quoted" \\ ${'\u2028'}`, schema, type: parseType(type) });
    row[fields[i].name] = value;
  }
  const encode = compileRowEncoder({ fields, version: false, id: true, sourceTs: true });
  const w = new RowBinaryWriter(1);
  for (let n = 0; n < 3; n++) encode(w, row, false, record(), 1000);
  const expected = new RowBinaryWriter(1);
  for (let n = 0; n < 3; n++) {
    fields.forEach((f) => columnEncoder(f.name, f.schema, f.type)(expected, row[f.name], false));
    expected.string('t:7');
    expected.i64(1000n);
  }
  assert.deepEqual(w.bytes(), expected.bytes());
  // a value that does not fit throws; the caller rewinds to the row's start
  assert.throws(() => encode(w, { ...row, [fields[0].name]: 1000 }, false, record(), 0), /1000 is out of the range of Int8/);
});

test('text readers agree with the exact parsers wherever they answer', () => {
  let seed = 7;
  let answered = 0;
  const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20_000; i++) {
    const micros = Math.floor((random() * 2 - 0.6) * 2 ** 53);
    const iso = new Date(Math.floor(micros / 1000) + 0).toISOString();
    const digits = Math.floor(random() * 7);
    const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0').slice(0, digits);
    const text = iso.length === 24 ? `${iso.slice(0, 19)}${digits ? '.' + fraction : ''}Z` : iso;
    const fast = isoMicros(text);
    if (fast === fast) answered++;
    if (fast === fast) assert.equal(BigInt(fast), zonedTimestampToMicros(text), text);
    else assert.ok(text.length !== 20 + (digits ? digits + 1 : 0) || !Number.isSafeInteger(Number(zonedTimestampToMicros(text))), text);
    const cents = Math.floor((random() - 0.5) * 2e12);
    const decimal = (cents < 0 ? '-' : '') + String(Math.abs(cents) / 100);
    const units = decimalUnits(decimal, 3, 15);
    if (units === units) assert.equal(BigInt(units), decimalToUnscaled(decimal, 3, 15), decimal);
  }
  assert.ok(answered > 10_000, `the fast reader answered ${answered} of 20000`);
  assert.equal(isoMicros('1700-03-01T00:00:00.000001Z'), Date.UTC(1700, 2, 1) * 1000 + 1);
  assert.equal(isoMicros('2024-02-29T23:59:59.5Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 500) * 1000);
  // beyond 2^53 µs (before 1685, after 2255): NaN, and the exact path decides
  assert.ok(Number.isNaN(isoMicros('0050-06-01T00:00:00Z')));
  assert.ok(Number.isNaN(isoMicros('2300-01-01T00:00:00Z')));
  const b = new Uint8Array(16);
  assert.equal(uuidInto(b, 0, '00112233-4455-6677-8899-aabbccddeeff'), true);
  assert.equal(Buffer.from(b).toString('hex'), '7766554433221100ffeeddccbbaa9988');
});
