import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateDays, datetimeMicros, datetimeMillis, timeMicros, zonedTimestamp } from './column-converters.js';

test('dates: days since the epoch for every year (0001 and 0050 too), zero dates null', () => {
  const utcDays = (y: number, m: number, d: number) => { const t = new Date(0); t.setUTCFullYear(y, m - 1, d); return Math.round(t.getTime() / 86_400_000); };
  for (const [y, m, d] of [[1970, 1, 1], [1969, 12, 31], [2024, 2, 29], [9999, 12, 31], [1000, 1, 1], [50, 3, 1], [1, 1, 1], [1900, 2, 28], [2000, 2, 29]]) {
    assert.equal(dateDays(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`), utcDays(y, m, d), `${y}-${m}-${d}`);
  }
  assert.equal(dateDays('0000-00-00'), null);
  assert.equal(dateDays('2024-00-10'), null);
});

test('times and date-times: microseconds exact over MySQL\'s ranges', () => {
  assert.equal(timeMicros('-838:59:59.000000'), -3020399000000);
  assert.equal(timeMicros('838:59:59'), 3020399000000);
  assert.equal(timeMicros('12:34:56.789012'), 45296789012);
  assert.equal(timeMicros('00:00:00.5'), 500000);
  assert.equal(timeMicros('23:59:59.123'), 86399123000);
  assert.equal(datetimeMicros('9999-12-31 23:59:59.999999'), 253402300799999999n);
  assert.equal(datetimeMicros('1969-12-31 23:59:59.999999'), -1);
  assert.equal(datetimeMicros('0000-00-00 00:00:00'), null);
  assert.equal(datetimeMillis('1000-01-01 00:00:00'), -30610224000000);
  assert.equal(zonedTimestamp('2024-02-29 23:59:59.123456', 6), '2024-02-29T23:59:59.123456Z');
  assert.equal(zonedTimestamp('2038-01-19 03:14:07', 0), '2038-01-19T03:14:07Z');
  assert.equal(zonedTimestamp('2000-01-01 00:00:00', 3), '2000-01-01T00:00:00.000Z', 'the column\'s digits even when the text has none');
  assert.equal(zonedTimestamp('0000-00-00 00:00:00', 0), null);
});
