import type { SchemaElement } from 'hyparquet';
import { columnKind, topLevelElements } from '../offload/column-batch.js';
import type { LeafColumn } from './column-pages.js';
import { PhysicalType } from './parquet-enums.js';

/**
 * Whether Tributary's own columnar encoder writes a file of this schema, decided once when the
 * file opens: every top-level column must be a leaf whose packed values it encodes — booleans,
 * INT32/INT64 (ints, dates, times, timestamps, decimals of up to 18 digits), FLOAT, DOUBLE,
 * BYTE_ARRAY (strings, JSON, bytes, variable-scale decimals) and FIXED_LEN_BYTE_ARRAY (UUIDs).
 * Lists, maps, structs and decimals of more than 18 digits (packed as values, kind `any`) are
 * not covered: such a file is written by hyparquet-writer instead, whole.
 */
export function columnarLeaves(elements: readonly SchemaElement[], noStatistics: readonly string[] = []): LeafColumn[] | undefined {
  const skip = new Set(noStatistics);
  const out: LeafColumn[] = [];
  for (const e of topLevelElements(elements)) {
    const kind = columnKind(e);
    if (kind === 'any' || e.type === undefined || e.type === 'INT96') return undefined;
    out.push({
      name: e.name,
      physical: PhysicalType[e.type],
      kind,
      optional: e.repetition_type !== 'REQUIRED',
      typeLength: e.type_length ?? 0,
      int32Of64: kind === 'int64' && e.type === 'INT32',
      statistics: !skip.has(e.name),
    });
  }
  return out;
}

/**
 * The schema as the footer states it: as parquet-schema.ts declares it, plus the JSON converted
 * type on JSON columns, which the hyparquet-writer path also adds for the footer only.
 */
export function footerElements(elements: readonly SchemaElement[]): SchemaElement[] {
  return elements.map((e) => (e.logical_type?.type === 'JSON' ? { ...e, converted_type: 'JSON' } : e));
}

/** names of the top-level JSON columns, written without min/max statistics */
export function jsonColumns(elements: readonly SchemaElement[]): string[] {
  return topLevelElements(elements).filter((e) => e.logical_type?.type === 'JSON').map((e) => e.name);
}
