import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger, TaskMetrics } from '../api/index.js';
import {
  CHUNK_ATTEMPTS, QUEUE_PREFIX, queueLimiter, redisOptions, rowsKey, ROWS_TTL_MS, safeUrl,
  type ChunkJobData, type ChunkJobResult, type ChunkQueueSettings,
} from './chunk-queue.js';
import type { ChunkCodec, ChunkTable, IncrementalDialect } from './incremental-dialect.js';

export interface ChunkQueueReaderOptions<T extends ChunkTable, V, P> extends ChunkQueueSettings {
  /** a dialect of the reader's own (its reader 0 connection reads the ranges); only describe, readChunk and release are used */
  readonly dialect: IncrementalDialect<T, V, P>;
  readonly codec: ChunkCodec<T, V>;
  /** names the reader in BullMQ (`processedBy`) and in the coordinator's metrics: host, process, task */
  readonly readerName: string;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /** Redis is unreachable (the reader waits for it), or reachable again (null) */
  readonly degraded?: (error: unknown) => void;
}

/**
 * A chunk reader: takes the key ranges a coordinator put in the connector's chunk queue (one at a
 * time), reads each on a connection of its own with the dialect's `readChunk`, and leaves the
 * rows (the dialect's codec) in Redis for the coordinator. It emits no records. While it reads, a
 * range is leased to it: BullMQ renews the job's lock every `leaseMs / 2`; if the process dies
 * the lock expires, the stalled-job check (every reader runs it, every `leaseMs`) puts the range
 * back in the queue and another reader takes it.
 */
export class ChunkQueueReader<T extends ChunkTable, V, P> {
  readonly #o: ChunkQueueReaderOptions<T, V, P>;
  #worker: Worker<ChunkJobData, ChunkJobResult> | null = null;
  #redis: Redis | null = null;
  readonly #tables = new Map<string, T>();
  #lastErrorLog = 0;

  constructor(options: ChunkQueueReaderOptions<T, V, P>) {
    this.#o = options;
  }

  /** Starts taking ranges; Redis need not be up yet (the reader connects when it is). */
  start(): void {
    const o = this.#o;
    const base = redisOptions(o.url);
    const log = (error: Error, what: string) => {
      if (Date.now() - this.#lastErrorLog < 10_000) return;
      this.#lastErrorLog = Date.now();
      o.logger.warn({ err: error.message, redis: safeUrl(o.url) }, what);
    };
    // the reader's own connection says whether Redis is reachable: the task's status follows it
    this.#redis = new Redis({ ...base, maxRetriesPerRequest: 3 });
    this.#redis.on('error', (error: Error) => {
      o.degraded?.(new Error(`the chunk queue's Redis at ${safeUrl(o.url)} is unreachable: ${error.message}`));
      log(error, 'chunk reader: the chunk queue\'s Redis connection failed');
    });
    this.#redis.on('ready', () => o.degraded?.(null));
    const limiter = queueLimiter(o);
    const worker = (this.#worker = new Worker<ChunkJobData, ChunkJobResult>(o.name, (job, token) => this.#read(job, token ?? `${o.readerName}-${job.attemptsStarted}`), {
      connection: { ...base, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX, name: o.readerName,
      concurrency: 1, lockDuration: o.leaseMs, stalledInterval: o.leaseMs, maxStalledCount: CHUNK_ATTEMPTS,
      ...(limiter ? { limiter } : {}),
    }));
    // BullMQ's errors are also of single jobs (one lost with a Redis that restarted empty): logged only
    worker.on('error', (error: Error) => log(error, 'chunk reader: the chunk queue reported an error'));
    worker.on('failed', (job, error) => o.logger.warn({ job: job?.id, attempt: job?.attemptsMade, err: error.message }, 'chunk reader: reading a range failed'));
  }

  async #read(job: Job<ChunkJobData, ChunkJobResult>, token: string): Promise<ChunkJobResult> {
    const o = this.#o;
    const { table: name, shape, bounds } = job.data;
    const table = await this.#table(name, shape);
    let rows;
    try {
      rows = await o.dialect.readChunk(table, bounds, 0);
    } catch (error) {
      // the next attempt (here or elsewhere) starts on a fresh connection
      await o.dialect.release().catch(() => undefined);
      this.#tables.delete(name);
      throw error;
    }
    const key = rowsKey(o.name, job.id!, token);
    await this.#redis!.set(key, o.codec.encode(rows.map((r) => r.row)), 'PX', ROWS_TTL_MS);
    await job.updateProgress({ rows: rows.length });
    o.metrics.incCounter(`${o.dialect.metricPrefix}_incremental_snapshot_reader_chunks_total`, 'Chunk ranges this reader task read for the chunk queue', 1);
    o.metrics.incCounter(`${o.dialect.metricPrefix}_incremental_snapshot_reader_rows_total`, 'Rows this reader task read for the chunk queue', rows.length);
    o.degraded?.(null);
    return { rows: rows.length, reader: o.readerName, key };
  }

  /** The table as the coordinator read it: described again when the shapes differ, refused when they still do. */
  async #table(name: string, shape: string): Promise<T> {
    const cached = this.#tables.get(name);
    if (cached && this.#o.codec.shape(cached) === shape) return cached;
    const described = await this.#o.dialect.describe(name);
    if ('skip' in described) throw new UnrecoverableError(`table ${name}: ${described.skip}`);
    if (this.#o.codec.shape(described.table) !== shape) {
      throw new UnrecoverableError(`table ${name} is not as the coordinator read it (its columns or key changed): the window is read again from a fresh description`);
    }
    this.#tables.set(name, described.table);
    return described.table;
  }

  /** Stops taking ranges (an active one is finished first), and closes the connections. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.close().catch(() => undefined);
    this.#redis?.disconnect();
    this.#redis = null;
    await this.#o.dialect.release().catch(() => undefined);
  }
}
