import type { Logger } from '../api/index.js';
import type { ChunkPool } from './chunk-pool.js';
import type { ChunkRead } from './incremental-chunk-records.js';
import { sameKey } from './incremental-chunk-records.js';
import type { ChunkBounds, ChunkTable, IncrementalDialect } from './incremental-dialect.js';
import type { RowRateLimiter } from './incremental-rate-limit.js';
import type { IncrementalState, KeyTexts } from './incremental-state.js';

export interface ChunkReaderOptions {
  readonly chunkSize: number;
  /** `snapshot.max.threads`: chunks read at once, each on a connection of its own */
  readonly threads: number;
  readonly limiter: RowRateLimiter;
  readonly signal: AbortSignal;
  /** who reads a batch's ranges (absent: the dialect's reader connections, all at once) */
  readonly pool?: ChunkPool<never, unknown>;
}

/**
 * Reads what one chunk window covers: the chunk after `state.lastKey` or, with several threads,
 * a batch of up to `threads` chunks after it, read at once on as many connections. The batch's
 * chunk boundaries are found first by key-only reads (`chunkEnds`), so the parallel reads cover
 * disjoint key ranges known in advance; their rows, concatenated, are in key order. `upTo` (a
 * window taken up again after a restart) reads exactly the keys the first read covered, in one
 * read. A batch's ranges go to `o.pool` when there is one (a queue spreading them over the
 * connector's tasks), `window` naming them there.
 */
export async function readWindow<T extends ChunkTable, V, P>(dialect: IncrementalDialect<T, V, P>, table: T, state: IncrementalState, o: ChunkReaderOptions, upTo?: KeyTexts, window = ''): Promise<ChunkRead<V>> {
  const condition = state.conditions[table.name] ?? null;
  const maxKey = state.maxKey!;
  await o.limiter.admit(o.signal);
  if (upTo || o.threads <= 1 || !dialect.chunkEnds) {
    const rows = await dialect.readChunk(table, { after: state.lastKey, upTo: upTo ?? maxKey, limit: upTo ? null : o.chunkSize, condition }, 0);
    o.limiter.took(rows.length);
    const lastKey = rows.length > 0 ? rows[rows.length - 1].row.keyTexts : null;
    return { rows, lastKey, last: rows.length < o.chunkSize || (lastKey !== null && sameKey(lastKey, maxKey)), chunks: 1 };
  }
  const ends = await dialect.chunkEnds(table, { after: state.lastKey, upTo: maxKey, limit: o.chunkSize, condition }, o.threads);
  const ranges: ChunkBounds[] = [];
  let previous = state.lastKey;
  for (const end of ends) {
    ranges.push({ after: previous, upTo: end, limit: null, condition });
    previous = end;
  }
  // fewer ends than threads: fewer than chunkSize rows are left after the last one
  const tail = ends.length < o.threads;
  if (tail) ranges.push({ after: previous, upTo: maxKey, limit: o.chunkSize, condition });
  const pool = o.pool as ChunkPool<T, V> | undefined;
  const reads = pool ? await pool.readRanges(table, ranges, window) : await Promise.all(ranges.map((bounds, reader) => dialect.readChunk(table, bounds, reader)));
  const rows = reads.flat();
  o.limiter.took(rows.length);
  // the window covers up to its last range's end: that is where the next one starts, and what a replay reads up to
  const tailRows = tail ? reads[reads.length - 1] : [];
  const lastKey = tail ? (tailRows.length > 0 ? tailRows[tailRows.length - 1].row.keyTexts : ends[ends.length - 1] ?? null) : ends[ends.length - 1];
  return { rows, lastKey, last: tail || sameKey(lastKey!, maxKey), chunks: ranges.length };
}

/**
 * The first table of the snapshot, described for chunk reads (null when none is left): a table
 * that cannot be read in chunks, or is empty, is done (`tableDone`) and the next one taken. Its
 * largest key is fixed when its snapshot begins: rows inserted after that stream anyway.
 */
export async function firstTable<T extends ChunkTable, V, P>(dialect: IncrementalDialect<T, V, P>, state: () => IncrementalState | null, logger: Logger, tableDone: () => void, changed: () => void): Promise<T | null> {
  for (;;) {
    const s = state();
    const name = s?.collections[0];
    if (!s || !name) return null;
    const described = await dialect.describe(name);
    if ('skip' in described) {
      logger.error({ table: name }, `incremental snapshot: ${described.skip}, skipped`);
      tableDone();
      continue;
    }
    if (!s.maxKey) {
      const max = await dialect.maxKey(described.table, s.conditions[name] ?? null);
      if (!max) {
        logger.info({ table: name }, 'incremental snapshot: the table is empty');
        tableDone();
        continue;
      }
      s.maxKey = max;
      changed();
    }
    return described.table;
  }
}
