import avsc from 'avsc';
import { decimalScale, LogicalName, type Schema } from '../../plugins/api/index.js';
import { AVRO_UNION, FIXED_SIZE, type AvroJson } from './avro-schemas.js';
import { ValueConversionError } from './connect-json-values.js';
import { decimalText, fromTwosComplementBytes, twosComplementBytes, unscaledOf } from './decimal-bytes.js';

/**
 * Record values to and from the values avsc reads and writes, guided by the Connect schema, as
 * AvroData's fromConnectData / toConnectData do: int8/int16 as int, decimals as two's complement
 * unscaled bytes (left-padded for `fixed`), maps without string keys as arrays of {key, value}
 * records, a null field that has a default written as that default (Kafka Connect's Struct.get).
 * Each schema compiles once into a tree of closures, so the hot path does no schema lookups.
 */
export type ValueMapper = (value: unknown) => unknown;

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;
const scratch = Buffer.alloc(10);

/**
 * Avro long as a JS number when it is a safe integer and a bigint otherwise (Tributary's int64),
 * exact over the whole 64-bit range: avsc's own long refuses values past 2^53 − 1. The varint is
 * coded here directly (avsc's `noUnpack`), without avsc's 8-byte intermediate buffer.
 */
const BigIntLong = avsc.types.LongType.__with(
  {
    fromBuffer: (buf: Buffer): number | bigint => {
      if (buf.length <= 7) {
        let n = 0;
        let scale = 1;
        for (let i = 0; i < buf.length; i++) {
          n += (buf[i] & 0x7f) * scale;
          scale *= 128;
        }
        return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      }
      let z = 0n;
      for (let i = buf.length - 1; i >= 0; i--) z = (z << 7n) | BigInt(buf[i] & 0x7f);
      const v = z & 1n ? -((z >> 1n) + 1n) : z >> 1n;
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    },
    toBuffer: (v: number | bigint): Buffer => {
      let n = 0;
      if (typeof v === 'number' && v > -4503599627370496 && v < 4503599627370496) {
        let z = v >= 0 ? v * 2 : -v * 2 - 1;
        while (z >= 128) {
          scratch[n++] = (z % 128) | 0x80;
          z = Math.floor(z / 128);
        }
        scratch[n++] = z;
      } else {
        const b = BigInt(v);
        let z = b >= 0n ? b << 1n : ((-b) << 1n) - 1n;
        while (z >= 128n) {
          scratch[n++] = Number(z & 0x7fn) | 0x80;
          z >>= 7n;
        }
        scratch[n++] = Number(z);
      }
      // avsc copies these bytes into its output at once, so the scratch buffer is reused
      return scratch.subarray(0, n);
    },
    fromJSON: (v: unknown) => {
      const b = typeof v === 'bigint' ? v : BigInt(v as number);
      return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
    },
    toJSON: (v: number | bigint) => (typeof v === 'bigint' ? Number(v) : v),
    isValid: (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'bigint' && v >= MIN_LONG && v <= MAX_LONG),
    compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);

/**
 * Longs are exact; a union of null and one type (an optional Connect schema) or of one type is
 * unwrapped (the value itself), any other union is wrapped (`{branch: value}`), so the value
 * mappers know which branch a value took, as AvroData's union structs need.
 */
const typeHook = (schema: unknown, opts: unknown): avsc.Type | undefined => {
  if (schema === 'long' || (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long')) return BigIntLong;
  if (Array.isArray(schema)) {
    const simple = schema.length === 1 || (schema.length === 2 && schema.includes('null'));
    return simple ? new avsc.types.UnwrappedUnionType(schema, opts) : new avsc.types.WrappedUnionType(schema, opts);
  }
  return undefined;
};

/** The avsc type of an Avro schema (JSON form), with exact longs and no logical-type decoding. */
export function avscType(schema: AvroJson): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, { typeHook: typeHook as never });
}

const fail = (message: string): never => {
  throw new ValueConversionError(message);
};

function within(error: unknown, name: string | number): never {
  if (error instanceof ValueConversionError) throw error.under(name);
  if (error instanceof Error) throw new ValueConversionError(error.message).under(name);
  throw error;
}

const INT_RANGE = { int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647] } as const;

const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/** Connect value → avsc value (AvroData.fromConnectData). Throws ValueConversionError naming the field. */
export function toAvroMapper(schema: Schema): ValueMapper {
  const inner = toAvroNonNull(schema);
  if (schema.optional) return (v) => (v === null || v === undefined ? null : inner(v));
  return (v) => (v === null || v === undefined ? fail('Found null value for non-optional schema') : inner(v));
}

