import { LogicalName, Schemas, type Schema } from '../../../plugins/api/index.js';
import type { ColumnType } from './column-type.js';
import { geometryFromDecoded, geometryFromServerBytes } from './geometry-wkb.js';
import type { MySqlConfig } from './mysql-config-spec.js';

/** What one column becomes in a record: its Connect schema and the conversion of a driver value. */
export interface ColumnMapping {
  readonly schema: Schema;
  /** from what mysql2 (snapshot) or zongji (binlog) returns for the column, with dateStrings on; never called with null */
  readonly convert: (value: unknown) => unknown;
}

export type MappingOptions = Pick<MySqlConfig, 'decimal.handling.mode' | 'time.precision.mode' | 'bigint.unsigned.handling.mode' | 'binary.handling.mode'>;

/** Debezium's spatial struct: the WKB and the SRID */
const GEOMETRY_SCHEMA = Schemas.struct(
  [Schemas.field('wkb', Schemas.bytes()), Schemas.field('srid', Schemas.int32({ optional: true }))],
  { name: 'io.debezium.data.geometry.Geometry', version: 1 },
);

/** the spatial types' names as COLUMN_TYPE writes them */
export const GEOMETRY_TYPES: ReadonlySet<string> = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

const TWO_POW_64 = 1n << 64n;
const INT64_MAX = (1n << 63n) - 1n;
const MS_PER_DAY = 86_400_000;

const identity = (v: unknown) => v;
const toNumber = (v: unknown) => (typeof v === 'number' ? v : Number(v));

