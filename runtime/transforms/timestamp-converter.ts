import { defineConfigSpec, fieldOf, LogicalName, prop, Schemas, type ConfigOf, type ConnectRecord, type Schema } from '../../plugins/api/index.js';
import { TimestampFormat } from './timestamp-format.js';
import { fromMicros, kindOfSchema, kindOfValue, MICROS_PER_DAY, toMicros, type InputKind, type UnixPrecision } from './timestamp-values.js';
import type { Transform } from './transform.js';
import {
  conversionError,
  isPlainObject,
  keyValuePlugins,
  perSchema,
  sideSchema,
  sideValue,
  structLike,
  withSide,
  type RecordSide,
} from './transform-support.js';

const TARGETS = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
type Target = (typeof TARGETS)[number];

export const timestampConverterSpec = defineConfigSpec(
  {
    'target.type': prop.enum(TARGETS, {
      doc: 'What to convert to: string (formatted with format), unix (int64 in unix.precision), Date (days), Time (milliseconds of the day) or Timestamp (milliseconds since the epoch), the last three as Kafka Connect logical types.',
      required: true,
      caseInsensitive: true,
      importance: 'high',
    }),
    field: prop.string({ doc: 'The field holding the time; empty converts the whole key or value.', default: '' }),
    format: prop.string({
      doc: 'SimpleDateFormat pattern (UTC) to write strings with and to parse string inputs; yyyy MM dd HH mm ss SSS, Z/X and quoted literals are supported. String inputs that do not match are read as ISO-8601.',
      default: '',
    }),
    'unix.precision': prop.enum(['seconds', 'milliseconds', 'microseconds', 'nanoseconds'], {
      doc: 'Unit of unix times, read and written.',
      default: 'milliseconds',
      caseInsensitive: true,
    }),
  },
  (values, issues) => {
    // Both refused at POST because they would otherwise fail every record.
    if (values.format !== '') {
      try {
        new TimestampFormat(values.format);
      } catch (error) {
        issues.add('format', `invalid format: ${(error as Error).message}`);
      }
    } else if (values['target.type'] === 'string') {
      issues.add('format', 'format is required when target.type is string');
    }
  },
);

type TimestampConverterConfig = ConfigOf<typeof timestampConverterSpec.properties>;

function targetSchema(target: Target, optional: boolean): Schema {
  switch (target) {
    case 'string':
      return Schemas.string({ optional });
    case 'unix':
      return Schemas.int64({ optional });
    case 'Date':
      return Object.freeze({ ...Schemas.int32({ optional, name: LogicalName.ConnectDate }), version: 1 });
    case 'Time':
      return Object.freeze({ ...Schemas.int32({ optional, name: LogicalName.ConnectTime }), version: 1 });
    case 'Timestamp':
      return Object.freeze({ ...Schemas.int64({ optional, name: LogicalName.ConnectTimestamp }), version: 1 });
  }
}

/** Per input schema: how to read the time and the schema to write. */
type Plan = { readonly kind: InputKind; readonly schema: Schema } | { readonly error: string };

/**
 * Kafka Connect's TimestampConverter: converts a time field (or the whole key/value) between
 * strings, unix times and the Date / Time / Timestamp logical types. Besides Kafka Connect's
 * inputs it reads Debezium's time types (MicroTimestamp, ZonedTimestamp, Date, MicroTime, ...).
 */
export class TimestampConverter implements Transform {
  readonly #side: RecordSide;
  readonly #name: string;
  readonly #field: string;
  readonly #target: Target;
  readonly #format: TimestampFormat | null;
  readonly #precision: UnixPrecision;
  readonly #planFor = perSchema((schema) => this.#plan(schema));

  constructor(config: TimestampConverterConfig, side: RecordSide) {
    this.#side = side;
    this.#name = `TimestampConverter$${side === 'key' ? 'Key' : 'Value'}`;
    this.#field = config.field;
    this.#target = config['target.type'];
    this.#format = config.format === '' ? null : new TimestampFormat(config.format);
    this.#precision = config['unix.precision'];
  }

  #plan(schema: Schema): Plan {
    const timeSchema = this.#field === '' ? schema : schema.type === 'struct' ? fieldOf(schema, this.#field)?.schema : undefined;
    if (timeSchema === undefined) return { error: schema.type === 'struct' ? `no field "${this.#field}" in the schema` : `the schema must be a struct, got ${schema.type}` };
    const kind = kindOfSchema(timeSchema, this.#precision);
    if (kind === null) return { error: `a ${timeSchema.type}${timeSchema.name ? ` (${timeSchema.name})` : ''} holds no time` };
    const converted = targetSchema(this.#target, timeSchema.optional);
    if (this.#field === '') return { kind, schema: converted };
    const fields = (schema.fields ?? []).map((f) => (f.name === this.#field ? Schemas.field(f.name, converted) : f));
    return { kind, schema: structLike(schema, fields) };
  }

  #convert(value: unknown, kind: InputKind | null, record: ConnectRecord): unknown {
    if (value === null || value === undefined) return null;
    const effective = kind ?? kindOfValue(value, this.#precision);
    if (effective === null && !(value instanceof Date)) throw conversionError(this.#name, record, `cannot read a time from a ${typeof value}`);
    const micros = toMicros(value, effective ?? { unit: 'millis' }, this.#format);
    if (typeof micros === 'string') throw conversionError(this.#name, record, micros);
    switch (this.#target) {
      case 'string':
        return this.#format!.format(Math.floor(micros / 1000));
      case 'unix':
        return fromMicros(micros, this.#precision);
      case 'Date':
        return Math.floor(micros / MICROS_PER_DAY);
      case 'Time':
        return Math.floor((((micros % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY) / 1000);
      case 'Timestamp':
        return Math.floor(micros / 1000);
    }
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const schema = sideSchema(record, this.#side);
    const value = sideValue(record, this.#side);
    let plan: Plan | null = null;
    if (schema !== null) {
      plan = this.#planFor(schema);
      if ('error' in plan) throw conversionError(this.#name, record, plan.error);
    }
    const kind = plan?.kind ?? null;
    if (this.#field === '') return withSide(record, this.#side, plan?.schema ?? null, this.#convert(value, kind, record));
    if (value === null || value === undefined) return plan === null ? record : withSide(record, this.#side, plan.schema, value);
    if (!isPlainObject(value)) throw conversionError(this.#name, record, `the ${this.#side} must be a struct or map, got ${typeof value}`);
    const out = { ...value, [this.#field]: this.#convert(value[this.#field], kind, record) };
    return withSide(record, this.#side, plan?.schema ?? null, out);
  }
}

export const [timestampConverterValuePlugin, timestampConverterKeyPlugin] = keyValuePlugins(
  'TimestampConverter',
  'org.apache.kafka.connect.transforms.TimestampConverter',
  timestampConverterSpec,
  (config, side) => new TimestampConverter(config, side),
);
