import { LogicalName, type Field, type Schema, type SchemaType } from '../../plugins/api/index.js';
import { decimalText, fromTwosComplementBytes, twosComplementBytes, unscaledOf } from './decimal-bytes.js';

/**
 * Kafka Connect schemas to Avro schemas and back, as Confluent's AvroData does it
 * (confluentinc/schema-registry avro-data/src/main/java/io/confluent/connect/avro/AvroData.java,
 * `fromConnectSchema` / `toConnectSchema`, with its defaults: connect.meta.data=true,
 * enhanced.avro.schema.support=false, scrub.invalid.names=false, discard.type.doc.default=false,
 * allow.optional.map.keys=false, generalized.sum.type.support=false).
 *
 * Avro schemas are handled in their JSON form, built in the order Avro's Java `Schema.toString()`
 * writes them (type, name, namespace when it differs from the enclosing one, doc, fields / items /
 * values / size, then the properties in the order AvroData adds them), with a named type written
 * in full once and referred to by name after, so the text registered is the one a Java worker
 * running AvroConverter registers for the same Connect schema.
 */
export type AvroJson = null | boolean | number | bigint | string | AvroJson[] | { [key: string]: AvroJson };
type AvroObject = { [key: string]: AvroJson };

export const AVRO_NAMESPACE = 'io.confluent.connect.avro';
const DEFAULT_SCHEMA_NAME = 'ConnectDefault';
const DEFAULT_SCHEMA_FULL_NAME = `${AVRO_NAMESPACE}.${DEFAULT_SCHEMA_NAME}`;
const MAP_ENTRY = 'MapEntry';
export const CONNECT_NAME = 'connect.name';
const CONNECT_DOC = 'connect.doc';
export const CONNECT_VERSION = 'connect.version';
const CONNECT_DEFAULT = 'connect.default';
const CONNECT_PARAMETERS = 'connect.parameters';
const CONNECT_TYPE = 'connect.type';
const CONNECT_INTERNAL_TYPE = 'connect.internal.type';
const RECORD_DOC = `${AVRO_NAMESPACE}.record.doc`;
const FIELD_DOC_PREFIX = `${AVRO_NAMESPACE}.field.doc.`;
const FIELD_DEFAULT_FLAG = `${AVRO_NAMESPACE}.field.default`;
const ENUM_DOC_PREFIX = `${AVRO_NAMESPACE}.enum.doc.`;
const ENUM_DEFAULT_PREFIX = `${AVRO_NAMESPACE}.enum.default.`;
export const AVRO_UNION = `${AVRO_NAMESPACE}.Union`;
export const AVRO_ENUM = `${AVRO_NAMESPACE}.Enum`;
export const FIXED_SIZE = 'connect.fixed.size';
const DECIMAL_PRECISION = 'connect.decimal.precision';
/** AvroData writes precision 64 for a decimal without connect.decimal.precision, and drops 64 on read */
const DECIMAL_PRECISION_DEFAULT = 64;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const is = (name: string | undefined, logical: string) => name !== undefined && name.toLowerCase() === logical.toLowerCase();

/** `a.b.C` → namespace `a.b`, name `C` (AvroData's splitName). */
function splitName(fullName: string): [string | null, string] {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? [null, fullName] : [fullName.slice(0, dot), fullName.slice(dot + 1)];
}

/** Writes an Avro schema's JSON text; int64 values stay exact (bigint). */
export function avroSchemaText(schema: AvroJson): string {
  return JSON.stringify(schema, (_k, v: unknown) => (typeof v === 'bigint' ? RAW_PREFIX + v.toString() + RAW_SUFFIX : v)).replace(RAW_PATTERN, '$1');
}
const RAW_PREFIX = '\u0000bigint:';
const RAW_SUFFIX = '\u0000';
const RAW_PATTERN = /"\\u0000bigint:(-?\d+)\\u0000"/g;

/** Connect schema → Avro schema (AvroData.fromConnectSchema). Throws an Error naming what cannot be mapped. */
export function fromConnectSchema(schema: Schema): AvroJson {
  return new FromConnect().convert(schema, null, false);
}

