import { LogicalName, toJsonText, type Schema } from '../../../plugins/api/index.js';
import { decimalToUnscaled, variableScaleDecimalText, zonedTimestampToMicros } from '../files/format/value-conversions.js';
import { baseType, INT_RANGES, isNullable, typeText, type ChType } from './clickhouse-types.js';
import type { RowBinaryWriter } from './row-binary.js';
import { decimalUnits, isoMicros, uuidInto } from './text-values.js';
import { isDateSchema, timestampUnit } from './type-mapping.js';

/** Writes one column value (already known not to be null) to a row. Throws when it does not fit. */
type Write = (w: RowBinaryWriter, value: unknown) => void;

/**
 * Writes one column of a row: null handling, then the value converted exactly from the record's
 * representation (plugins/api/schema.ts) to the column's RowBinary form. `fillNull` is set for
 * rows of deleted keys, whose before-image may hold only the key: a null in a column that is
 * not Nullable is then written as the type's zero (the row is only a marker).
 */
export type ColumnEncoder = (w: RowBinaryWriter, value: unknown, fillNull: boolean) => void;

export function columnEncoder(name: string, schema: Schema, column: ChType): ColumnEncoder {
  const write = writerFor(schema, baseType(column));
  const zero = zeroWriter(baseType(column));
  if (isNullable(column)) {
    return (w, v) => {
      if (v === null || v === undefined) return w.u8(1);
      w.u8(0);
      write(w, v);
    };
  }
  if (baseType(column).kind === 'array') return (w, v) => (v === null || v === undefined ? w.varUInt(0) : write(w, v));
  return (w, v, fillNull) => {
    if (v !== null && v !== undefined) return write(w, v);
    if (fillNull) return zero(w);
    throw new RangeError(`column ${name} (${typeText(column)}) is not Nullable and the value is null`);
  };
}

/** A column's default value, for columns the record lacks in a deleted key's row. */
export function zeroWriter(column: ChType): (w: RowBinaryWriter) => void {
  const t = baseType(column);
  if (isNullable(column)) return (w) => w.u8(1);
  switch (t.kind) {
    case 'int': case 'float': case 'bool': case 'date': case 'date32': case 'datetime': case 'datetime64': case 'decimal': case 'uuid': {
      const bytes = fixedWidth(t);
      return (w) => { for (let i = 0; i < bytes; i++) w.u8(0); };
    }
    case 'fixed': return (w) => { for (let i = 0; i < t.length; i++) w.u8(0); };
    default: return (w) => w.varUInt(0);
  }
}

function fixedWidth(t: ChType): number {
  switch (t.kind) {
    case 'int': return Number(/\d+/.exec(t.name)![0]) / 8;
    case 'float': return t.bits / 8;
    case 'bool': return 1;
    case 'date': return 2;
    case 'date32': case 'datetime': return 4;
    case 'datetime64': return 8;
    case 'decimal': return decimalBytes(t.precision);
    case 'uuid': return 16;
    default: return 0;
  }
}

function decimalBytes(precision: number): number {
  return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
}

function intOf(v: unknown): bigint | number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`${v} is not an integer`);
    return v;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return BigInt(v.trim());
  throw new RangeError(`${JSON.stringify(String(v))} is not an integer`);
}

