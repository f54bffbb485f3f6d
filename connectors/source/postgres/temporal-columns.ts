import { LogicalName, Schemas, type Schema } from '../../../plugins/api/index.js';
import type { ColumnType } from './pg-type-mapper.js';
import {
  daysFromCivil, epochMicros, fractionMicros, isoDate, isoDateTime, isoTimeOfDay, parseDateDays, parseDateTime, parseTimeOfDay, type DateTimeParts,
} from './pg-temporal-text.js';

/**
 * date, time, timetz, timestamp and timestamptz columns under Debezium's `time.precision.mode`
 * (measured against Debezium 3.6.1, see integration-tests/postgres-debezium-reference.test.ts):
 *
 * | mode | date | time(p) | timestamp(p) |
 * | adaptive | Date | p ≤ 3: Time (ms), else MicroTime | p ≤ 3: Timestamp (ms), else MicroTimestamp |
 * | adaptive_time_microseconds | Date | MicroTime | as adaptive |
 * | microseconds | Date | MicroTime | MicroTimestamp |
 * | nanoseconds | Date | NanoTime | NanoTimestamp |
 * | connect | Kafka Connect Date | Connect Time (ms) | Connect Timestamp (ms) |
 * | isostring | IsoDate | IsoTime | IsoTimestamp |
 *
 * timestamptz is always a ZonedTimestamp and timetz a ZonedTime. Unconstrained columns have
 * precision 6. Where Tributary deliberately differs from Debezium it says so below.
 */
export type TimePrecisionMode = 'adaptive' | 'adaptive_time_microseconds' | 'connect' | 'isostring' | 'microseconds' | 'nanoseconds';

const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/**
 * Debezium's timestamp ±infinity: pgjdbc's infinity constants (PGStatement.DATE_POSITIVE_INFINITY
 * and _NEGATIVE_), read as microseconds, or as milliseconds by the millisecond types.
 */
const INFINITY_MICROS = { infinity: 9_223_372_036_825_200_000n, '-infinity': -9_223_372_036_832_400_000n } as const;
const INFINITY_MILLIS = { infinity: 9_223_372_036_825_200n, '-infinity': -9_223_372_036_832_400n } as const;
const INFINITY_NANOS = { infinity: INT64_MAX, '-infinity': INT64_MIN } as const;
/** IsoTimestamp of the ±infinity microsecond constants, as Debezium writes them */
const INFINITY_ISO = { infinity: '+294247-01-10T04:00:25.2Z', '-infinity': '-290308-12-21T19:59:27.6Z' } as const;
/**
 * date ±infinity: ±(2^31 − 1) days. Debezium streams pgjdbc's infinity dates (-2147472692 and
 * -2147472691, so +infinity sorts before -infinity) and snapshots yet other values; these sort
 * right, and Parquet readers such as DuckDB read them as ±infinity.
 */
export const DATE_INFINITY_DAYS = { infinity: 2_147_483_647, '-infinity': -2_147_483_647 } as const;

const logical = (schema: Schema): Schema => Object.freeze({ ...schema, version: 1 });
const SCHEMAS = {
  date: logical(Schemas.date()),
  connectDate: logical(Schemas.int32({ name: LogicalName.ConnectDate })),
  isoDate: logical(Schemas.string({ name: 'io.debezium.time.IsoDate' })),
  time: logical(Schemas.int32({ name: 'io.debezium.time.Time' })),
  microTime: logical(Schemas.microTime()),
  nanoTime: logical(Schemas.int64({ name: 'io.debezium.time.NanoTime' })),
  connectTime: logical(Schemas.int32({ name: LogicalName.ConnectTime })),
  isoTime: logical(Schemas.string({ name: 'io.debezium.time.IsoTime' })),
  timestamp: logical(Schemas.int64({ name: 'io.debezium.time.Timestamp' })),
  microTimestamp: logical(Schemas.microTimestamp()),
  nanoTimestamp: logical(Schemas.int64({ name: 'io.debezium.time.NanoTimestamp' })),
  connectTimestamp: logical(Schemas.int64({ name: LogicalName.ConnectTimestamp })),
  isoTimestamp: logical(Schemas.string({ name: 'io.debezium.time.IsoTimestamp' })),
  zonedTimestamp: logical(Schemas.zonedTimestamp()),
  zonedTime: logical(Schemas.zonedTime()),
} as const;

