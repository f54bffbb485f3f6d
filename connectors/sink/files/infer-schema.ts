import { Schemas, type Schema } from '../../../plugins/api/index.js';

/**
 * A schema for a value that came without one (schemaless JSON): integers become int64, other
 * numbers float64, objects structs, and anything mixed or unknown JSON text, so that Parquet and
 * CSV still get stable columns. Every column is optional: the next record may lack it.
 */
export function inferSchema(value: unknown): Schema {
  if (value === null || value === undefined) return Schemas.string({ optional: true });
  switch (typeof value) {
    case 'boolean':
      return Schemas.boolean({ optional: true });
    case 'bigint':
      return Schemas.int64({ optional: true });
    case 'number':
      return Number.isInteger(value) ? Schemas.int64({ optional: true }) : Schemas.float64({ optional: true });
    case 'string':
      return Schemas.string({ optional: true });
    default:
      break;
  }
  if (value instanceof Uint8Array) return Schemas.bytes({ optional: true });
  if (Array.isArray(value)) return Schemas.json({ optional: true });
  const fields = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => Schemas.field(k, isPlainObject(v) || Array.isArray(v) ? Schemas.json({ optional: true }) : inferSchema(v)));
  return Schemas.struct(fields, { optional: true });
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}
