import type { Schema, SinkRecord } from '../../../plugins/api/index.js';
import { baseType, typeText, type ChType } from './clickhouse-types.js';
import type { RowBinaryWriter } from './row-binary.js';
import { compileRowEncoder } from './row-encoder.js';
import type { ServerFeatures } from './server-features.js';
import { META, type InsertMode } from './table-ddl.js';
import { columnProblem } from './type-mapping.js';

/** One row to write: its columns' values, whether it marks a deleted key, and the record. */
export interface PlannedRow {
  readonly row: Record<string, unknown>;
  readonly deleted: boolean;
  readonly sourceTsMs: number;
  readonly record: SinkRecord;
}

/**
 * How the rows of one record schema go into one table: the INSERT's column list and a
 * RowBinary row encoder compiled for them, the fields matched by name against the table's
 * columns. Columns the records lack get their defaults; metadata columns are written when the
 * table has them.
 */
export interface TablePlan {
  readonly mode: InsertMode;
  readonly columns: readonly string[];
  /** the key of a row in upsert mode (to keep one version per key in a batch), else null */
  keyOf(row: Record<string, unknown>): unknown;
  /** writes the row; throws (nothing written past `w`'s mark is kept by the caller) when a value does not fit */
  write(w: RowBinaryWriter, r: PlannedRow): void;
}

export interface PlanInput {
  readonly mode: InsertMode;
  readonly schema: Schema;
  readonly keys: readonly string[];
  /** the table's columns and their types, as the server describes them */
  readonly table: ReadonlyMap<string, ChType>;
  readonly features: ServerFeatures;
}

/** Every way the table does not fit the records; empty when it does. */
export function planProblems(input: PlanInput): string[] {
  const problems: string[] = [];
  for (const f of input.schema.fields ?? []) {
    const column = input.table.get(f.name);
    if (!column) {
      problems.push(`column ${f.name}: the table has no such column, records have it (set auto.evolve=true to add it)`);
      continue;
    }
    if (input.mode === 'upsert' && input.keys.includes(f.name)) {
      // key columns of deleted rows are never null; a required schema is what counts
      const p = columnProblem(f.name, { ...f.schema, optional: false }, column, input.features);
      if (p) problems.push(p);
      continue;
    }
    const p = columnProblem(f.name, f.schema, column, input.features);
    if (p) problems.push(p);
  }
  const fields = new Set((input.schema.fields ?? []).map((f) => f.name));
  for (const k of input.keys) if (!fields.has(k)) problems.push(`key field ${k} is not a field of the records`);
  if (input.mode === 'upsert') {
    for (const [name, want] of [[META.version, 'UInt64'], [META.deleted, 'UInt8']] as const) {
      const have = input.table.get(name);
      if (!have) problems.push(`column ${name}: upsert mode needs a ${want} column ${name} (the version from the source position / the deleted flag)`);
      else if (typeText(baseType(have)) !== want) problems.push(`column ${name}: the table has ${typeText(have)}, upsert mode writes ${want}`);
    }
  }
  return problems;
}

export function buildPlan(input: PlanInput): TablePlan {
  const fields = (input.schema.fields ?? []).filter((f) => input.table.has(f.name));
  const names = fields.map((f) => f.name);
  const hasTs = input.table.has(META.sourceTs);
  const hasId = input.table.has(META.id);
  const upsert = input.mode === 'upsert';
  const columns = [...names, ...(upsert ? [META.version, META.deleted] : hasId ? [META.id] : []), ...(hasTs ? [META.sourceTs] : [])];
  const encode = compileRowEncoder({
    fields: fields.map((f) => ({ name: f.name, schema: f.schema, type: input.table.get(f.name)! })),
    version: upsert,
    id: !upsert && hasId,
    sourceTs: hasTs,
  });
  const keys = input.keys;
  return {
    mode: input.mode,
    columns,
    keyOf: upsert
      ? keys.length === 1
        // a number, bigint or string key is its own Map key: no string made per row
        ? (row) => { const k = row[keys[0]]; return typeof k === 'object' ? String(k) : k; }
        : (row) => keys.map((k) => String(row[k])).join('\u0000')
      : () => null,
    write: (w, r) => encode(w, r.row, r.deleted, r.record, r.sourceTsMs),
  };
}
