import { randomUUID } from 'node:crypto';
import type { Logger, SourceOffset, SourceRecord, TaskMetrics } from '../api/index.js';
import type { ChunkPool } from './chunk-pool.js';
import { positionedRecords, withRetries, type ChunkRead } from './incremental-chunk-records.js';
import { firstTable, readWindow, type ChunkReaderOptions } from './incremental-chunk-reader.js';
import type { ChunkRow, ChunkTable, IncrementalDialect } from './incremental-dialect.js';
import { IncrementalCounters, publishTableMetrics, type IncrementalProgress } from './incremental-progress.js';
import { RowRateLimiter, type LimiterClock } from './incremental-rate-limit.js';
import { applySignal } from './incremental-signal-actions.js';
import { incrementalOffsetFields, incrementalStateOf, type IncrementalState, type Watermark } from './incremental-state.js';
import { keyText, SnapshotWindow } from './snapshot-window.js';
import { parseSignal, type Signal } from './signals.js';
import type { BlockingSnapshotSignal } from './incremental-signal-actions.js';

export interface IncrementalSnapshotsOptions<T extends ChunkTable, V, P> {
  readonly dialect: IncrementalDialect<T, V, P>;
  readonly chunkSize: number;
  /** `snapshot.max.threads`: chunks a window reads at once (default 1) */
  readonly threads?: number;
  /** `snapshot.max.rows.per.second` (0 or absent: no limit) */
  readonly maxRowsPerSecond?: number;
  /**
   * who reads a window's ranges with several threads: absent, the dialect's reader connections
   * in this task; a ChunkQueuePool hands them to the connector's tasks across workers
   */
  readonly pool?: ChunkPool<T, V>;
  /** the rate limit's clock (tests) */
  readonly clock?: LimiterClock;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: IncrementalProgress | null) => void;
  readonly signal: AbortSignal;
  /** where `execute-snapshot` signals of `type: blocking` go (absent: they are refused) */
  readonly blocking?: (signal: BlockingSnapshotSignal) => void;
}

/**
 * Debezium's incremental snapshots on DBLog's watermarks, for any source whose stream carries
 * the watermarks it writes (a dialect says how): while the stream runs, each table of an
 * `execute-snapshot` signal is read in primary-key chunks of `incremental.snapshot.chunk.size`
 * rows, each between a low and a high watermark; the stream notes the keys it sees changed
 * between them and, when it reaches the high watermark, emits the chunk's rows less those
 * (SnapshotWindow), as `op: r` records. With `snapshot.max.threads` > 1 a window covers a batch
 * of up to that many chunks, whose boundaries are read first and whose rows are read at once on
 * as many connections (readWindow); the window, its offsets and its replay are as for one chunk.
 *
 * Chunk rows take the high watermark's place in the stream (positionedRecords), and every
 * record's offset carries the snapshot's state (incremental-state.ts), so a restart resumes at
 * the next chunk and a chunk emitted again has the positions it had. The offsets of a chunk's
 * rows name its window: a restart from one takes the window up again and, at its replayed high
 * watermark, reads the chunk once more over exactly the keys the first read covered. Until the
 * source says the replay of the previous run is over (`replayOver`) no new chunk starts, so
 * replayed watermarks are taken up again (same windows, same positions), not read anew.
 */
export class IncrementalSnapshots<T extends ChunkTable, V, P> {
  readonly #o: IncrementalSnapshotsOptions<T, V, P>;
  readonly #d: IncrementalDialect<T, V, P>;
  #state: IncrementalState | null;
  #fields: SourceOffset | null = null;
  #window: SnapshotWindow<ChunkRow<V>> | null = null;
  /** the open window's read, once done */
  #read: ChunkRead<V> | null = null;
  /** the window whose rows the restart must emit again */
  #replay: string | null;
  #table: T | null = null;
  #caughtUp = false;
  /** the open window was taken up from a replayed low watermark: its high one may never come */
  #adopted = false;
  #stopped = false;
  #failures = 0;
  /** the table was described again after a refused statement (once per chunk) */
  #redescribed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #counters = new IncrementalCounters();
  readonly #reader: ChunkReaderOptions;

  constructor(options: IncrementalSnapshotsOptions<T, V, P>, stored: SourceOffset | null) {
    this.#o = options;
    this.#d = options.dialect;
    this.#reader = { chunkSize: options.chunkSize, threads: Math.max(1, options.threads ?? 1), limiter: new RowRateLimiter(options.maxRowsPerSecond ?? 0, options.clock), signal: options.signal, pool: options.pool as ChunkPool<never, unknown> | undefined };
    this.#state = incrementalStateOf(stored);
    this.#replay = this.#state?.window ?? null;
    this.#refreshFields();
  }

