import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger, SourceOffset, SourceRecord, TaskMetrics } from '../../../plugins/api/index.js';
import { ChunkQueuePool, IncrementalSnapshots as Engine, type BlockingSnapshotSignal, type ChunkQueueReader, type ChunkQueueSettings, type IncrementalProgress, type Watermark } from '../../../plugins/cdc/index.js';
import { PostgresChunks, SIGNAL_PREFIX, WATERMARK_PREFIX, type PgChunkTable, type StreamPoint } from './incremental-chunks.js';
import type { TransactionDecoderOptions } from './transaction-decoder.js';

export { SIGNAL_PREFIX, WATERMARK_PREFIX, type StreamPoint } from './incremental-chunks.js';
export type { IncrementalProgress } from '../../../plugins/cdc/index.js';

/** The decoder's settings (the task's `admin` connection also writes watermarks and REST signals), and more. */
export interface IncrementalSnapshotOptions extends Omit<TransactionDecoderOptions, 'incremental' | 'signalTable'> {
  /** a connection of its own for reading chunks */
  readonly connect: () => Promise<pg.Client>;
  readonly chunkSize: number;
  /** `snapshot.max.threads` */
  readonly threads: number;
  /** `snapshot.max.rows.per.second` */
  readonly maxRowsPerSecond: number;
  /**
   * the task's slot: logical decoding messages reach every slot of the database, so each
   * watermark and REST signal names the slot it is for, and the others ignore it
   */
  readonly slot: string;
  /** the stream carries logical decoding messages (PostgreSQL 14+): without them there are no watermarks */
  readonly messages: boolean;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: IncrementalProgress | null) => void;
  readonly signal: AbortSignal;
  /**
   * `snapshot.queue.redis.url`: a window's ranges go to the connector's chunk queue, read by the
   * connector's tasks (`reader`, this task's own, among them) instead of this task's connections
   */
  readonly queue?: {
    readonly settings: ChunkQueueSettings;
    readonly reader: ChunkQueueReader<PgChunkTable, (string | null)[], StreamPoint>;
    readonly degraded: (error: unknown) => void;
  };
  /** `execute-snapshot` signals of `type: blocking` (blocking-snapshot.ts) */
  readonly blocking?: (signal: BlockingSnapshotSignal) => void;
}

/** A `tributary.*` message for this slot, parsed; null (logged) when it is not one, so a bad message never stops the stream. */
function parseMessage<T extends { slot?: string }>(content: Buffer, slot: string, logger: Logger): T | null {
  try {
    const body = JSON.parse(content.toString('utf8')) as T;
    return body.slot === undefined || body.slot === slot ? body : null;
  } catch (error) {
    logger.warn({ err: (error as Error).message, message: content.toString('utf8').slice(0, 200) }, 'incremental snapshot: a message that is not JSON was skipped');
    return null;
  }
}

/**
 * Incremental snapshots of the PostgreSQL source: the shared algorithm (plugins/cdc
 * IncrementalSnapshots) over PostgresChunks, fed from the replication stream. Watermarks and
 * REST signals are logical decoding messages (`tributary.watermark`, `tributary.signal`, each
 * naming the slot it is for); signal-table rows come through the decoder (`handle`).
 *
 * The end of the replay: before streaming, a `resume` watermark with a fresh id is written; when
 * the stream reaches it, everything before it was the previous run's.
 */
export class IncrementalSnapshots {
  readonly #o: IncrementalSnapshotOptions;
  readonly #engine: Engine<PgChunkTable, (string | null)[], StreamPoint>;
  #resumeMarker: string | null = null;

  constructor(options: IncrementalSnapshotOptions, stored: SourceOffset | null) {
    this.#o = options;
    const dialect = new PostgresChunks({ ...options });
    const queue = options.queue;
    const pool = queue ? new ChunkQueuePool({ ...queue.settings, codec: dialect.codec, metricPrefix: dialect.metricPrefix, logger: options.logger, metrics: options.metrics, degraded: queue.degraded }) : undefined;
    this.#engine = new Engine({ dialect, chunkSize: options.chunkSize, threads: options.threads, maxRowsPerSecond: options.maxRowsPerSecond, pool, logger: options.logger, metrics: options.metrics, setProgress: options.setProgress, signal: options.signal, blocking: options.blocking }, stored);
    queue?.reader.start();
  }

  get active(): boolean {
    return this.#engine.active;
  }

  /**
   * While a chunk window is in flight (its low watermark written, its rows not out) and while the
   * previous run is replayed, the server may not be told that WAL holding nothing to capture is
   * done with: a restart must replay the low watermarks after the last committed offset, or the
   * chunks they opened could not be taken up again at the same positions. Between chunks and
   * while paused the slot advances as usual.
   */
  get holdsWal(): boolean {
    return this.#engine.active && (this.#engine.inWindow || !this.#engine.caughtUp);
  }

  stamp(records: SourceRecord[]): SourceRecord[] {
    return this.#engine.stamp(records);
  }

  /** Before streaming: writes the marker that ends the replay, and takes up the window a restart was in. */
  async prepare(): Promise<void> {
    if (!this.#o.messages) return;
    this.#resumeMarker = randomUUID();
    await this.#o.admin.query('SELECT pg_logical_emit_message(true, $1, $2)', [WATERMARK_PREFIX, JSON.stringify({ slot: this.#o.slot, window: this.#resumeMarker, edge: 'resume' })]);
    await this.#engine.prepare();
  }

  /** A message the stream must wait for before decoding it (see Engine.pending). */
  pending(prefix: string, content: Buffer): Promise<void> | null {
    if (prefix !== WATERMARK_PREFIX || this.#engine.caughtUp || !this.#engine.active) return null;
    const mark = parseMessage<Watermark>(content, this.#o.slot, this.#o.logger);
    return mark ? this.#engine.pending(mark) : null;
  }

  streamingStarted(): void {
    this.#engine.streamingStarted();
  }

  changed(records: readonly SourceRecord[]): void {
    this.#engine.changed(records);
  }

  /** A logical decoding message from the stream: a watermark (may yield a chunk's rows) or a signal. */
  message(prefix: string, content: Buffer, at: StreamPoint): SourceRecord[] {
    if (prefix === SIGNAL_PREFIX) {
      const body = parseMessage<{ slot?: string; id: string; type: string; data: unknown }>(content, this.#o.slot, this.#o.logger);
      if (body) this.handle(body.id, body.type, body.data);
      return [];
    }
    if (prefix !== WATERMARK_PREFIX) return [];
    const mark = parseMessage<Watermark>(content, this.#o.slot, this.#o.logger);
    if (!mark) return [];
    if (mark.edge === 'resume') {
      if (mark.window === this.#resumeMarker) this.#engine.replayOver();
      return [];
    }
    return this.#engine.watermark(mark, at);
  }

  /** A signal from the signal table or the REST API; a malformed one is logged and ignored. */
  handle(id: string, type: string, data: unknown): void {
    this.#engine.handle(id, type, data);
  }

  progress(): IncrementalProgress | null {
    return this.#engine.progress();
  }

  async stop(): Promise<void> {
    await this.#engine.stop();
    await this.#o.queue?.reader.close();
  }
}
