import type { SchemaElement } from 'hyparquet';
import { decimalPrecision, decimalScale, LogicalName, toJsonText, type Schema } from '../../../../plugins/api/index.js';
import { debeziumTimestampToParquet, decimalToUnscaled, decimalToUnscaledExact, variableScaleDecimalText, zonedTimestampToMicros, zonedTimestampToMicrosExact } from './value-conversions.js';

/** Turns a record value into what hyparquet-writer encodes for that column (bigint for INT64...). */
export type Converter = (value: unknown) => unknown;

export interface ParquetColumns {
  /** the flattened Parquet schema, root first */
  readonly elements: SchemaElement[];
  /** one converter per top-level column */
  readonly converters: Converter[];
}

const DEFAULT_DECIMAL_PRECISION = 38;

/**
 * Maps a struct schema to Parquet columns with the logical types readers expect: DECIMAL with
 * the source precision and scale, TIMESTAMP(MICROS, UTC-adjusted) for zoned timestamps,
 * TIMESTAMP(MICROS, local) for Debezium's Micro/milli Timestamp (NANOS for NanoTimestamp), DATE,
 * TIME, UUID, JSON, LIST, MAP and nested groups for structs; nullability follows the schema.
 * Timestamps beyond the int64 range are clamped, ±infinity become the int64 extremes
 * (value-conversions.ts).
 */
export function parquetColumns(struct: Schema, options: ConverterOptions = {}): ParquetColumns {
  const elements: SchemaElement[] = [{ name: 'root', num_children: struct.fields?.length ?? 0 }];
  const converters: Converter[] = [];
  for (const f of struct.fields ?? []) converters.push(addField(elements, f.name, f.schema, options.packed === true));
  return { elements, converters };
}

export interface ConverterOptions {
  /**
   * For a writer that packs each converted value before converting the next row (the encoder
   * thread's packer): top-level INT64 values (int64, zoned timestamps, decimals up to 18 digits)
   * come as numbers when a double holds them exactly — no BigInt per value — and UUIDs are
   * parsed into one buffer per column that each row reuses.
   */
  readonly packed?: boolean;
}

function rep(schema: Schema): 'OPTIONAL' | 'REQUIRED' {
  return schema.optional ? 'OPTIONAL' : 'REQUIRED';
}

/** Nulls pass for optional columns; for required ones they fail at once, naming the column. */
function nullableFor(name: string, schema: Schema): (convert: Converter) => Converter {
  if (schema.optional) return (convert) => (v) => (v === null || v === undefined ? null : convert(v));
  return (convert) => (v) => {
    if (v === null || v === undefined) throw new TypeError(`column ${name} is required but the value is null`);
    return convert(v);
  };
}
const toBig: Converter = (v) => (typeof v === 'bigint' ? v : BigInt(v as number | string));
const toNumber: Converter = (v) => (typeof v === 'number' ? v : Number(v));
const toSafeNumberOrBig: Converter = (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : toBig(v));

