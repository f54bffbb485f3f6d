import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateColumn, timeColumn, timestampColumn, zonedTimeColumn, zonedTimestampColumn, type TimePrecisionMode } from './temporal-columns.js';

// Expected values are Debezium 3.6.1's (integration-tests/postgres-debezium-reference.test.ts
// compares against it), except where a comment names a deviation.

const convert = (c: { fromText: (t: string) => unknown }, ...texts: string[]) => texts.map((t) => c.fromText(t));

test('timestamptz: Debezium ZonedTimestamp text, the fraction padded to the column precision', () => {
  const p6 = zonedTimestampColumn(-1);
  assert.equal(p6.schema.name, 'io.debezium.time.ZonedTimestamp');
  assert.equal(p6.schema.version, 1);
  assert.deepEqual(convert(p6, '2024-01-02 03:04:05+00', '2024-01-02 03:04:05.5+00', '2024-01-02 03:04:05.123456+00', 'infinity', '-infinity'),
    ['2024-01-02T03:04:05.000000Z', '2024-01-02T03:04:05.500000Z', '2024-01-02T03:04:05.123456Z', 'infinity', '-infinity']);
  assert.deepEqual(convert(p6, '21016-11-04 06:51:30.123456+00', '4714-11-24 00:00:00+00 BC', '0001-06-01 12:00:00+02 BC', '2024-01-02 03:04:05+05:30'),
    ['+21016-11-04T06:51:30.123456Z', '-4713-11-24T00:00:00.000000Z', '0000-06-01T10:00:00.000000Z', '2024-01-01T21:34:05.000000Z']);
  assert.deepEqual(convert(zonedTimestampColumn(0), '2024-01-02 03:04:05+00', '9999-12-31 23:59:59+00'), ['2024-01-02T03:04:05Z', '9999-12-31T23:59:59Z']);
  assert.deepEqual(convert(zonedTimestampColumn(3), '2024-01-02 03:04:05+00', '0999-12-31 23:59:59.9+00'), ['2024-01-02T03:04:05.000Z', '0999-12-31T23:59:59.900Z']);
  assert.deepEqual(convert(zonedTimestampColumn(1), '2024-01-01 00:00:00+00'), ['2024-01-01T00:00:00.0Z']);
});

test('timestamp in every time.precision.mode', () => {
  const at = (typmod: number, mode: TimePrecisionMode) => timestampColumn(typmod, mode);
  const texts = ['2024-01-02 03:04:05.123456', '1969-12-31 23:59:59.9995', 'infinity', '-infinity', '4713-01-01 00:00:00 BC'];
  assert.equal(at(-1, 'adaptive').schema.name, 'io.debezium.time.MicroTimestamp');
  assert.deepEqual(convert(at(-1, 'adaptive'), ...texts), [1_704_164_645_123_456, -500, 9_223_372_036_825_200_000n, -9_223_372_036_832_400_000n, -210_863_520_000_000_000n]);
  assert.equal(at(3, 'adaptive').schema.name, 'io.debezium.time.Timestamp');
  assert.deepEqual(convert(at(3, 'adaptive'), ...texts), [1_704_164_645_123, -1, 9_223_372_036_825_200n, -9_223_372_036_832_400n, -210_863_520_000_000]);
  assert.equal(at(3, 'microseconds').schema.name, 'io.debezium.time.MicroTimestamp');
  assert.equal(at(6, 'connect').schema.name, 'org.apache.kafka.connect.data.Timestamp');
  assert.deepEqual(convert(at(6, 'connect'), ...texts), [1_704_164_645_123, -1, 9_223_372_036_825_200n, -9_223_372_036_832_400n, -210_863_520_000_000]);
  assert.equal(at(6, 'nanoseconds').schema.name, 'io.debezium.time.NanoTimestamp');
  assert.deepEqual(convert(at(6, 'nanoseconds'), ...texts), [1_704_164_645_123_456_000n, -500_000, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, null]);
  assert.equal(at(6, 'isostring').schema.name, 'io.debezium.time.IsoTimestamp');
  assert.deepEqual(convert(at(6, 'isostring'), ...texts), ['2024-01-02T03:04:05.123456Z', '1969-12-31T23:59:59.9995Z', '+294247-01-10T04:00:25.2Z', '-290308-12-21T19:59:27.6Z', '-4712-01-01T00:00:00Z']);
  // deviation: beyond int64 microseconds Debezium wraps to a negative number; this saturates
  assert.deepEqual(convert(at(-1, 'adaptive'), '294276-12-31 23:59:59.999999'), [9_223_372_036_854_775_807n]);
  assert.deepEqual(convert(at(3, 'adaptive'), '294276-12-31 23:59:59.999'), [9_224_318_015_999_999n]);
});