class FromConnect {
  #nameIndex = 0;
  /** named Avro types written so far: full name → the Connect schema it was written from */
  readonly #defined = new Map<string, Schema>();
  readonly #namedAvro = new Map<string, AvroObject>();
  /** Connect names of record fields seen (AvroData's seenNamedTypes) */
  readonly #seenFieldNames = new Set<string>();

  convert(schema: Schema, space: string | null, ignoreOptional: boolean): AvroJson {
    if (schema.type === 'struct' && schema.name === AVRO_UNION) return this.#union(schema, space);
    // an optional struct is the union of null and the struct, with no properties of its own
    if (schema.type === 'struct' && schema.optional) return ['null', this.convert({ ...schema, optional: false }, space, false)];
    let connectType: string | undefined;
    let base: AvroObject;
    switch (schema.type) {
      case 'int8':
      case 'int16':
        connectType = schema.type;
        base = { type: 'int' };
        break;
      case 'int32':
        base = { type: 'int' };
        break;
      case 'int64':
        base = { type: 'long' };
        break;
      case 'float32':
        base = { type: 'float' };
        break;
      case 'float64':
        base = { type: 'double' };
        break;
      case 'boolean':
        base = { type: 'boolean' };
        break;
      case 'string':
        base = { type: 'string' };
        break;
      case 'bytes': {
        const size = schema.parameters?.[FIXED_SIZE];
        if (schema.name !== undefined && size !== undefined) {
          const ref = this.#reference(schema, schema.name, space);
          if (ref !== undefined) return this.#optional(schema, ref, ignoreOptional);
          base = { type: 'fixed', ...this.#nameFields(schema.name, space), size: Number(size) };
          this.#define(schema.name, schema, base);
        } else {
          base = { type: 'bytes' };
        }
        if (is(schema.name, LogicalName.Decimal)) {
          base.scale = Number(schema.parameters?.scale ?? 0);
          base.precision = Number(schema.parameters?.[DECIMAL_PRECISION] ?? DECIMAL_PRECISION_DEFAULT);
        }
        break;
      }
      case 'array':
        base = { type: 'array', items: this.convert(required(schema, 'items'), space, false) };
        break;
      case 'map': {
        const keys = required(schema, 'keys');
        const values = required(schema, 'values');
        if (keys.type === 'string' && !keys.optional) {
          base = { type: 'map', values: this.convert(values, space, false) };
          break;
        }
        // Avro maps have string keys only: other maps are arrays of key/value records
        const entryName = schema.name ?? `${AVRO_NAMESPACE}.${MAP_ENTRY}`;
        const ref = this.#reference(schema, entryName, space);
        if (ref !== undefined) {
          base = { type: 'array', items: ref };
          break;
        }
        const entry: AvroObject = { type: 'record', ...this.#nameFields(entryName, space) };
        this.#define(entryName, schema, entry);
        const inner = splitName(entryName)[0];
        entry.fields = [this.#field('key', keys, undefined, inner), this.#field('value', values, undefined, inner)];
        if (schema.name !== undefined) entry[CONNECT_INTERNAL_TYPE] = MAP_ENTRY;
        base = { type: 'array', items: entry };
        break;
      }
      case 'struct': {
        const fullName = schema.name ?? this.#defaultName();
        const ref = this.#reference(schema, fullName, space);
        if (ref !== undefined) return ref;
        base = { type: 'record', ...this.#nameFields(fullName, space) };
        const doc = schema.parameters?.[RECORD_DOC];
        if (doc !== undefined) base.doc = doc;
        this.#define(fullName, schema, base);
        const inner = splitName(fullName)[0];
        base.fields = (schema.fields ?? []).map((f) => this.#field(f.name, f.schema, schema.parameters?.[FIELD_DOC_PREFIX + f.name], inner));
        break;
      }
    }
    this.#addProperties(schema, base, connectType);
    // a primitive without properties is written as its name, as Avro writes it
    const written = Object.keys(base).length === 1 && PRIMITIVES.has(base.type as string) ? (base.type as string) : base;
    return this.#optional(schema, written, ignoreOptional);
  }

  /** AvroData's maybeMakeOptional: a default, when there is one, must match the first branch. */
  #optional(schema: Schema, base: AvroJson, ignoreOptional: boolean): AvroJson {
    if (!schema.optional || ignoreOptional) return base;
    return schema.defaultValue !== undefined && schema.defaultValue !== null ? [base, 'null'] : ['null', base];
  }

  #union(schema: Schema, space: string | null): AvroJson {
    const members: AvroJson[] = schema.optional ? ['null'] : [];
    for (const f of schema.fields ?? []) members.push(this.convert({ ...f.schema, optional: false }, space, true));
    return members;
  }

  /** connect.* properties, logical types and avro.* parameters, in the order AvroData adds them. */
  #addProperties(schema: Schema, base: AvroObject, connectType: string | undefined): void {
    const params = schema.parameters;
    if (schema.doc !== undefined) base[CONNECT_DOC] = schema.doc;
    if (schema.version !== undefined) base[CONNECT_VERSION] = schema.version;
    if (params !== undefined) {
      const written = Object.entries(params).filter(([k]) => k !== FIELD_DEFAULT_FLAG);
      if (written.length > 0) base[CONNECT_PARAMETERS] = Object.fromEntries(written);
    }
    if (schema.defaultValue !== undefined && schema.defaultValue !== null && params?.[FIELD_DEFAULT_FLAG] === undefined) {
      base[CONNECT_DEFAULT] = defaultJson(schema, schema.defaultValue);
    }
    if (schema.name !== undefined) base[CONNECT_NAME] = schema.name;
    if (connectType !== undefined) base[CONNECT_TYPE] = connectType;
    const name = schema.name;
    if (is(name, LogicalName.Decimal)) base.logicalType = 'decimal';
    else if (is(name, LogicalName.ConnectTime)) base.logicalType = 'time-millis';
    else if (is(name, LogicalName.ConnectTimestamp)) base.logicalType = 'timestamp-millis';
    else if (is(name, LogicalName.ConnectDate)) base.logicalType = 'date';
    if (params !== undefined) for (const [k, v] of Object.entries(params)) if (k.startsWith('avro') && !(k in base)) base[k] = v;
  }

  #field(name: string, schema: Schema, doc: string | undefined, space: string | null): AvroObject {
    let defaultValue: AvroJson | undefined;
    if (schema.defaultValue !== undefined && schema.defaultValue !== null) defaultValue = defaultJson(schema, schema.defaultValue);
    else if (schema.optional) defaultValue = null;
    const alreadySeen = schema.name !== undefined && this.#seenFieldNames.has(schema.name);
    if (schema.name !== undefined) this.#seenFieldNames.add(schema.name);
    const type = this.convert(schema, space, false);
    const field: AvroObject = { name, type };
    if (doc !== undefined) field.doc = doc;
    // Avro refuses a default that does not fit the field's type; AvroData then writes the field without one
    if (defaultValue !== undefined && this.#validDefault(type, defaultValue, space)) field.default = defaultValue;
    if (alreadySeen && schema.parameters !== undefined && typeof type === 'string' && !PRIMITIVES.has(type)) {
      // a named type written before, referred to here: its parameters for this field ride on the field
      const written = Object.entries(schema.parameters).filter(([k]) => k !== FIELD_DEFAULT_FLAG);
      if (written.length > 0) field[CONNECT_PARAMETERS] = Object.fromEntries(written);
    }
    return field;
  }

  #defaultName(): string {
    this.#nameIndex += 1;
    return `${DEFAULT_SCHEMA_FULL_NAME}${this.#nameIndex > 1 ? this.#nameIndex : ''}`;
  }

  /** "name" and, when it differs from the enclosing one, "namespace" (Avro's Name.writeName). */
  #nameFields(fullName: string, space: string | null): AvroObject {
    const [namespace, name] = splitName(fullName);
    if (namespace !== null) return namespace === space ? { name } : { name, namespace };
    return space !== null ? { name, namespace: '' } : { name };
  }

