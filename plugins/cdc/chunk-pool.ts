import type { ChunkBounds, ChunkRow, ChunkTable, IncrementalDialect } from './incremental-dialect.js';

/** The rows of one key range, in key order, with their window keys (as `readChunk` returns them). */
export type RangeRows<V> = { key: string; row: ChunkRow<V> }[];

/**
 * Who reads a window's key ranges when a window covers several chunks (`snapshot.max.threads` >
 * 1): the in-process pool (one reader connection per range, `localChunkPool`), or a queue that
 * hands each range to a reader task anywhere in the worker group (`ChunkQueuePool`). Either way
 * the window stays where it is: the coordinator (the streaming task) writes its watermarks and
 * emits its rows; a pool only reads.
 *
 * Contract: `readRanges` resolves with one entry per range, in the order of `ranges`, each range
 * read once in the answer however often it was read (a reader that died is replaced, its range
 * read again by another); it rejects when a range could not be read, and the engine then retries
 * the window anew under another id. Calls are never concurrent.
 */
export interface ChunkPool<T extends ChunkTable, V> {
  /** `window`: the window's id, unique per window and the same when the same window is read again */
  readRanges(table: T, ranges: readonly ChunkBounds[], window: string): Promise<RangeRows<V>[]>;
  /** the snapshot is over or failed: drops what the pool holds (connections, queued work) */
  release(): Promise<void>;
  /** the task stops */
  close(): Promise<void>;
}

/** The in-process pool: range i on the dialect's reader connection i, all at once. */
export function localChunkPool<T extends ChunkTable, V, P>(dialect: IncrementalDialect<T, V, P>): ChunkPool<T, V> {
  return {
    readRanges: (table, ranges) => Promise.all(ranges.map((bounds, reader) => dialect.readChunk(table, bounds, reader))),
    release: () => dialect.release(),
    close: () => dialect.release(),
  };
}
