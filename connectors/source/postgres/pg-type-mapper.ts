import { Schemas, type Logger, type Schema } from '../../../plugins/api/index.js';
import { intervalColumn, type IntervalHandlingMode } from './interval-columns.js';
import { moneyColumn, numericColumn, type DecimalHandlingMode } from './numeric-columns.js';
import { parseArrayText, parseInt64, parseBytea, parseHstore } from './pg-text-parsers.js';
import { dateColumn, timeColumn, timestampColumn, zonedTimeColumn, zonedTimestampColumn, type TimePrecisionMode } from './temporal-columns.js';
import type { PostgresConfig } from './postgres-config-spec.js';
import { TopicNamer } from '../../../plugins/cdc/index.js';
import type { TypeInfo, TypeRegistry } from './type-registry.js';

/** How one column maps: its record schema and the conversion from the server's text form. */
export interface ColumnType {
  readonly schema: Schema;
  readonly fromText: (text: string) => unknown;
  /** text-like values can carry the unavailable-value placeholder; others become null */
  readonly placeholder: 'string' | 'bytes' | 'none';
}

/**
 * How a table maps to records: Debezium's value modes (each defaults to Debezium's default) and
 * the topic names.
 */
export interface TypeMappingOptions {
  readonly decimalHandling: DecimalHandlingMode;
  readonly timePrecision?: TimePrecisionMode;
  readonly intervalHandling?: IntervalHandlingMode;
  /** sanitizes topic names and warns once per renamed table; without it names are sanitized silently */
  readonly topicNamer?: TopicNamer;
}

/** The mapping a task's config asks for; renamed topics are warned about through `logger`. */
export function typeMappingOptions(config: Pick<PostgresConfig, 'decimal.handling.mode' | 'time.precision.mode' | 'interval.handling.mode'>, logger?: Logger): TypeMappingOptions {
  return {
    decimalHandling: config['decimal.handling.mode'],
    timePrecision: config['time.precision.mode'],
    intervalHandling: config['interval.handling.mode'],
    topicNamer: new TopicNamer(logger),
  };
}

const identity = (text: string) => text;
/** Debezium's logical string types (Json, Xml, Enum, Uuid) all carry version 1, as its builders set */
const str = (name?: string): ColumnType => ({ schema: Schemas.string(name ? { name, version: 1 } : {}), fromText: identity, placeholder: 'string' });

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
  1700: (typmod, options) => numericColumn(typmod, options.decimalHandling),
  790: (_typmod, options) => moneyColumn(options.decimalHandling),
  114: () => str('io.debezium.data.Json'), 3802: () => str('io.debezium.data.Json'),
  142: () => str('io.debezium.data.Xml'),
  // uuid_out always writes lower case
  2950: () => ({ schema: Schemas.uuid({ version: 1 }), fromText: identity, placeholder: 'none' }),
  1082: (_typmod, options) => dateColumn(options.timePrecision ?? 'adaptive'),
  1083: (typmod, options) => timeColumn(typmod, options.timePrecision ?? 'adaptive'),
  1266: () => zonedTimeColumn(),
  1114: (typmod, options) => timestampColumn(typmod, options.timePrecision ?? 'adaptive'),
  1184: (typmod) => zonedTimestampColumn(typmod),
  1186: (_typmod, options) => intervalColumn(options.intervalHandling ?? 'numeric'),
  869: () => str(), 650: () => str(), 829: () => str(), 774: () => str(),
  // bit(1) is a flag, as in Debezium; longer bit strings keep their '0'/'1' text exactly
  1560: (typmod) => (typmod === 1 ? { schema: Schemas.boolean(), fromText: (t) => t === '1', placeholder: 'none' } : str()),
  1562: () => str(),
};

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
  if (info.type === 'e') {
    // Debezium's Enum lists the labels, in their sort order, in its `allowed` parameter
    const parameters = info.labels === null ? undefined : { allowed: info.labels };
    return { schema: Schemas.string({ name: 'io.debezium.data.Enum', version: 1, parameters }), fromText: identity, placeholder: 'string' };
  }
  if (info.category === 'A' && info.elementType !== 0) {
    const element = columnType(registry, info.elementType, typmod, options);
    const convert = (items: unknown[]): unknown[] => items.map((v) => (v === null ? null : Array.isArray(v) ? convert(v) : element.fromText(v as string)));
    return {
      schema: Schemas.array(Schemas.optional(element.schema)),
      fromText: (t) => convert(parseArrayText(t, info.delimiter)),
      placeholder: 'none',
    };
  }
  if (info.name === 'hstore') return { schema: Schemas.json({ version: 1 }), fromText: (t) => JSON.stringify(parseHstore(t)), placeholder: 'string' };
  // citext, ltree, geometric and range types, tsvector...: their text form, as Debezium does
  return str();
}
