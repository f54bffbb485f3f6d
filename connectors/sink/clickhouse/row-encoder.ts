import { LogicalName, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { baseType, isNullable, type ChType } from './clickhouse-types.js';
import { columnEncoder, type ColumnEncoder } from './column-encoders.js';
import { versionOf } from './record-rows.js';
import type { RowBinaryWriter } from './row-binary.js';
import { decimalUnits, isoMicros, uuidInto } from './text-values.js';
import { timestampUnit } from './type-mapping.js';

/** One record field and the column it goes to. */
export interface EncodedColumn {
  readonly name: string;
  readonly schema: Schema;
  readonly type: ChType;
}

/** The columns of one insert: the record fields, then the sink's metadata columns. */
export interface RowLayout {
  readonly fields: readonly EncodedColumn[];
  /** upsert: `_version UInt64` (from the record's position) and `_deleted UInt8` */
  readonly version: boolean;
  /** append: `_id String` (the record id) */
  readonly id: boolean;
  /** `_source_ts_ms Int64` */
  readonly sourceTs: boolean;
}

/**
 * Writes one row at `w.at` and moves `w.at` past it. Throws when a value does not fit; the
 * bytes written since the row began are then garbage the caller rewinds (`w.rewind`).
 */
export type RowEncoder = (w: RowBinaryWriter, row: Record<string, unknown>, deleted: boolean, record: SinkRecord, sourceTsMs: number) => void;

/** columns per generated function: TurboFan optimizes functions up to a bytecode size only */
const COLUMNS_PER_PART = 32;

/**
 * Compiles the RowBinary encoder of one layout, once per table plan: each column's common case
 * is inlined (a property read of a known name, a type check, bytes stored into the buffer)
 * with no call, closure or allocation per value, and the buffer position kept in a local.
 * Anything else — another representation of the value, a null where the column is not
 * Nullable, a value out of range, arrays, wide decimals — goes to that column's general
 * encoder (column-encoders.ts), which is exact for every representation the record schemas
 * allow and words the errors. The fast paths write exactly what the general encoders write
 * (row-encoder.test.ts compares them; integration-tests/clickhouse-encoder.test.ts reads
 * every type back from the server).
 *
 * The generated source holds code chosen by the column types, numbers, and the field names as
 * JSON string literals (`row["id"]`, a named property read); nothing else from outside.
 */
export function compileRowEncoder(layout: RowLayout): RowEncoder {
  const general = layout.fields.map((f) => columnEncoder(f.name, f.schema, f.type));
  const parts: string[][] = [];
  layout.fields.forEach((f, k) => {
    if (k % COLUMNS_PER_PART === 0) parts.push([]);
    parts[parts.length - 1].push(`v = row[${JSON.stringify(f.name)}];`, columnCode(f, k));
  });
  if (parts.length === 0) parts.push([]);
  const meta = parts[parts.length - 1];
  if (layout.version) {
    meta.push(room(8), 'if (versionInto(b, p, record.position)) p += 8; else { w.at = p; w.u64(versionOf(record.position)); b = w.buf; p = w.at; }', room(1), 'b[p++] = deleted ? 1 : 0;');
  }
  if (layout.id) meta.push('v = record.id;', `if (typeof v === 'string') { ${stringCode()} } else ${generalCode('ID')}`);
  if (layout.sourceTs) meta.push('x = sourceTsMs;', room(8), `if (Number.isSafeInteger(x)) { ${int64At('p', 'x')} p += 8; } else { w.at = p; w.i64(BigInt(Number.isFinite(x) ? Math.trunc(x) : 0)); b = w.buf; p = w.at; }`);
  const functions = parts.map((lines, i) => `function part${i}(w, row, deleted, record, sourceTsMs) {\n"use strict";\nlet b = w.buf, p = w.at, v, x, n, i, c, lo, hi;\n${lines.join('\n')}\nw.at = p;\n}`);
  const body = [
    ...general.map((_, k) => `const G${k} = G[${k}];`),
    ...functions,
    parts.length === 1 ? 'return part0;' : `return function encodeRow(w, row, deleted, record, sourceTsMs) { ${parts.map((_, i) => `part${i}(w, row, deleted, record, sourceTsMs);`).join(' ')} };`,
  ].join('\n');
  const factory = new Function('G', 'GID', 'F64', 'F64B', 'F32', 'F32B', 'decimalUnits', 'isoMicros', 'uuidInto', 'versionInto', 'versionOf', 'utf8At', body) as (...helpers: unknown[]) => RowEncoder;
  return factory(general, idEncoder, F64, F64_BYTES, F32, F32_BYTES, decimalUnits, isoMicros, uuidInto, versionInto, versionOf, utf8At);
}

/** the RowBinary of a record id: a String (the general path of the `_id` column) */
const idEncoder: ColumnEncoder = (w, v) => w.string(String(v));

const F64 = new Float64Array(1);
const F32 = new Float32Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32_BYTES = new Uint8Array(F32.buffer);
/** byte order of the host: the fast float paths copy a double's bytes in little-endian order */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Buffer#utf8Write (undocumented, without write's argument parsing) where Node has it */
const UTF8_WRITE = typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === 'function' ? 'utf8Write' : 'write';

const room = (n: number | string) => `if (p + ${n} > b.length) b = w.grow(p, ${n});`;

/** the general encoder of column k (or `ID`) for the value in `v` (it writes the null flag too) */
const generalCode = (k: number | string) => `{ w.at = p; G${k}(w, v, deleted); b = w.buf; p = w.at; }`;

/**
 * One column: its Nullable flag, then the value's fast path where the value has the common
 * representation, else the general encoder. A fast path writes at `q` (p, or p + 1 after the
 * flag) and moves p only when it wrote the whole value, so falling back writes nothing twice.
 */
function columnCode(f: EncodedColumn, k: number): string {
  const t = baseType(f.type);
  const nullable = isNullable(f.type);
  const fast = fastValue(f.schema, t, nullable ? 'p + 1' : 'p');
  if (fast === undefined) return generalCode(k);
  const isNull = `if (v === null || v === undefined) { ${room(1)} b[p++] = 1; }`;
  if (fast === 'string') {
    const write = nullable ? `${room(1)} b[p++] = 0; ${stringCode()}` : stringCode();
    return `${nullable ? `${isNull} else ` : ''}if (typeof v === 'string') { ${write} } else ${generalCode(k)}`;
  }
  const flag = nullable ? 'b[p] = 0; ' : '';
  const value = `${fast.prepare ?? ''} ${room(fast.bytes + (nullable ? 1 : 0))} if (${fast.test}) { ${flag}${fast.write} p += ${fast.bytes + (nullable ? 1 : 0)}; } else ${generalCode(k)}`;
  return nullable ? `${isNull} else { ${value} }` : value;
}

interface FastValue {
  /** bytes the value takes */
  readonly bytes: number;
  /** statements before the test (computing `x` from `v`), with no effect on the buffer */
  readonly prepare?: string;
  /** whether the fast path applies */
  readonly test: string;
  /** stores the value at q */
  readonly write: string;
}

const INT_FAST: Record<string, { bytes: number; test: string }> = {
  Int8: { bytes: 1, test: '(v | 0) === v && v >= -128 && v <= 127' },
  UInt8: { bytes: 1, test: '(v | 0) === v && v >= 0 && v <= 255' },
  Int16: { bytes: 2, test: '(v | 0) === v && v >= -32768 && v <= 32767' },
  UInt16: { bytes: 2, test: '(v | 0) === v && v >= 0 && v <= 65535' },
  Int32: { bytes: 4, test: '(v | 0) === v' },
  UInt32: { bytes: 4, test: '(v >>> 0) === v' },
  Int64: { bytes: 8, test: 'Number.isSafeInteger(v)' },
  UInt64: { bytes: 8, test: 'Number.isSafeInteger(v) && v >= 0' },
};

/** little-endian bytes of the integer in `x` (int32 arithmetic: stores keep the low 8 bits) */
function intAt(q: string, x: string, bytes: number): string {
  const out: string[] = [];
  for (let i = 0; i < bytes; i++) out.push(`b[${q} + ${i}] = ${i === 0 ? x : `${x} >> ${8 * i}`};`);
  return out.join(' ');
}

/** a safe integer in `x` as Int64: the low word by ToInt32 (exact modulo 2^32), the high by division */
function int64At(q: string, x: string): string {
  return `lo = ${x} | 0; hi = Math.floor(${x} / 4294967296) | 0; ${intAt(q, 'lo', 4)} ${intAt(`${q} + 4`, 'hi', 4)}`;
}

function floatAt(q: string, x: string, bits: 32 | 64): string {
  const [array, bytes] = bits === 64 ? ['F64', 'F64B'] : ['F32', 'F32B'];
  const n = bits / 8;
  const out = [`${array}[0] = ${x};`];
  for (let i = 0; i < n; i++) out.push(`b[${q} + ${i}] = ${bytes}[${LITTLE_ENDIAN ? i : n - 1 - i}];`);
  return out.join(' ');
}

/**
 * A String at p from the string in `v`. Text of up to 16 characters goes byte by byte while it
 * is ASCII (cheaper than a call); other text goes through one call of the UTF-8 encoder at the
 * place its length prefix leaves, which is known in advance (at most 3 bytes per character)
 * but for 43–127 characters (1 or 2 bytes: moved over by one in the rare case of 128 bytes and
 * more); text of 5461 characters and more through `utf8At`.
 */
function stringCode(): string {
  return [
    'n = v.length;',
    `if (n <= 16) { ${room('49')} for (i = 0; i < n; i++) { c = v.charCodeAt(i); if (c > 127) break; b[p + 1 + i] = c; } if (i === n) { b[p] = n; p += 1 + n; } else { c = b.${UTF8_WRITE}(v, p + 1); b[p] = c; p += 1 + c; } }`,
    `else if (n < 128) { ${room('3 * n + 2')} c = b.${UTF8_WRITE}(v, p + 1); if (c < 128) { b[p] = c; p += 1 + c; } else { b.copyWithin(p + 2, p + 1, p + 1 + c); b[p] = (c & 127) | 128; b[p + 1] = c >> 7; p += 2 + c; } }`,
    `else if (n < 5461) { ${room('3 * n + 2')} c = b.${UTF8_WRITE}(v, p + 2); b[p] = (c & 127) | 128; b[p + 1] = c >> 7; p += 2 + c; }`,
    'else { p = utf8At(w, p, v); b = w.buf; }',
  ].join(' ');
}

/** The fast path of a value of `schema` in a column of base type `t` at `q`: bytes, a String, or none. */
function fastValue(schema: Schema, t: ChType, q: string): FastValue | 'string' | undefined {
  const unit = timestampUnit(schema);
  switch (t.kind) {
    case 'int': {
      if (schema.name === LogicalName.ZonedTimestamp) {
        return t.name === 'Int64' ? { bytes: 8, prepare: `x = typeof v === 'string' ? isoMicros(v) : NaN;`, test: 'x === x', write: int64At(q, 'x') } : undefined;
      }
      const int = INT_FAST[t.name];
      // booleans in integer columns (servers without Bool): 1 or 0, the higher bytes zero
      if (schema.type === 'boolean') return { bytes: int.bytes, test: 'v === true || v === false', write: `b[${q}] = v ? 1 : 0; ${Array.from({ length: int.bytes - 1 }, (_, i) => `b[${q} + ${i + 1}] = 0;`).join(' ')}` };
      return { bytes: int.bytes, test: `typeof v === 'number' && ${int.test}`, write: int.bytes === 8 ? int64At(q, 'v') : intAt(q, 'v', int.bytes) };
    }
    case 'float':
      return { bytes: t.bits / 8, test: `typeof v === 'number'`, write: floatAt(q, 'v', t.bits) };
    case 'bool':
      return { bytes: 1, test: 'v === true || v === false', write: `b[${q}] = v ? 1 : 0;` };
    case 'decimal': {
      if (schema.name !== LogicalName.Decimal || t.precision > 18) return undefined;
      const bytes = t.precision <= 9 ? 4 : 8;
      return { bytes, prepare: `x = typeof v === 'string' ? decimalUnits(v, ${t.scale}, ${t.precision}) : NaN;`, test: 'x === x', write: bytes === 4 ? intAt(q, 'x', 4) : int64At(q, 'x') };
    }
    case 'date':
      return { bytes: 2, test: `typeof v === 'number' && (v | 0) === v && v >= 0 && v <= 65535`, write: intAt(q, 'v', 2) };
    case 'date32':
      return { bytes: 4, test: `typeof v === 'number' && (v | 0) === v && v >= -25567 && v <= 120529`, write: intAt(q, 'v', 4) };
    case 'datetime64': {
      // the record's own unit scaled up to the column's precision; fewer digits go the general way (it refuses dropping any)
      const digits = schema.name === LogicalName.ZonedTimestamp ? 6 : unit === 'millis' ? 3 : unit === 'micros' ? 6 : unit === 'nanos' ? 9 : undefined;
      if (digits === undefined || t.precision < digits) return undefined;
      const scale = 10 ** (t.precision - digits);
      // DateTime64's range (1900-01-01 … 2299-12-31) in the column's units: past 2^53 for 6 digits and more, where the safe-integer test bounds it
      const [min, max] = [-2_208_988_800 * 10 ** t.precision, 10_413_792_000 * 10 ** t.precision - 1];
      const source = schema.name === LogicalName.ZonedTimestamp ? `typeof v === 'string' ? isoMicros(v) : NaN` : `typeof v === 'number' && Number.isSafeInteger(v) ? v : NaN`;
      return { bytes: 8, prepare: `x = ${source}; x = x * ${scale};`, test: `Number.isSafeInteger(x) && x >= ${min} && x <= ${max}`, write: int64At(q, 'x') };
    }
    case 'string':
      if (schema.type === 'bytes' && schema.name !== LogicalName.Decimal) return undefined;
      if (schema.type === 'struct' || schema.type === 'map' || schema.type === 'array' || schema.name === 'io.debezium.data.VariableScaleDecimal') return undefined;
      if (unit && schema.name !== LogicalName.ZonedTimestamp) return undefined;
      return 'string';
    case 'uuid':
      return { bytes: 16, test: `typeof v === 'string' && uuidInto(b, ${q}, v)`, write: '' };
    default:
      return undefined;
  }
}

/**
 * A String at `at` (the bytes before it kept): its UTF-8 length as a LEB128 varint, then the
 * bytes. Returns the position after it.
 */
function utf8At(w: RowBinaryWriter, at: number, s: string): number {
  const bytes = Buffer.byteLength(s, 'utf8');
  w.at = at;
  w.varUInt(bytes);
  const b = w.grow(w.at, bytes);
  b.write(s, w.at, bytes, 'utf8');
  return w.at + bytes;
}

/**
 * `versionOf(position)` (record-rows.ts) as UInt64 at `b[at]` without a BigInt, for the two
 * common forms: up to 15 significant decimal digits (datagen's zero-padded sequence), and 16
 * leading hex digits (PostgreSQL's commit LSN). False for others (nothing counted).
 */
function versionInto(b: Uint8Array, at: number, position: string): boolean {
  const n = position.length;
  if (n <= 20) {
    let value = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = position.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
    }
    if (i === n && n > 0) {
      if (value > Number.MAX_SAFE_INTEGER) return false;
      const low = value % 4294967296;
      const high = (value - low) / 4294967296;
      for (let j = 0; j < 4; j++) {
        b[at + j] = low >>> (8 * j);
        b[at + 4 + j] = high >>> (8 * j);
      }
      return true;
    }
  }
  if (n < 16) return false;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 16; i++) {
    const c = position.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return false;
    if (i < 8) high = high * 16 + d;
    else low = low * 16 + d;
  }
  for (let j = 0; j < 4; j++) {
    b[at + j] = low >>> (8 * j);
    b[at + 4 + j] = high >>> (8 * j);
  }
  return true;
}
