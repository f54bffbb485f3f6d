import { decimalScale, LogicalName, type Schema } from '../../plugins/api/index.js';
import { decimalText, fromTwosComplementBytes, twosComplementBytes, unscaledOf } from './decimal-bytes.js';
import { isJsonObject, JsonNumber, type JsonNode } from './exact-json.js';

/**
 * Record values to and from Kafka Connect's JSON payload form, guided by the schema (or by the
 * JS types when there is none). int64 is written from bigint digits and read back exactly;
 * decimals are base64 two's complement (BASE64) or exact JSON numbers (NUMERIC); bytes are
 * base64; maps with non-string keys are arrays of [key, value] pairs, as Kafka Connect writes them.
 */
export interface ValueCodecOptions {
  readonly decimalFormat: 'BASE64' | 'NUMERIC';
  readonly replaceNullWithDefault: boolean;
}

export class ValueConversionError extends Error {}

const fail = (path: string, message: string): never => {
  throw new ValueConversionError(`${path === '' ? 'value' : `field "${path}"`}: ${message}`);
};

const join = (path: string, name: string | number) => (path === '' ? String(name) : `${path}.${name}`);

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

const INT_LIMITS = { int8: 0x7f, int16: 0x7fff, int32: 0x7fffffff } as const;

export function writeJsonValue(schema: Schema | null, value: unknown, options: ValueCodecOptions, path = ''): string {
  if (value === null || value === undefined) {
    if (schema === null) return 'null';
    if (options.replaceNullWithDefault && schema.defaultValue !== undefined && schema.defaultValue !== null) {
      return writeJsonValue(schema, schema.defaultValue, options, path);
    }
    return schema.optional ? 'null' : fail(path, 'null value for a required field that has no default');
  }
  if (schema === null) return writeSchemaless(value, path);
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      if (typeof value === 'bigint') return value.toString();
      return fail(path, `expected an integer for ${schema.type}, got ${typeof value}`);
    case 'int64':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      return fail(path, `expected an integer for int64, got ${typeof value}`);
    case 'float32':
    case 'float64':
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `"${value}"`;
      if (typeof value === 'bigint') return value.toString();
      return fail(path, `expected a number for ${schema.type}, got ${typeof value}`);
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : fail(path, `expected a boolean, got ${typeof value}`);
    case 'string':
      return typeof value === 'string' ? JSON.stringify(value) : fail(path, `expected a string, got ${typeof value}`);
    case 'bytes':
      if (schema.name === LogicalName.Decimal) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return fail(path, `expected a decimal string, got ${typeof value}`);
        const scale = decimalScale(schema);
        let unscaled: bigint;
        try {
          unscaled = unscaledOf(String(value), scale);
        } catch (error) {
          return fail(path, (error as Error).message);
        }
        return options.decimalFormat === 'NUMERIC' ? decimalText(unscaled, scale) : `"${base64(twosComplementBytes(unscaled))}"`;
      }
      return value instanceof Uint8Array ? `"${base64(value)}"` : fail(path, `expected bytes, got ${typeof value}`);
    case 'array': {
      if (!Array.isArray(value)) return fail(path, `expected an array, got ${typeof value}`);
      const items = schema.items ?? null;
      return `[${value.map((v, i) => writeJsonValue(items, v, options, join(path, i))).join(',')}]`;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(path, `expected a map, got ${typeof value}`);
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
      const values = schema.values ?? null;
      if (schema.keys === undefined || schema.keys.type === 'string') {
        return `{${entries.map(([k, v]) => `${JSON.stringify(String(k))}:${writeJsonValue(values, v, options, join(path, String(k)))}`).join(',')}}`;
      }
      const keys = schema.keys;
      return `[${entries.map(([k, v]) => `[${writeJsonValue(keys, typedKey(keys, k), options, path)},${writeJsonValue(values, v, options, join(path, String(k)))}]`).join(',')}]`;
    }
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(path, `expected a struct, got ${typeof value}`);
      const row = value as Record<string, unknown>;
      return `{${(schema.fields ?? []).map((f) => `${JSON.stringify(f.name)}:${writeJsonValue(f.schema, row[f.name], options, join(path, f.name))}`).join(',')}}`;
    }
  }
}