const column = (schema: Schema, fromText: (text: string) => unknown): ColumnType => ({ schema, fromText, placeholder: 'none' });

/** The precision of a time or timestamp column: its typmod, 6 when unconstrained. */
function precisionOf(typmod: number): number {
  return typmod >= 0 && typmod <= 6 ? typmod : 6;
}

export function dateColumn(mode: TimePrecisionMode): ColumnType {
  if (mode === 'isostring') {
    return column(SCHEMAS.isoDate, (t) => {
      const days = parseDateDays(t);
      return typeof days === 'number' ? isoDate(days) + 'Z' : days;
    });
  }
  const days = (t: string): number => {
    const d = parseDateDays(t);
    return typeof d === 'number' ? d : DATE_INFINITY_DAYS[d];
  };
  return column(mode === 'connect' ? SCHEMAS.connectDate : SCHEMAS.date, days);
}

/** time: 24:00:00 (the end of the day) is kept in every mode, IsoTime too (Debezium wraps that one). */
export function timeColumn(typmod: number, mode: TimePrecisionMode): ColumnType {
  const micros = (t: string): number => {
    const { seconds, fraction } = parseTimeOfDay(t);
    return seconds * 1_000_000 + fractionMicros(fraction);
  };
  const millis = (t: string): number => Math.floor(micros(t) / 1000);
  switch (mode) {
    case 'isostring':
      return column(SCHEMAS.isoTime, (t) => t + 'Z');
    case 'connect':
      return column(SCHEMAS.connectTime, millis);
    case 'nanoseconds':
      return column(SCHEMAS.nanoTime, (t) => micros(t) * 1000);
    case 'adaptive':
      if (precisionOf(typmod) <= 3) return column(SCHEMAS.time, millis);
      return column(SCHEMAS.microTime, micros);
    default:
      return column(SCHEMAS.microTime, micros);
  }
}

export function timestampColumn(typmod: number, mode: TimePrecisionMode): ColumnType {
  const millisecondTypes = mode === 'connect' || ((mode === 'adaptive' || mode === 'adaptive_time_microseconds') && precisionOf(typmod) <= 3);
  if (mode === 'isostring') return column(SCHEMAS.isoTimestamp, isoTimestampOf);
  if (mode === 'nanoseconds') return column(SCHEMAS.nanoTimestamp, nanosOf);
  if (millisecondTypes) return column(mode === 'connect' ? SCHEMAS.connectTimestamp : SCHEMAS.timestamp, millisOf);
  return column(SCHEMAS.microTimestamp, microsOf);
}

/** Microseconds since the epoch: the hot path, so the common shape is read without a regex. */
function microsOf(text: string): number | bigint {
  const fast = commonTimestampMicros(text);
  if (fast !== undefined) return fast;
  const parts = parseDateTime(text);
  if (typeof parts === 'string') return INFINITY_MICROS[parts];
  const micros = epochMicros(parts);
  // PostgreSQL goes to 294276 AD, int64 microseconds to 294247: Debezium's arithmetic wraps there
  // to a negative number; saturating keeps the value the largest there is.
  return typeof micros === 'bigint' && micros > INT64_MAX ? INT64_MAX : micros;
}

function millisOf(text: string): number | bigint {
  const parts = parseDateTime(text);
  if (typeof parts === 'string') return int64(INFINITY_MILLIS[parts]);
  const micros = epochMicros(parts);
  if (typeof micros === 'number') return Math.floor(micros / 1000);
  return int64(floorDiv(micros, 1000n));
}