  get active(): boolean {
    return this.#state !== null;
  }

  /** a chunk window is in flight (low watermark written, rows not out) */
  get inWindow(): boolean {
    return this.#window !== null;
  }

  /** the stream has caught up with the previous run (see replayOver) */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** Adds the snapshot's state to records built by the stream (as they are while none runs). */
  stamp(records: SourceRecord[]): SourceRecord[] {
    const fields = this.#fields;
    if (!fields || records.length === 0) return records;
    return records.map((r) => ({ ...r, sourceOffset: { ...r.sourceOffset, ...fields } }));
  }

  /**
   * Before streaming: a restart from a record inside a chunk window takes that window up again;
   * the table is described now, so that a replayed low watermark can be taken up at once.
   */
  async prepare(): Promise<void> {
    if (!this.#state) return;
    const table = await this.#chunkTable();
    if (!table || !this.#replay) return;
    const window = new SnapshotWindow<ChunkRow<V>>(this.#replay, table.topic);
    window.open();
    this.#window = window;
    this.#adopted = true;
    this.#o.logger.info({ table: table.name, window: this.#replay }, 'incremental snapshot: the chunk the stream was in is taken up again');
  }

  /**
   * A replayed watermark the stream must wait for: the high one of a window taken up again (the
   * chunk is read now, over exactly the keys the first read covered), or a low one of a table not
   * described yet. Null when the watermark needs no wait.
   */
  pending(mark: Watermark): Promise<void> | null {
    if (this.#caughtUp || !this.#state) return null;
    const state = this.#state;
    if (mark.edge === 'open' && state.collections[0] === mark.table && this.#table?.name !== mark.table) {
      if (!state.maxKey && mark.maxKey) state.maxKey = mark.maxKey;
      return withRetries('describe the table of a replayed chunk', () => this.#chunkTable(), () => this.#d.release(), this.#o.logger).then(() => undefined);
    }
    const window = this.#window;
    if (mark.edge !== 'close' || !window || window.id !== mark.window || window.filled || !this.#adopted) return null;
    const table = this.#table;
    if (!table) return null;
    const upTo = mark.last ?? null;
    const read = (): Promise<ChunkRead<V>> => (upTo === null ? Promise.resolve({ rows: [], lastKey: null, last: true }) : readWindow(this.#d, table, this.#state!, this.#reader, upTo));
    return withRetries('read a replayed chunk again', read, () => this.#d.release(), this.#o.logger)
      .then((read) => { if (this.#window === window) this.#fill(window, read); });
  }

  /** Streaming has started (again): chunks may be read once the replay is over. */
  streamingStarted(): void {
    if (this.#state && !this.#caughtUp) this.#o.logger.info({ collections: this.#state.collections, paused: this.#state.paused }, 'incremental snapshot resumed');
    this.#next();
  }

  /** The stream has passed everything the previous run wrote: new chunks may start. */
  replayOver(): void {
    if (this.#caughtUp) return;
    this.#o.logger.debug({ adopted: this.#adopted, window: this.#window?.id }, 'incremental snapshot: the replay of the previous run is over');
    this.#caughtUp = true;
    // a replayed low watermark whose high one the previous run never wrote: read that chunk anew
    if (this.#adopted) this.#dropWindow();
    this.#next();
  }

  /** Streamed changes: their keys, inside an open window of their table, win over the chunk's read. */
  changed(records: readonly SourceRecord[]): void {
    const window = this.#window;
    if (!window?.isOpen) return;
    for (const r of records) {
      if (r.topic !== window.table) continue;
      if (r.key !== null && r.key !== undefined) window.changed(r.topic, keyText(r.key));
      // a TRUNCATE of the table inside the window: nothing the read saw is there any more
      else if ((r.value as { op?: string } | null)?.op === 't') window.truncated();
    }
  }

  /** A chunk window's watermark reached the stream at `at`: the high one of the open window yields its rows. */
  watermark(mark: Watermark, at: P): SourceRecord[] {
    const window = this.#window;
    if (mark.edge === 'open') {
      if (window?.id === mark.window) window.open();
      else if (!this.#caughtUp) {
        // windows follow one another in the log: a taken-up window still waiting for its high
        // watermark when the next low one comes never closed (the previous run failed it)
        if (window && this.#adopted && !window.filled) this.#dropWindow();
        if (!this.#window) this.#adopt(mark);
      }
      if (this.#window?.id === mark.window && this.#state) {
        // from here until its rows are out, records' offsets name the window
        this.#state.window = mark.window;
        this.#refreshFields();
      }
      return [];
    }
    if (mark.edge !== 'close' || !window || window.id !== mark.window || !window.filled) return [];
    return this.#emit(window, at, mark);
  }

  /**
   * A low watermark of the previous run, replayed: if it opened the chunk the stored state says
   * comes next, that chunk is taken up under the same window.
   */
  #adopt(mark: Watermark): void {
    const state = this.#state;
    const table = this.#table;
    if (!state || !table || state.collections[0] !== mark.table || table.name !== mark.table || JSON.stringify(state.lastKey) !== JSON.stringify(mark.after ?? null)) {
      this.#o.logger.debug({ window: mark.window, after: mark.after, lastKey: state?.lastKey }, 'incremental snapshot: a replayed low watermark of no chunk the state has next');
      return;
    }
    const window = new SnapshotWindow<ChunkRow<V>>(mark.window, table.topic);
    window.open();
    this.#window = window;
    this.#adopted = true;
  }

  /** No window any more (done, failed, stopped, abandoned): records' offsets stop naming one. */
  #dropWindow(): void {
    this.#window = null;
    this.#read = null;
    this.#adopted = false;
    if (this.#state?.window) {
      this.#state.window = null;
      this.#refreshFields();
    }
  }

  /** A signal from the signal table, the REST API or Kafka; a malformed one is logged and ignored. */
  handle(id: string, type: string, data: unknown): void {
    let signal: Signal;
    try {
      signal = parseSignal(id, type, data);
    } catch (error) {
      this.#o.logger.error({ signal: id, err: (error as Error).message }, 'signal ignored');
      return;
    }
    applySignal(signal, {
      logger: this.#o.logger, dialect: this.#d, state: () => this.#state,
      start: (state) => {
        this.#state = state;
        this.#counters.restart();
        this.#table = null;
      },
      firstTableStopped: () => {
        this.#dropWindow();
        this.#table = null;
        this.#counters.nextTable();
      },
      finish: () => this.#finish(),
      changed: () => this.#refreshFields(),
      next: () => this.#next(),
      blocking: this.#o.blocking,
    });
  }

  /** Reads the next chunk unless one is in flight, the snapshot is paused or done, or the replay is not over. */
  #next(): void {
    if (!this.#state || this.#state.paused || this.#window || !this.#caughtUp || this.#stopped || this.#o.signal.aborted) return;
    const window = new SnapshotWindow<ChunkRow<V>>(randomUUID(), '');
    this.#window = window;
    void this.#readChunk(window).catch((error: unknown) => this.#chunkFailed(window, error));
  }

  async #readChunk(pending: SnapshotWindow<ChunkRow<V>>): Promise<void> {
    const table = await this.#chunkTable();
    if (this.#window !== pending) return;
    if (!table) return;
    const window = new SnapshotWindow<ChunkRow<V>>(pending.id, table.topic);
    this.#window = window;
    await this.#d.writeWatermark({ window: window.id, edge: 'open', table: table.name, after: this.#state?.lastKey ?? null, maxKey: this.#state?.maxKey ?? null });
    const read = await readWindow(this.#d, table, this.#state!, this.#reader, undefined, window.id);
    if (this.#window !== window) return;
    this.#fill(window, read);
    await this.#d.writeWatermark({ window: window.id, edge: 'close', last: read.lastKey, complete: read.last });
    this.#failures = 0;
    this.#redescribed = false;
  }

  #chunkFailed(window: SnapshotWindow<ChunkRow<V>>, error: unknown): void {
    // #readChunk replaces the placeholder window by its table's: the id is what stays
    if (this.#window?.id !== window.id || this.#stopped || this.#o.signal.aborted) return;
    this.#dropWindow();
    void this.#d.release().catch(() => undefined);
    const table = this.#state?.collections[0];
    const err = (error as Error).message;
    if (this.#d.isStatementError(error) && table) {
      // the table changed shape (a column dropped or renamed): described again and read once
      // more; a statement the server still refuses (a bad condition, a table dropped) will not
      // succeed later, so the table is skipped
      this.#redescribed = !this.#redescribed;
      this.#table = null;
      if (this.#redescribed) this.#o.logger.warn({ table, err }, 'incremental snapshot: reading a chunk failed; the table is described again');
      else {
        this.#o.logger.error({ table, err }, 'incremental snapshot: the table cannot be read, skipped');
        this.#tableDone();
      }
      setImmediate(() => this.#next());
      return;
    }
    this.#failures++;
    const wait = Math.min(30_000, 500 * 2 ** Math.min(this.#failures, 6));
    this.#o.logger.warn({ table, err, retryInMs: wait }, 'incremental snapshot: reading a chunk failed; retrying');
    this.#retryTimer = setTimeout(() => this.#next(), wait);
    this.#retryTimer.unref();
  }

  /** The first table left, described for chunk reads (null when none is left). */
  async #chunkTable(): Promise<T | null> {
    if (this.#table && this.#table.name === this.#state?.collections[0]) return this.#table;
    this.#table = await firstTable(this.#d, () => this.#state, this.#o.logger, () => this.#tableDone(), () => this.#refreshFields());
    return this.#table;
  }

  /** The high watermark of the open window: its rows (less the keys streamed meanwhile) as reads. */
  #emit(window: SnapshotWindow<ChunkRow<V>>, at: P, mark: Watermark): SourceRecord[] {
    const state = this.#state;
    const table = this.#table;
    // what the first read covered, as its high watermark says (a chunk read again may have other rows)
    const chunk = this.#read && mark.complete !== undefined ? { ...this.#read, lastKey: mark.last ?? null, last: mark.complete } : this.#read;
    this.#replay = null;
    this.#read = null;
    const emitted = window.close();
    this.#dropWindow();
    if (!state || !table || !chunk) return [];
    const { position: base, offset } = this.#d.pointOf(at);
    // the offsets of the chunk's rows name the window: a restart from one of them reads the
    // chunk again and emits it when the replayed stream reaches this high watermark again
    const during = { ...offset, ...incrementalOffsetFields({ ...state, window: window.id }) };
    state.window = null;
    const out = positionedRecords(emitted, table, base, during, this.#d.chunkRecords(table, at));
    this.#counters.chunk(emitted.length, chunk.chunks ?? 1);
    // before #tableDone resets the table's counters: a table's gauges end at its totals
    publishTableMetrics(this.#o.metrics, this.#d.metricPrefix, table.name, this.#counters.tableFigures(table.estimatedRows, this.#o.chunkSize));
    if (chunk.last) this.#tableDone();
    else {
      state.lastKey = chunk.lastKey;
      this.#refreshFields();
    }
    // the last row's offset says where the next chunk starts (or that the table is done)
    if (out.length > 0) out[out.length - 1] = { ...out[out.length - 1], sourceOffset: { ...offset, ...(this.#fields ?? {}) } };
    this.#o.metrics.incCounter(`${this.#d.metricPrefix}_incremental_snapshot_rows_total`, 'Rows emitted by incremental snapshots', emitted.length);
    this.#publishProgress();
    setImmediate(() => this.#next());
    return out;
  }

  #tableDone(): void {
    const state = this.#state;
    if (!state) return;
    const done = state.collections.shift();
    if (done) {
      this.#counters.tablesDone.push(done);
      this.#o.logger.info({ table: done, rows: this.#counters.tableRows, chunks: this.#counters.chunks }, 'incremental snapshot of table complete');
    }
    state.lastKey = null;
    state.maxKey = null;
    this.#table = null;
    this.#counters.nextTable();
    if (state.collections.length === 0) this.#finish();
    else this.#refreshFields();
  }

  #finish(): void {
    const state = this.#state;
    this.#dropWindow();
    this.#state = null;
    this.#fields = null;
    void this.#d.release().catch(() => undefined);
    void this.#o.pool?.release().catch(() => undefined);
    if (state) this.#o.logger.info({ signal: state.id, tables: this.#counters.tablesDone, rows: this.#counters.rows }, 'incremental snapshot complete');
    this.#publishProgress();
  }

  #fill(window: SnapshotWindow<ChunkRow<V>>, read: ChunkRead<V>): void {
    window.fill(read.rows);
    this.#read = read;
  }

  #refreshFields(): void {
    this.#fields = this.#state ? incrementalOffsetFields(this.#state) : null;
  }

  progress(): IncrementalProgress | null {
    return this.#state ? this.#counters.progress(this.#state, this.#table?.estimatedRows ?? null, this.#o.chunkSize) : null;
  }

  #publishProgress(): void {
    this.#o.setProgress(this.progress());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#window = null;
    await this.#d.release().catch(() => undefined);
    await this.#o.pool?.close().catch(() => undefined);
  }
}
