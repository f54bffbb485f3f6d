import assert from 'node:assert/strict';
import { test } from 'node:test';
import { civilFromDays, daysFromCivil, epochMicros, isoDate, isoDateTime, isoYear, parseDateDays, parseDateTime, parseTimeOfDay } from './pg-temporal-text.js';

test('the civil calendar both ways, for any year PostgreSQL has', () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2000, 3, 1), Date.UTC(2000, 2, 1) / 86_400_000);
  for (const days of [-2_440_588, -719_163, -1, 0, 19_782, 2_932_897, 2_145_042_905]) {
    const { year, month, day } = civilFromDays(days);
    assert.equal(daysFromCivil(year, month, day), days);
  }
  assert.deepEqual(civilFromDays(-719_163), { year: 0, month: 12, day: 31 }, '1 BC is year 0');
});

test('years as java.time writes them: a sign outside 0000-9999', () => {
  assert.deepEqual([isoYear(2024), isoYear(0), isoYear(-1), isoYear(-4713), isoYear(9999), isoYear(10000), isoYear(294276)], ['2024', '0000', '-0001', '-4713', '9999', '+10000', '+294276']);
  assert.equal(isoDate(-2_440_588), '-4713-11-24');
  assert.equal(isoDate(2_145_042_905), '+5874897-12-31');
});

test('PostgreSQL text: dates with BC, times up to 24:00:00, timestamps moved to UTC', () => {
  assert.equal(parseDateDays('0044-03-15 BC'), -735_160);
  assert.equal(parseDateDays('0001-12-31 BC'), -719_163);
  assert.equal(parseDateDays('infinity'), 'infinity');
  assert.deepEqual(parseTimeOfDay('24:00:00'), { seconds: 86_400, fraction: '' });
  assert.deepEqual(parseTimeOfDay('00:00:00.000001'), { seconds: 0, fraction: '000001' });
  assert.deepEqual(parseDateTime('2024-01-02 03:04:05.5+05:30'), { days: 19_723, seconds: 3 * 3600 + 4 * 60 + 5 - 5.5 * 3600 + 86_400, fraction: '5' });
  assert.deepEqual(parseDateTime('0001-06-01 12:00:00+02 BC'), { days: daysFromCivil(0, 6, 1), seconds: 36_000, fraction: '' });
  assert.equal(parseDateTime('-infinity'), '-infinity');
  assert.equal(epochMicros(parseDateTime('1969-12-31 23:59:59.9995') as never), -500);
  assert.equal(epochMicros(parseDateTime('294276-12-31 23:59:59.999999') as never), 9_224_318_015_999_999_999n);
  assert.equal(isoDateTime(parseDateTime('21016-11-04 06:51:30.123456+00') as never, 6), '+21016-11-04T06:51:30.123456Z');
  assert.equal(isoDateTime(parseDateTime('4714-11-24 00:00:00+00 BC') as never, 6), '-4713-11-24T00:00:00.000000Z');
  assert.equal(isoDateTime(parseDateTime('2024-01-01 00:00:00.5') as never, 0), '2024-01-01T00:00:00.5Z');
  assert.throws(() => parseDateTime('yesterday'), /unexpected timestamp text/);
});