function writerFor(schema: Schema, column: ChType): Write {
  switch (column.kind) {
    case 'int':
      // a ZonedTimestamp in an Int64 column: its microseconds since the epoch (servers without DateTime64)
      if (schema.name === LogicalName.ZonedTimestamp) return (w, v) => writeZonedMicros(w, String(v));
      return intWriter(column.name);
    case 'float': return column.bits === 32 ? (w, v) => w.f32(Number(v)) : (w, v) => w.f64(Number(v));
    case 'bool': return (w, v) => w.u8(v === true || v === 1 || v === 'true' ? 1 : v === false || v === 0 || v === 'false' ? 0 : badBool(v));
    case 'decimal': return decimalWriter(schema, column.precision, column.scale);
    case 'date': return dateWriter(schema, 0, 65_535, (w, d) => w.u16(d));
    case 'date32': return dateWriter(schema, -25_567, 120_529, (w, d) => w.i32(d));
    case 'datetime64': return dateTime64Writer(schema, column.precision);
    case 'string': return stringWriter(schema);
    case 'fixed': return (w, v) => {
      const b = bytesOf(schema, v);
      if (b.length > column.length) throw new RangeError(`${b.length} bytes do not fit FixedString(${column.length})`);
      w.fixed(b, column.length);
    };
    case 'uuid': return (w, v) => writeUuid(w, String(v));
    case 'array': {
      const items = schema.items ?? { type: 'string', optional: true };
      const inner = columnEncoder('array item', items, column.inner);
      return (w, v) => {
        if (!Array.isArray(v)) throw new RangeError(`${JSON.stringify(v)} is not an array`);
        w.varUInt(v.length);
        for (const x of v) inner(w, x, false);
      };
    }
    default:
      throw new TypeError(`the sink cannot write ClickHouse type ${typeText(column)}`);
  }
}

function badBool(v: unknown): never {
  throw new RangeError(`${JSON.stringify(v)} is not a boolean`);
}

function intWriter(name: keyof typeof INT_RANGES): Write {
  const [lo, hi] = INT_RANGES[name];
  const nlo = Number(lo);
  const nhi = Number(hi);
  const check = (n: bigint | number): void => {
    if (typeof n === 'number' ? n < nlo || n > nhi : n < lo || n > hi) throw new RangeError(`${n} is out of the range of ${name} (${lo} … ${hi})`);
  };
  switch (name) {
    case 'Int8': return (w, v) => { const n = intOf(v); check(n); w.i8(Number(n)); };
    case 'UInt8': return (w, v) => { const n = intOf(v); check(n); w.u8(Number(n)); };
    case 'Int16': return (w, v) => { const n = intOf(v); check(n); w.i16(Number(n)); };
    case 'UInt16': return (w, v) => { const n = intOf(v); check(n); w.u16(Number(n)); };
    case 'Int32': return (w, v) => { const n = intOf(v); check(n); w.i32(Number(n)); };
    case 'UInt32': return (w, v) => { const n = intOf(v); check(n); w.u32(Number(n)); };
    case 'Int64': return (w, v) => {
      const n = intOf(v);
      if (typeof n === 'number') {
        if (!Number.isSafeInteger(n)) throw new RangeError(`${n} is not an exact integer`);
        w.i64Number(n);
      } else {
        check(n);
        w.i64(n);
      }
    };
    case 'UInt64': return (w, v) => { const n = BigInt(intOf(v)); check(n); w.u64(n); };
  }
}

function decimalWriter(schema: Schema, precision: number, scale: number): Write {
  const bytes = decimalBytes(precision);
  const unscaled = (v: unknown): bigint => {
    if (schema.name === 'io.debezium.data.VariableScaleDecimal') return decimalToUnscaled(variableScaleDecimalText(v), scale, precision);
    if (schema.name === LogicalName.Decimal) {
      // the record's own scale may be smaller than the column's: text keeps it exact either way
      return decimalToUnscaled(v as string | number | bigint, scale, precision);
    }
    const n = intOf(v);
    const u = BigInt(n) * 10n ** BigInt(scale);
    if ((u < 0n ? -u : u).toString().length > precision) throw new RangeError(`${n} exceeds Decimal(${precision}, ${scale})`);
    return u;
  };
  if (bytes === 4) return (w, v) => w.i32(Number(unscaled(v)));
  if (bytes === 8) {
    const exact = schema.name === LogicalName.Decimal;
    return (w, v) => {
      const units = exact && typeof v === 'string' ? decimalUnits(v, scale, precision) : NaN;
      if (units === units) w.i64Number(units);
      else w.i64(unscaled(v));
    };
  }
  return (w, v) => w.wide(unscaled(v), bytes);
}

