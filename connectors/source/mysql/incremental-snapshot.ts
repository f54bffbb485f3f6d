import { TributaryError, type Logger, type SourceOffset, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { ChunkQueuePool, IncrementalSnapshots as Engine, type BlockingSnapshotSignal, type ChunkQueueReader, type ChunkQueueSettings, type IncrementalProgress, type Watermark } from '../../../plugins/cdc/index.js';
import type { BinlogEvent } from './binlog-decoder.js';
import type { BinlogPosition } from './binlog-position.js';
import { MySqlChunks, WINDOW_CLOSE, WINDOW_OPEN, type BinlogPoint, type MySqlChunkOptions, type MySqlChunkTable } from './incremental-chunks.js';
import { mysqlError, quoteIdent, type MySqlClient } from './mysql-connection.js';

export interface MySqlIncrementalOptions extends MySqlChunkOptions {
  readonly chunkSize: number;
  /** `snapshot.max.threads` */
  readonly threads: number;
  /** `snapshot.max.rows.per.second` */
  readonly maxRowsPerSecond: number;
  /** `signal.enabled.channels` has `source`: every row inserted into the signal table is a signal */
  readonly sourceChannel: boolean;
  /** the end of the binlog when the task started: the stream before it is the previous run's, replayed */
  readonly replayEnd: BinlogPosition;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: IncrementalProgress | null) => void;
  /**
   * `snapshot.queue.redis.url`: a window's ranges go to the connector's chunk queue, read by the
   * connector's tasks (`reader`, this task's own, among them) instead of this task's connections
   */
  readonly queue?: {
    readonly settings: ChunkQueueSettings;
    readonly reader: ChunkQueueReader<MySqlChunkTable, Row, BinlogPoint>;
    readonly degraded: (error: unknown) => void;
  };
  /** `execute-snapshot` signals of `type: blocking` (blocking-snapshot.ts) */
  readonly blocking?: (signal: BlockingSnapshotSignal) => void;
}

type Row = Record<string, unknown>;

/**
 * Incremental snapshots of the MySQL / MariaDB source: the shared algorithm (plugins/cdc
 * IncrementalSnapshots) over MySqlChunks, fed from the binlog. The signal table's rows reach the
 * stream whether or not the table is captured (the binlog has every table): watermark rows
 * (`snapshot-window-open` / `-close` written by this connector, their data naming its
 * `topic.prefix`) open and close chunk windows; other rows are signals. REST and Kafka signals
 * are inserted there too, so every signal is taken in binlog order and replayed after a crash.
 *
 * The end of the replay: the binlog's end position when the task started. Once the stream has
 * passed it, everything the previous run wrote has been seen again (no marker row needed).
 */
export class MySqlIncrementalSnapshots {
  readonly #o: MySqlIncrementalOptions;
  readonly #engine: Engine<MySqlChunkTable, Row, BinlogPoint>;
  /** ids of the signals this task inserted for REST and Kafka (taken even without the `source` channel) */
  readonly #sent = new Set<string>();

  constructor(options: MySqlIncrementalOptions, stored: SourceOffset | null) {
    this.#o = options;
    const dialect = new MySqlChunks(options);
    const queue = options.queue;
    const pool = queue ? new ChunkQueuePool({ ...queue.settings, codec: dialect.codec, metricPrefix: dialect.metricPrefix, logger: options.logger, metrics: options.metrics, degraded: queue.degraded }) : undefined;
    this.#engine = new Engine({ dialect, chunkSize: options.chunkSize, threads: options.threads, maxRowsPerSecond: options.maxRowsPerSecond, pool, logger: options.logger, metrics: options.metrics, setProgress: options.setProgress, signal: options.signal, blocking: options.blocking }, stored);
    queue?.reader.start();
  }

  get active(): boolean {
    return this.#engine.active;
  }

