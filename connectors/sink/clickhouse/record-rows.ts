import { isChangeEvent, rowSchemaOf, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { inferValueSchema } from '../files/infer-schema.js';

/** What one record asks of its table. */
export type RowChange =
  | { readonly kind: 'row'; readonly row: Record<string, unknown>; readonly schema: Schema; readonly deleted: boolean; readonly sourceTsMs: number; readonly record: SinkRecord }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'skip' };

/**
 * The row of a record: a Debezium envelope's after-image, or its before-image for a delete
 * (flagged deleted), or a row that is already flat (after ExtractNewRecordState: its
 * `__deleted` field, when `delete.handling.mode=rewrite`, flags deletes). Truncates are their own
 * kind. The schema is the row's (inferred for schemaless records). One object per record: it is
 * also the row a batch keeps until ClickHouse acknowledges it.
 */
const rowSchemas = new WeakMap<Schema, Schema | undefined>();

/** the row schema inside an envelope schema, looked up once per schema object */
function cachedRowSchema(envelope: Schema): Schema | undefined {
  if (rowSchemas.has(envelope)) return rowSchemas.get(envelope);
  const row = rowSchemaOf(envelope);
  rowSchemas.set(envelope, row);
  return row;
}

export function rowChangeOf(record: SinkRecord): RowChange {
  const value = record.value;
  if (value === null || value === undefined) return { kind: 'skip' };
  if (isChangeEvent(value)) {
    if (value.op === 't') return { kind: 'truncate' };
    const envelopeSchema = record.valueSchema ?? inferValueSchema(value);
    const schema = cachedRowSchema(envelopeSchema) ?? inferValueSchema(value.after ?? value.before);
    const deleted = value.op === 'd';
    const row = deleted ? value.before : (value.after ?? value.before);
    if (!row) return { kind: 'skip' };
    const ts = value.source?.ts_ms;
    return { kind: 'row', row, schema, deleted, sourceTsMs: typeof ts === 'number' ? ts : typeof ts === 'bigint' ? Number(ts) : record.timestamp, record };
  }
  if (typeof value !== 'object') return { kind: 'skip' };
  const row = value as Record<string, unknown>;
  const schema = record.valueSchema ?? inferValueSchema(value);
  const flag = row.__deleted;
  const ts = row.__source_ts_ms;
  return { kind: 'row', row, schema, deleted: flag === true || flag === 'true', sourceTsMs: typeof ts === 'number' ? ts : record.timestamp, record };
}

const HEX16 = /^[0-9a-fA-F]{16}/;
const DECIMAL = /^\d{1,20}$/;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The version of a change in a ReplacingMergeTree: a UInt64 that never decreases along the
 * source's positions. Positions sort byte-wise in log order (plugins/api/records.ts): a position
 * of at most 20 decimal digits (datagen's zero-padded sequence) is read as that number; when the
 * first 16 characters are hex digits (PostgreSQL: the commit LSN) they are read as one hex
 * number; otherwise the first 8 bytes as a big-endian number. Both keep the order; changes that tie (one transaction) are written in log
 * order, and ClickHouse keeps the last row inserted among equal versions.
 */
export function versionOf(position: string): bigint {
  if (DECIMAL.test(position)) {
    const n = BigInt(position);
    if (n <= UINT64_MAX) return n;
  }
  if (HEX16.test(position)) return BigInt('0x' + position.slice(0, 16));
  const bytes = Buffer.alloc(8);
  Buffer.from(position, 'utf8').copy(bytes, 0, 0, 8);
  return bytes.readBigUInt64BE(0);
}
