import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clampFinite, daysToIsoDate, debeziumTimestampToParquet, decimalToUnscaled, decimalToUnscaledExact, INFINITE_TIMESTAMP, timeOfValue, variableScaleDecimalText, zonedTimestampToMicros, zonedTimestampToMicrosExact } from './value-conversions.js';

test('decimals scale exactly, without floats', () => {
  assert.equal(decimalToUnscaled('-12.5', 2), -1250n);
  assert.equal(decimalToUnscaled('0.07', 2), 7n);
  assert.equal(decimalToUnscaled('12345678901234567890.12', 2, 38), 1234567890123456789012n);
  assert.equal(decimalToUnscaled('3', 3), 3000n);
  assert.equal(decimalToUnscaled('1.2300', 2), 123n);
  assert.equal(decimalToUnscaled(1.5, 1), 15n);
  assert.throws(() => decimalToUnscaled('1.234', 2), RangeError);
  assert.throws(() => decimalToUnscaled('123456', 2, 5), RangeError);
  assert.throws(() => decimalToUnscaled('abc', 2), RangeError);
});

test('zoned timestamps become the UTC instant in microseconds', () => {
  assert.equal(zonedTimestampToMicros('1970-01-01T00:00:00Z'), 0n);
  assert.equal(zonedTimestampToMicros('2026-01-01T00:00:00.123456Z'), 1767225600123456n);
  assert.equal(zonedTimestampToMicros('2026-01-01T02:00:00.5+02:00'), 1767225600500000n);
  assert.equal(zonedTimestampToMicros('2025-12-31T19:00:00-05:00'), 1767225600000000n);
  assert.equal(zonedTimestampToMicros('1969-12-31T23:59:59.999999Z'), -1n);
  assert.throws(() => zonedTimestampToMicros('yesterday'), RangeError);
  // years below 100 are years below 100 (Date.UTC reads them as 19xx), with or without milliseconds
  assert.equal(zonedTimestampToMicros('0050-06-01T00:00:00.000Z'), zonedTimestampToMicros('0050-06-01T00:00:00Z'));
  assert.equal(zonedTimestampToMicros('0050-06-01T00:00:00.000Z'), BigInt(new Date('0050-06-01T00:00:00.000Z').getTime()) * 1000n);
  // no day past the month's end, on either path
  assert.throws(() => zonedTimestampToMicros('2026-02-31T00:00:00.000Z'), RangeError);
  assert.throws(() => zonedTimestampToMicros('2026-02-31T00:00:00Z'), RangeError);
  assert.equal(zonedTimestampToMicros('2024-02-29T00:00:00.000Z'), BigInt(Date.parse('2024-02-29T00:00:00.000Z')) * 1000n);
});

test('time of values for RecordField extraction', () => {
  assert.equal(timeOfValue(1767225600000), 1767225600000);
  assert.equal(timeOfValue('2026-01-01T00:00:00Z'), 1767225600000);
  assert.equal(timeOfValue(20454, 'io.debezium.time.Date'), 20454 * 86_400_000);
  assert.equal(timeOfValue(1767225600000123n, 'io.debezium.time.MicroTimestamp'), 1767225600000);
  assert.equal(timeOfValue(null), undefined);
  assert.equal(timeOfValue('infinity', 'io.debezium.time.ZonedTimestamp'), undefined, 'no partition for ±infinity');
  assert.equal(timeOfValue(9223372036825200000n, 'io.debezium.time.MicroTimestamp'), undefined);
  assert.equal(timeOfValue('+21016-11-04T06:51:30.123456Z'), 601060287090123);
});

test('fast paths agree with the general parsers', () => {
  for (const text of ['0.00', '-0.05', '96791.97', '-99999.99', '123456789012.34', '7.5', '00.10']) {
    assert.equal(decimalToUnscaled(text, 2, 38), BigInt(text.replace('.', '').padEnd(text.includes('.') ? 0 : text.length + 2, '0')) * (text.split('.')[1]?.length === 1 ? 10n : 1n));
  }
  assert.throws(() => decimalToUnscaled('123456789012.34', 2, 12), RangeError);
  assert.throws(() => decimalToUnscaled('12a.00', 2), RangeError);
  assert.equal(zonedTimestampToMicros('2026-02-28T23:59:59.999Z'), BigInt(Date.parse('2026-02-28T23:59:59.999Z')) * 1000n);
  assert.throws(() => zonedTimestampToMicros('2026-13-01T00:00:00.000Z'), RangeError);
});

