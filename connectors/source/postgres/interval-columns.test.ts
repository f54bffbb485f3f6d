import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalColumn, parseInterval } from './interval-columns.js';

// PostgreSQL's iso_8601 text of each interval, and what Debezium 3.6.1 emits for it
const CASES: [string, number | bigint, string][] = [
  ['P178000000Y', 9_223_372_036_854_775_807n, 'P178000000Y0M0DT0H0M0S'],
  ['P-178000000Y', -9_223_372_036_854_775_808n, 'P-178000000Y0M0DT0H0M0S'],
  ['P1Y2M3DT4H5M6.5S', 37_091_106_500_000, 'P1Y2M3DT4H5M6.5S'],
  ['P-1DT-2H', -93_600_000_000, 'P0Y0M-1DT-2H0M0S'],
  ['P1MT0.000001S', 2_629_800_000_001, 'P0Y1M0DT0H0M0.000001S'],
  ['PT0S', 0, 'P0Y0M0DT0H0M0S'],
  ['PT-1.5S', -1_500_000, 'P0Y0M0DT0H0M-1.5S'],
  ['P1M15DT12H', 3_969_000_000_000, 'P0Y1M15DT12H0M0S'],
  ['P1DT-0.000001S', 86_399_999_999, 'P0Y0M1DT0H0M-0.000001S'],
  ['P2Y1M-7DT59.999999S', 65_140_259_999_999, 'P2Y1M-7DT0H0M59.999999S'],
  ['PT1000000H', 3_600_000_000_000_000, 'P0Y0M0DT1000000H0M0S'],
];

test('interval.handling.mode=numeric: MicroDuration microseconds, computed as Debezium does', () => {
  const column = intervalColumn('numeric');
  assert.equal(column.schema.name, 'io.debezium.time.MicroDuration');
  for (const [text, micros] of CASES) assert.equal(column.fromText(text), micros, text);
});

test('interval.handling.mode=string: Debezium\'s ISO text with every component', () => {
  const column = intervalColumn('string');
  assert.equal(column.schema.name, 'io.debezium.time.Interval');
  for (const [text, , iso] of CASES) assert.equal(column.fromText(text), iso, text);
  assert.deepEqual(parseInterval('PT-0.5S'), { years: 0, months: 0, days: 0, hours: 0, minutes: 0, wholeSeconds: -0, microseconds: -500_000 });
  assert.throws(() => parseInterval('1 day'), /IntervalStyle must be iso_8601/);
});
