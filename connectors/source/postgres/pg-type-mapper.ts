import { Schemas, type Schema } from '../../../plugins/api/index.js';
import {
  int64Value, parseArrayText, parseInt64, parseBytea, parseDate, parseHstore, parseMoney, parseTimeMicros, parseTimestampMicros, toIsoTimestamp, toUtcTime,
} from './pg-text-parsers.js';
import type { TypeInfo, TypeRegistry } from './type-registry.js';

/** How one column maps: its record schema and the conversion from the server's text form. */
export interface ColumnType {
  readonly schema: Schema;
  readonly fromText: (text: string) => unknown;
  /** text-like values can carry the unavailable-value placeholder; others become null */
  readonly placeholder: 'string' | 'bytes' | 'none';
}

export interface TypeMappingOptions {
  readonly decimalHandling: 'precise' | 'string';
}

const identity = (text: string) => text;
const str = (name?: string): ColumnType => ({ schema: Schemas.string(name ? { name } : {}), fromText: identity, placeholder: 'string' });

/** Built-in type OIDs (stable across PostgreSQL versions). */
const BUILTIN: Record<number, (typmod: number, options: TypeMappingOptions) => ColumnType> = {
  16: () => ({ schema: Schemas.boolean(), fromText: (t) => t === 't', placeholder: 'none' }),
  17: () => ({ schema: Schemas.bytes(), fromText: parseBytea, placeholder: 'bytes' }),
  18: () => str(), 19: () => str(), 25: () => str(), 1042: () => str(), 1043: () => str(),
  20: () => ({ schema: Schemas.int64(), fromText: parseInt64, placeholder: 'none' }),
  21: () => ({ schema: Schemas.int16(), fromText: Number, placeholder: 'none' }),
  23: () => ({ schema: Schemas.int32(), fromText: Number, placeholder: 'none' }),
  26: () => ({ schema: Schemas.int64(), fromText: Number, placeholder: 'none' }),
  700: () => ({ schema: Schemas.float32(), fromText: Number, placeholder: 'none' }),
  701: () => ({ schema: Schemas.float64(), fromText: Number, placeholder: 'none' }),
  1700: (typmod, options) => numeric(typmod, options),
  // money: Debezium's Decimal with the two fraction digits of lc_monetary=C
  790: (_typmod, options) => options.decimalHandling === 'string'
    ? { ...str(), fromText: parseMoney }
    : { schema: Schemas.decimal(undefined, 2), fromText: parseMoney, placeholder: 'none' },
  114: () => str('io.debezium.data.Json'), 3802: () => str('io.debezium.data.Json'),
  142: () => str('io.debezium.data.Xml'),
  // uuid_out always writes lower case
  2950: () => ({ schema: Schemas.uuid(), fromText: identity, placeholder: 'none' }),
  1082: () => ({ schema: Schemas.date(), fromText: parseDate, placeholder: 'none' }),
  1083: () => ({ schema: Schemas.microTime(), fromText: (t) => int64Value(parseTimeMicros(t)), placeholder: 'none' }),
  1266: () => ({ schema: Schemas.zonedTime(), fromText: toUtcTime, placeholder: 'none' }),
  1114: () => ({ schema: Schemas.microTimestamp(), fromText: (t) => int64Value(parseTimestampMicros(t)), placeholder: 'none' }),
  1184: () => ({ schema: Schemas.zonedTimestamp(), fromText: toIsoTimestamp, placeholder: 'none' }),
  // ISO-8601 duration text (IntervalStyle=iso_8601): exact, unlike a microsecond count that
  // has to guess the length of a month
  1186: () => str('io.debezium.time.Interval'),
  869: () => str(), 650: () => str(), 829: () => str(), 774: () => str(),
  // bit(1) is a flag, as in Debezium; longer bit strings keep their '0'/'1' text exactly
  1560: (typmod) => (typmod === 1 ? { schema: Schemas.boolean(), fromText: (t) => t === '1', placeholder: 'none' } : str()),
  1562: () => str(),
};

function numeric(typmod: number, options: TypeMappingOptions): ColumnType {
  // unconstrained numeric has a scale per value: no fixed-scale Decimal can hold it exactly
  if (typmod < 4 || options.decimalHandling === 'string') return str();
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0x7ff;
  return { schema: Schemas.decimal(precision, scale), fromText: identity, placeholder: 'none' };
}

/** Maps a column's type (following domains to their base type) to a schema and converter. */
export function columnType(registry: TypeRegistry, oid: number, typmod: number, options: TypeMappingOptions): ColumnType {
  const builtin = BUILTIN[oid];
  if (builtin) return builtin(typmod, options);
  const info = registry.get(oid);
  if (!info) return str();
  return mapInfo(registry, info, typmod, options);
}

function mapInfo(registry: TypeRegistry, info: TypeInfo, typmod: number, options: TypeMappingOptions): ColumnType {
  if (info.type === 'd') return columnType(registry, info.baseType, info.typmod >= 0 ? info.typmod : typmod, options);
  if (info.type === 'e') return str('io.debezium.data.Enum');
  if (info.category === 'A' && info.elementType !== 0) {
    const element = columnType(registry, info.elementType, typmod, options);
    const convert = (items: unknown[]): unknown[] => items.map((v) => (v === null ? null : Array.isArray(v) ? convert(v) : element.fromText(v as string)));
    return {
      schema: Schemas.array(Schemas.optional(element.schema)),
      fromText: (t) => convert(parseArrayText(t, info.delimiter)),
      placeholder: 'none',
    };
  }
  if (info.name === 'hstore') return { schema: Schemas.json(), fromText: (t) => JSON.stringify(parseHstore(t)), placeholder: 'string' };
  // citext, ltree, geometric and range types, tsvector...: their text form, as Debezium does
  return str();
}
