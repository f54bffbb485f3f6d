import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkPool } from './chunk-pool.js';
import type { ChunkBounds, ChunkTable, IncrementalDialect } from './incremental-dialect.js';
import { readWindow, type ChunkReaderOptions } from './incremental-chunk-reader.js';
import { RowRateLimiter } from './incremental-rate-limit.js';
import type { IncrementalState } from './incremental-state.js';

const TABLE: ChunkTable = { name: 'db.t', topic: 't', estimatedRows: null, keyEncoder: null };
const inRange = (ids: number[], b: ChunkBounds) => ids.filter((id) => id <= Number(b.upTo[0]) && (b.after === null || id > Number(b.after[0])));

/** Just the calls readWindow makes, over ids in memory; the bounds of each read are kept. */
function dialect(ids: number[]): IncrementalDialect<ChunkTable, number, number> & { reads: ChunkBounds[] } {
  const reads: ChunkBounds[] = [];
  return {
    reads,
    readChunk: async (_t, b) => {
      reads.push(b);
      return inRange(ids, b).slice(0, b.limit ?? undefined).map((id) => ({ key: String(id), row: { values: id, keyTexts: [String(id)] } }));
    },
    chunkEnds: async (_t, b, count) => inRange(ids, b).filter((_, i) => (i + 1) % b.limit! === 0).slice(0, count).map((id) => [String(id)]),
  } as IncrementalDialect<ChunkTable, number, number> & { reads: ChunkBounds[] };
}

const state = (lastKey: string | null, maxKey: string): IncrementalState => ({ id: 's', collections: ['db.t'], conditions: {}, lastKey: lastKey === null ? null : [lastKey], maxKey: [maxKey], paused: false, window: null });
const options: ChunkReaderOptions = { chunkSize: 2, threads: 3, limiter: new RowRateLimiter(0), signal: new AbortController().signal };

describe('readWindow (a window\'s chunks, read in parallel)', () => {
  it('N whole chunks: the window ends at the last boundary; the table ends there exactly: last', async () => {
    const d = dialect([1, 2, 3, 4, 5, 6]);
    const read = await readWindow(d, TABLE, state(null, '6'), options);
    assert.deepEqual(d.reads.map((b) => [b.after?.[0] ?? null, b.upTo[0], b.limit]), [[null, '2', null], ['2', '4', null], ['4', '6', null]]);
    assert.deepEqual([read.rows.map((r) => r.row.values), read.lastKey, read.last, read.chunks], [[1, 2, 3, 4, 5, 6], ['6'], true, 3]);
  });

  it('more rows than N chunks: not last, the next window starts after the last boundary', async () => {
    const d = dialect([1, 2, 3, 4, 5, 6, 7, 8]);
    const read = await readWindow(d, TABLE, state('1', '8'), options);
    assert.deepEqual([read.lastKey, read.last, read.chunks], [['7'], false, 3]);
  });

  it('fewer rows than N chunks: a tail read up to the largest key, limited to a chunk; an empty rest ends the table', async () => {
    const d = dialect([1, 2, 3, 4, 5]);
    const read = await readWindow(d, TABLE, state(null, '5'), options);
    assert.deepEqual(d.reads.map((b) => [b.after?.[0] ?? null, b.upTo[0], b.limit]), [[null, '2', null], ['2', '4', null], ['4', '5', 2]]);
    assert.deepEqual([read.rows.length, read.lastKey, read.last], [5, ['5'], true]);
    const empty = await readWindow(dialect([]), TABLE, state('5', '5'), options);
    assert.deepEqual([empty.rows, empty.lastKey, empty.last], [[], null, true]);
  });

  it('a window read again after a restart (upTo): one read of exactly that range, no limit', async () => {
    const d = dialect([1, 2, 3, 4, 5, 6, 7]);
    const read = await readWindow(d, TABLE, state('2', '7'), options, ['6']);
    assert.deepEqual(d.reads.map((b) => [b.after?.[0] ?? null, b.upTo[0], b.limit]), [['2', '6', null]]);
    assert.deepEqual(read.rows.map((r) => r.row.values), [3, 4, 5, 6]);
  });

  it('with a pool, the batch\'s ranges go to it under the window\'s id, and its answers make the window (the dialect reads none)', async () => {
    const d = dialect([1, 2, 3, 4, 5, 6, 7, 8]);
    const calls: { ranges: ChunkBounds[]; window: string }[] = [];
    const elsewhere = dialect([1, 2, 3, 4, 5, 6, 7, 8]);
    const pool: ChunkPool<ChunkTable, number> = {
      readRanges: async (table, ranges, window) => {
        calls.push({ ranges: [...ranges], window });
        return Promise.all(ranges.map((b) => elsewhere.readChunk(table, b)));
      },
      release: async () => undefined,
      close: async () => undefined,
    };
    const read = await readWindow(d, TABLE, state('1', '8'), { ...options, pool: pool as ChunkPool<never, unknown> }, undefined, 'w-1');
    assert.equal(d.reads.length, 0, 'no range read by the coordinator\'s own connections');
    assert.deepEqual(calls.map((c) => [c.window, c.ranges.map((b) => [b.after?.[0] ?? null, b.upTo[0]])]), [['w-1', [['1', '3'], ['3', '5'], ['5', '7']]]]);
    assert.deepEqual([read.rows.map((r) => r.row.values), read.lastKey, read.last, read.chunks], [[2, 3, 4, 5, 6, 7], ['7'], false, 3]);
  });
});