/** Debezium dates are days since 1970-01-01; ClickHouse's Date and Date32 ranges are checked. */
function dateWriter(schema: Schema, min: number, max: number, put: (w: RowBinaryWriter, days: number) => void): Write {
  return (w, v) => {
    const days = v instanceof Date ? Math.floor(v.getTime() / 86_400_000) : Number(v);
    if (!Number.isInteger(days) || days < min || days > max) throw new RangeError(`date ${isDateSchema(schema) ? days + ' (days since 1970-01-01)' : String(v)} is out of the column's range`);
    put(w, days);
  };
}

/** microseconds since the epoch of a timestamp field, exactly */
export function timestampMicros(schema: Schema, v: unknown): { value: bigint; unit: 'millis' | 'micros' | 'nanos' } {
  if (schema.name === LogicalName.ZonedTimestamp) return { value: zonedTimestampToMicros(String(v)), unit: 'micros' };
  const unit = timestampUnit(schema) ?? 'millis';
  const n = v instanceof Date ? BigInt(v.getTime()) : BigInt(intOf(v));
  return { value: n, unit };
}

/** the common `…T…:…:…[.ffffff]Z` text without a BigInt (exact while µs stay below 2^53, year 2255) */
function writeZonedMicros(w: RowBinaryWriter, text: string): void {
  const micros = isoMicros(text);
  if (micros === micros) w.i64Number(micros);
  else w.i64(zonedTimestampToMicros(text));
}

// DateTime64's range: 1900-01-01 … 2299-12-31 (what newer servers accept)
const DT64_MIN_US = -2_208_988_800_000_000n;
const DT64_MAX_US = 10_413_791_999_999_999n;

function dateTime64Writer(schema: Schema, precision: number): Write {
  const perSecond = 10n ** BigInt(precision);
  return (w, v) => {
    const { value, unit } = timestampMicros(schema, v);
    const unitPerSecond = unit === 'millis' ? 1000n : unit === 'micros' ? 1_000_000n : 1_000_000_000n;
    const scaled = value * perSecond;
    if (scaled % unitPerSecond !== 0n) throw new RangeError(`timestamp ${value} (${unit}) has more digits than DateTime64(${precision})`);
    const micros = (value * 1_000_000n) / unitPerSecond;
    if (micros < DT64_MIN_US || micros > DT64_MAX_US) throw new RangeError(`timestamp ${value} (${unit}) is outside DateTime64's range (1900-01-01 … 2299-12-31)`);
    w.i64(scaled / unitPerSecond);
  };
}

function stringWriter(schema: Schema): Write {
  if (schema.type === 'bytes' && schema.name !== LogicalName.Decimal) return (w, v) => w.raw(bytesOf(schema, v));
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return (w, v) => w.string(variableScaleDecimalText(v));
  if (schema.type === 'struct' || schema.type === 'map' || schema.type === 'array') return (w, v) => w.string(toJsonText(v));
  const unit = timestampUnit(schema);
  // a timestamp in a String column: its count, as Int64 would hold it (README)
  if (unit && schema.name !== LogicalName.ZonedTimestamp) return (w, v) => w.string(String(v));
  return (w, v) => w.string(typeof v === 'string' ? v : typeof v === 'object' && v !== null && !(v instanceof Date) ? toJsonText(v) : String(v));
}

function bytesOf(schema: Schema, v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return schema.type === 'bytes' ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8');
  throw new RangeError(`${JSON.stringify(v)} is not bytes`);
}

/** UUID in RowBinary: its two 64-bit halves, each little-endian (text-values.ts). */
function writeUuid(w: RowBinaryWriter, text: string): void {
  if (!uuidInto(w.grow(w.at, 16), w.at, text)) throw new RangeError(`${JSON.stringify(text)} is not a UUID`);
  w.at += 16;
}
