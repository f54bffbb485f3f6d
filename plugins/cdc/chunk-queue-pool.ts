import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { RetriableError, type Logger, type TaskMetrics } from '../api/index.js';
import type { ChunkPool, RangeRows } from './chunk-pool.js';
import {
  CHUNK_ATTEMPTS, chunkJobId, QUEUE_PREFIX, redisOptions, safeUrl,
  type ChunkJobData, type ChunkJobResult, type ChunkQueueSettings,
} from './chunk-queue.js';
import type { ChunkBounds, ChunkCodec, ChunkTable } from './incremental-dialect.js';

export interface ChunkQueuePoolOptions<T extends ChunkTable, V> extends ChunkQueueSettings {
  readonly codec: ChunkCodec<T, V>;
  readonly metricPrefix: string;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /** the queue failed a window (Redis unreachable, a range that failed every attempt), or works again (null) */
  readonly degraded?: (error: unknown) => void;
}

/** how often the coordinator looks at the jobs it waits for (besides BullMQ's events, which may be trimmed or missed) */
const POLL_MS = 1_000;
/** a Redis command the coordinator sends fails after this long (Redis gone): the window then fails and is retried */
const COMMAND_TIMEOUT_MS = 5_000;

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The coordinator's side of the chunk queue: a window's key ranges become BullMQ jobs (one per
 * range, id = window id + range index, so adding the same range again is a no-op), read by
 * whichever reader task takes them (chunk-queue-reader.ts; the coordinator's own task runs one
 * too). A reader holds a job under BullMQ's lock, renewed while it lives: the lease. A reader
 * that dies stops renewing it, BullMQ's stalled-job check puts the job back, another reader
 * reads the range again, and only the attempt that completed under a valid lock counts; each
 * range's rows are taken once, here, then deleted with the job. A failed attempt is retried
 * with exponential backoff (`CHUNK_ATTEMPTS`); when every attempt failed, or Redis does not
 * answer, `readRanges` rejects and the engine retries the window anew (new id, new jobs).
 *
 * At most one window's jobs exist at a time (calls are never concurrent), so Redis holds at
 * most `snapshot.max.threads` ranges of rows.
 */
export class ChunkQueuePool<T extends ChunkTable, V> implements ChunkPool<T, V> {
  readonly #o: ChunkQueuePoolOptions<T, V>;
  #queue: Queue<ChunkJobData, ChunkJobResult, 'chunk'> | null = null;
  #events: QueueEvents | null = null;
  #redis: Redis | null = null;
  #opening: Promise<void> | null = null;
  readonly #waiters = new Map<string, Waiter>();
  #poll: NodeJS.Timeout | undefined;
  #lastErrorLog = 0;

  constructor(options: ChunkQueuePoolOptions<T, V>) {
    this.#o = options;
  }

  async readRanges(table: T, ranges: readonly ChunkBounds[], window: string): Promise<RangeRows<V>[]> {
    try {
      const out = await this.#read(table, ranges, window);
      this.#o.degraded?.(null);
      return out;
    } catch (error) {
      const failure = error instanceof RetriableError ? error
        : new RetriableError('source.unavailable', `Incremental snapshot: the chunk queue at ${safeUrl(this.#o.url)} failed a window: ${(error as Error).message}; the window is read again with backoff.`, { cause: error });
      this.#o.degraded?.(failure);
      // a queue that failed may hold half-made state: the next window starts from fresh connections
      await this.#disconnect();
      throw failure;
    }
  }

  async #read(table: T, ranges: readonly ChunkBounds[], window: string): Promise<RangeRows<V>[]> {
    await this.#open();
    const queue = this.#queue!;
    const shape = this.#o.codec.shape(table);
    const ids = ranges.map((_, i) => chunkJobId(window, i));
    const finished = ids.map((id) => new Promise<void>((resolve, reject) => this.#waiters.set(id, { resolve, reject })));
    // settled below in order; a rejection of one must not go unhandled while an earlier one is awaited
    for (const f of finished) f.catch(() => undefined);
    try {
      await queue.addBulk(ranges.map((bounds, i) => ({
        name: 'chunk',
        data: { table: table.name, shape, bounds },
        opts: { jobId: ids[i], attempts: CHUNK_ATTEMPTS, backoff: { type: 'exponential', delay: 500 }, removeOnFail: { age: 3600 } },
      })));
      this.#watch();
      const out: RangeRows<V>[] = [];
      for (let i = 0; i < ids.length; i++) {
        await finished[i];
        out.push(await this.#take(table, ids[i]));
      }
      return out;
    } finally {
      for (const id of ids) this.#waiters.delete(id);
      await this.#forget(ids);
    }
  }

  /** A completed job's rows, and who read them. */
  async #take(table: T, id: string): Promise<RangeRows<V>> {
    const queue = this.#queue!;
    const job = await queue.getJob(id);
    const result = job?.returnvalue;
    const text = result ? await this.#redis!.get(result.key) : null;
    if (!result || text === null) throw new Error(`the rows of chunk job ${id} are gone from Redis (restarted, or evicted)`);
    // taken: the window holds them now
    await this.#redis!.del(result.key);
    const rows = this.#o.codec.decode(table, text);
    if (rows.length !== result.rows) throw new Error(`chunk job ${id}: ${rows.length} rows in Redis, the reader said ${result.rows}`);
    const labels = { reader: result.reader };
    this.#o.metrics.incCounter(`${this.#o.metricPrefix}_incremental_snapshot_queue_chunks_total`, 'Chunk ranges read through the chunk queue, by the reader that read them', 1, labels);
    this.#o.metrics.incCounter(`${this.#o.metricPrefix}_incremental_snapshot_queue_rows_total`, 'Rows read through the chunk queue, by the reader that read them', rows.length, labels);
    if (job.attemptsStarted > 1) {
      // a reader died (or failed) with the range: another read it again; this read is the one taken
      this.#o.metrics.incCounter(`${this.#o.metricPrefix}_incremental_snapshot_queue_retaken_total`, 'Chunk ranges read again after their reader died or failed (lease expired, or an attempt failed)', 1);
      this.#o.logger.info({ job: id, attempts: job.attemptsStarted, stalled: job.stalledCounter, reader: result.reader }, 'incremental snapshot: a chunk was read again after its first reader died or failed');
    }
    return rows;
  }

  /**
   * Drops a window's jobs (taken, or abandoned by a failure). An active job cannot be removed:
   * its rows, and those of attempts that lost their lease, expire (ROWS_TTL_MS).
   */
  async #forget(ids: readonly string[]): Promise<void> {
    const queue = this.#queue;
    if (!queue) return;
    await Promise.all(ids.map((id) => queue.remove(id).catch(() => undefined)));
  }

