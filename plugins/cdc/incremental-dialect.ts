import type { SourceOffset, SourceRecord } from '../api/index.js';
import type { KeyTexts, Watermark } from './incremental-state.js';

/** A table an incremental snapshot reads, as a dialect describes it. */
export interface ChunkTable {
  /** as the signal names it: `schema.table` (PostgreSQL), `db.table` (MySQL) */
  readonly name: string;
  /** the topic its stream records go to: the window compares streamed records by it */
  readonly topic: string;
  readonly estimatedRows: number | null;
  /**
   * A byte-order encoding of the key texts (a chunk row's position follows its key), or null: the
   * key's text in hex is used, the rows emitted in that order.
   */
  readonly keyEncoder: ((texts: KeyTexts) => string) | null;
}

/** One row of a chunk: the driver's values (what the dialect builds the record from) and its key texts. */
export interface ChunkRow<V> {
  readonly values: V;
  readonly keyTexts: KeyTexts;
}

/** What a chunk read covers: `after` (exclusive) to `upTo` (inclusive), at most `limit` rows (null: no limit), in key order. */
export interface ChunkBounds {
  readonly after: KeyTexts | null;
  readonly upTo: KeyTexts;
  readonly limit: number | null;
  /** Debezium's additional-conditions filter of the table */
  readonly condition: string | null;
}

/**
 * What an incremental snapshot needs from a database (IncrementalSnapshots runs the algorithm):
 * reading a table's chunks on a connection of its own, writing watermarks to the log the stream
 * reads, and building chunk records placed at a point of the stream (`P`: an LSN, a binlog
 * position). Calls are never concurrent, except `readChunk` with different `reader`s: with
 * `snapshot.max.threads` > 1 a window's chunks are read at once, each reader on a connection of
 * its own (reader 0 is the one every other call uses).
 */
export interface IncrementalDialect<T extends ChunkTable, V, P> {
  /** the prefix of the rows counter (`<prefix>_incremental_snapshot_rows_total`) */
  readonly metricPrefix: string;
  /** why this source cannot write watermarks (an execute-snapshot signal is then refused); null when it can */
  readonly unavailable: string | null;
  /** the table is one the connector captures */
  includes(collection: string): boolean;
  /** the table, or why it cannot be read in chunks (gone, no primary key): it is skipped then */
  describe(name: string): Promise<{ readonly table: T } | { readonly skip: string }>;
  /** the table's largest key now (within the condition), null when it has no rows */
  maxKey(table: T, condition: string | null): Promise<KeyTexts | null>;
  /** the rows of a chunk with their window keys (keyText of the record key, as the stream builds it) */
  readChunk(table: T, bounds: ChunkBounds, reader?: number): Promise<{ key: string; row: ChunkRow<V> }[]>;
  /**
   * The boundaries of the next `count` chunks after `bounds.after` (up to `bounds.upTo`, within the
   * condition): the key of every `bounds.limit`-th row, read by key-only queries, fewer when the
   * table ends first. Without it a dialect reads one chunk at a time whatever the threads.
   */
  chunkEnds?(table: T, bounds: ChunkBounds, count: number): Promise<KeyTexts[]>;
  writeWatermark(mark: Watermark): Promise<void>;
  /** the server refuses the statement for this table (shape changed, bad condition, dropped): describing again may help, retrying alone will not */
  isStatementError(error: unknown): boolean;
  /** the place of a high watermark in the stream: the base of its chunk rows' positions, and its offset */
  pointOf(at: P): { readonly position: string; readonly offset: SourceOffset };
  /** a factory for the chunk's records (`op: r`, `source.snapshot = incremental`) at `at` */
  chunkRecords(table: T, at: P): (values: V, position: string, offset: SourceOffset) => SourceRecord;
  /** closes the chunk readers' connections (after a failure, at the end); the next read opens them */
  release(): Promise<void>;
  /** how chunk rows travel between processes: needed to hand chunks out through a queue (chunk-queue-pool.ts) */
  readonly codec?: ChunkCodec<T, V>;
}

/**
 * Chunk rows as text, for a reader in another process (a task on another worker) to hand the rows
 * of a key range to the task that emits them. `decode(encode(rows))` gives the rows exactly as
 * `readChunk` built them (values, key texts, window keys), for every column type.
 */
export interface ChunkCodec<T extends ChunkTable, V> {
  /**
   * What a reader must agree on with the coordinator to read a range for it (the columns read,
   * the key): a reader whose own description of the table differs describes it again, and
   * refuses the range when it still differs (the table changed shape between the two).
   */
  shape(table: T): string;
  encode(rows: readonly ChunkRow<V>[]): string;
  decode(table: T, text: string): { key: string; row: ChunkRow<V> }[];
}