function toAvroNonNull(schema: Schema): ValueMapper {
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32': {
      const [min, max] = INT_RANGE[schema.type];
      const type = schema.type;
      return (v) => {
        const n = typeof v === 'bigint' ? Number(v) : v;
        return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : fail(`expected an ${type}, got ${describe(v)}`);
      };
    }
    case 'int64':
      return (v) => ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'bigint' && v >= MIN_LONG && v <= MAX_LONG) ? v : fail(`expected an int64, got ${describe(v)}`));
    case 'float32':
    case 'float64': {
      const type = schema.type;
      return (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fail(`expected a number for ${type}, got ${describe(v)}`));
    }
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : fail(`expected a boolean, got ${describe(v)}`));
    case 'string':
      return (v) => (typeof v === 'string' ? v : fail(`expected a string, got ${describe(v)}`));
    case 'bytes': {
      const size = schema.parameters?.[FIXED_SIZE] !== undefined && schema.name !== undefined ? Number(schema.parameters[FIXED_SIZE]) : undefined;
      if (schema.name === LogicalName.Decimal) {
        const scale = decimalScale(schema);
        return (v) => {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') return fail(`expected a decimal string, got ${describe(v)}`);
          let unscaled: bigint;
          try {
            unscaled = unscaledOf(String(v), scale);
          } catch (error) {
            return fail((error as Error).message);
          }
          const bytes = asBuffer(twosComplementBytes(unscaled));
          return size === undefined ? bytes : padded(bytes, size, unscaled < 0n);
        };
      }
      return (v) => (v instanceof Uint8Array ? asBuffer(v) : fail(`expected bytes, got ${describe(v)}`));
    }
    case 'array': {
      const item = toAvroMapper(schema.items!);
      return (v) => {
        if (!Array.isArray(v)) return fail(`expected an array, got ${describe(v)}`);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          try {
            out[i] = item(v[i]);
          } catch (error) {
            within(error, i);
          }
        }
        return out;
      };
    }
    case 'map': {
      const keys = schema.keys!;
      const value = toAvroMapper(schema.values!);
      if (keys.type === 'string' && !keys.optional) {
        return (v) => {
          const out: Record<string, unknown> = {};
          for (const [k, x] of entriesOf(v)) {
            try {
              out[String(k)] = value(x);
            } catch (error) {
              within(error, String(k));
            }
          }
          return out;
        };
      }
      const key = toAvroMapper(keys);
      return (v) => {
        const out: { key: unknown; value: unknown }[] = [];
        for (const [k, x] of entriesOf(v)) {
          try {
            out.push({ key: key(typedKey(keys, k)), value: value(x) });
          } catch (error) {
            within(error, String(k));
          }
        }
        return out;
      };
    }
    case 'struct': {
      if (schema.name === AVRO_UNION) return unionToAvro(schema);
      const fields = schema.fields ?? [];
      const names = fields.map((f) => f.name);
      const mappers = fields.map((f) => toAvroMapper(f.schema));
      const defaults = fields.map((f) => f.schema.defaultValue);
      return (v) => {
        if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return fail(`expected a struct, got ${describe(v)}`);
        const row = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          const name = names[i];
          let x = row[name];
          // Kafka Connect's Struct.get gives a field's default for a null value
          if ((x === null || x === undefined) && defaults[i] !== undefined) x = defaults[i];
          try {
            out[name] = mappers[i](x);
          } catch (error) {
            within(error, name);
          }
        }
        return out;
      };
    }
  }
}

/** A Connect union (a struct with one field set) as the branch's value; unions are read and written wrapped. */
function unionToAvro(schema: Schema): ValueMapper {
  const fields = (schema.fields ?? []).map((f) => ({ name: f.name, map: toAvroMapper({ ...f.schema, optional: false }), branch: branchName(f.schema) }));
  return (v) => {
    const row = v as Record<string, unknown>;
    for (const f of fields) {
      const x = row[f.name];
      if (x !== null && x !== undefined) return { [f.branch]: f.map(x) };
    }
    return schema.optional ? null : fail('a union struct with no member set');
  };
}

