import { RetriableError, type Logger, type SourceOffset, type SourceRecord } from '../api/index.js';
import type { ChunkRow, ChunkTable } from './incremental-dialect.js';
import type { KeyTexts } from './incremental-state.js';
import { utf8Hex } from './positions.js';

/** What a chunk read covered: where the next one starts, and whether it was the table's last. */
export interface ChunkRead<V> {
  readonly rows: { key: string; row: ChunkRow<V> }[];
  /** key texts of the last row read (also when the stream changed it meanwhile) */
  readonly lastKey: KeyTexts | null;
  readonly last: boolean;
  /** chunks the read covered (a batch of parallel chunks counts each) */
  readonly chunks?: number;
}

/**
 * A chunk's rows as records at its high watermark's position `base`: `:k` and the key in byte
 * order where the table's key has such an encoding; otherwise `:j` and the key's text in hex, the
 * rows emitted in that order (never an ordinal, which a chunk read again with a row fewer would
 * shift onto other rows). So a chunk emitted again after a crash has the positions it had.
 */
export function positionedRecords<V>(
  rows: readonly ChunkRow<V>[], table: ChunkTable, base: string, offset: SourceOffset,
  make: (values: V, position: string, offset: SourceOffset) => SourceRecord,
): SourceRecord[] {
  const encoder = table.keyEncoder;
  const suffixes = rows.map(({ keyTexts }) => (encoder ? `k${encoder(keyTexts)}` : `j${utf8Hex(JSON.stringify(keyTexts))}`));
  const order = rows.map((_, i) => i);
  if (!encoder) order.sort((a, b) => (suffixes[a] < suffixes[b] ? -1 : suffixes[a] > suffixes[b] ? 1 : 0));
  return order.map((i) => make(rows[i].values, `${base}:${suffixes[i]}`, offset));
}

/**
 * Runs `run`, retrying a failure a few times with a growing wait (`release` first, so the next
 * attempt opens a fresh connection); then a retriable `source.unavailable` error. For what the
 * replay waits on: going on without it would read a chunk anew at other positions.
 */
export async function withRetries<R>(what: string, run: () => Promise<R>, release: () => Promise<void>, logger: Logger): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      await release().catch(() => undefined);
      if (attempt >= 5) throw new RetriableError('source.unavailable', `Incremental snapshot: could not ${what}: ${(error as Error).message}`, { cause: error });
      logger.warn({ err: (error as Error).message, attempt }, `incremental snapshot: could not ${what}; retrying`);
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/** Two keys' texts are the same key. */
export function sameKey(a: KeyTexts, b: KeyTexts): boolean {
  return a.length === b.length && a.every((t, i) => (t ?? '') === (b[i] ?? ''));
}