/** nanoseconds fit only 1677-09-21 to 2262-04-11: outside that Debezium gives null, and so do we */
function nanosOf(text: string): number | bigint | null {
  const parts = parseDateTime(text);
  if (typeof parts === 'string') return INFINITY_NANOS[parts];
  const nanos = BigInt(epochMicros(parts)) * 1000n;
  return nanos > INT64_MAX || nanos < INT64_MIN ? null : int64(nanos);
}

function isoTimestampOf(text: string): string {
  const parts = parseDateTime(text);
  if (typeof parts === 'string') return INFINITY_ISO[parts];
  return isoDateTime(parts, 0);
}

/** timestamptz: ISO-8601 in UTC, the fraction padded to the column's precision. */
export function zonedTimestampColumn(typmod: number): ColumnType {
  const width = precisionOf(typmod);
  const suffixes = Array.from({ length: 7 }, (_, have) => (width === 0 || have >= width ? '' : (have === 0 ? '.' : '') + '0'.repeat(width - have)) + 'Z');
  return column(SCHEMAS.zonedTimestamp, (text) => {
    // the common case under TimeZone=UTC (`2024-01-02 03:04:05.6789+00`) by slicing
    const n = text.length;
    if (n >= 22 && n <= 29 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32 && text.endsWith('+00') && (n === 22 || text.charCodeAt(19) === 46)) {
      return text.slice(0, 10) + 'T' + text.slice(11, -3) + suffixes[n === 22 ? 0 : n - 23];
    }
    if (text === 'infinity' || text === '-infinity') return text;
    return isoDateTime(parseDateTime(text) as DateTimeParts, width);
  });
}

/**
 * timetz → the time in UTC (`10:00:00.5+02` → `08:00:00.5Z`). A time whose UTC equivalent is
 * exactly 24:00:00 (24:00:00+00, 23:00:00-01) stays 24:00:00Z: Debezium wraps it to 00:00:00Z,
 * which PostgreSQL orders at the other end of the day. Beyond 24:00 the time wraps, as in Debezium.
 */
export function zonedTimeColumn(): ColumnType {
  return column(SCHEMAS.zonedTime, (text) => {
    const m = /^(\d\d:\d\d:\d\d)(?:\.(\d+))?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
    if (!m) throw new Error(`unexpected timetz text: ${text}`);
    const offset = (m[3] === '+' ? 1 : -1) * (Number(m[4]) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0));
    const local = parseTimeOfDay(m[1]).seconds;
    let utc = local - offset;
    if (!(utc === 86_400 && (m[2] ?? '') === '')) utc = ((utc % 86_400) + 86_400) % 86_400;
    return `${isoTimeOfDay(utc)}${m[2] ? '.' + m[2] : ''}Z`;
  });
}

function int64(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * `2024-01-02 03:04:05.678901`: a four-digit AD year and no zone, read from the character codes.
 * Returns undefined for anything else (BC, ±infinity, far years), which takes the general path.
 */
function commonTimestampMicros(text: string): number | undefined {
  const n = text.length;
  if (n < 19 || n > 26 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || (n > 19 && text.charCodeAt(19) !== 46)) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const seconds = digits(text, 11, 2) * 3600 + digits(text, 14, 2) * 60 + digits(text, 17, 2);
  let micros = 0;
  if (n > 19) micros = digits(text, 20, n - 20) * POW10[26 - n];
  const days = daysFromCivil(year, month, day);
  // NaN when a character was no digit (the general path reports the text); beyond ±104000 days
  // (1685 to 2254) the product no longer fits a double exactly
  if (!(days > -104_000 && days < 104_000)) return undefined;
  const value = days * 86_400_000_000 + seconds * 1_000_000 + micros;
  return Number.isNaN(value) ? undefined : value;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}
