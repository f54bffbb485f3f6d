import { decimalPrecision, decimalScale, LogicalName, type Schema } from '../../../plugins/api/index.js';
import { baseType, ch, isNullable, typeText, type ChType, type IntName } from './clickhouse-types.js';
import type { ServerFeatures } from './server-features.js';

/**
 * Record schema → ClickHouse column type, exact for every value the sources emit (see the
 * README's table). Where the server lacks a type (18.16 has no DateTime64, Date32 or Bool) the
 * representation is still exact: timestamps as Int64 counts of the record's own unit.
 */
const MICRO_TIMESTAMPS = new Set<string>([LogicalName.MicroTimestamp, LogicalName.ZonedTimestamp]);
const MILLI_TIMESTAMPS = new Set<string>(['io.debezium.time.Timestamp', LogicalName.ConnectTimestamp]);
const NANO_TIMESTAMP = 'io.debezium.time.NanoTimestamp';

/** The unit a timestamp field counts in, or undefined for fields that are no timestamps. */
export function timestampUnit(schema: Schema): 'millis' | 'micros' | 'nanos' | undefined {
  if (!schema.name) return undefined;
  if (MICRO_TIMESTAMPS.has(schema.name)) return 'micros';
  if (MILLI_TIMESTAMPS.has(schema.name)) return 'millis';
  if (schema.name === NANO_TIMESTAMP) return 'nanos';
  return undefined;
}

export function isDateSchema(schema: Schema): boolean {
  return schema.name === LogicalName.Date || schema.name === LogicalName.ConnectDate;
}

/** The column type `auto.create` and `auto.evolve` give a field (Nullable when it is optional). */
export function columnTypeFor(schema: Schema, features: ServerFeatures): ChType {
  const t = valueTypeFor(schema, features);
  // ClickHouse has no Nullable(Array): an optional array is an Array whose null is [] (README)
  return schema.optional && t.kind !== 'array' ? ch.nullable(t) : t;
}

function valueTypeFor(schema: Schema, features: ServerFeatures): ChType {
  const unit = timestampUnit(schema);
  if (unit) {
    if (!features.dateTime64) return ch.int('Int64');
    return ch.datetime64(unit === 'millis' ? 3 : unit === 'micros' ? 6 : 9);
  }
  if (isDateSchema(schema)) return features.date32 ? ch.date32 : ch.date;
  switch (schema.name) {
    case LogicalName.Decimal: {
      const precision = decimalPrecision(schema) ?? 38;
      // wider than Decimal128 (and numeric without precision): the exact decimal text
      return precision <= 38 ? ch.decimal(Math.max(precision, decimalScale(schema), 1), decimalScale(schema)) : ch.string;
    }
    case LogicalName.Uuid:
      return ch.uuid;
    case 'io.debezium.data.VariableScaleDecimal':
      return ch.string;
    default:
      break;
  }
  switch (schema.type) {
    case 'int8': return ch.int('Int8');
    case 'int16': return ch.int('Int16');
    case 'int32': return ch.int('Int32');
    case 'int64': return ch.int('Int64');
    case 'float32': return ch.float(32);
    case 'float64': return ch.float(64);
    case 'boolean': return features.bool ? ch.bool : ch.int('UInt8');
    case 'array': {
      const items = schema.items!;
      const inner = valueTypeFor(items, features);
      // nested optional arrays become plain arrays for the same reason as above
      return ch.array(items.optional && inner.kind !== 'array' ? ch.nullable(inner) : inner);
    }
    // string, bytes (raw bytes in a String), map and struct (JSON text)
    default:
      return ch.string;
  }
}

const INT_BITS: Record<IntName, number> = { Int8: 8, Int16: 16, Int32: 32, Int64: 64, UInt8: 8, UInt16: 16, UInt32: 32, UInt64: 64 };

/**
 * Whether a column of an existing table can take a field's values exactly. Returns the problem,
 * or null. Narrowing conversions the values may still fit (Int64 into UInt8, say) are accepted
 * and checked per value: a value that does not fit is a rejected record, never a wrapped one.
 */
export function columnProblem(name: string, schema: Schema, column: ChType, features: ServerFeatures): string | null {
  const wanted = columnTypeFor(schema, features);
  const mismatch = (why: string) => `column ${name}: the table has ${typeText(column)}, records have ${describeField(schema)} (${typeText(wanted)})${why ? ': ' + why : ''}`;
  if (schema.optional && !isNullable(column) && baseType(column).kind !== 'array') return mismatch('the field is optional but the column is not Nullable');
  return accepts(schema, baseType(column), features) ? null : mismatch('');
}

function accepts(schema: Schema, column: ChType, features: ServerFeatures): boolean {
  if (column.kind === 'string') return true;
  const unit = timestampUnit(schema);
  if (unit) return (column.kind === 'int' && column.name === 'Int64') || column.kind === 'datetime64';
  if (isDateSchema(schema)) return column.kind === 'date' || column.kind === 'date32' || (column.kind === 'int' && INT_BITS[column.name] >= 32 && column.name.startsWith('Int'));
  if (schema.name === LogicalName.Decimal || schema.name === 'io.debezium.data.VariableScaleDecimal') return column.kind === 'decimal';
  if (schema.name === LogicalName.Uuid) return column.kind === 'uuid' || column.kind === 'fixed';
  switch (schema.type) {
    case 'int8': case 'int16': case 'int32': case 'int64':
      return column.kind === 'int' || column.kind === 'decimal' || (column.kind === 'float' && column.bits === 64 && schema.type !== 'int64');
    case 'float32': return column.kind === 'float';
    case 'float64': return column.kind === 'float' && column.bits === 64;
    case 'boolean': return column.kind === 'bool' || column.kind === 'int';
    case 'bytes': return column.kind === 'fixed';
    case 'array': return column.kind === 'array' && accepts(schema.items!, baseType(column.inner), features);
    default: return column.kind === 'fixed';
  }
}

/**
 * The type `auto.evolve` changes a column to so it takes the field: a wider integer or float,
 * or Nullable; undefined when ClickHouse cannot widen it that way (the mismatch is reported).
 */
export function widenedType(schema: Schema, column: ChType, features: ServerFeatures): ChType | undefined {
  const wanted = baseType(columnTypeFor(schema, features));
  const have = baseType(column);
  let target: ChType | undefined;
  if (have.kind === 'int' && wanted.kind === 'int' && have.name.startsWith('Int') && wanted.name.startsWith('Int') && INT_BITS[wanted.name] > INT_BITS[have.name]) target = wanted;
  else if (have.kind === 'float' && wanted.kind === 'float' && wanted.bits > have.bits) target = wanted;
  else if (accepts(schema, have, features)) target = have;
  if (!target) return undefined;
  // never takes Nullable away: other writers may rely on it
  return (schema.optional || isNullable(column)) && target.kind !== 'array' ? ch.nullable(target) : target;
}

function describeField(schema: Schema): string {
  return schema.name ? `${schema.type} ${schema.name}${schema.optional ? ' (optional)' : ''}` : `${schema.type}${schema.optional ? ' (optional)' : ''}`;
}
