import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  daysFromCivil, parseArrayText, parseBytea, parseDate, parseHstore, parseInt64, parseMoney, parseTimeMicros, parseTimestampMicros, toIsoTimestamp, toUtcTime,
} from './pg-text-parsers.js';

test('dates and timestamps convert without Date and keep microseconds', () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(parseDate('2000-03-01'), Date.UTC(2000, 2, 1) / 86_400_000);
  assert.equal(parseDate('1969-12-31'), -1);
  assert.equal(parseDate('infinity'), 2_147_483_647);
  assert.equal(parseTimeMicros('24:00:00'), 86_400_000_000n);
  assert.equal(parseTimeMicros('00:00:00.000001'), 1n);
  assert.equal(parseTimestampMicros('1970-01-01 00:00:00.5'), 500_000n);
  assert.equal(parseTimestampMicros('294276-12-31 23:59:59.999999'), 9_224_318_015_999_999_999n);
  assert.equal(toIsoTimestamp('2024-01-02 03:04:05.123456+00'), '2024-01-02T03:04:05.123456Z');
  assert.equal(toIsoTimestamp('2024-01-02 03:04:05+05:30'), '2024-01-02T03:04:05+05:30');
  assert.equal(toUtcTime('01:00:00+02'), '23:00:00Z');
  assert.equal(toUtcTime('10:00:00.25-03:30'), '13:30:00.25Z');
});

test('numbers, money and bytes stay exact', () => {
  assert.equal(parseInt64('9007199254740993'), 9_007_199_254_740_993n);
  assert.equal(parseInt64('-12'), -12);
  assert.equal(parseMoney('-$1,234,567.89'), '-1234567.89');
  assert.equal(parseMoney('$0.01'), '0.01');
  assert.deepEqual(parseBytea('\\x00ff'), Buffer.from([0, 255]));
});

test('array and hstore literals', () => {
  assert.deepEqual(parseArrayText('{}'), []);
  assert.deepEqual(parseArrayText('{1,NULL,3}'), ['1', null, '3']);
  assert.deepEqual(parseArrayText('{"a b","NULL","x\\"y","c\\\\d"}'), ['a b', 'NULL', 'x"y', 'c\\d']);
  assert.deepEqual(parseArrayText('{{1,2},{3,4}}'), [['1', '2'], ['3', '4']]);
  assert.deepEqual(parseArrayText('[0:1]={5,6}'), ['5', '6']);
  assert.deepEqual(parseArrayText('{(1,2),(0,0);(3,4),(2,2)}', ';'), ['(1,2),(0,0)', '(3,4),(2,2)']);
  assert.deepEqual(parseHstore('"a"=>"1", "b c"=>NULL, "q\\""=>"\\\\"'), { a: '1', 'b c': null, 'q"': '\\' });
  assert.deepEqual(parseHstore(''), {});
});