  /** Settles waiters from what Redis says about their jobs: the events may have been trimmed, or Redis lost the jobs. */
  #watch(): void {
    if (this.#poll) return;
    this.#poll = setInterval(() => void this.#check(), POLL_MS);
    this.#poll.unref();
  }

  async #check(): Promise<void> {
    const queue = this.#queue;
    if (!queue || this.#waiters.size === 0) return;
    for (const [id, waiter] of [...this.#waiters]) {
      let state: string;
      try {
        state = await queue.getJobState(id);
      } catch (error) {
        this.#failAll(new Error(`Redis at ${safeUrl(this.#o.url)} does not answer: ${(error as Error).message}`));
        return;
      }
      if (state === 'completed') waiter.resolve();
      else if (state === 'failed') waiter.reject(new Error(`chunk job ${id} failed every attempt: ${(await queue.getJob(id).catch(() => undefined))?.failedReason ?? 'unknown reason'}`));
      else if (state === 'unknown') waiter.reject(new Error(`chunk job ${id} is gone from Redis (restarted, or removed)`));
    }
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiters.values()) waiter.reject(error);
  }

  async #open(): Promise<void> {
    this.#opening ??= this.#connect().catch(async (error: unknown) => {
      this.#opening = null;
      await this.#disconnect();
      throw error;
    });
    return this.#opening;
  }

  async #connect(): Promise<void> {
    const base = redisOptions(this.#o.url);
    const onError = (error: Error) => {
      // ioredis reports every failed reconnection: one line every 10 s is enough
      if (Date.now() - this.#lastErrorLog < 10_000) return;
      this.#lastErrorLog = Date.now();
      this.#o.logger.warn({ err: error.message, redis: safeUrl(this.#o.url) }, 'incremental snapshot: the chunk queue\'s Redis connection failed');
    };
    // commands fail after COMMAND_TIMEOUT_MS rather than wait for a Redis that is gone
    const fast = { ...base, commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 };
    const queue = (this.#queue = new Queue<ChunkJobData, ChunkJobResult, 'chunk'>(this.#o.name, { connection: fast, prefix: QUEUE_PREFIX, streams: { events: { maxLen: 1000 } } }));
    queue.on('error', onError);
    const events = (this.#events = new QueueEvents(this.#o.name, { connection: base, prefix: QUEUE_PREFIX }));
    events.on('error', onError);
    events.on('completed', ({ jobId }) => this.#waiters.get(jobId)?.resolve());
    // 'failed' may be one attempt of several: what Redis says decides
    events.on('failed', () => void this.#check());
    const redis = (this.#redis = new Redis({ ...fast, lazyConnect: false }));
    redis.on('error', onError);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), redis.ping()]);
    // jobs a previous coordinator left waiting belong to windows nobody collects any more
    await queue.drain(true);
  }

  async #disconnect(): Promise<void> {
    clearInterval(this.#poll);
    this.#poll = undefined;
    const closing = { queue: this.#queue, events: this.#events, redis: this.#redis };
    this.#queue = null;
    this.#events = null;
    this.#redis = null;
    this.#opening = null;
    await closing.events?.close().catch(() => undefined);
    await closing.queue?.close().catch(() => undefined);
    closing.redis?.disconnect();
  }

  /** The snapshot is over: nothing of this connector's is left in the queue. */
  async release(): Promise<void> {
    if (this.#waiters.size === 0 && this.#queue) await this.#queue.obliterate({ force: true }).catch(() => undefined);
    await this.#disconnect();
  }

  async close(): Promise<void> {
    this.#failAll(new Error('the task stops'));
    await this.#disconnect();
  }
}
