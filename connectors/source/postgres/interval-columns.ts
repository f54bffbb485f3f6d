import { Schemas } from '../../../plugins/api/index.js';
import type { ColumnType } from './pg-type-mapper.js';

/**
 * interval columns under Debezium's `interval.handling.mode`:
 * - `numeric` (Debezium's default): io.debezium.time.MicroDuration, int64 microseconds, computed
 *   as Debezium does (pgjdbc's PGInterval fields, a month = 365.25 / 12 days, in doubles, then
 *   truncated and saturated to int64 like Java's `(long)` cast), so the numbers agree to the
 *   microsecond. Inexact by nature: a month has no fixed length.
 * - `string`: io.debezium.time.Interval, `P<y>Y<m>M<d>DT<h>H<m>M<s>S` with every component, as
 *   Debezium writes it. Exact.
 *
 * The text read is PostgreSQL's IntervalStyle=iso_8601 form (`P1Y2M3DT4H5M6.5S`, `PT0S`).
 */
export type IntervalHandlingMode = 'numeric' | 'string';

export interface IntervalParts {
  readonly years: number;
  readonly months: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  /** whole seconds and microseconds, both carrying the sign (as PGInterval keeps them) */
  readonly wholeSeconds: number;
  readonly microseconds: number;
}

const ISO_INTERVAL = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/;

export function parseInterval(text: string): IntervalParts {
  const m = ISO_INTERVAL.exec(text);
  if (!m) throw new Error(`unexpected interval text (IntervalStyle must be iso_8601): ${text}`);
  // PGInterval.setSeconds: the seconds as a double, rounded to whole microseconds
  const totalMicros = Math.round(Number(m[6] ?? 0) * 1_000_000);
  return {
    years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0), hours: Number(m[4] ?? 0), minutes: Number(m[5] ?? 0),
    wholeSeconds: Math.trunc(totalMicros / 1_000_000), microseconds: totalMicros % 1_000_000,
  };
}

const DAYS_PER_MONTH_AVG = 365.25 / 12;
const TWO_POW_63 = 2 ** 63;

/** MicroDuration.durationMicros, operation for operation in doubles. */
export function intervalMicros(p: IntervalParts): number | bigint {
  const seconds = p.wholeSeconds + p.microseconds / 1_000_000;
  const days = (p.years * 12 + p.months) * DAYS_PER_MONTH_AVG + p.days;
  const total = (((days * 24 + p.hours) * 60) + p.minutes) * 60 + seconds;
  const micros = total * 1e6;
  if (Number.isNaN(micros)) return 0;
  if (micros >= TWO_POW_63) return 9_223_372_036_854_775_807n;
  if (micros <= -TWO_POW_63) return -9_223_372_036_854_775_808n;
  const whole = Math.trunc(micros);
  return Number.isSafeInteger(whole) ? whole : BigInt(whole);
}

/** Interval.toIsoString: every component, the seconds as a plain decimal without trailing zeros. */
export function intervalIsoString(p: IntervalParts): string {
  const negative = p.wholeSeconds < 0 || p.microseconds < 0;
  let seconds = String(Math.abs(p.wholeSeconds));
  if (p.microseconds !== 0) seconds += '.' + String(Math.abs(p.microseconds)).padStart(6, '0').replace(/0+$/, '');
  return `P${p.years}Y${p.months}M${p.days}DT${p.hours}H${p.minutes}M${negative ? '-' : ''}${seconds}S`;
}

const MICRO_DURATION = Object.freeze({ ...Schemas.int64({ name: 'io.debezium.time.MicroDuration' }), version: 1 });
const INTERVAL = Object.freeze({ ...Schemas.string({ name: 'io.debezium.time.Interval' }), version: 1 });

export function intervalColumn(mode: IntervalHandlingMode): ColumnType {
  if (mode === 'string') return { schema: INTERVAL, fromText: (t) => intervalIsoString(parseInterval(t)), placeholder: 'none' };
  return { schema: MICRO_DURATION, fromText: (t) => intervalMicros(parseInterval(t)), placeholder: 'none' };
}
