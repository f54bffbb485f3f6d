import { decimalScale, defineConfigSpec, fieldOf, LogicalName, prop, type ConfigOf, type ConnectRecord, type Schema } from '../../plugins/api/index.js';
import type { Transform } from './transform.js';
import { conversionError, isPlainObject, keyValuePlugins, perSchema, sideSchema, sideValue, withSide, type RecordSide } from './transform-support.js';

export const maskFieldSpec = defineConfigSpec({
  fields: prop.list({ doc: 'Names of the fields to mask.', required: true, importance: 'high' }),
  replacement: prop.string({
    doc: 'Value written instead of a masked field, converted to the field type. Unset: the empty value of the type (0, false, "", empty bytes, array or map).',
    importance: 'low',
  }),
});

type MaskFieldConfig = ConfigOf<typeof maskFieldSpec.properties>;

/**
 * Empty values for strings that carry a logical type: "" would not parse downstream as a time,
 * UUID or JSON document, so each gets the zero of its own kind.
 */
const emptyLogicalStrings: Readonly<Record<string, string>> = {
  [LogicalName.ZonedTimestamp]: '1970-01-01T00:00:00Z',
  [LogicalName.ZonedTime]: '00:00:00Z',
  [LogicalName.Uuid]: '00000000-0000-0000-0000-000000000000',
  [LogicalName.Json]: 'null',
};

/** The masked value for a field schema, or an error message. */
function maskFor(schema: Schema, replacement: string | undefined): { value: unknown } | { error: string } {
  if (replacement === undefined) {
    if (schema.name === LogicalName.Decimal) return { value: (0).toFixed(decimalScale(schema)) };
    switch (schema.type) {
      case 'boolean':
        return { value: false };
      case 'string':
        return { value: emptyLogicalStrings[schema.name ?? ''] ?? '' };
      case 'bytes':
        return { value: new Uint8Array(0) };
      // Shared by every record of the schema, so frozen: a sink cannot alter another record's value.
      case 'array':
        return { value: Object.freeze([]) };
      case 'map':
        return { value: Object.freeze({}) };
      case 'struct':
        return { error: 'cannot mask a struct field' };
      default:
        return { value: 0 };
    }
  }
  return convertReplacement(schema.name === LogicalName.Decimal ? 'decimal' : schema.type, replacement);
}

function convertReplacement(type: string, replacement: string): { value: unknown } | { error: string } {
  const bad = { error: `replacement "${replacement}" is not a valid ${type}` };
  switch (type) {
    case 'string':
      return { value: replacement };
    case 'boolean':
      return /^(true|false)$/i.test(replacement) ? { value: replacement.toLowerCase() === 'true' } : bad;
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(replacement) ? { value: replacement } : bad;
    case 'bytes':
      return { value: new TextEncoder().encode(replacement) };
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'bigint':
      if (!/^-?\d+$/.test(replacement)) return bad;
      return { value: Number.isSafeInteger(Number(replacement)) && type !== 'bigint' ? Number(replacement) : BigInt(replacement) };
    case 'float32':
    case 'float64':
    case 'number':
      return replacement.trim() !== '' && Number.isFinite(Number(replacement)) ? { value: Number(replacement) } : bad;
    default:
      return { error: `a replacement cannot be written to a field of type ${type}` };
  }
}

function maskSchemaless(value: unknown, replacement: string | undefined): { value: unknown } | { error: string } {
  if (value === null || value === undefined) return { value: null };
  if (typeof value === 'number') return replacement === undefined ? { value: 0 } : convertReplacement('number', replacement);
  if (typeof value === 'bigint') return replacement === undefined ? { value: 0n } : convertReplacement('bigint', replacement);
  if (typeof value === 'boolean') return replacement === undefined ? { value: false } : convertReplacement('boolean', replacement);
  if (typeof value === 'string') return { value: replacement ?? '' };
  if (value instanceof Uint8Array) return replacement === undefined ? { value: new Uint8Array(0) } : convertReplacement('bytes', replacement);
  if (replacement !== undefined) return { error: 'a replacement cannot be written to an array or map field' };
  return { value: Array.isArray(value) ? [] : {} };
}

/**
 * Kafka Connect's MaskField: replaces the named top-level fields by an empty value of their type
 * or by `replacement`. The schema is unchanged; null values stay null.
 */
export class MaskField implements Transform {
  readonly #side: RecordSide;
  readonly #name: string;
  readonly #fields: readonly string[];
  readonly #replacement: string | undefined;
  readonly #masksFor = perSchema((schema) => this.#fields.map((name) => {
    const field = fieldOf(schema, name);
    return field === undefined ? ({ error: `no field "${name}" in the schema` } as const) : maskFor(field.schema, this.#replacement);
  }));

  constructor(config: MaskFieldConfig, side: RecordSide) {
    this.#side = side;
    this.#name = `MaskField$${side === 'key' ? 'Key' : 'Value'}`;
    this.#fields = config.fields;
    this.#replacement = config.replacement;
  }

  apply<R extends ConnectRecord>(record: R): R | null {
    const value = sideValue(record, this.#side);
    if (value === null || value === undefined) return record;
    if (!isPlainObject(value)) throw conversionError(this.#name, record, `the ${this.#side} must be a struct or map, got ${typeof value}`);
    const schema = sideSchema(record, this.#side);
    if (schema !== null && schema.type !== 'struct') throw conversionError(this.#name, record, `the ${this.#side} schema must be a struct, got ${schema.type}`);
    const masks = schema === null ? null : this.#masksFor(schema);
    const out: Record<string, unknown> = { ...value };
    this.#fields.forEach((name, i) => {
      if (schema === null && !(name in value)) return;
      let mask = masks === null ? maskSchemaless(value[name], this.#replacement) : masks[i];
      if (!('error' in mask) && (value[name] === null || value[name] === undefined)) mask = { value: null };
      if ('error' in mask) throw conversionError(this.#name, record, `field "${name}": ${mask.error}`);
      out[name] = mask.value;
    });
    return withSide(record, this.#side, schema, out);
  }
}

export const [maskFieldValuePlugin, maskFieldKeyPlugin] = keyValuePlugins(
  'MaskField',
  'org.apache.kafka.connect.transforms.MaskField',
  maskFieldSpec,
  (config, side) => new MaskField(config, side),
);
