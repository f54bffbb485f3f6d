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

/**
 * Data that does not fit its schema. The path to the field is collected on the way out of the
 * recursion, so the hot path builds no path strings for values that convert fine.
 */
export class ValueConversionError extends Error {
  readonly #path: (string | number)[] = [];

  constructor(readonly reason: string) {
    super(`value: ${reason}`);
  }

  /** Records that the failing value sits under `name` in its container. */
  under(name: string | number): this {
    this.#path.unshift(name);
    this.message = `field "${this.#path.join('.')}": ${this.reason}`;
    return this;
  }
}

const fail = (message: string): never => {
  throw new ValueConversionError(message);
};

/** Rethrows an error from inside a container with the member name prepended to its path. */
function within(error: unknown, name: string | number): never {
  if (error instanceof ValueConversionError) throw error.under(name);
  if (error instanceof Error) throw new ValueConversionError(error.message).under(name);
  throw error;
}

/** Field names are few and repeat on every record, so their JSON form is computed once. */
const quotedNames = new Map<string, string>();
function quotedName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = JSON.stringify(name);
    if (quotedNames.size < 100_000) quotedNames.set(name, quoted);
  }
  return quoted;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

const INT_LIMITS = { int8: 0x7f, int16: 0x7fff, int32: 0x7fffffff } as const;

export function writeJsonValue(schema: Schema | null, value: unknown, options: ValueCodecOptions): string {
  if (value === null || value === undefined) {
    if (schema === null) return 'null';
    if (options.replaceNullWithDefault && schema.defaultValue !== undefined && schema.defaultValue !== null) {
      return writeJsonValue(schema, schema.defaultValue, options);
    }
    return schema.optional ? 'null' : fail('null value for a required field that has no default');
  }
  if (schema === null) return writeSchemaless(value);
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      if (typeof value === 'bigint') return value.toString();
      return fail(`expected an integer for ${schema.type}, got ${typeof value}`);
    case 'int64':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      return fail(`expected an integer for int64, got ${typeof value}`);
    case 'float32':
    case 'float64':
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `"${value}"`;
      if (typeof value === 'bigint') return value.toString();
      return fail(`expected a number for ${schema.type}, got ${typeof value}`);
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : fail(`expected a boolean, got ${typeof value}`);
    case 'string':
      return typeof value === 'string' ? JSON.stringify(value) : fail(`expected a string, got ${typeof value}`);
    case 'bytes':
      if (schema.name === LogicalName.Decimal) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return fail(`expected a decimal string, got ${typeof value}`);
        const scale = decimalScale(schema);
        let unscaled: bigint;
        try {
          unscaled = unscaledOf(String(value), scale);
        } catch (error) {
          return fail((error as Error).message);
        }
        return options.decimalFormat === 'NUMERIC' ? decimalText(unscaled, scale) : `"${base64(twosComplementBytes(unscaled))}"`;
      }
      return value instanceof Uint8Array ? `"${base64(value)}"` : fail(`expected bytes, got ${typeof value}`);
    case 'array': {
      if (!Array.isArray(value)) return fail(`expected an array, got ${typeof value}`);
      const items = schema.items ?? null;
      let out = '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out += ',';
        try {
          out += writeJsonValue(items, value[i], options);
        } catch (error) {
          within(error, i);
        }
      }
      return out + ']';
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(`expected a map, got ${typeof value}`);
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
      const values = schema.values ?? null;
      const keys = schema.keys;
      const asObject = keys === undefined || keys.type === 'string';
      const parts: string[] = [];
      for (const [k, v] of entries) {
        try {
          parts.push(asObject ? `${JSON.stringify(String(k))}:${writeJsonValue(values, v, options)}` : `[${writeJsonValue(keys, typedKey(keys, k), options)},${writeJsonValue(values, v, options)}]`);
        } catch (error) {
          within(error, String(k));
        }
      }
      return asObject ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
    }
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(`expected a struct, got ${typeof value}`);
      const row = value as Record<string, unknown>;
      const fields = schema.fields ?? [];
      let out = '{';
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        try {
          out += (i > 0 ? ',' : '') + quotedName(f.name) + ':' + writeJsonValue(f.schema, row[f.name], options);
        } catch (error) {
          within(error, f.name);
        }
      }
      return out + '}';
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

function writeSchemaless(value: unknown): string {
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
  if (Array.isArray(value)) return `[${value.map((v) => writeSchemaless(v)).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${writeSchemaless(v)}`).join(',')}}`;
  }
  return fail(`cannot write a ${typeof value} as JSON`);
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

export function readJsonValue(schema: Schema | null, node: JsonNode | undefined): unknown {
  if (node === null || node === undefined) {
    if (schema === null) return null;
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) return schema.defaultValue;
    return schema.optional ? null : fail('null value for a required field that has no default');
  }
  if (schema === null) return readSchemaless(node);
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32': {
      if (!(node instanceof JsonNumber) || !node.isInteger) return fail(`expected an integer for ${schema.type}`);
      const n = Number(node.text);
      const limit = INT_LIMITS[schema.type];
      return n >= -limit - 1 && n <= limit ? n : fail(`${node.text} is out of range for ${schema.type}`);
    }
    case 'int64':
      return node instanceof JsonNumber && node.isInteger ? int64Of(node.text) : fail('expected an integer for int64');
    case 'float32':
    case 'float64':
      if (node instanceof JsonNumber) return Number(node.text);
      if (node === 'NaN' || node === 'Infinity' || node === '-Infinity') return Number(node);
      return fail(`expected a number for ${schema.type}`);
    case 'boolean':
      return typeof node === 'boolean' ? node : fail('expected a boolean');
    case 'string':
      return typeof node === 'string' ? node : fail('expected a string');
    case 'bytes':
      if (schema.name === LogicalName.Decimal) {
        // Both forms are accepted whatever decimal.format says, as Kafka Connect does.
        const scale = decimalScale(schema);
        if (node instanceof JsonNumber) return decimalText(unscaledOf(node.text, scale), scale);
        if (typeof node === 'string') return decimalText(fromTwosComplementBytes(Buffer.from(node, 'base64')), scale);
        return fail('expected a decimal as a number or base64 text');
      }
      return typeof node === 'string' ? Buffer.from(node, 'base64') : fail('expected base64 text for bytes');
    case 'array':
      if (!Array.isArray(node)) return fail('expected an array');
      return node.map((n, i) => {
        try {
          return readJsonValue(schema.items ?? null, n);
        } catch (error) {
          return within(error, i);
        }
      });
    case 'map': {
      const out: Record<string, unknown> = {};
      const values = schema.values ?? null;
      if (isJsonObject(node)) {
        for (const [k, v] of Object.entries(node)) {
          try {
            setMember(out, k, readJsonValue(values, v));
          } catch (error) {
            within(error, k);
          }
        }
      } else if (Array.isArray(node)) {
        for (const pair of node) {
          if (!Array.isArray(pair) || pair.length !== 2) return fail('expected map entries as [key, value] pairs');
          const key = String(readJsonValue(schema.keys ?? null, pair[0]));
          try {
            setMember(out, key, readJsonValue(values, pair[1]));
          } catch (error) {
            within(error, key);
          }
        }
      } else {
        return fail('expected a map as an object or an array of pairs');
      }
      return out;
    }
    case 'struct': {
      if (!isJsonObject(node)) return fail('expected a struct object');
      const out: Record<string, unknown> = {};
      for (const f of schema.fields ?? []) {
        try {
          setMember(out, f.name, readJsonValue(f.schema, node[f.name]));
        } catch (error) {
          within(error, f.name);
        }
      }
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
