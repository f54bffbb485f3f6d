import type { KeyValue, SchemaElement } from 'hyparquet';
import { TributaryError } from '../../../../../plugins/api/index.js';
import { CompactType, CompactWriter } from './thrift-compact.js';
import { ConvertedType, LogicalTypeId, PhysicalType, Repetition, TimeUnitId } from './parquet-enums.js';

/** min/max as PLAIN-encoded bytes of the physical type (absent when not kept), and the null count */
export interface ChunkStatistics {
  readonly nullCount: number;
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/** What the footer says of one column chunk (all offsets absolute in the file). */
export interface ColumnChunkMeta {
  readonly physical: number;
  readonly path: readonly string[];
  readonly encodings: readonly number[];
  readonly codec: number;
  readonly numValues: number;
  /** page headers included, as the format defines both sizes */
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset?: number;
  readonly statistics?: ChunkStatistics;
}

export interface RowGroupMeta {
  readonly rows: number;
  readonly fileOffset: number;
  readonly columns: readonly ColumnChunkMeta[];
}

export interface FileMeta {
  readonly schema: readonly SchemaElement[];
  readonly rowGroups: readonly RowGroupMeta[];
  readonly keyValues?: readonly KeyValue[];
  readonly createdBy: string;
}

/**
 * FileMetaData (parquet.thrift) in the compact protocol: the footer's body, which the caller
 * follows with its 4-byte length and the closing magic. Version 2 as hyparquet-writer writes it;
 * every leaf column declares TYPE_ORDER (signed for integers, as its statistics are computed).
 */
export function encodeFileMetaData(meta: FileMeta): Uint8Array {
  const w = new CompactWriter(4096);
  w.begin();
  w.i32(1, 2);
  w.list(2, CompactType.STRUCT, meta.schema.length);
  for (const e of meta.schema) schemaElement(w, e);
  w.i64(3, meta.rowGroups.reduce((n, g) => n + g.rows, 0));
  w.list(4, CompactType.STRUCT, meta.rowGroups.length);
  for (const g of meta.rowGroups) rowGroup(w, g);
  if (meta.keyValues?.length) {
    w.list(5, CompactType.STRUCT, meta.keyValues.length);
    for (const kv of meta.keyValues) {
      w.begin().string(1, kv.key);
      if (kv.value !== undefined) w.string(2, kv.value);
      w.end();
    }
  }
  w.string(6, meta.createdBy);
  const leaves = meta.schema.filter((e) => e.type !== undefined).length;
  w.list(7, CompactType.STRUCT, leaves);
  // ColumnOrder is a union: member 1, TYPE_ORDER, an empty struct
  for (let i = 0; i < leaves; i++) w.begin().struct(1).end().end();
  w.end();
  return w.view().slice();
}

function enumValue<T extends Record<string, number>>(table: T, name: string, what: string): number {
  const v = table[name];
  if (v === undefined) throw new TributaryError('sink.write_failed', `Parquet footer: unknown ${what} ${name}`);
  return v;
}

function schemaElement(w: CompactWriter, e: SchemaElement): void {
  w.begin();
  if (e.type !== undefined) w.i32(1, enumValue(PhysicalType, e.type, 'physical type'));
  if (e.type_length !== undefined) w.i32(2, e.type_length);
  if (e.repetition_type !== undefined) w.i32(3, enumValue(Repetition, e.repetition_type, 'repetition'));
  w.string(4, e.name);
  if (e.num_children !== undefined) w.i32(5, e.num_children);
  if (e.converted_type !== undefined) w.i32(6, enumValue(ConvertedType, e.converted_type, 'converted type'));
  if (e.scale !== undefined) w.i32(7, e.scale);
  if (e.precision !== undefined) w.i32(8, e.precision);
  if (e.field_id !== undefined) w.i32(9, e.field_id);
  if (e.logical_type) logicalType(w, e.logical_type);
  w.end();
}

function logicalType(w: CompactWriter, t: NonNullable<SchemaElement['logical_type']>): void {
  const id = enumValue(LogicalTypeId, t.type, 'logical type');
  w.struct(10).struct(id);
  switch (t.type) {
    case 'DECIMAL':
      w.i32(1, t.scale).i32(2, t.precision);
      break;
    case 'TIME':
    case 'TIMESTAMP':
      w.bool(1, t.isAdjustedToUTC);
      w.struct(2).struct(enumValue(TimeUnitId, t.unit, 'time unit')).end().end();
      break;
    case 'INTEGER':
      // IntType.bitWidth is an i8 in the IDL (readers reject an i32 there)
      w.i8(1, t.bitWidth).bool(2, t.isSigned);
      break;
    default:
      break;
  }
  w.end().end();
}

function rowGroup(w: CompactWriter, g: RowGroupMeta): void {
  w.begin();
  w.list(1, CompactType.STRUCT, g.columns.length);
  let uncompressed = 0;
  let compressed = 0;
  for (const c of g.columns) {
    uncompressed += c.uncompressedBytes;
    compressed += c.compressedBytes;
    columnChunk(w, c);
  }
  w.i64(2, uncompressed);
  w.i64(3, g.rows);
  w.i64(5, g.fileOffset);
  w.i64(6, compressed);
  w.end();
}

function columnChunk(w: CompactWriter, c: ColumnChunkMeta): void {
  w.begin();
  // file_offset is deprecated; like hyparquet-writer, the chunk's first byte
  w.i64(2, c.dictionaryPageOffset ?? c.dataPageOffset);
  w.struct(3);
  w.i32(1, c.physical);
  w.list(2, CompactType.I32, c.encodings.length);
  for (const e of c.encodings) w.listI32(e);
  w.list(3, CompactType.BINARY, c.path.length);
  for (const p of c.path) w.listString(p);
  w.i32(4, c.codec);
  w.i64(5, c.numValues);
  w.i64(6, c.uncompressedBytes);
  w.i64(7, c.compressedBytes);
  w.i64(9, c.dataPageOffset);
  if (c.dictionaryPageOffset !== undefined) w.i64(11, c.dictionaryPageOffset);
  if (c.statistics) statistics(w, 12, c.statistics);
  w.end();
  w.end();
}

/** Statistics: null_count, and max_value / min_value (fields 5, 6; the deprecated 1, 2 are not written) */
export function statistics(w: CompactWriter, id: number, s: ChunkStatistics): void {
  w.struct(id);
  w.i64(3, s.nullCount);
  if (s.max && s.min) w.binary(5, s.max).binary(6, s.min);
  w.end();
}