  /** The reference to a named type already written (the same Connect schema), or undefined. */
  #reference(schema: Schema, fullName: string, space: string | null): string | undefined {
    const seen = this.#defined.get(fullName);
    if (seen === undefined) return undefined;
    if (!sameSchema(seen, schema)) throw new Error(`two different schemas are named ${fullName}; Avro allows one definition per name`);
    const [namespace, name] = splitName(fullName);
    return namespace === null || namespace === space ? name : fullName;
  }

  #define(fullName: string, schema: Schema, avro: AvroObject): void {
    this.#defined.set(fullName, schema);
    this.#namedAvro.set(fullName, avro);
  }

  /** Avro's Schema.isValidDefault (a union's default matches its first branch). */
  #validDefault(type: AvroJson, value: AvroJson, space: string | null): boolean {
    if (Array.isArray(type)) return type.length > 0 && this.#validDefault(type[0], value, space);
    if (typeof type === 'string') {
      if (PRIMITIVES.has(type)) return this.#validDefault({ type }, value, space);
      const named = this.#namedAvro.get(type.includes('.') || space === null ? type : `${space}.${type}`) ?? this.#namedAvro.get(type);
      return named !== undefined && this.#validDefault(named, value, space);
    }
    if (type === null || typeof type !== 'object') return false;
    const t = type.type;
    switch (t) {
      case 'string':
      case 'bytes':
      case 'enum':
      case 'fixed':
        return typeof value === 'string';
      case 'int':
        return (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) || (typeof value === 'bigint' && value >= -2147483648n && value <= 2147483647n);
      case 'long':
        return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
      case 'float':
      case 'double':
        return typeof value === 'number' || typeof value === 'bigint';
      case 'boolean':
        return typeof value === 'boolean';
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value) && value.every((v) => this.#validDefault(type.items, v, space));
      case 'map':
        return isObject(value) && Object.values(value).every((v) => this.#validDefault(type.values, v, space));
      case 'record': {
        if (!isObject(value)) return false;
        const ns = typeof type.namespace === 'string' ? type.namespace || null : space;
        return (type.fields as AvroObject[]).every((f) => {
          const v = Object.hasOwn(value, f.name as string) ? value[f.name as string] : f.default;
          return v !== undefined && this.#validDefault(f.type, v, ns);
        });
      }
      default:
        return false;
    }
  }
}