  /** Streamed records: their keys count against the open window, and their offsets carry the snapshot's state. */
  changes(records: SourceRecord[]): SourceRecord[] {
    if (!this.#engine.active || records.length === 0) return records;
    this.#engine.changed(records);
    return this.#engine.stamp(records);
  }

  stamp(records: SourceRecord[]): SourceRecord[] {
    return this.#engine.stamp(records);
  }

  prepare(): Promise<void> {
    return this.#engine.prepare();
  }

  streamingStarted(): void {
    this.#engine.streamingStarted();
  }

  /** The stream is between transactions at `at`. */
  reached(at: BinlogPosition): void {
    if (!this.#engine.caughtUp && at.compare(this.#o.replayEnd) >= 0) this.#engine.replayOver();
  }

  isSignalTable(db: string, table: string): boolean {
    const s = this.#o.signalTable;
    return s !== null && s.db === db && s.table === table;
  }

  /** Before decoding `event`: a replayed watermark the stream must wait for (see Engine.pending). */
  pending(event: BinlogEvent): Promise<void> | null {
    if (!this.#engine.active || this.#engine.caughtUp || event.getEventName() !== 'writerows') return null;
    const map = event.tableMap?.[event.tableId!];
    if (!map || !this.isSignalTable(map.parentSchema, map.tableName)) return null;
    for (const row of event.rows ?? []) {
      const mark = this.#watermarkOf(row as Row);
      const wait = mark && this.#engine.pending(mark);
      if (wait) return wait;
    }
    return null;
  }

  /** A row inserted into the signal table, at `at`: a watermark (may yield a chunk's rows) or a signal. */
  row(row: Row, at: BinlogPoint): SourceRecord[] {
    const [id, type, data] = Object.values(row);
    const typeText = text(type);
    if (typeText === WINDOW_OPEN || typeText === WINDOW_CLOSE) {
      const mark = this.#watermarkOf(row);
      return mark ? this.#engine.watermark(mark, at) : [];
    }
    const idText = text(id);
    // without the `source` channel only the rows this task wrote for REST and Kafka are signals
    if (!this.#o.sourceChannel && !this.#sent.delete(idText)) return [];
    this.#engine.handle(idText, typeText, text(data));
    return [];
  }

  /** A watermark this connector wrote (its data names its topic.prefix); null for any other row. */
  #watermarkOf(row: Row): Watermark | null {
    const [, type, data] = Object.values(row);
    const typeText = text(type);
    if (typeText !== WINDOW_OPEN && typeText !== WINDOW_CLOSE) return null;
    try {
      const mark = JSON.parse(text(data)) as Watermark & { source?: string };
      // Debezium's own watermark rows (another connector on the same table) carry no window
      if (mark.source !== this.#o.settings.serverName || typeof mark.window !== 'string') return null;
      return { ...mark, edge: typeText === WINDOW_OPEN ? 'open' : 'close' };
    } catch {
      return null;
    }
  }

  /**
   * A REST or Kafka signal: inserted into the signal table, so the stream takes it in binlog order.
   * A repeated id (a Kafka signal read twice) is already there: taken once.
   */
  async send(client: MySqlClient, signal: { readonly id: string; readonly type: string; readonly data: unknown }): Promise<void> {
    const table = this.#o.signalTable;
    if (!table) throw new TributaryError('signal.unsupported', 'Signals of the MySQL source go through its signal table: set signal.data.collection (a table with columns id, type, data).', { configPath: 'signal.data.collection' });
    this.#sent.add(signal.id);
    try {
      await client.promise().query(`INSERT INTO ${quoteIdent(table.db)}.${quoteIdent(table.table)} VALUES (?, ?, ?)`, [signal.id, signal.type, JSON.stringify(signal.data ?? {})]);
    } catch (error) {
      if (mysqlError(error).errno === 1062) {
        this.#sent.delete(signal.id);
        this.#o.logger.info({ signal: signal.id }, 'signal already in the signal table: taken once');
        return;
      }
      this.#sent.delete(signal.id);
      throw error;
    }
  }

  progress(): IncrementalProgress | null {
    return this.#engine.progress();
  }

  async stop(): Promise<void> {
    await this.#engine.stop();
    await this.#o.queue?.reader.close();
  }
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
