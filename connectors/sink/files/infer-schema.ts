import { isChangeEvent, Schemas, type Schema } from '../../../plugins/api/index.js';

/**
 * A schema for a value that came without one (schemaless JSON): integers become int64, other
 * numbers float64, objects structs, and anything mixed or unknown JSON text, so that Parquet and
 * CSV still get stable columns. Every column is optional: the next record may lack it. A null
 * says nothing about its column's type, so a struct leaves it out: the record then fits the open
 * file, whose column it is null in, instead of opening a file of its own (see schema-projection).
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
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => Schemas.field(k, isPlainObject(v) || Array.isArray(v) ? Schemas.json({ optional: true }) : inferSchema(v)));
  return Schemas.struct(fields, { optional: true });
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

/**
 * The schema of a schemaless value, seeing Debezium's envelope in it (JsonConverter with
 * `schemas.enable=false` drops the schema, not the envelope): before and after get the columns
 * of whichever image is there, so an insert, an update and a delete of a table share one schema.
 */
export function inferValueSchema(value: unknown): Schema {
  if (!isChangeEvent(value)) return inferSchema(value);
  const event = value as { before?: unknown; after?: unknown };
  const image = event.after ?? event.before;
  const row = isPlainObject(image) ? inferSchema(image) : Schemas.struct([], { optional: true });
  const fields = Object.entries(value as object)
    .filter(([k, v]) => v !== undefined && (v !== null || k === 'before' || k === 'after'))
    .map(([k, v]) => Schemas.field(k, k === 'before' || k === 'after' ? row : isPlainObject(v) || Array.isArray(v) ? Schemas.json({ optional: true }) : inferSchema(v)));
  return Schemas.struct(fields, { optional: true });
}
