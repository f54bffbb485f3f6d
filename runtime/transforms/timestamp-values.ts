import { LogicalName, type Schema } from '../../plugins/api/index.js';
import type { TimestampFormat } from './timestamp-format.js';

/**
 * TimestampConverter reads every time representation a record may carry into one internal form,
 * microseconds since the epoch (a safe integer for ±285 years), and writes the target from it.
 * Microseconds keep Debezium's MicroTimestamp exact; Kafka Connect itself only keeps milliseconds.
 */
export type UnixPrecision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';

/** How a value is read, decided once per schema (or per value when there is no schema). */
export type InputKind =
  | { readonly unit: 'seconds' | 'millis' | 'micros' | 'nanos' | 'days' }
  | { readonly unit: 'iso' | 'zoned-time' | 'text' };

const DAY_MICROS = 86_400_000_000;

const byLogicalName: Readonly<Record<string, InputKind>> = {
  [LogicalName.ConnectTimestamp]: { unit: 'millis' },
  'io.debezium.time.Timestamp': { unit: 'millis' },
  [LogicalName.MicroTimestamp]: { unit: 'micros' },
  'io.debezium.time.NanoTimestamp': { unit: 'nanos' },
  [LogicalName.ConnectDate]: { unit: 'days' },
  [LogicalName.Date]: { unit: 'days' },
  [LogicalName.ConnectTime]: { unit: 'millis' },
  'io.debezium.time.Time': { unit: 'millis' },
  [LogicalName.MicroTime]: { unit: 'micros' },
  'io.debezium.time.NanoTime': { unit: 'nanos' },
  [LogicalName.ZonedTimestamp]: { unit: 'iso' },
  [LogicalName.ZonedTime]: { unit: 'zoned-time' },
};

const unixUnit: Record<UnixPrecision, InputKind> = {
  seconds: { unit: 'seconds' },
  milliseconds: { unit: 'millis' },
  microseconds: { unit: 'micros' },
  nanoseconds: { unit: 'nanos' },
};

/** The input kind of a schema; null when the schema holds no time. */
export function kindOfSchema(schema: Schema, precision: UnixPrecision): InputKind | null {
  if (schema.name !== undefined && byLogicalName[schema.name]) return byLogicalName[schema.name];
  if (schema.type === 'string') return { unit: 'text' };
  if (schema.type === 'int64' || schema.type === 'int32') return unixUnit[precision];
  return null;
}

export function kindOfValue(value: unknown, precision: UnixPrecision): InputKind | null {
  if (typeof value === 'string') return { unit: 'text' };
  if (typeof value === 'number' || typeof value === 'bigint') return unixUnit[precision];
  return null;
}

const ISO = /^([+-]?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const ZONED_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function fractionMicros(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, '0').slice(0, 6));
}

function offsetMicros(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return (zone[0] === '-' ? -minutes : minutes) * 60_000_000;
}

/** ISO-8601 date-time (offset optional, UTC when absent) to epoch microseconds. */
export function parseIsoMicros(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (m === null) return null;
  const date = new Date(Date.UTC(2000, 0, 1, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)));
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.getTime() * 1000 + fractionMicros(m[7]) - offsetMicros(m[8]);
}

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

/** Reads a value of the given kind as epoch microseconds; a string names the problem. */
export function toMicros(value: unknown, kind: InputKind, format: TimestampFormat | null): number | string {
  if (value instanceof Date) return value.getTime() * 1000;
  switch (kind.unit) {
    case 'text': {
      if (typeof value !== 'string') return `expected a string, got ${typeof value}`;
      const millis = format?.parse(value) ?? null;
      if (millis !== null) return millis * 1000;
      const iso = parseIsoMicros(value);
      return iso ?? `"${value}" does not match the format ${format ? `"${format.pattern}"` : 'ISO-8601 (set format)'}`;
    }
    case 'iso':
      return typeof value === 'string' ? (parseIsoMicros(value) ?? `"${value}" is not an ISO-8601 timestamp`) : `expected a string, got ${typeof value}`;
    case 'zoned-time': {
      const m = typeof value === 'string' ? ZONED_TIME.exec(value) : null;
      if (m === null) return `"${String(value)}" is not an ISO-8601 time with offset`;
      const micros = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1_000_000 + fractionMicros(m[4]) - offsetMicros(m[5]);
      return ((micros % DAY_MICROS) + DAY_MICROS) % DAY_MICROS;
    }
    default: {
      if (typeof value !== 'number' && typeof value !== 'bigint') return `expected a number, got ${typeof value}`;
      if (typeof value === 'number' && !Number.isFinite(value)) return `${value} is not a time`;
      const scale = { seconds: 1_000_000, millis: 1000, micros: 1, days: DAY_MICROS }[kind.unit as string];
      if (scale !== undefined) return Number(value) * scale;
      const nanos = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
      return Number(floorDiv(nanos, 1000n));
    }
  }
}

/** Epoch microseconds as a unix time of the given precision (bigint for nanoseconds beyond 2^53). */
export function fromMicros(micros: number, precision: UnixPrecision): number | bigint {
  switch (precision) {
    case 'seconds':
      return Math.floor(micros / 1_000_000);
    case 'milliseconds':
      return Math.floor(micros / 1000);
    case 'microseconds':
      return micros;
    case 'nanoseconds': {
      const nanos = BigInt(micros) * 1000n;
      return Number.isSafeInteger(Number(nanos)) ? Number(nanos) : nanos;
    }
  }
}

export const MICROS_PER_DAY = DAY_MICROS;
