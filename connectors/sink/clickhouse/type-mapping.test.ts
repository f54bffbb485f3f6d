import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Schemas } from '../../../plugins/api/index.js';
import { parseType, typeText } from './clickhouse-types.js';
import { featuresOf } from './server-features.js';
import { columnProblem, columnTypeFor, widenedType } from './type-mapping.js';

const old = featuresOf('18.16.1');
const current = featuresOf('24.8.4.13');

test('server features by version', () => {
  assert.deepEqual(old, { version: '18.16.1', dateTime64: false, date32: false, bool: false, isDeleted: false });
  assert.deepEqual(current, { version: '24.8.4.13', dateTime64: true, date32: true, bool: true, isDeleted: true });
  assert.equal(featuresOf('23.1.2').isDeleted, false);
  assert.equal(featuresOf('23.2.1').isDeleted, true);
});

test('types print as system.columns prints them and parse back', () => {
  for (const text of ['Int8', 'UInt64', 'Float32', 'Decimal(38, 10)', 'Date', 'Date32', "DateTime64(6, 'UTC')", 'DateTime', 'String', 'FixedString(16)', 'UUID', 'Bool',
    'Nullable(Int64)', 'Array(Nullable(Decimal(10, 3)))', 'LowCardinality(String)', "Enum8('a' = 1)"]) {
    assert.equal(typeText(parseType(text)), text);
  }
  assert.deepEqual(parseType('Decimal64(4)'), { kind: 'decimal', precision: 18, scale: 4 });
});

/** record schema → [type on 18.16, type on 24.8] */
const MAPPING: [string, ReturnType<typeof Schemas.int8>, string, string][] = [
  ['int8', Schemas.int8(), 'Int8', 'Int8'],
  ['int16', Schemas.int16(), 'Int16', 'Int16'],
  ['int32 optional', Schemas.int32({ optional: true }), 'Nullable(Int32)', 'Nullable(Int32)'],
  ['int64', Schemas.int64(), 'Int64', 'Int64'],
  ['float32', Schemas.float32(), 'Float32', 'Float32'],
  ['float64', Schemas.float64(), 'Float64', 'Float64'],
  ['boolean', Schemas.boolean(), 'UInt8', 'Bool'],
  ['string', Schemas.string(), 'String', 'String'],
  ['bytes', Schemas.bytes(), 'String', 'String'],
  ['decimal(12,2)', Schemas.decimal(12, 2), 'Decimal(12, 2)', 'Decimal(12, 2)'],
  ['decimal(38,10)', Schemas.decimal(38, 10), 'Decimal(38, 10)', 'Decimal(38, 10)'],
  ['decimal without precision (money)', Schemas.decimal(undefined, 2), 'Decimal(38, 2)', 'Decimal(38, 2)'],
  ['decimal(50,2)', Schemas.decimal(50, 2), 'String', 'String'],
  ['VariableScaleDecimal', Schemas.struct([Schemas.field('scale', Schemas.int32()), Schemas.field('value', Schemas.bytes())], { name: 'io.debezium.data.VariableScaleDecimal' }), 'String', 'String'],
  ['Date', Schemas.date(), 'Date', 'Date32'],
  ['MicroTimestamp', Schemas.microTimestamp(), 'Int64', "DateTime64(6, 'UTC')"],
  ['ZonedTimestamp', Schemas.zonedTimestamp({ optional: true }), 'Nullable(Int64)', "Nullable(DateTime64(6, 'UTC'))"],
  ['Timestamp (ms)', Schemas.int64({ name: 'io.debezium.time.Timestamp' }), 'Int64', "DateTime64(3, 'UTC')"],
  ['NanoTimestamp', Schemas.int64({ name: 'io.debezium.time.NanoTimestamp' }), 'Int64', "DateTime64(9, 'UTC')"],
  ['MicroTime', Schemas.microTime(), 'Int64', 'Int64'],
  ['ZonedTime', Schemas.zonedTime(), 'String', 'String'],
  ['Uuid', Schemas.uuid(), 'UUID', 'UUID'],
  ['Json', Schemas.json(), 'String', 'String'],
  ['array of optional int', Schemas.array(Schemas.int32({ optional: true })), 'Array(Nullable(Int32))', 'Array(Nullable(Int32))'],
  ['optional array (no Nullable(Array))', Schemas.array(Schemas.string(), { optional: true }), 'Array(String)', 'Array(String)'],
  ['array of timestamps', Schemas.array(Schemas.zonedTimestamp({ optional: true })), 'Array(Nullable(Int64))', "Array(Nullable(DateTime64(6, 'UTC')))"],
  ['struct', Schemas.struct([Schemas.field('a', Schemas.int32())]), 'String', 'String'],
  ['map', Schemas.map(Schemas.string(), Schemas.int32()), 'String', 'String'],
];

test('auto.create maps every record type exactly, per server version', () => {
  for (const [label, schema, onOld, onCurrent] of MAPPING) {
    assert.equal(typeText(columnTypeFor(schema, old)), onOld, `${label} on 18.16`);
    assert.equal(typeText(columnTypeFor(schema, current)), onCurrent, `${label} on 24.8`);
  }
});

test('existing columns: exact or checked-per-value conversions pass, others are named with both types', () => {
  assert.equal(columnProblem('n', Schemas.int64(), parseType('UInt8'), old), null);
  assert.equal(columnProblem('s', Schemas.decimal(12, 2), parseType('String'), old), null);
  assert.equal(columnProblem('d', Schemas.decimal(12, 2), parseType('Decimal(18, 4)'), old), null);
  assert.equal(columnProblem('t', Schemas.zonedTimestamp(), parseType("DateTime64(6, 'UTC')"), current), null);
  assert.equal(columnProblem('n', Schemas.int64(), parseType('Float32'), old), 'column n: the table has Float32, records have int64 (Int64)');
  assert.equal(columnProblem('d', Schemas.decimal(12, 2), parseType('Float64'), old), 'column d: the table has Float64, records have bytes org.apache.kafka.connect.data.Decimal (Decimal(12, 2))');
  assert.equal(columnProblem('t', Schemas.zonedTimestamp(), parseType('DateTime'), old), 'column t: the table has DateTime, records have string io.debezium.time.ZonedTimestamp (Int64)');
  assert.equal(columnProblem('x', Schemas.int32({ optional: true }), parseType('Int32'), old), 'column x: the table has Int32, records have int32 (optional) (Nullable(Int32)): the field is optional but the column is not Nullable');
});

test('auto.evolve widens integers and floats, adds Nullable, never removes it', () => {
  assert.equal(typeText(widenedType(Schemas.int64(), parseType('Int16'), old)!), 'Int64');
  assert.equal(typeText(widenedType(Schemas.float64(), parseType('Float32'), old)!), 'Float64');
  assert.equal(typeText(widenedType(Schemas.int32({ optional: true }), parseType('Int32'), old)!), 'Nullable(Int32)');
  assert.equal(typeText(widenedType(Schemas.int32(), parseType('Nullable(Int32)'), old)!), 'Nullable(Int32)');
  assert.equal(widenedType(Schemas.string(), parseType('Int32'), old), undefined);
});