function required<K extends 'items' | 'keys' | 'values'>(schema: Schema, key: K): Schema {
  const s = schema[key];
  if (s === undefined) throw new Error(`a ${schema.type} schema needs "${key}"`);
  return s;
}

function isObject(v: unknown): v is AvroObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** A Connect default as Avro JSON (AvroData.defaultValueFromConnect): bytes as ISO-8859-1 text. */
export function defaultJson(schema: Schema, value: unknown): AvroJson {
  if (value === null || value === undefined) return null;
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(value);
    case 'int64':
      return typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : value) : Number(value);
    case 'float32':
    case 'float64':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return String(value);
    case 'bytes':
      if (is(schema.name, LogicalName.Decimal)) return latin1(twosComplementBytes(unscaledOf(String(value), Number(schema.parameters?.scale ?? 0))));
      return value instanceof Uint8Array ? latin1(value) : String(value);
    case 'array':
      return (value as unknown[]).map((v) => defaultJson(schema.items!, v));
    case 'map': {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
      if (schema.keys?.type === 'string' && !schema.keys.optional) return Object.fromEntries(entries.map(([k, v]) => [String(k), defaultJson(schema.values!, v)]));
      return entries.map(([k, v]) => [defaultJson(schema.keys!, k), defaultJson(schema.values!, v)]);
    }
    case 'struct': {
      const row = value as Record<string, unknown>;
      const fields = schema.fields ?? [];
      if (schema.name === AVRO_UNION) {
        const set = fields.find((f) => row[f.name] !== null && row[f.name] !== undefined);
        return set ? defaultJson(set.schema, row[set.name]) : null;
      }
      const out: AvroObject = {};
      for (const f of fields) out[f.name] = defaultJson(f.schema, row[f.name] ?? f.schema.defaultValue);
      return out;
    }
  }
}