/** an int64 value: a number while safe, else a bigint (the plugin API accepts both) */
function int64(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v;
  const text = String(v);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** BIGINT UNSIGNED in `long` mode: the 64 bits as Java's signed long, as Debezium emits them */
function unsignedAsLong(v: unknown): number | bigint {
  const big = typeof v === 'bigint' ? v : BigInt(String(v));
  if (big <= INT64_MAX) return int64(big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
  const wrapped = big - TWO_POW_64;
  return wrapped >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(wrapped) : wrapped;
}

function decimalText(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function bytesOf(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  return Buffer.from(String(v), 'binary');
}

function binaryMapping(mode: MappingOptions['binary.handling.mode']): ColumnMapping {
  switch (mode) {
    case 'base64': return { schema: Schemas.string(), convert: (v) => bytesOf(v).toString('base64') };
    case 'base64-url-safe': return { schema: Schemas.string(), convert: (v) => bytesOf(v).toString('base64url') };
    case 'hex': return { schema: Schemas.string(), convert: (v) => bytesOf(v).toString('hex') };
    default: return { schema: Schemas.bytes(), convert: bytesOf };
  }
}

/** the decimal digits of text[start, end) (the drivers' date and time text has only digits there) */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** days since 1970-01-01 of a proleptic Gregorian date, for every year (Date.UTC maps years 0-99 to 1900-1999) */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** 'YYYY-MM-DD' → days since the epoch; the zero date (and zero parts) → null, as Debezium does */
export function dateDays(text: string): number | null {
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  if (y === 0 || m === 0 || d === 0) return null;
  return daysFromCivil(y, m, d);
}

/** '[-]HHH:MM:SS[.ffffff]' → microseconds (TIME spans -838:59:59 … 838:59:59) */
export function timeMicros(text: string): number {
  const negative = text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const colon = text.indexOf(':', start);
  const h = digits(text, start, colon);
  const m = digits(text, colon + 1, colon + 3);
  const s = digits(text, colon + 4, colon + 6);
  let fraction = 0;
  if (text.charCodeAt(colon + 6) === 46) {
    const end = Math.min(text.length, colon + 13);
    fraction = digits(text, colon + 7, end) * 10 ** (6 - (end - colon - 7));
  }
  const micros = ((h * 60 + m) * 60 + s) * 1_000_000 + fraction;
  return negative ? -micros : micros;
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' read as UTC → microseconds since the epoch, a bigint where a
 * double would round (beyond ±2^53 µs: after 2255 and before 1685); zero dates → null
 */
export function datetimeMicros(text: string): number | bigint | null {
  const days = dateDays(text);
  if (days === null) return null;
  const time = text.length > 10 ? timeMicros(text.slice(11)) : 0;
  const micros = days * MS_PER_DAY * 1000 + time;
  return Number.isSafeInteger(micros) ? micros : BigInt(days) * BigInt(MS_PER_DAY * 1000) + BigInt(time);
}

/** as datetimeMicros, in milliseconds (always within a double's exact range) */
export function datetimeMillis(text: string): number | null {
  const days = dateDays(text);
  if (days === null) return null;
  const time = text.length > 10 ? timeMicros(text.slice(11)) : 0;
  return days * MS_PER_DAY + Math.floor(time / 1000);
}

/** a TIMESTAMP's text (in UTC) → Debezium's ZonedTimestamp: ISO-8601 in UTC, the fraction as wide as the column's fsp */
export function zonedTimestamp(text: string, fsp: number): string | null {
  if (dateDays(text) === null) return null;
  // the drivers write exactly the column's fraction digits: only the separators change
  if (text.length === (fsp > 0 ? 20 + fsp : 19)) return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  const [date, time = '00:00:00'] = text.split(' ');
  const [hms, fraction = ''] = time.split('.');
  const fractionDigits = fsp > 0 ? '.' + fraction.padEnd(fsp, '0').slice(0, fsp) : '';
  return `${date}T${hms}${fractionDigits}Z`;
}

/** BIT(n) as Debezium's Bits: the value's bytes little-endian (java.util.BitSet's order), `length` bytes */
function bitsLittleEndian(v: unknown, bits: number): Buffer {
  const big = bytesOf(v);
  const length = Math.ceil(bits / 8);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length && i < big.length; i++) out[i] = big[big.length - 1 - i];
  return out;
}

/**
 * The Connect schema and converter of a column, as Debezium's MySQL connector maps it (its
 * MySqlValueConverters): integer widths by signedness, DECIMAL per `decimal.handling.mode`,
 * temporal types per `time.precision.mode`, TIMESTAMP as a UTC ZonedTimestamp, BIT(1) as
 * boolean and BIT(n) as io.debezium.data.Bits, ENUM/SET as io.debezium.data.Enum/EnumSet,
 * JSON as io.debezium.data.Json, binary types per `binary.handling.mode`.
 */
export function columnMapping(type: ColumnType, options: MappingOptions): ColumnMapping {
  const connect = options['time.precision.mode'] === 'connect';
  switch (type.base) {
    case 'tinyint':
      return { schema: Schemas.int16(), convert: toNumber };
    case 'smallint':
      return { schema: type.unsigned ? Schemas.int32() : Schemas.int16(), convert: toNumber };
    case 'mediumint':
      return { schema: Schemas.int32(), convert: toNumber };
    case 'int':
    case 'integer':
      return { schema: type.unsigned ? Schemas.int64() : Schemas.int32(), convert: toNumber };
    case 'bigint':
      if (!type.unsigned) return { schema: Schemas.int64(), convert: int64 };
      if (options['bigint.unsigned.handling.mode'] === 'precise') {
        return { schema: decimalSchema(0, 20), convert: (v) => String(v) };
      }
      return { schema: Schemas.int64(), convert: unsignedAsLong };
    case 'float':
      return { schema: Schemas.float32(), convert: toNumber };
    case 'double':
    case 'real':
      return { schema: Schemas.float64(), convert: toNumber };
    case 'decimal':
    case 'numeric': {
      const scale = type.scale ?? 0;
      const precision = type.length ?? 10;
      switch (options['decimal.handling.mode']) {
        case 'string': return { schema: Schemas.string(), convert: decimalText };
        case 'double': return { schema: Schemas.float64(), convert: toNumber };
        default: return { schema: decimalSchema(scale, precision), convert: decimalText };
      }
    }
    case 'bit':
      if ((type.length ?? 1) === 1) return { schema: Schemas.boolean(), convert: (v) => bytesOf(v).some((b) => b !== 0) };
      return { schema: Schemas.bytes({ name: 'io.debezium.data.Bits', version: 1, parameters: { length: String(type.length) } }), convert: (v) => bitsLittleEndian(v, type.length ?? 1) };
    case 'year':
      return { schema: Schemas.int32({ name: 'io.debezium.time.Year', version: 1 }), convert: toNumber };
    case 'date':
      return connect
        ? { schema: Schemas.int32({ name: LogicalName.ConnectDate, version: 1 }), convert: (v) => dateDays(String(v)) }
        : { schema: Schemas.int32({ name: LogicalName.Date, version: 1 }), convert: (v) => dateDays(String(v)) };
    case 'time':
      return connect
        ? { schema: Schemas.int32({ name: LogicalName.ConnectTime, version: 1 }), convert: (v) => connectTime(String(v)) }
        : { schema: Schemas.int64({ name: LogicalName.MicroTime, version: 1 }), convert: (v) => timeMicros(String(v)) };
    case 'datetime': {
      const fsp = type.length ?? 0;
      if (connect) return { schema: Schemas.int64({ name: LogicalName.ConnectTimestamp, version: 1 }), convert: (v) => datetimeMillis(String(v)) };
      if (fsp <= 3) return { schema: Schemas.int64({ name: 'io.debezium.time.Timestamp', version: 1 }), convert: (v) => datetimeMillis(String(v)) };
      return { schema: Schemas.int64({ name: LogicalName.MicroTimestamp, version: 1 }), convert: (v) => datetimeMicros(String(v)) };
    }
    case 'timestamp': {
      const fsp = type.length ?? 0;
      return { schema: Schemas.string({ name: LogicalName.ZonedTimestamp, version: 1 }), convert: (v) => zonedTimestamp(String(v), fsp) };
    }
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { schema: Schemas.string(), convert: (v) => (typeof v === 'string' ? v : String(v)) };
    case 'enum':
      return { schema: Schemas.string({ name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: type.members.join(',') } }), convert: identity };
    case 'set':
      return { schema: Schemas.string({ name: 'io.debezium.data.EnumSet', version: 1, parameters: { allowed: type.members.join(',') } }), convert: identity };
    case 'json':
      return { schema: Schemas.string({ name: LogicalName.Json, version: 1 }), convert: (v) => (typeof v === 'string' ? v : JSON.stringify(v)) };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return binaryMapping(options['binary.handling.mode']);
    case 'geometry': case 'point': case 'linestring': case 'polygon':
    case 'multipoint': case 'multilinestring': case 'multipolygon': case 'geometrycollection': case 'geomcollection':
      // the snapshot's driver hands over the server's bytes, the binlog library its decoded shapes
      return { schema: GEOMETRY_SCHEMA, convert: (v) => (Buffer.isBuffer(v) ? geometryFromServerBytes(v) : geometryFromDecoded(v, type.base === 'geomcollection' ? 'geometrycollection' : type.base)) };
    default:
      // types this connector does not know: their bytes or text as the driver gives them
      return { schema: Schemas.string(), convert: (v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'object' ? JSON.stringify(v) : String(v)) };
  }
}

/**
 * TIME as Kafka Connect's Time (milliseconds of one day): a TIME outside 00:00:00–23:59:59.999
 * (negative, or 24 hours and beyond: MySQL's TIME spans ±838 h) has no such value and is null,
 * as Debezium gives it; adaptive_time_microseconds keeps the whole range.
 */
function connectTime(text: string): number | null {
  const ms = Math.trunc(timeMicros(text) / 1000);
  return ms >= 0 && ms < MS_PER_DAY ? ms : null;
}

function decimalSchema(scale: number, precision: number): Schema {
  return Schemas.bytes({ name: LogicalName.Decimal, version: 1, parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) } });
}