/** avsc's key for a wrapped union branch: a named type's full name, else the type name. */
function branchName(schema: Schema): string {
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return 'int';
    case 'int64':
      return 'long';
    case 'float32':
      return 'float';
    case 'float64':
      return 'double';
    case 'struct':
      return schema.name ?? 'record';
    case 'bytes':
      return schema.parameters?.[FIXED_SIZE] !== undefined && schema.name !== undefined ? schema.name : 'bytes';
    default:
      return schema.type;
  }
}

function padded(bytes: Buffer, size: number, negative: boolean): Buffer {
  if (bytes.length === size) return bytes;
  if (bytes.length > size) return fail(`Unscaled value byte array length ${bytes.length} is greater than fixed size ${size}`);
  const out = Buffer.alloc(size, negative ? 0xff : 0);
  bytes.copy(out, size - bytes.length);
  return out;
}

function entriesOf(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return [...v.entries()];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`expected a map, got ${describe(v)}`);
  return Object.entries(v);
}

/** Map keys are strings in memory; a map<int32, ...> writes them back as the numbers they were. */
function typedKey(schema: Schema, key: unknown): unknown {
  if (typeof key !== 'string') return key;
  if (schema.type === 'boolean') return key === 'true';
  if (schema.type === 'int64') {
    const b = BigInt(key);
    return Number.isSafeInteger(Number(b)) ? Number(b) : b;
  }
  if (schema.type.startsWith('int') || schema.type.startsWith('float')) return Number(key);
  return key;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v === 'number' && !Number.isInteger(v) ? `${v}` : typeof v;
}

function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  // A member named __proto__ must stay data, not replace the object's prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** avsc value → Connect value (AvroData.toConnectData): plain objects, exact int64, decimal text. */
export function fromAvroMapper(schema: Schema): ValueMapper {
  const inner = fromAvroNonNull(schema);
  return (v) => (v === null || v === undefined ? (schema.optional ? null : fail('Found null value for non-optional schema')) : inner(v));
}

function fromAvroNonNull(schema: Schema): ValueMapper {
  switch (schema.type) {
    case 'bytes':
      if (schema.name === LogicalName.Decimal) {
        const scale = decimalScale(schema);
        return (v) => decimalText(fromTwosComplementBytes(v as Uint8Array), scale);
      }
      return (v) => v;
    case 'array': {
      const item = fromAvroMapper(schema.items!);
      return (v) => {
        const a = v as unknown[];
        const out = new Array<unknown>(a.length);
        for (let i = 0; i < a.length; i++) {
          try {
            out[i] = item(a[i]);
          } catch (error) {
            within(error, i);
          }
        }
        return out;
      };
    }
    case 'map': {
      const key = fromAvroMapper(schema.keys!);
      const value = fromAvroMapper(schema.values!);
      return (v) => {
        const out: Record<string, unknown> = {};
        if (Array.isArray(v)) {
          // a map whose keys are not strings: an array of {key, value} records
          for (const entry of v as { key: unknown; value: unknown }[]) setMember(out, String(key(entry.key)), value(entry.value));
        } else {
          for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            try {
              setMember(out, k, value(x));
            } catch (error) {
              within(error, k);
            }
          }
        }
        return out;
      };
    }
    case 'struct': {
      if (schema.name === AVRO_UNION) return unionFromAvro(schema);
      const fields = schema.fields ?? [];
      const names = fields.map((f) => f.name);
      const mappers = fields.map((f) => fromAvroMapper(f.schema));
      return (v) => {
        const row = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          try {
            setMember(out, names[i], mappers[i](row[names[i]]));
          } catch (error) {
            within(error, names[i]);
          }
        }
        return out;
      };
    }
    default:
      // numbers (int64 as number or bigint), booleans, strings and enum symbols come as they are
      return (v) => v;
  }
}

/** A wrapped avsc union value ({branch: value}) as the Connect union struct with that member set. */
function unionFromAvro(schema: Schema): ValueMapper {
  const fields = (schema.fields ?? []).map((f) => ({ name: f.name, map: fromAvroMapper(f.schema), branch: branchName(f.schema) }));
  return (v) => {
    const wrapped = v as Record<string, unknown>;
    const branch = Object.keys(wrapped)[0];
    const out: Record<string, unknown> = {};
    let matched = false;
    for (const f of fields) {
      const hit: boolean = !matched && (f.branch === branch || branch.endsWith(`.${f.name}`) || branch === f.name);
      out[f.name] = hit ? f.map(wrapped[branch]) : null;
      matched ||= hit;
    }
    return matched ? out : fail(`Did not find matching union field for data (branch ${branch})`);
  };
}
