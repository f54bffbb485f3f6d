import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RetriableError } from '../plugins/api/index.js';
import { ChunkQueuePool, ChunkQueueReader, type ChunkBounds, type ChunkQueueSettings } from '../plugins/cdc/index.js';
import { memoryCodec, memoryDialect, memoryTable, rangeIds } from './fixtures/chunk-queue/memory-dialect.js';
import { startRedis, type RedisServer } from './harness/redis-server.js';

/**
 * The chunk queue (BullMQ on a private Redis 7 from Debian): a coordinator's ranges spread over
 * several readers; a reader killed (SIGKILL) while it holds a range loses its lease and the range
 * is read by another, its rows delivered once; a Redis that dies fails the window (retriable),
 * and the queue works again once Redis is back.
 */
const ROWS = 400;
const CHUNK = 10;
const LEASE_MS = 1_000;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

class Counters {
  readonly values = new Map<string, number>();
  setGauge(): void {}
  observe(): void {}
  incCounter(name: string, _help: string, by = 1, labels?: Record<string, string>): void {
    const key = labels ? `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}}` : name;
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  /** label value → count, for a labelled counter */
  by(name: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, v] of this.values) if (k.startsWith(`${name}{`)) out.set(k.slice(name.length + 1, -1), v);
    return out;
  }
}

/** `count` ranges of CHUNK ids each, after `after` */
function ranges(after: number, count: number): ChunkBounds[] {
  return Array.from({ length: count }, (_, i) => ({ after: after + i * CHUNK === 0 ? null : [String(after + i * CHUNK)], upTo: [String(after + (i + 1) * CHUNK)], limit: null, condition: null }));
}

let redis: RedisServer;
let children: ChildProcess[] = [];
before(async () => { redis = await startRedis(); });
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.close();
});

function settings(name: string): ChunkQueueSettings {
  return { url: redis.url, name, leaseMs: LEASE_MS, chunkSize: CHUNK, maxRowsPerSecond: 0 };
}

function reader(name: string, id: string, metrics = new Counters()): ChunkQueueReader<ReturnType<typeof memoryTable>, { id: number; text: string }, number> {
  const r = new ChunkQueueReader({ ...settings(name), readerName: id, dialect: memoryDialect(ROWS, { delayMs: 5 }), codec: memoryCodec, logger: silent, metrics });
  r.start();
  return r;
}

describe('chunk queue (BullMQ on Redis)', () => {
  it('spreads ranges over the readers; a reader killed mid-range loses its lease and another reads the range, delivered once', async () => {
    const name = 'chunks-pool-test';
    const metrics = new Counters();
    const pool = new ChunkQueuePool({ ...settings(name), codec: memoryCodec, metricPrefix: 'memory', logger: silent, metrics });
    const table = memoryTable(ROWS);
    // the hanging reader is the only one at first: it takes the first range and dies with it
    const hanging = fork(fileURLToPath(new URL('./fixtures/chunk-queue/hanging-reader.ts', import.meta.url)), [redis.url, name, String(LEASE_MS), String(ROWS)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(hanging);
    const active = new Promise<void>((resolve) => hanging.on('message', (m) => { if (m === 'active') resolve(); }));
    const first = pool.readRanges(table, ranges(0, 4), 'w1');
    await active;
    hanging.kill('SIGKILL');
    await new Promise((r) => hanging.once('exit', r));
    const readers = [reader(name, 'reader-a'), reader(name, 'reader-b')];
    try {
      const windows = [await first];
      for (let w = 1; w < 10; w++) windows.push(await pool.readRanges(table, ranges(w * 4 * CHUNK, 4), `w${w + 1}`));
      const ids = windows.flat(2).map((r) => r.row.values.id);
      assert.deepEqual(ids, Array.from({ length: ROWS }, (_, i) => i + 1), 'every row once, in key order');
      assert.deepEqual(windows[0][0].map((r) => r.row.values.text)[0], 'row 1 ✓ "quoted"\n\\', 'values come back exactly');
      const chunks = metrics.by('memory_incremental_snapshot_queue_chunks_total');
      assert.deepEqual([...chunks.keys()].sort(), ['reader=reader-a', 'reader=reader-b'], 'both readers read ranges (and the dead one none that counted)');
      assert.equal([...chunks.values()].reduce((a, b) => a + b, 0), 40);
      assert.equal(metrics.values.get('memory_incremental_snapshot_queue_retaken_total'), 1, 'the range the killed reader held was read again, once');
      // rangeIds is what readChunk reads: the test's ranges cover the table
      assert.equal(ranges(0, 40).reduce((n, b) => n + rangeIds(ROWS, b).length, 0), ROWS);
      await pool.release();
    } finally {
      await Promise.all(readers.map((r) => r.close()));
      await pool.close();
    }
  });

  it('a Redis that dies fails the window as retriable; once Redis is back the next window is read', async () => {
    const name = 'chunks-outage-test';
    const reported: unknown[] = [];
    const pool = new ChunkQueuePool({ ...settings(name), codec: memoryCodec, metricPrefix: 'memory', logger: silent, metrics: new Counters(), degraded: (e) => void reported.push(e) });
    const table = memoryTable(ROWS);
    let degraded: unknown = 'never';
    const slow = new ChunkQueueReader({ ...settings(name), readerName: 'slow', dialect: memoryDialect(ROWS, { delayMs: 3_000 }), codec: memoryCodec, logger: silent, metrics: new Counters(), degraded: (e) => void (degraded = e) });
    slow.start();
    try {
      const reading = pool.readRanges(table, ranges(0, 2), 'outage-1');
      const outcome = reading.then(() => 'resolved', (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 500));
      await redis.kill();
      const error = await outcome;
      assert.ok(error instanceof RetriableError, `a retriable error: ${String(error)}`);
      assert.equal(error.code, 'source.unavailable');
      for (let i = 0; i < 100 && !(degraded instanceof Error); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(degraded instanceof Error, 'the reader reported the outage (its task shows it degraded)');
      await redis.start();
      for (let i = 0; i < 100 && degraded !== null; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(degraded, null, 'and that it is over once Redis is back');
      await slow.close();
      const fast = reader(name, 'fast');
      try {
        const read = await pool.readRanges(table, ranges(0, 2), 'outage-2');
        assert.deepEqual(read.flat().map((r) => r.row.values.id), Array.from({ length: 20 }, (_, i) => i + 1));
      } finally {
        await fast.close();
      }
      assert.ok(reported[0] instanceof RetriableError, 'the coordinator reported the failed window (the task shows it degraded)');
      assert.equal(reported.at(-1), null, 'and that it works again');
      await pool.release();
    } finally {
      await slow.close();
      await pool.close();
    }
  });
});
