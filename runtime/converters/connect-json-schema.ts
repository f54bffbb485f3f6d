import type { Field, Schema, SchemaType } from '../../plugins/api/index.js';
import { isJsonObject, JsonNumber, type JsonNode } from './exact-json.js';

/**
 * Schemas in Kafka Connect's JSON form (JsonConverter's `asJsonSchema` / `asConnectSchema`):
 * `{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,
 * "name":"...","version":1,"doc":"...","parameters":{...},"default":...}`. The only type names
 * that differ from ours are float (float32) and double (float64).
 */
const toJsonType: Record<SchemaType, string> = {
  int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  float32: 'float', float64: 'double',
  boolean: 'boolean', string: 'string', bytes: 'bytes',
  array: 'array', map: 'map', struct: 'struct',
};

const fromJsonType: Record<string, SchemaType> = Object.fromEntries(Object.entries(toJsonType).map(([ours, theirs]) => [theirs, ours as SchemaType]));

/** Writes a default value; supplied by the value codec, which knows decimals and bytes. */
export type DefaultWriter = (schema: Schema, value: unknown) => string;
export type DefaultReader = (schema: Schema, node: JsonNode) => unknown;

/** The JSON text of a schema. */
export function schemaJsonText(schema: Schema, writeDefault: DefaultWriter, fieldName?: string): string {
  const parts: string[] = [`"type":"${toJsonType[schema.type]}"`];
  if (schema.type === 'struct') parts.push(`"fields":[${(schema.fields ?? []).map((f) => schemaJsonText(f.schema, writeDefault, f.name)).join(',')}]`);
  if (schema.type === 'array' && schema.items) parts.push(`"items":${schemaJsonText(schema.items, writeDefault)}`);
  if (schema.type === 'map' && schema.keys && schema.values) {
    parts.push(`"keys":${schemaJsonText(schema.keys, writeDefault)}`, `"values":${schemaJsonText(schema.values, writeDefault)}`);
  }
  parts.push(`"optional":${schema.optional}`);
  if (schema.defaultValue !== undefined && schema.defaultValue !== null) parts.push(`"default":${writeDefault(schema, schema.defaultValue)}`);
  if (schema.name !== undefined) parts.push(`"name":${JSON.stringify(schema.name)}`);
  if (schema.version !== undefined) parts.push(`"version":${schema.version}`);
  if (schema.doc !== undefined) parts.push(`"doc":${JSON.stringify(schema.doc)}`);
  if (schema.parameters !== undefined) parts.push(`"parameters":${JSON.stringify(schema.parameters)}`);
  if (fieldName !== undefined) parts.push(`"field":${JSON.stringify(fieldName)}`);
  return `{${parts.join(',')}}`;
}

/** Reads a schema in Kafka Connect's JSON form; throws an Error saying what is wrong. */
export function schemaFromJson(node: JsonNode, readDefault: DefaultReader): Schema {
  if (!isJsonObject(node)) throw new Error('a schema must be a JSON object');
  const typeName = node.type;
  const type = typeof typeName === 'string' ? fromJsonType[typeName] : undefined;
  if (type === undefined) throw new Error(`unknown schema type ${JSON.stringify(typeName ?? null)}`);
  const out: { -readonly [K in keyof Schema]: Schema[K] } = { type, optional: node.optional === true };
  if (typeof node.name === 'string') out.name = node.name;
  if (node.version instanceof JsonNumber) out.version = Number(node.version.text);
  if (typeof node.doc === 'string') out.doc = node.doc;
  if (isJsonObject(node.parameters)) {
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries(node.parameters)) parameters[k] = typeof v === 'string' ? v : v instanceof JsonNumber ? v.text : String(v);
    out.parameters = Object.freeze(parameters);
  }
  if (type === 'struct') {
    if (!Array.isArray(node.fields)) throw new Error('a struct schema needs a "fields" array');
    out.fields = Object.freeze(
      node.fields.map((f): Field => {
        if (!isJsonObject(f) || typeof f.field !== 'string') throw new Error('each struct field needs a "field" name');
        return Object.freeze({ name: f.field, schema: schemaFromJson(f, readDefault) });
      }),
    );
  }
  if (type === 'array') {
    if (node.items === undefined) throw new Error('an array schema needs "items"');
    out.items = schemaFromJson(node.items, readDefault);
  }
  if (type === 'map') {
    if (node.keys === undefined || node.values === undefined) throw new Error('a map schema needs "keys" and "values"');
    out.keys = schemaFromJson(node.keys, readDefault);
    out.values = schemaFromJson(node.values, readDefault);
  }
  if (node.default !== undefined && node.default !== null) out.defaultValue = readDefault(Object.freeze({ ...out }), node.default);
  return Object.freeze(out);
}