/** Deep equality of two Connect schemas, the top level's optional flag aside (AvroData's schemaMap key). */
export function sameSchema(a: Schema, b: Schema, top = true): boolean {
  if (a === b) return true;
  if (a.type !== b.type || (!top && a.optional !== b.optional) || a.name !== b.name || a.version !== b.version || a.doc !== b.doc) return false;
  if (!sameValue(a.parameters, b.parameters) || !sameValue(a.defaultValue, b.defaultValue)) return false;
  const sub = (x: Schema | undefined, y: Schema | undefined) => (x === undefined || y === undefined ? x === y : sameSchema(x, y, false));
  if (!sub(a.items, b.items) || !sub(a.keys, b.keys) || !sub(a.values, b.values)) return false;
  const fa = a.fields ?? [];
  const fb = b.fields ?? [];
  return fa.length === fb.length && fa.every((f, i) => f.name === fb[i].name && sameSchema(f.schema, fb[i].schema, false));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number') && BigInt(a) === BigInt(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// ---------------------------------------------------------------------------------------------
// Avro → Connect

type Mutable = { -readonly [K in keyof Schema]: Schema[K] };

/**
 * Avro schema → Connect schema (AvroData.toConnectSchema). `version` is the registry's version of
 * the writer schema, used for the top level when it carries no connect.version (as AvroConverter
 * passes it). Named types are resolved through the schema's own definitions; recursive schemas
 * are refused.
 */
export function toConnectSchema(avro: AvroJson, version?: number): Schema {
  return new ToConnect().convert(avro, null, false, undefined, version);
}

class ToConnect {
  readonly #named = new Map<string, { schema: AvroObject; space: string | null }>();
  readonly #inProgress = new Set<AvroObject>();

  convert(avro: AvroJson, space: string | null, forceOptional: boolean, fieldDefault: AvroJson | undefined, version?: number): Schema {
    if (Array.isArray(avro)) return this.#union(avro, space, forceOptional);
    let obj: AvroObject;
    if (typeof avro === 'string') {
      if (PRIMITIVES.has(avro)) obj = { type: avro };
      else {
        const named = this.#named.get(avro.includes('.') || space === null ? avro : `${space}.${avro}`) ?? this.#named.get(avro);
        if (named === undefined) throw new Error(`undefined Avro type name ${avro}`);
        if (this.#inProgress.has(named.schema)) throw new Error(`recursive Avro schemas are not supported (${avro})`);
        return this.convert(named.schema, named.space, forceOptional, fieldDefault, version);
      }
    } else if (isObject(avro)) {
      obj = avro;
    } else {
      throw new Error(`not an Avro schema: ${JSON.stringify(avroSchemaText(avro))}`);
    }
    if (Array.isArray(obj.type) || isObject(obj.type)) return this.convert(obj.type, space, forceOptional, fieldDefault, version);
    const type = obj.type;
    const connectType = obj[CONNECT_TYPE];
    const logicalType = typeof obj.logicalType === 'string' ? obj.logicalType.toLowerCase() : undefined;
    const out: Mutable = { type: 'string', optional: false };
    const params: Record<string, string> = {};
    let fullName: string | undefined;
    let ownSpace = space;
    if (type === 'record' || type === 'enum' || type === 'fixed') {
      fullName = this.#fullName(obj, space);
      ownSpace = splitName(fullName)[0];
      this.#named.set(fullName, { schema: obj, space });
    }
    const setType = (t: SchemaType, name?: string, v?: number) => {
      out.type = t;
      if (name !== undefined) out.name = name;
      if (v !== undefined) out.version = v;
    };
    switch (type) {
      case 'boolean':
        setType('boolean');
        break;
      case 'bytes':
      case 'fixed':
        if (logicalType === 'decimal') {
          setType('bytes', LogicalName.Decimal, 1);
          params.scale = String(typeof obj.scale === 'number' ? Math.trunc(obj.scale) : 0);
          if (obj.precision !== undefined) {
            if (typeof obj.precision !== 'number') throw new Error('precision property must be a JSON Integer');
            if (obj.precision !== DECIMAL_PRECISION_DEFAULT) params[DECIMAL_PRECISION] = String(Math.trunc(obj.precision));
          }
        } else setType('bytes');
        if (type === 'fixed') params[FIXED_SIZE] = String(obj.size);
        break;
      case 'double':
        setType('float64');
        break;
      case 'float':
        setType('float32');
        break;
      case 'int':
        if (connectType === undefined && logicalType === undefined) setType('int32');
        else if (logicalType !== undefined) {
          if (logicalType === 'date') setType('int32', LogicalName.ConnectDate, 1);
          else if (logicalType === 'time-millis') setType('int32', LogicalName.ConnectTime, 1);
          else setType('int32');
        } else if (connectType === 'int8' || connectType === 'int16') setType(connectType);
        else throw new Error('Connect type annotation for Avro int field is null');
        break;
      case 'long':
        if (logicalType === 'timestamp-millis') setType('int64', LogicalName.ConnectTimestamp, 1);
        else setType('int64');
        break;
      case 'string':
        setType('string');
        break;
      case 'array': {
        const items = this.#resolve(obj.items, space);
        if (items !== undefined && this.#isMapEntry(items.schema)) {
          const fields = items.schema.fields as AvroObject[];
          const key = fields.find((f) => f.name === 'key');
          const value = fields.find((f) => f.name === 'value');
          if (fields.length !== 2 || key === undefined || value === undefined) throw new Error('Found map encoded as array of key-value pairs, but array elements do not match the expected format.');
          const entrySpace = this.#fullName(items.schema, items.space).split('.').slice(0, -1).join('.') || null;
          out.type = 'map';
          out.keys = this.convert(key.type, entrySpace, false, undefined);
          out.values = this.convert(value.type, entrySpace, false, undefined);
        } else {
          out.type = 'array';
          out.items = this.convert(obj.items, space, false, undefined);
        }
        break;
      }
      case 'map':
        out.type = 'map';
        out.keys = Object.freeze({ type: 'string', optional: false });
        out.values = this.convert(obj.values, space, false, undefined);
        break;
      case 'record': {
        out.type = 'struct';
        if (typeof obj.doc === 'string') params[RECORD_DOC] = obj.doc;
        this.#inProgress.add(obj);
        const fields: Field[] = [];
        for (const f of (obj.fields ?? []) as AvroObject[]) {
          const name = f.name as string;
          if (typeof f.doc === 'string') params[FIELD_DOC_PREFIX + name] = f.doc;
          let fieldSchema = this.convert(f.type, ownSpace, false, f.default === undefined ? undefined : f.default);
          const fieldParams = f[CONNECT_PARAMETERS];
          if (isObject(fieldParams)) fieldSchema = withParameters(fieldSchema, fieldParams);
          fields.push(Object.freeze({ name, schema: fieldSchema }));
        }
        this.#inProgress.delete(obj);
        out.fields = Object.freeze(fields);
        break;
      }
      case 'enum': {
        // enums are read as strings; the symbols are kept as parameters
        setType('string');
        const short = splitName(fullName!)[1];
        if (typeof obj.doc === 'string') params[ENUM_DOC_PREFIX + short] = obj.doc;
        if (typeof obj.default === 'string') params[ENUM_DEFAULT_PREFIX + short] = obj.default;
        params[AVRO_ENUM] = fullName!;
        for (const s of (obj.symbols ?? []) as string[]) params[`${AVRO_ENUM}.${s}`] = s;
        break;
      }
      case 'null':
        throw new Error('Standalone null schemas are not supported by this converter');
      default:
        throw new Error(`Couldn't translate unsupported schema type ${String(type)}.`);
    }

    if (typeof obj[CONNECT_DOC] === 'string') out.doc = obj[CONNECT_DOC];
    const connectVersion = obj[CONNECT_VERSION];
    let v = -1;
    if (connectVersion !== undefined) {
      if (typeof connectVersion !== 'number' && typeof connectVersion !== 'bigint') throw new Error(`Invalid Connect version found: ${String(connectVersion)}`);
      v = Number(connectVersion);
    } else if (version !== undefined) v = version;
    if (v >= 0) {
      if (out.version !== undefined && out.version !== v) throw new Error(`Mismatched versions: version already added to SchemaBuilder (${out.version}) differs from version in source schema (${v})`);
      out.version = v;
    }
    const connectParams = obj[CONNECT_PARAMETERS];
    if (connectParams !== undefined) {
      if (!isObject(connectParams)) throw new Error(`Expected JSON object for schema parameters but found: ${avroSchemaText(connectParams)}`);
      for (const [k, pv] of Object.entries(connectParams)) {
        if (typeof pv !== 'string') throw new Error(`Expected schema parameter values to be strings but found: ${avroSchemaText(pv)}`);
        params[k] = pv;
      }
    }
    for (const [k, pv] of Object.entries(obj)) if (k.startsWith('avro')) params[k] = typeof pv === 'string' ? pv : avroSchemaText(pv);
    let defaultNode = fieldDefault;
    const connectDefault = obj[CONNECT_DEFAULT];
    if (defaultNode === undefined) defaultNode = connectDefault;
    else if (connectDefault === undefined) params[FIELD_DEFAULT_FLAG] = 'true';
    if (Object.keys(params).length > 0) out.parameters = Object.freeze(params);
    if (defaultNode !== undefined && defaultNode !== null) {
      try {
        const d = this.#defaultValue(Object.freeze({ ...out }), obj, defaultNode, ownSpace);
        if (d !== null && d !== undefined) out.defaultValue = d;
      } catch {
        // AvroData logs and ignores a default it cannot read
      }
    }
    const connectName = obj[CONNECT_NAME];
    let name: string | undefined;
    if (connectName !== undefined) {
      if (typeof connectName !== 'string') throw new Error(`Invalid schema name: ${avroSchemaText(connectName)}`);
      name = connectName;
    } else if (type === 'record' || type === 'enum' || (type === 'fixed' && out.name !== LogicalName.Decimal)) {
      name = fullName;
    }
    if (name !== undefined && !name.startsWith(DEFAULT_SCHEMA_FULL_NAME)) {
      if (out.name !== undefined && out.name !== name) throw new Error(`Mismatched names: name already added to SchemaBuilder (${out.name}) differs from name in source schema (${name})`);
      out.name = name;
    }
    if (forceOptional) out.optional = true;
    return freeze(out);
  }

  #union(members: AvroJson[], space: string | null, forceOptional: boolean): Schema {
    if (members.length === 1) return this.convert(members[0], space, false, undefined);
    if (members.length === 2 && members.some((m) => m === 'null')) {
      return this.convert(members.find((m) => m !== 'null')!, space, true, undefined);
    }
    const fields: Field[] = [];
    let optional = forceOptional;
    members.forEach((m) => {
      if (m === 'null' || (isObject(m) && m.type === 'null')) {
        optional = true;
        return;
      }
      const name = unionMemberName(m, space, this.#named);
      if (fields.some((f) => f.name === name)) throw new Error('Multiple union schemas map to the Connect union field name');
      fields.push(Object.freeze({ name, schema: this.convert(m, space, true, undefined) }));
    });
    return Object.freeze({ type: 'struct', optional, name: AVRO_UNION, fields: Object.freeze(fields) });
  }

  #fullName(obj: AvroObject, space: string | null): string {
    const name = obj.name as string;
    if (name.includes('.')) return name;
    const ns = typeof obj.namespace === 'string' ? obj.namespace || null : space;
    return ns === null ? name : `${ns}.${name}`;
  }

  #resolve(avro: AvroJson, space: string | null): { schema: AvroObject; space: string | null } | undefined {
    if (isObject(avro)) return { schema: avro, space };
    if (typeof avro === 'string' && !PRIMITIVES.has(avro)) return this.#named.get(avro.includes('.') || space === null ? avro : `${space}.${avro}`) ?? this.#named.get(avro);
    return undefined;
  }

  #isMapEntry(obj: AvroObject): boolean {
    if (obj.type !== 'record') return false;
    if (obj[CONNECT_INTERNAL_TYPE] === MAP_ENTRY) return true;
    return obj.name === `${AVRO_NAMESPACE}.${MAP_ENTRY}` || (obj.name === MAP_ENTRY && obj.namespace === AVRO_NAMESPACE);
  }

  /** AvroData.defaultValueFromAvro, giving Tributary's in-memory values. */
  #defaultValue(schema: Schema, avro: AvroJson, node: AvroJson, space: string | null): unknown {
    if (node === null) return null;
    const resolved = typeof avro === 'string' ? (PRIMITIVES.has(avro) ? { type: avro } : this.#resolve(avro, space)?.schema) : avro;
    if (Array.isArray(resolved)) {
      const first = resolved[0];
      if (first === 'null') return null;
      if (schema.name === AVRO_UNION) {
        const field = schema.fields?.find((f) => f.name === unionMemberName(first, space, this.#named));
        return field ? { [field.name]: this.#defaultValue(field.schema, first, node, space) } : undefined;
      }
      return this.#defaultValue(schema, first, node, space);
    }
    if (!isObject(resolved)) return undefined;
    if (isObject(resolved.type) || Array.isArray(resolved.type)) return this.#defaultValue(schema, resolved.type, node, space);
    switch (resolved.type) {
      case 'int':
      case 'float':
      case 'double':
        return typeof node === 'number' || typeof node === 'bigint' ? Number(node) : undefined;
      case 'long':
        if (typeof node === 'bigint') return Number.isSafeInteger(Number(node)) ? Number(node) : node;
        return typeof node === 'number' ? Math.trunc(node) : undefined;
      case 'boolean':
        return node === true;
      case 'string':
      case 'enum':
        return typeof node === 'string' ? node : avroSchemaText(node);
      case 'bytes':
      case 'fixed': {
        if (typeof node !== 'string') return undefined;
        const bytes = Buffer.from(node, 'latin1');
        return schema.name === LogicalName.Decimal ? decimalText(fromTwosComplementBytes(bytes), Number(schema.parameters?.scale ?? 0)) : bytes;
      }
      case 'array':
        if (!Array.isArray(node)) throw new Error('Invalid JSON for array default value');
        if (schema.type === 'map') {
          const out: Record<string, unknown> = {};
          for (const pair of node) if (Array.isArray(pair) && pair.length === 2) out[String(pair[0])] = this.#defaultValue(schema.values!, 'null', pair[1], space);
          return out;
        }
        return node.map((n) => this.#defaultValue(schema.items!, resolved.items, n, space));
      case 'map': {
        if (!isObject(node)) throw new Error('Invalid JSON for map default value');
        const out: Record<string, unknown> = {};
        for (const [k, n] of Object.entries(node)) out[k] = this.#defaultValue(schema.values!, resolved.values, n, space);
        return out;
      }
      case 'record': {
        if (!isObject(node)) throw new Error('Invalid JSON for record default value');
        const out: Record<string, unknown> = {};
        const ns = splitName(this.#fullName(resolved, space))[0];
        for (const f of resolved.fields as AvroObject[]) {
          const field = schema.fields?.find((x) => x.name === f.name);
          if (field) out[field.name] = this.#defaultValue(field.schema, f.type, node[field.name] ?? null, ns);
        }
        return out;
      }
      default:
        return undefined;
    }
  }
}

/** The Connect field name of a union member (AvroData.unionMemberFieldName). */
export function unionMemberName(member: AvroJson, space: string | null, named?: ReadonlyMap<string, { schema: AvroObject }>): string {
  if (typeof member === 'string') {
    if (PRIMITIVES.has(member)) return member;
    const full = named?.get(member.includes('.') || space === null ? member : `${space}.${member}`)?.schema.name ?? member;
    return splitName(String(full))[1];
  }
  if (isObject(member)) {
    if (member.type === 'record' || member.type === 'enum' || member.type === 'fixed') return splitName(String(member.name))[1];
    return typeof member.type === 'string' ? member.type : 'union';
  }
  return 'union';
}

/** AvroData.applyFieldLevelParams: a field's own connect.parameters over its type's. */
function withParameters(schema: Schema, fieldParams: AvroObject): Schema {
  const own = schema.parameters ?? {};
  if (Object.entries(fieldParams).every(([k, v]) => own[k] === String(v))) return schema;
  const parameters: Record<string, string> = { ...own };
  for (const [k, v] of Object.entries(fieldParams)) parameters[k] = typeof v === 'string' ? v : avroSchemaText(v);
  return Object.freeze({ ...schema, parameters: Object.freeze(parameters) });
}

function freeze(out: Mutable): Schema {
  const s: Record<string, unknown> = { type: out.type, optional: out.optional };
  for (const k of ['name', 'version', 'doc', 'parameters', 'defaultValue', 'fields', 'items', 'keys', 'values'] as const) if (out[k] !== undefined) s[k] = out[k];
  return Object.freeze(s) as unknown as Schema;
}