test('the fast timestamp path agrees with the general one', () => {
  const micro = timestampColumn(-1, 'adaptive');
  for (const text of ['1970-01-01 00:00:00', '2024-02-29 23:59:59.999999', '1700-01-01 00:00:00.5', '2250-06-30 12:00:00.000001', '1600-01-01 00:00:00', '9999-12-31 23:59:59.999999']) {
    const value = micro.fromText(text);
    const [date, time] = text.split(' ');
    const [y, m, d] = date.split('-').map(Number);
    const [hh, mm, ss] = time.split(':');
    const expected = (BigInt(Date.UTC(y, m - 1, d, Number(hh), Number(mm), Math.floor(Number(ss)))) * 1000n) + BigInt((ss.split('.')[1] ?? '').padEnd(6, '0') || '0');
    assert.equal(BigInt(value as number), expected, text);
  }
});

test('time in every mode; 24:00:00 stays the end of the day', () => {
  const texts = ['24:00:00', '23:59:59.999999', '00:00:00.000001', '12:34:56.5'];
  assert.deepEqual(convert(timeColumn(-1, 'adaptive'), ...texts), [86_400_000_000, 86_399_999_999, 1, 45_296_500_000]);
  assert.equal(timeColumn(3, 'adaptive').schema.name, 'io.debezium.time.Time');
  assert.deepEqual(convert(timeColumn(3, 'adaptive'), ...texts), [86_400_000, 86_399_999, 0, 45_296_500]);
  assert.equal(timeColumn(3, 'adaptive_time_microseconds').schema.name, 'io.debezium.time.MicroTime');
  assert.deepEqual(convert(timeColumn(6, 'nanoseconds'), ...texts), [86_400_000_000_000, 86_399_999_999_000, 1000, 45_296_500_000_000]);
  assert.equal(timeColumn(6, 'connect').schema.name, 'org.apache.kafka.connect.data.Time');
  // deviation: Debezium's IsoTime wraps 24:00:00 to 00:00:00Z
  assert.deepEqual(convert(timeColumn(6, 'isostring'), ...texts), ['24:00:00Z', '23:59:59.999999Z', '00:00:00.000001Z', '12:34:56.5Z']);
});

test('timetz in UTC; a UTC time of exactly 24:00:00 is kept', () => {
  assert.deepEqual(convert(zonedTimeColumn(), '10:15:30.25+02', '00:00:00.5+01', '12:00:00+05:30', '24:00:00+05', '00:00:00-00:30', '12:00:00+15:59'),
    ['08:15:30.25Z', '23:00:00.5Z', '06:30:00Z', '19:00:00Z', '00:30:00Z', '20:01:00Z']);
  // deviation: Debezium writes 00:00:00Z for both
  assert.deepEqual(convert(zonedTimeColumn(), '24:00:00+00', '23:00:00-01'), ['24:00:00Z', '24:00:00Z']);
  assert.deepEqual(convert(zonedTimeColumn(), '24:00:00-02'), ['02:00:00Z'], 'beyond 24:00 the time wraps');
});

test('date: days, Connect Date or IsoDate; ±infinity as ±(2^31-1) days', () => {
  const texts = ['2024-02-29', '4714-11-24 BC', '5874897-12-31', 'infinity', '-infinity'];
  assert.deepEqual(convert(dateColumn('adaptive'), ...texts), [19_782, -2_440_588, 2_145_042_905, 2_147_483_647, -2_147_483_647]);
  assert.equal(dateColumn('connect').schema.name, 'org.apache.kafka.connect.data.Date');
  assert.deepEqual(convert(dateColumn('isostring'), ...texts), ['2024-02-29Z', '-4713-11-24Z', '+5874897-12-31Z', 'infinity', '-infinity']);
});