function addField(out: SchemaElement[], name: string, schema: Schema, packed = false): Converter {
  const repetition_type = rep(schema);
  const nullable = nullableFor(name, schema);
  switch (schema.name) {
    case LogicalName.Decimal: {
      const scale = decimalScale(schema);
      const precision = decimalPrecision(schema) ?? DEFAULT_DECIMAL_PRECISION;
      const physical = precision <= 9 ? 'INT32' : precision <= 18 ? 'INT64' : 'FIXED_LEN_BYTE_ARRAY';
      out.push({
        name, repetition_type, type: physical, converted_type: 'DECIMAL', scale, precision,
        ...(physical === 'FIXED_LEN_BYTE_ARRAY' ? { type_length: fixedLength(precision) } : {}),
        logical_type: { type: 'DECIMAL', precision, scale },
      });
      if (packed && physical !== 'FIXED_LEN_BYTE_ARRAY') return nullable((v) => decimalToUnscaledExact(v as string | number | bigint, scale, precision));
      return nullable((v) => decimalToUnscaled(v as string | number | bigint, scale, precision));
    }
    case LogicalName.Date:
    case LogicalName.ConnectDate:
      out.push({ name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } });
      return nullable((v) => (v instanceof Date ? Math.floor(v.getTime() / 86_400_000) : toNumber(v)));
    case LogicalName.MicroTime:
      // 24:00:00 (86400000000) is a valid Parquet TIME: DuckDB reads it as 24:00:00
      out.push({ name, repetition_type, type: 'INT64', converted_type: 'TIME_MICROS', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' } });
      return nullable(toBig);
    case 'io.debezium.time.NanoTime':
      out.push({ name, repetition_type, type: 'INT64', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'NANOS' } });
      return nullable(toBig);
    case LogicalName.ConnectTime:
    case 'io.debezium.time.Time':
      out.push({ name, repetition_type, type: 'INT32', converted_type: 'TIME_MILLIS', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MILLIS' } });
      return nullable((v) => (v instanceof Date ? v.getTime() % 86_400_000 : toNumber(v)));
    case LogicalName.MicroTimestamp:
      // Debezium MicroTimestamp is a wall-clock time without zone: not UTC-adjusted.
      out.push({ name, repetition_type, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } });
      return nullable((v) => debeziumTimestampToParquet(toBig(v) as bigint, 'micros'));
    case 'io.debezium.time.Timestamp':
      // milliseconds are written as microseconds: DuckDB refuses a whole TIMESTAMP(MILLIS) column
      // whose values overflow microseconds, and the ±infinity it reads are microsecond extremes
      out.push({ name, repetition_type, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } });
      return nullable((v) => debeziumTimestampToParquet(toBig(v) as bigint, 'millis'));
    case LogicalName.ConnectTimestamp:
      out.push({ name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
      return nullable((v) => debeziumTimestampToParquet(v instanceof Date ? BigInt(v.getTime()) : (toBig(v) as bigint), 'millis'));
    case 'io.debezium.time.NanoTimestamp':
      out.push({ name, repetition_type, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' } });
      return nullable((v) => debeziumTimestampToParquet(toBig(v) as bigint, 'nanos'));
    case LogicalName.ZonedTimestamp:
      // the instant, clamped to the int64 range; infinity and -infinity become its extremes
      out.push({ name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } });
      return nullable(packed ? (v) => zonedTimestampToMicrosExact(String(v)) : (v) => zonedTimestampToMicros(String(v)));
    case 'io.debezium.data.VariableScaleDecimal':
      // no Parquet DECIMAL has a scale per value: the exact decimal text
      out.push({ name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } });
      return nullable(variableScaleDecimalText);
    case LogicalName.Json:
      // JSON logical type only: hyparquet-writer re-serialises values of the JSON converted
      // type, which would turn our exact JSON text into a quoted string.
      out.push({ name, repetition_type, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } });
      // Buffer.from takes small buffers from Node's shared pool: far less garbage than TextEncoder
      return nullable((v) => Buffer.from(typeof v === 'string' ? v : toJsonText(v), 'utf8'));
    case LogicalName.Uuid:
      out.push({ name, repetition_type, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } });
      if (packed) {
        const reused = new Uint8Array(16);
        return nullable((v) => uuidBytes(v, reused));
      }
      return nullable((v) => uuidBytes(v));
    default:
      break;
  }
  switch (schema.type) {
    case 'int8':
      // converted type only: hyparquet-writer serialises IntType.bitWidth as an i32, not the
      // i8 the Thrift IDL says, and readers such as DuckDB then reject the footer
      out.push({ name, repetition_type, type: 'INT32', converted_type: 'INT_8' });
      return nullable(toNumber);
    case 'int16':
      out.push({ name, repetition_type, type: 'INT32', converted_type: 'INT_16' });
      return nullable(toNumber);
    case 'int32':
      out.push({ name, repetition_type, type: 'INT32' });
      return nullable(toNumber);
    case 'int64':
      out.push({ name, repetition_type, type: 'INT64' });
      return nullable(packed ? toSafeNumberOrBig : toBig);
    case 'float32':
      out.push({ name, repetition_type, type: 'FLOAT' });
      return nullable(toNumber);
    case 'float64':
      out.push({ name, repetition_type, type: 'DOUBLE' });
      return nullable(toNumber);
    case 'boolean':
      out.push({ name, repetition_type, type: 'BOOLEAN' });
      return nullable((v) => Boolean(v));
    case 'string':
      out.push({ name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } });
      return nullable((v) => (typeof v === 'string' ? v : String(v)));
    case 'bytes':
      out.push({ name, repetition_type, type: 'BYTE_ARRAY' });
      return nullable((v) => (v instanceof Uint8Array ? v : typeof v === 'string' ? Buffer.from(v, 'base64') : v));
    case 'array': {
      out.push({ name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      const item = addField(out, 'element', schema.items!);
      return nullable((v) => (v as unknown[]).map(item));
    }
    case 'map': {
      out.push({ name, repetition_type, converted_type: 'MAP', logical_type: { type: 'MAP' }, num_children: 1 });
      out.push({ name: 'key_value', repetition_type: 'REPEATED', num_children: 2 });
      const key = addField(out, 'key', { ...(schema.keys ?? { type: 'string', optional: false }), optional: false });
      const value = addField(out, 'value', schema.values!);
      return nullable((v) => {
        const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
        return entries.map(([k, x]) => ({ key: key(k), value: value(x) }));
      });
    }
    case 'struct': {
      const fields = schema.fields ?? [];
      out.push({ name, repetition_type, num_children: fields.length });
      const children = fields.map((f) => addField(out, f.name, f.schema));
      return nullable((v) => {
        const src = v as Record<string, unknown>;
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) obj[fields[i].name] = children[i](src[fields[i].name]);
        return obj;
      });
    }
  }
}

// Hex digit value of every UTF-16 code unit (-1 for non-digits): one lookup per character, no
// branches, and no way for a non-ASCII character to pass as a digit.
const HEX_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;
/** where each byte's two hex digits start in the canonical 8-4-4-4-12 layout */
const UUID_DIGITS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** A canonical UUID string as its 16 bytes (hyparquet-writer's own parser is slow per value). */
function uuidBytes(v: unknown, into?: Uint8Array): Uint8Array {
  if (v instanceof Uint8Array && v.length === 16) return v;
  const text = String(v);
  if (text.length !== 36 || text.charCodeAt(8) !== 45 || text.charCodeAt(13) !== 45 || text.charCodeAt(18) !== 45 || text.charCodeAt(23) !== 45) {
    throw new TypeError(`not a UUID: ${JSON.stringify(text)}`);
  }
  // from Node's shared pool: no allocation of its own for 16 bytes
  const out = into ?? Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) {
    const at = UUID_DIGITS[i];
    const hi = HEX_VALUE[text.charCodeAt(at)];
    const lo = HEX_VALUE[text.charCodeAt(at + 1)];
    if ((hi | lo) < 0) throw new TypeError(`not a UUID: ${JSON.stringify(text)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Bytes needed for a two's-complement unscaled value of `precision` digits. */
function fixedLength(precision: number): number {
  return Math.ceil((Math.log2(10) * precision + 1) / 8);
}
