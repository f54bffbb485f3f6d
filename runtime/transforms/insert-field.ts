import { defineConfigSpec, LogicalName, prop, Schemas, type ConfigOf, type ConnectRecord, type Schema } from '../../plugins/api/index.js';
import type { Transform } from './transform.js';
import {
  conversionError,
  copyFields,
  fieldNames,
  isPlainObject,
  keyValuePlugins,
  perSchema,
  sideSchema,
  sideValue,
  structLike,
  withSide,
  type RecordSide,
} from './transform-support.js';

const fieldDoc = (what: string) => `Field name for ${what}; empty leaves it out. Suffix with ! to make the field required or ? (the default) to make it optional.`;

export const insertFieldSpec = defineConfigSpec({
  'topic.field': prop.string({ doc: fieldDoc('the record topic'), default: '' }),
  'partition.field': prop.string({ doc: fieldDoc('the bus partition (null for source records)'), default: '' }),
  'offset.field': prop.string({ doc: fieldDoc('the bus offset; sink connectors only'), default: '' }),
  'timestamp.field': prop.string({ doc: fieldDoc('the record timestamp, as an org.apache.kafka.connect.data.Timestamp (milliseconds since the epoch)'), default: '' }),
  'static.field': prop.string({ doc: fieldDoc('a static value'), default: '' }),
  'static.value': prop.string({ doc: 'The static value written to static.field.', default: '' }),
});

type InsertFieldConfig = ConfigOf<typeof insertFieldSpec.properties>;

type Source = 'topic' | 'partition' | 'offset' | 'timestamp' | 'static';

interface Insertion {
  readonly source: Source;
  readonly name: string;
  readonly required: boolean;
  readonly schema: Schema;
}

const baseSchemas: Record<Source, (optional: boolean) => Schema> = {
  topic: (optional) => Schemas.string({ optional }),
  partition: (optional) => Schemas.int32({ optional }),
  offset: (optional) => Schemas.int64({ optional }),
  timestamp: (optional) => Object.freeze({ ...Schemas.int64({ optional }), name: LogicalName.ConnectTimestamp, version: 1 }),
  static: (optional) => Schemas.string({ optional }),
};

function insertions(config: InsertFieldConfig): Insertion[] {
  const out: Insertion[] = [];
  for (const source of ['topic', 'partition', 'offset', 'timestamp', 'static'] as const) {
    const spec = config[`${source}.field`].trim();
    if (spec === '') continue;
    const required = spec.endsWith('!');
    const name = spec.endsWith('!') || spec.endsWith('?') ? spec.slice(0, -1) : spec;
    out.push({ source, name, required, schema: baseSchemas[source](!required) });
  }
  return out;
}

/**
 * Kafka Connect's InsertField: adds record metadata (topic, partition, offset, timestamp) or a
 * static string to the key or value. Tombstones pass through unchanged, as in Kafka Connect.
 */
export class InsertField implements Transform {
  readonly #side: RecordSide;
  readonly #insertions: readonly Insertion[];
  readonly #staticValue: string;
  readonly #name: string;
  readonly #schemaFor = perSchema((schema) =>
    schema.type === 'struct' ? structLike(schema, [...(schema.fields ?? []), ...this.#insertions.map((i) => Schemas.field(i.name, i.schema))]) : null,
  );

  constructor(config: InsertFieldConfig, side: RecordSide) {
    this.#side = side;
    this.#insertions = insertions(config);
    this.#staticValue = config['static.value'];
    this.#name = `InsertField$${side === 'key' ? 'Key' : 'Value'}`;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sideValue(record, this.#side);
    if (value === null || value === undefined || this.#insertions.length === 0) return record;
    if (!isPlainObject(value)) throw conversionError(this.#name, record, `the ${this.#side} must be a struct or map, got ${typeof value}`);
    const schema = sideSchema(record, this.#side);
    let outSchema: Schema | null = null;
    if (schema !== null) {
      outSchema = this.#schemaFor(schema);
      if (outSchema === null) throw conversionError(this.#name, record, `the ${this.#side} schema must be a struct, got ${schema.type}`);
    }
    const out = copyFields(value, schema === null ? Object.keys(value) : fieldNames(schema));
    for (const insertion of this.#insertions) {
      const v = this.#valueOf(insertion.source, record);
      if ((v === null || v === undefined) && insertion.required) {
        throw conversionError(this.#name, record, `required field "${insertion.name}" has no ${insertion.source} to insert`);
      }
      out[insertion.name] = v ?? null;
    }
    return withSide(record, this.#side, outSchema, out);
  }

  #valueOf(source: Source, record: ConnectRecord): unknown {
    switch (source) {
      case 'topic':
        return record.topic;
      case 'partition':
        return (record as { partition?: unknown }).partition;
      case 'offset': {
        const offset = (record as { offset?: unknown }).offset;
        if (typeof offset !== 'number') throw conversionError(this.#name, record, 'offset.field needs a sink record (source records have no bus offset yet)');
        return offset;
      }
      case 'timestamp':
        return record.timestamp;
      case 'static':
        return this.#staticValue;
    }
  }
}

export const [insertFieldValuePlugin, insertFieldKeyPlugin] = keyValuePlugins(
  'InsertField',
  'org.apache.kafka.connect.transforms.InsertField',
  insertFieldSpec,
  (config, side) => new InsertField(config, side),
);