test('Debezium ZonedTimestamp text beyond four-digit years, BC and ±infinity', () => {
  assert.equal(zonedTimestampToMicros('+21016-11-04T06:51:30.123456Z'), 601060287090123456n);
  assert.equal(zonedTimestampToMicros('-4713-11-24T00:00:00.000000Z'), -210866803200000000n);
  assert.equal(zonedTimestampToMicros('0000-06-01T10:00:00.000000Z'), -62154050400000000n);
  assert.equal(zonedTimestampToMicros('infinity'), INFINITE_TIMESTAMP);
  assert.equal(zonedTimestampToMicros('-infinity'), -INFINITE_TIMESTAMP);
  // PostgreSQL's maximum is past the int64 range: clamped, and not to the value read as infinity
  assert.equal(zonedTimestampToMicros('+294276-12-31T23:59:59.999999Z'), INFINITE_TIMESTAMP - 1n);
  assert.equal(clampFinite(-(2n ** 64n)), -INFINITE_TIMESTAMP + 1n);
});

test('Debezium timestamps in Parquet: the ±infinity constants become the int64 extremes, milliseconds become microseconds', () => {
  assert.equal(debeziumTimestampToParquet(9223372036825200000n, 'micros'), INFINITE_TIMESTAMP);
  assert.equal(debeziumTimestampToParquet(-9223372036832400000n, 'micros'), -INFINITE_TIMESTAMP);
  assert.equal(debeziumTimestampToParquet(9223372036854775807n, 'micros'), INFINITE_TIMESTAMP - 1n);
  assert.equal(debeziumTimestampToParquet(9223372036825200n, 'millis'), INFINITE_TIMESTAMP);
  assert.equal(debeziumTimestampToParquet(-9223372036832400n, 'millis'), -INFINITE_TIMESTAMP);
  assert.equal(debeziumTimestampToParquet(9224318015999999n, 'millis'), INFINITE_TIMESTAMP - 1n);
  assert.equal(debeziumTimestampToParquet(-1n, 'millis'), -1000n);
  assert.equal(debeziumTimestampToParquet(-9223372036854775808n, 'nanos'), -INFINITE_TIMESTAMP);
  assert.equal(debeziumTimestampToParquet(1n, 'nanos'), 1n);
});

test('dates as text, and VariableScaleDecimal as its decimal', () => {
  assert.deepEqual([19782, -2440588, -719163, 2145042905, 2932897, 2147483647, -2147483647].map(daysToIsoDate),
    ['2024-02-29', '-4713-11-24', '0000-12-31', '+5874897-12-31', '+10000-01-01', 'infinity', '-infinity']);
  assert.equal(variableScaleDecimalText({ scale: 20, value: Buffer.from([0xff]) }), '-0.00000000000000000001');
  assert.equal(variableScaleDecimalText({ scale: 2, value: Buffer.from('z8c=', 'base64') }), '-123.45');
  assert.equal(variableScaleDecimalText({ scale: 0, value: Buffer.from([0]) }), '0');
  assert.equal(variableScaleDecimalText({ scale: 1, value: 'Dw==' }), '1.5');
  assert.equal(variableScaleDecimalText({ scale: -2, value: Buffer.from([1]) }), '100');
});

test('the exact number-or-bigint conversions (encoder thread packing) equal the bigint ones', () => {
  const stamps = ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.1Z', '2026-01-01T00:00:00.123456Z', '2026-01-01T00:00:00.123456789Z', '1969-12-31T23:59:59.999999Z',
    '0050-06-01T00:00:00.5Z', '2024-02-29T12:34:56.000001Z', '9999-12-31T23:59:59.999999Z', '+21016-11-04T06:51:30Z', '2026-01-01T02:00:00.5+02:00', 'infinity'];
  for (const text of stamps) {
    const exact = zonedTimestampToMicrosExact(text);
    assert.equal(BigInt(exact), zonedTimestampToMicros(text), text);
    // a number only where a double holds the microseconds exactly
    if (typeof exact === 'number') assert.ok(Number.isSafeInteger(exact), text);
  }
  assert.equal(typeof zonedTimestampToMicrosExact('2026-01-01T00:00:00.123456Z'), 'number');
  assert.equal(typeof zonedTimestampToMicrosExact('9999-12-31T23:59:59.999999Z'), 'bigint');
  for (const bad of ['2026-02-31T00:00:00.5Z', '2026-01-01T00:00:00.Z', '2026-01-01T00:00:0a.5Z']) assert.throws(() => zonedTimestampToMicrosExact(bad), RangeError, bad);
  for (const [text, scale, precision] of [['96791.97', 2, 12], ['-0.05', 2, 12], ['12345678901234567890.12', 2, 38], ['1.2300', 2, 12], ['3', 3, 10]] as const) {
    assert.equal(BigInt(decimalToUnscaledExact(text, scale, precision)), decimalToUnscaled(text, scale, precision), text);
  }
  assert.throws(() => decimalToUnscaledExact('123456789012.34', 2, 12), RangeError);
});