/** Map keys are strings in memory; a map<int32, ...> writes them back as the numbers they were. */
function typedKey(schema: Schema, key: unknown): unknown {
  if (typeof key !== 'string') return key;
  if (schema.type === 'boolean') return key === 'true';
  if (schema.type === 'int64') return BigInt(key);
  if (schema.type.startsWith('int') || schema.type.startsWith('float')) return Number(key);
  return key;
}

function writeSchemaless(value: unknown, path: string): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : `"${value}"`;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
  }
  if (value instanceof Uint8Array) return `"${base64(value)}"`;
  if (value instanceof Date) return String(value.getTime());
  if (Array.isArray(value)) return `[${value.map((v, i) => writeSchemaless(v, join(path, i))).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${writeSchemaless(v, join(path, k))}`).join(',')}}`;
  }
  return fail(path, `cannot write a ${typeof value} as JSON`);
}

function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  // A member named __proto__ must stay data, not replace the object's prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function int64Of(text: string): number | bigint {
  const n = BigInt(text);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function readJsonValue(schema: Schema | null, node: JsonNode | undefined, path = ''): unknown {
  if (node === null || node === undefined) {
    if (schema === null) return null;
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) return schema.defaultValue;
    return schema.optional ? null : fail(path, 'null value for a required field that has no default');
  }
  if (schema === null) return readSchemaless(node);
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32': {
      if (!(node instanceof JsonNumber) || !node.isInteger) return fail(path, `expected an integer for ${schema.type}`);
      const n = Number(node.text);
      const limit = INT_LIMITS[schema.type];
      return n >= -limit - 1 && n <= limit ? n : fail(path, `${node.text} is out of range for ${schema.type}`);
    }
    case 'int64':
      return node instanceof JsonNumber && node.isInteger ? int64Of(node.text) : fail(path, 'expected an integer for int64');
    case 'float32':
    case 'float64':
      if (node instanceof JsonNumber) return Number(node.text);
      if (node === 'NaN' || node === 'Infinity' || node === '-Infinity') return Number(node);
      return fail(path, `expected a number for ${schema.type}`);
    case 'boolean':
      return typeof node === 'boolean' ? node : fail(path, 'expected a boolean');
    case 'string':
      return typeof node === 'string' ? node : fail(path, 'expected a string');
    case 'bytes':
      if (schema.name === LogicalName.Decimal) {
        // Both forms are accepted whatever decimal.format says, as Kafka Connect does.
        const scale = decimalScale(schema);
        if (node instanceof JsonNumber) return decimalText(unscaledOf(node.text, scale), scale);
        if (typeof node === 'string') return decimalText(fromTwosComplementBytes(Buffer.from(node, 'base64')), scale);
        return fail(path, 'expected a decimal as a number or base64 text');
      }
      return typeof node === 'string' ? Buffer.from(node, 'base64') : fail(path, 'expected base64 text for bytes');
    case 'array':
      return Array.isArray(node) ? node.map((n, i) => readJsonValue(schema.items ?? null, n, join(path, i))) : fail(path, 'expected an array');
    case 'map': {
      const out: Record<string, unknown> = {};
      const values = schema.values ?? null;
      if (isJsonObject(node)) {
        for (const [k, v] of Object.entries(node)) setMember(out, k, readJsonValue(values, v, join(path, k)));
      } else if (Array.isArray(node)) {
        for (const pair of node) {
          if (!Array.isArray(pair) || pair.length !== 2) return fail(path, 'expected map entries as [key, value] pairs');
          const key = String(readJsonValue(schema.keys ?? null, pair[0], path));
          setMember(out, key, readJsonValue(values, pair[1], join(path, key)));
        }
      } else {
        return fail(path, 'expected a map as an object or an array of pairs');
      }
      return out;
    }
    case 'struct': {
      if (!isJsonObject(node)) return fail(path, 'expected a struct object');
      const out: Record<string, unknown> = {};
      for (const f of schema.fields ?? []) setMember(out, f.name, readJsonValue(f.schema, node[f.name], join(path, f.name)));
      return out;
    }
  }
}

function readSchemaless(node: JsonNode): unknown {
  if (node === null || typeof node === 'boolean' || typeof node === 'string') return node;
  if (node instanceof JsonNumber) return node.isInteger ? int64Of(node.text) : Number(node.text);
  if (Array.isArray(node)) return node.map(readSchemaless);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) setMember(out, k, readSchemaless(v));
  return out;
}
