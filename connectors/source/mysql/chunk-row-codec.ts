import { TributaryError } from '../../../plugins/api/index.js';

type Row = Record<string, unknown>;

/**
 * One value as JSON: what JSON carries exactly stays itself (text, finite numbers but -0, true,
 * false, null), anything else is a one-key object naming its kind. A finite double is written as
 * the shortest text that reads back as the same double, so FLOAT and DOUBLE values come back
 * bit for bit; -0 (which JSON writes as 0), NaN and the infinities go as text.
 */
type Encoded = string | number | boolean | null | { n: string } | { b: string } | { i: string } | { d: number | null } | { a: Encoded[] } | { o: [string, Encoded][] };

/**
 * mysql2 rows (objects keyed by column name, in column order) as text, for a chunk reader in
 * another process to hand a range's rows to the task that emits them; `decodeRows(encodeRows(r))`
 * deep-equals `r`, in key order too. What the source's connections give (mysql-connection.ts):
 * integers as numbers, BIGINT and DECIMAL as text (bigNumberStrings, decimalNumbers off),
 * FLOAT/DOUBLE as numbers, temporal values as text (dateStrings), JSON as text (jsonStrings),
 * BINARY/BLOB/BIT and spatial columns (the raw typeCast of streamRows) as Buffers, NULL as null.
 * Parsed JSON (objects, arrays), bigints and Dates are carried too, should a connection give them.
 *
 * The column names are written once: the rows of one query share them (a row with other names
 * is refused, not carried wrong).
 */
export function encodeRows(rows: readonly Row[]): string {
  if (rows.length === 0) return '{"columns":[],"rows":[]}';
  const columns = Object.keys(rows[0]);
  const encoded = rows.map((row) => {
    const names = Object.keys(row);
    if (names.length !== columns.length || names.some((n, i) => n !== columns[i])) {
      throw new TributaryError('internal', `chunk rows with different columns: ${JSON.stringify(names)} after ${JSON.stringify(columns)}`);
    }
    return columns.map((c) => encodeValue(row[c]));
  });
  return JSON.stringify({ columns, rows: encoded });
}

export function decodeRows(text: string): Row[] {
  const { columns, rows } = JSON.parse(text) as { columns: string[]; rows: Encoded[][] };
  return rows.map((values) => {
    const row: Row = {};
    columns.forEach((c, i) => define(row, c, decodeValue(values[i])));
    return row;
  });
}

function encodeValue(value: unknown): Encoded {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { n: Object.is(value, -0) ? '-0' : String(value) };
  if (typeof value === 'bigint') return { i: value.toString() };
  if (Buffer.isBuffer(value)) return { b: value.toString('base64') };
  if (value instanceof Date) return { d: Number.isNaN(value.getTime()) ? null : value.getTime() };
  if (Array.isArray(value)) return { a: value.map(encodeValue) };
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return { o: Object.entries(value as Row).map(([k, v]) => [k, encodeValue(v)]) };
  }
  throw new TributaryError('internal', `a chunk row value of a kind the chunk queue cannot carry: ${typeof value} ${Object.prototype.toString.call(value)}`);
}

function decodeValue(value: Encoded): unknown {
  if (value === null || typeof value !== 'object') return value;
  if ('n' in value) return Number(value.n);
  if ('b' in value) return Buffer.from(value.b, 'base64');
  if ('i' in value) return BigInt(value.i);
  if ('d' in value) return new Date(value.d ?? Number.NaN);
  if ('a' in value) return value.a.map(decodeValue);
  const object: Row = {};
  for (const [k, v] of value.o) define(object, k, decodeValue(v));
  return object;
}

/** an own property even when the name is `__proto__` (a column or JSON key may be) */
function define(object: Row, name: string, value: unknown): void {
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
}
