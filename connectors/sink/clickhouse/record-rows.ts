import { isChangeEvent, rowSchemaOf, type Schema, type SinkRecord } from '../../../plugins/api/index.js';
import { inferValueSchema } from '../files/infer-schema.js';

const rowSchemas = new WeakMap<Schema, Schema | undefined>();

/** the last envelope schema and its row schema: records come in runs of one schema */
let lastEnvelope: Schema | null = null;
let lastRow: Schema | undefined;

/** the row schema inside an envelope schema, looked up once per schema object */
function cachedRowSchema(envelope: Schema): Schema | undefined {
  if (envelope === lastEnvelope) return lastRow;
  let row = rowSchemas.get(envelope);
  if (row === undefined && !rowSchemas.has(envelope)) rowSchemas.set(envelope, (row = rowSchemaOf(envelope)));
  lastEnvelope = envelope;
  lastRow = row;
  return row;
}

const NO_ROW: Record<string, unknown> = Object.freeze({});
const NO_SCHEMA: Schema = Object.freeze({ type: 'struct', optional: false, fields: [] });

/**
 * What one record asks of its table: a row (`row`, `schema`, `deleted`, `sourceTsMs`,
 * `record` are set), a truncate, or nothing. `readChange` fills one object per task again and
 * again, so that reading a record allocates nothing; a table writer copies what it keeps.
 */
export class RowChange {
  kind: 'row' | 'truncate' | 'skip' = 'skip';
  row: Record<string, unknown> = NO_ROW;
  schema: Schema = NO_SCHEMA;
  deleted = false;
  sourceTsMs = 0;
  /** set by every readChange */
  record!: SinkRecord;
}

/**
 * The row of a record into `into`: a Debezium envelope's after-image, or its before-image for a
 * delete (flagged deleted), or a row that is already flat (after ExtractNewRecordState: its
 * `__deleted` field, when `delete.handling.mode=rewrite`, flags deletes). Truncates are their own
 * kind. The schema is the row's (inferred for schemaless records).
 */
export function readChange(record: SinkRecord, into: RowChange): RowChange {
  into.record = record;
  const value = record.value;
  if (value === null || value === undefined) return skip(into);
  if (isChangeEvent(value)) {
    if (value.op === 't') {
      into.kind = 'truncate';
      return into;
    }
    const deleted = value.op === 'd';
    const row = deleted ? value.before : (value.after ?? value.before);
    if (!row) return skip(into);
    const envelopeSchema = record.valueSchema ?? inferValueSchema(value);
    into.kind = 'row';
    into.row = row;
    into.schema = cachedRowSchema(envelopeSchema) ?? inferValueSchema(value.after ?? value.before);
    into.deleted = deleted;
    const ts = value.source?.ts_ms;
    into.sourceTsMs = typeof ts === 'number' ? ts : typeof ts === 'bigint' ? Number(ts) : record.timestamp;
    return into;
  }
  if (typeof value !== 'object') return skip(into);
  const row = value as Record<string, unknown>;
  const flag = row.__deleted;
  const ts = row.__source_ts_ms;
  into.kind = 'row';
  into.row = row;
  into.schema = record.valueSchema ?? inferValueSchema(value);
  into.deleted = flag === true || flag === 'true';
  into.sourceTsMs = typeof ts === 'number' ? ts : record.timestamp;
  return into;
}

function skip(into: RowChange): RowChange {
  into.kind = 'skip';
  into.row = NO_ROW;
  return into;
}

/** `readChange` into a fresh object (tests, benchmarks) */
export function rowChangeOf(record: SinkRecord): RowChange {
  return readChange(record, new RowChange());
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
