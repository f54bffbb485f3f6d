/**
 * Record schemas, shaped like Kafka Connect's `Schema` so sinks can map every field to a Parquet,
 * ClickHouse or Avro type without guessing.
 *
 * Value representation in memory (what a connector puts in a record, what a sink receives):
 * - int8, int16, int32, float32, float64: `number`
 * - int64: `bigint`, or a `number` when it is a safe integer (sinks accept both; see {@link toBigInt})
 * - boolean: `boolean`; string: `string`; bytes: `Uint8Array` (a Buffer is one)
 * - array: `unknown[]`; map: `Record<string, unknown>`; struct: `Record<string, unknown>`
 * - logical types keep Debezium's names and physical types, with these JS values:
 *   - Decimal (`org.apache.kafka.connect.data.Decimal`, parameters `scale` and
 *     `connect.decimal.precision`): the exact decimal as a `string` ("-12.50"), never a float
 *   - Date (`io.debezium.time.Date`, int32): days since 1970-01-01
 *   - MicroTime (`io.debezium.time.MicroTime`, int64): microseconds since midnight
 *   - MicroTimestamp (`io.debezium.time.MicroTimestamp`, int64): microseconds since the epoch, no zone
 *   - ZonedTimestamp (`io.debezium.time.ZonedTimestamp`, string): ISO-8601 with offset, an instant
 *   - ZonedTime (`io.debezium.time.ZonedTime`, string): ISO-8601 time with offset
 *   - Json (`io.debezium.data.Json`, string): JSON text
 *   - Uuid (`io.debezium.data.Uuid`, string): canonical lower-case UUID
 */
export type SchemaType =
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float32' | 'float64'
  | 'boolean' | 'string' | 'bytes'
  | 'array' | 'map' | 'struct';

export interface Field {
  readonly name: string;
  readonly schema: Schema;
}

export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  /** Logical type or record name, e.g. `io.debezium.time.Date` or `tributary.public.orders.Value`. */
  readonly name?: string;
  readonly version?: number;
  readonly doc?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly defaultValue?: unknown;
  /** struct only, in column order */
  readonly fields?: readonly Field[];
  /** array only */
  readonly items?: Schema;
  /** map only; keys are strings in memory whatever this says */
  readonly keys?: Schema;
  readonly values?: Schema;
}

export const LogicalName = {
  Decimal: 'org.apache.kafka.connect.data.Decimal',
  Date: 'io.debezium.time.Date',
  MicroTime: 'io.debezium.time.MicroTime',
  MicroTimestamp: 'io.debezium.time.MicroTimestamp',
  ZonedTimestamp: 'io.debezium.time.ZonedTimestamp',
  ZonedTime: 'io.debezium.time.ZonedTime',
  Json: 'io.debezium.data.Json',
  Uuid: 'io.debezium.data.Uuid',
  /** Kafka Connect's own logical types, accepted from transforms and converters */
  ConnectDate: 'org.apache.kafka.connect.data.Date',
  ConnectTime: 'org.apache.kafka.connect.data.Time',
  ConnectTimestamp: 'org.apache.kafka.connect.data.Timestamp',
} as const;

type Options = { optional?: boolean; name?: string; version?: number; doc?: string; parameters?: Record<string, string>; defaultValue?: unknown };

function primitive(type: SchemaType, options: Options = {}): Schema {
  return Object.freeze({ type, optional: options.optional ?? false, ...strip(options) });
}

function strip(options: Options): Partial<Schema> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (k !== 'optional' && v !== undefined) out[k] = v;
  return out;
}

/** Builders for schemas; every builder returns a frozen value. */
export const Schemas = {
  int8: (o?: Options) => primitive('int8', o),
  int16: (o?: Options) => primitive('int16', o),
  int32: (o?: Options) => primitive('int32', o),
  int64: (o?: Options) => primitive('int64', o),
  float32: (o?: Options) => primitive('float32', o),
  float64: (o?: Options) => primitive('float64', o),
  boolean: (o?: Options) => primitive('boolean', o),
  string: (o?: Options) => primitive('string', o),
  bytes: (o?: Options) => primitive('bytes', o),
  decimal: (precision: number | undefined, scale: number, o?: Options) =>
    primitive('bytes', {
      ...o,
      name: LogicalName.Decimal,
      parameters: { scale: String(scale), ...(precision !== undefined ? { 'connect.decimal.precision': String(precision) } : {}) },
    }),
  date: (o?: Options) => primitive('int32', { ...o, name: LogicalName.Date }),
  microTime: (o?: Options) => primitive('int64', { ...o, name: LogicalName.MicroTime }),
  microTimestamp: (o?: Options) => primitive('int64', { ...o, name: LogicalName.MicroTimestamp }),
  zonedTimestamp: (o?: Options) => primitive('string', { ...o, name: LogicalName.ZonedTimestamp }),
  zonedTime: (o?: Options) => primitive('string', { ...o, name: LogicalName.ZonedTime }),
  json: (o?: Options) => primitive('string', { ...o, name: LogicalName.Json }),
  uuid: (o?: Options) => primitive('string', { ...o, name: LogicalName.Uuid }),
  array: (items: Schema, o?: Options): Schema => Object.freeze({ ...primitive('array', o), items }),
  map: (keys: Schema, values: Schema, o?: Options): Schema => Object.freeze({ ...primitive('map', o), keys, values }),
  struct: (fields: readonly Field[], o?: Options): Schema =>
    Object.freeze({ ...primitive('struct', o), fields: Object.freeze([...fields]) }),
  field: (name: string, schema: Schema): Field => Object.freeze({ name, schema }),
  optional: (schema: Schema): Schema => (schema.optional ? schema : Object.freeze({ ...schema, optional: true })),
} as const;

export function fieldOf(schema: Schema, name: string): Field | undefined {
  return schema.fields?.find((f) => f.name === name);
}

/** The decimal scale of a Decimal schema (Kafka Connect keeps it as a string parameter). */
export function decimalScale(schema: Schema): number {
  return Number(schema.parameters?.scale ?? 0);
}

export function decimalPrecision(schema: Schema): number | undefined {
  const p = schema.parameters?.['connect.decimal.precision'];
  return p === undefined ? undefined : Number(p);
}

/** int64 values may arrive as number or bigint; this is the one place that normalises them. */
export function toBigInt(value: number | bigint | string): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/**
 * A stable textual identity of a schema's shape, used to notice schema changes (a sink closes its
 * file when it changes). Docs are left out: they do not change the data.
 */
export function schemaFingerprint(schema: Schema | null | undefined): string {
  if (!schema) return 'null';
  const parts: string[] = [schema.type, schema.optional ? '?' : '', schema.name ?? ''];
  if (schema.parameters) parts.push(JSON.stringify(Object.entries(schema.parameters).sort()));
  if (schema.fields) parts.push('{' + schema.fields.map((f) => `${f.name}:${schemaFingerprint(f.schema)}`).join(',') + '}');
  if (schema.items) parts.push('[' + schemaFingerprint(schema.items) + ']');
  if (schema.keys) parts.push('<' + schemaFingerprint(schema.keys) + ',' + schemaFingerprint(schema.values) + '>');
  return parts.join('|');
}
