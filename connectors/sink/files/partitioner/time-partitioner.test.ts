import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimePartitioner, parsePathFormat } from './time-partitioner.js';
import { ZonedClock } from './zoned-clock.js';

const at = (iso: string) => Date.parse(iso);

test('path.format in UTC and in a non-UTC zone', () => {
  const utc = new TimePartitioner("'dt'=YYYY-MM-DD/'hr'=HH", 'UTC', 0);
  assert.equal(utc.encodePartition(null, at('2026-01-01T23:30:00Z')), 'dt=2026-01-01/hr=23');
  const tokyo = new TimePartitioner("'dt'=YYYY-MM-dd/'hr'=HH", 'Asia/Tokyo', 0);
  assert.equal(tokyo.encodePartition(null, at('2026-01-01T23:30:00Z')), 'dt=2026-01-02/hr=08');
  const ny = new TimePartitioner("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH/mm", 'America/New_York', 0);
  assert.equal(ny.encodePartition(null, at('2026-01-01T03:05:00Z')), 'year=2025/month=12/day=31/hour=22/05');
});

test('partition.duration.ms floors in local time, across a DST change', () => {
  const paris = new TimePartitioner("YYYY-MM-dd'T'HH", 'Europe/Paris', 3_600_000);
  // 2026-03-29 02:00 local does not exist: clocks jump from 02:00 (+01) to 03:00 (+02)
  assert.equal(paris.encodePartition(null, at('2026-03-29T00:59:59Z')), '2026-03-29T01');
  assert.equal(paris.encodePartition(null, at('2026-03-29T01:00:00Z')), '2026-03-29T03');
  const daily = new TimePartitioner('YYYY-MM-dd/HH', 'Asia/Kolkata', 86_400_000);
  assert.equal(daily.encodePartition(null, at('2026-01-01T20:00:00Z')), '2026-01-02/00');
});

test('zoned clock boundaries are aligned in the zone', () => {
  const clock = new ZonedClock('Asia/Kolkata');
  const t = at('2026-01-01T00:10:00Z'); // 05:40 local
  assert.equal(new Date(clock.nextBoundary(t, 3_600_000)).toISOString(), '2026-01-01T00:30:00.000Z');
});

test('path.format literals and unknown letters', () => {
  assert.deepEqual(parsePathFormat("'it''s'/YY"), [{ literal: "it's" }, { literal: '/' }, { field: 'year', width: 4 }]);
  assert.throws(() => parsePathFormat('YYYY-ww'), /unsupported letter w/);
  assert.throws(() => parsePathFormat("'open"), /unterminated/);
});
