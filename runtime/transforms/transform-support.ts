import {
  parseConfig,
  TributaryError,
  type ConfigOf,
  type ConfigSpec,
  type ConnectRecord,
  type Field,
  type PropertyMap,
  type RawConfig,
  type Schema,
} from '../../plugins/api/index.js';
import type { Predicate, PredicatePlugin, Transform, TransformPlugin } from './transform.js';

/** Version reported for every built-in transform and predicate. */
export const TRANSFORMS_VERSION = '0.1.0';

/** Which part of a record a `$Key` / `$Value` transform works on. */
export type RecordSide = 'key' | 'value';

/** The error every transform throws for a record it cannot process; the runtime applies errors.tolerance. */
export function conversionError(transform: string, record: ConnectRecord, message: string, cause?: unknown): TributaryError {
  const id = (record as { id?: unknown }).id;
  const where = `topic "${record.topic}"${typeof id === 'string' ? `, record ${id}` : ''}`;
  return new TributaryError('record.conversion_failed', `${transform}: ${message} (${where})`, cause === undefined ? {} : { cause });
}

export function sideSchema(record: ConnectRecord, side: RecordSide): Schema | null {
  return side === 'key' ? record.keySchema : record.valueSchema;
}

export function sideValue(record: ConnectRecord, side: RecordSide): unknown {
  return side === 'key' ? record.key : record.value;
}

/** A copy of the record with the key or value (and its schema) replaced; every other field is kept. */
export function withSide<R extends ConnectRecord>(record: R, side: RecordSide, schema: Schema | null, value: unknown): R {
  return side === 'key' ? { ...record, keySchema: schema, key: value } : { ...record, valueSchema: schema, value };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/**
 * A fresh object with the named properties of `source`, ready to take more. Adding a property to
 * an object made by spread (`{ ...row }`) costs about a microsecond in V8 (the spread object's
 * shape has no room to grow), which alone would cap a transform below 1M records/s; copying
 * into a literal-born object by a known key list is more than ten times faster.
 */
export function copyFields(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    // An own `__proto__` key (from parsed JSON) must stay data, not become the copy's prototype.
    if (name === '__proto__') Object.defineProperty(out, name, { value: source[name], enumerable: true, writable: true, configurable: true });
    else out[name] = source[name];
  }
  return out;
}

/** A copy of `record` with one property set, fast whether or not the record already had it (see copyFields). */
export function withProperty<R extends object, K extends keyof R>(record: R, key: K, value: R[K]): R {
  if (Object.hasOwn(record, key)) return { ...record, [key]: value };
  const out = copyFields(record as Record<string, unknown>, Object.keys(record));
  out[key as string] = value;
  return out as R;
}

/** Field names of a struct schema, computed once per schema. */
export const fieldNames = perSchema((schema) => (schema.fields ?? []).map((f) => f.name));

/**
 * A struct schema with the basics (name, version, doc, parameters, optional) of `schema` and new
 * fields, as Kafka Connect's `SchemaUtil.copySchemaBasics` does: downstream consumers keep seeing
 * the record name they know.
 */
export function structLike(schema: Schema, fields: readonly Field[]): Schema {
  const out: { -readonly [K in keyof Schema]: Schema[K] } = { type: 'struct', optional: schema.optional };
  if (schema.name !== undefined) out.name = schema.name;
  if (schema.version !== undefined) out.version = schema.version;
  if (schema.doc !== undefined) out.doc = schema.doc;
  if (schema.parameters !== undefined) out.parameters = schema.parameters;
  out.fields = Object.freeze([...fields]);
  return Object.freeze(out);
}

/**
 * Memoises a derivation per input schema. Records of one table share one schema object, so the
 * hot path does a WeakMap lookup instead of rebuilding schemas; schemas that are dropped (after a
 * schema change) are collected with their entries.
 */
export function perSchema<T>(derive: (schema: Schema) => T): (schema: Schema) => T {
  const cache = new WeakMap<Schema, T>();
  return (schema) => {
    let derived = cache.get(schema);
    if (derived === undefined) {
      derived = derive(schema);
      cache.set(schema, derived);
    }
    return derived;
  };
}

/** Parses a transform's own properties, throwing `transform.invalid` with every problem listed. */
export function parseTransformConfig<P extends PropertyMap>(plugin: string, spec: ConfigSpec<P>, raw: RawConfig): ConfigOf<P> {
  const parsed = parseConfig(spec, raw);
  if (!parsed.ok) {
    const details = Object.entries(parsed.errors).flatMap(([name, messages]) => messages.map((m) => `${name}: ${m}`));
    throw new TributaryError('transform.invalid', `Invalid configuration for ${plugin}: ${details.join('; ')}`, { details });
  }
  return parsed.value;
}

interface PluginDefinition<P extends PropertyMap, T> {
  name: string;
  aliases: readonly string[];
  configSpec: ConfigSpec<P>;
  create(config: ConfigOf<P>, raw: RawConfig): T;
}

/** One frozen plugin value for a transform or predicate: its raw config is parsed with its spec. */
function definePlugin<P extends PropertyMap, T>(definition: PluginDefinition<P, T>) {
  return Object.freeze({
    name: definition.name,
    aliases: Object.freeze([...definition.aliases]),
    version: TRANSFORMS_VERSION,
    configSpec: definition.configSpec as unknown as ConfigSpec,
    create: (raw: RawConfig) => definition.create(parseTransformConfig(definition.name, definition.configSpec, raw), raw),
  });
}

export function defineTransformPlugin<P extends PropertyMap>(definition: PluginDefinition<P, Transform>): TransformPlugin {
  return definePlugin(definition);
}

export function definePredicatePlugin<P extends PropertyMap>(definition: PluginDefinition<P, Predicate>): PredicatePlugin {
  return definePlugin(definition);
}

/**
 * The `$Key` and `$Value` plugins of one Kafka Connect transform (`InsertField$Value`, ...). The
 * bare short name (`InsertField`) resolves to the `$Value` variant, the one almost always meant.
 */
export function keyValuePlugins<P extends PropertyMap>(
  shortName: string,
  className: string,
  configSpec: ConfigSpec<P>,
  create: (config: ConfigOf<P>, side: RecordSide) => Transform,
): [TransformPlugin, TransformPlugin] {
  return [
    defineTransformPlugin({
      name: `${shortName}$Value`,
      aliases: [`${className}$Value`, shortName],
      configSpec,
      create: (config) => create(config, 'value'),
    }),
    defineTransformPlugin({
      name: `${shortName}$Key`,
      aliases: [`${className}$Key`],
      configSpec,
      create: (config) => create(config, 'key'),
    }),
  ];
}
