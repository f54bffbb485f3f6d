import { schemaFingerprint, Schemas, type Field, type Schema } from '../../../plugins/api/index.js';

/**
 * Schema evolution within one directory. A record whose columns all exist in the open file
 * (same type; the file may have more, nullable, columns) is written into it with the missing
 * columns null. A record with a new column, or a column whose type changed, closes the file, and
 * the next file gets the union of both schemas; so when two schema versions interleave (an old
 * producer and a new one) they share the wider file instead of alternating tiny files. An int64
 * fits a float64 column: schemaless JSON writes 2.0 as 2, which infers as an integer.
 */
export function projection(file: Schema, record: Schema): number[] | null {
  const recordIndex = new Map<string, number>();
  (record.fields ?? []).forEach((f, i) => recordIndex.set(f.name, i));
  const fileNames = new Set((file.fields ?? []).map((f) => f.name));
  for (const f of record.fields ?? []) if (!fileNames.has(f.name)) return null;
  const out: number[] = [];
  for (const f of file.fields ?? []) {
    const i = recordIndex.get(f.name);
    if (i === undefined) {
      if (!f.schema.optional) return null;
      out.push(-1);
      continue;
    }
    const r = record.fields![i].schema;
    if (!(sameType(f.schema, r) || widensTo(r, f.schema)) || (r.optional && !f.schema.optional)) return null;
    out.push(i);
  }
  return out;
}

/**
 * The file schema after `previous`: both schemas' columns, each in its own relative order (so a
 * new column sits where the record has it, before the metadata columns), the record's version of
 * a column where both have it, and columns not in both made optional.
 */
export function mergeSchemas(previous: Schema, record: Schema): Schema {
  const prev = previous.fields ?? [];
  const inRecord = new Set((record.fields ?? []).map((f) => f.name));
  const prevIndex = new Map(prev.map((f, i) => [f.name, i] as const));
  const fields: Field[] = [];
  let next = 0;
  const emitPreviousUpTo = (end: number) => {
    for (; next < end; next++) if (!inRecord.has(prev[next].name)) fields.push(Schemas.field(prev[next].name, Schemas.optional(prev[next].schema)));
  };
  for (const r of record.fields ?? []) {
    const i = prevIndex.get(r.name);
    if (i === undefined) {
      fields.push(Schemas.field(r.name, Schemas.optional(r.schema)));
      continue;
    }
    emitPreviousUpTo(i);
    next = Math.max(next, i + 1);
    const p = prev[i];
    const wider = widensTo(r.schema, p.schema) ? p.schema : widensTo(p.schema, r.schema) ? r.schema : undefined;
    if (wider) fields.push(Schemas.field(r.name, { ...wider, optional: p.schema.optional || r.schema.optional }));
    else fields.push(sameType(p.schema, r.schema) && p.schema.optional ? p : r);
  }
  emitPreviousUpTo(prev.length);
  return Schemas.struct(fields);
}

function sameType(a: Schema, b: Schema): boolean {
  return schemaFingerprint({ ...a, optional: false }) === schemaFingerprint({ ...b, optional: false });
}

/** A plain int64 read into a plain float64 column (exact up to 2^53, as JSON numbers are). */
function widensTo(from: Schema, to: Schema): boolean {
  return from.type === 'int64' && to.type === 'float64' && !from.name && !to.name;
}
