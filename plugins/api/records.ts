import { Schemas, type Field, type Schema } from './schema.js';

/** A source partition (which log or table a record comes from), as in Kafka Connect: a flat map. */
export type SourcePartition = Readonly<Record<string, string | number | boolean | null>>;
/** A source offset (where in that log): a flat map of JSON values, stored as given. */
export type SourceOffset = Readonly<Record<string, string | number | boolean | null>>;

export type Headers = Readonly<Record<string, string>>;

/** What every record has, whichever side of the bus it is on. */
export interface ConnectRecord {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  /** null is a tombstone */
  readonly value: unknown;
  /** milliseconds since the epoch: the database commit time for CDC records */
  readonly timestamp: number;
  readonly headers?: Headers;
}

/**
 * A record produced by a source task.
 *
 * `position` orders records of one source totally: it is a string that sorts byte-wise in log
 * order (Postgres: commit LSN then change LSN as 16 hex digits each; binlog: file then position;
 * datagen: the sequence, zero-padded). The runtime uses it to skip, on replay, what a sink already
 * wrote, and sinks write it as `__source_pos`.
 *
 * `id` is unique and stable across replays: derived from the position (plus a discriminator when
 * one change yields several records, such as the delete + create of a key change).
 */
export interface SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourcePartition;
  readonly sourceOffset: SourceOffset;
  readonly position: string;
  readonly id: string;
}

/** A record as a sink task receives it. */
export interface SinkRecord extends ConnectRecord {
  /** the bus partition (0 in embedded mode) */
  readonly partition: number;
  /** the bus offset: increases by one per record within topic + partition */
  readonly offset: number;
  readonly position: string;
  readonly id: string;
}

export type Op = 'c' | 'u' | 'd' | 'r' | 't';

/** The Debezium change event value. */
export interface ChangeEvent<Row = Record<string, unknown>> {
  before: Row | null;
  after: Row | null;
  source: Record<string, unknown>;
  op: Op;
  ts_ms: number;
  transaction?: { id: string; total_order: number; data_collection_order: number } | null;
}

/** Fields every connector's `source` block starts with, as in Debezium. */
export const commonSourceFields: readonly Field[] = [
  Schemas.field('version', Schemas.string()),
  Schemas.field('connector', Schemas.string()),
  Schemas.field('name', Schemas.string()),
  Schemas.field('ts_ms', Schemas.int64()),
  Schemas.field('snapshot', Schemas.string({ optional: true, defaultValue: 'false' })),
  Schemas.field('db', Schemas.string()),
  Schemas.field('schema', Schemas.string({ optional: true })),
  Schemas.field('table', Schemas.string({ optional: true })),
];

/**
 * The Debezium envelope schema for one table: `{before, after, source, op, ts_ms}`, named
 * `<topic>.Envelope` with a row schema named `<topic>.Value`, so Debezium consumers work unchanged.
 */
export function envelopeSchema(topic: string, rowFields: readonly Field[], sourceSchema: Schema): Schema {
  const row = Schemas.struct(rowFields, { optional: true, name: `${topic}.Value` });
  return Schemas.struct(
    [
      Schemas.field('before', row),
      Schemas.field('after', row),
      Schemas.field('source', sourceSchema),
      Schemas.field('op', Schemas.string()),
      Schemas.field('ts_ms', Schemas.int64({ optional: true })),
    ],
    { name: `${topic}.Envelope`, version: 1 },
  );
}

/** The row schema inside an envelope schema (the `after` field's). */
export function rowSchemaOf(envelope: Schema): Schema | undefined {
  return envelope.fields?.find((f) => f.name === 'after')?.schema;
}

export function isChangeEvent(value: unknown): value is ChangeEvent {
  return typeof value === 'object' && value !== null && 'op' in value && 'source' in value;
}

/** Zero-pads a non-negative integer so that decimal strings sort in numeric order. */
export function padPosition(n: number | bigint, width = 20): string {
  return n.toString().padStart(width, '0');
}

/**
 * `prefix` + n zero-padded to `width` digits (`prefix + padPosition(n, width)`), built for hot
 * paths: a two-part string whose parts are shared, the head (prefix and all but the last 4
 * digits) cached while n stays within 10 000, the last 4 digits from a table. A record keeps its
 * position and id as long as it is in flight, and a string built per record from several parts
 * lives on as one heap object per part (docs/architecture.md, "Records in flight").
 */
export class PaddedNumbers {
  static readonly #lastDigits = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
  readonly #prefix: string;
  readonly #width: number;
  #high = -1;
  #head = '';

  constructor(prefix: string, width = 20) {
    this.#prefix = prefix;
    this.#width = width;
  }

  of(n: number): string {
    const high = Math.floor(n / 10_000);
    if (high !== this.#high) {
      this.#high = high;
      this.#head = this.#prefix + padPosition(high, this.#width - 4);
    }
    return this.#head + PaddedNumbers.#lastDigits[n - high * 10_000];
  }
}
