import type { Logger, SourceOffset, SourceRecord, TaskMetrics } from '../api/index.js';
import type { ChangeQueue } from './change-queue.js';

/** How far the snapshot of one table is (also what status shows). */
export interface TableProgress { rows: number; estimated: number | null; done: boolean }

export interface SnapshotRunnerOptions {
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  /** metric names start with it: `<prefix>_snapshot_rows`, ... */
  readonly metricPrefix: string;
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
  readonly signal: AbortSignal;
}

/** A table to read: its `container.table` name, what the source needs to read it, how far an earlier attempt got. */
export interface SnapshotTable<T> {
  readonly name: string;
  readonly table: T;
  readonly estimated: number | null;
  /** rows an interrupted attempt delivered before the chunk this one resumes at */
  readonly rowsBefore: number;
  /** the table's first row was delivered by an interrupted attempt (it resumes part-way) */
  readonly resumedPartWay?: boolean;
}

/**
 * The offsets of snapshot records that do not depend on the row: once a table is complete its
 * last record says so, and the snapshot's very last record says the snapshot is complete.
 */
export interface SnapshotBoundaryOffsets {
  /** the offset of the record that ends a table: every table named complete so far */
  between(): SourceOffset;
  /** the offset of the snapshot's last record: streaming continues from there */
  completed(): SourceOffset;
}

/** Hands one record on: undefined when it was queued at once, else a promise that waits for room. */
export type Emit = (record: SourceRecord) => Promise<void> | undefined;

export interface SnapshotReader<T> {
  /** Reads one table, handing each row's record to `emit` (awaiting what it returns) and counting `progress.rows`. */
  read(table: SnapshotTable<T>, emit: Emit, progress: TableProgress, report: () => void): Promise<void>;
  /** After the last table, before the last record is queued (e.g. end the snapshot transaction). */
  finish?(): Promise<void>;
  /** The record that carries the completed offset when no table had a row. */
  emptySnapshotRecord(offset: SourceOffset): SourceRecord;
}

/**
 * Runs a snapshot over tables, the parts every CDC source shares: progress per table in status
 * and metrics, tables-done bookkeeping, and the last record held back. Each record is queued only
 * when the next one arrives, so that the record ending a table can be given the offset naming
 * that table complete, and the snapshot's last record (`source.snapshot = 'last'`) the offset that
 * completes the snapshot (or, with no rows at all, the reader's empty-snapshot record).
 *
 * `completed` is mutated: the source's offsets builder reads it, so every later offset names
 * the tables done so far.
 */
export class SnapshotRunner {
  readonly #o: SnapshotRunnerOptions;
  readonly #progress = new Map<string, TableProgress>();

  constructor(options: SnapshotRunnerOptions) {
    this.#o = options;
  }

  /** Registers the tables (their progress shows at once); call before run. */
  plan<T>(tables: readonly SnapshotTable<T>[]): void {
    for (const t of tables) this.#progress.set(t.name, { rows: t.rowsBefore, estimated: t.estimated, done: false });
    this.report();
  }

  /** Reads every table in order; returns false when aborted before the end. */
  async run<T>(tables: readonly SnapshotTable<T>[], reader: SnapshotReader<T>, completed: string[], offsets: SnapshotBoundaryOffsets): Promise<boolean> {
    let held: SourceRecord | null = null;
    const emit: Emit = (record) => {
      const previous = held;
      held = record;
      return previous ? this.#offer(previous) : undefined;
    };
    const report = () => this.report();
    const resumedAfterTables = completed.length > 0;
    for (const [index, t] of tables.entries()) {
      const progress = this.#progress.get(t.name) ?? { rows: t.rowsBefore, estimated: t.estimated, done: false };
      this.#progress.set(t.name, progress);
      // Debezium's markers: the snapshot's first row `first`, each later table's first
      // `first_in_data_collection`; a table resumed part-way had its first row in the run before
      const firstMarker = index === 0 && !resumedAfterTables ? 'first' : 'first_in_data_collection';
      let rowsRead = 0;
      const tableEmit: Emit = (record) => emit(rowsRead++ === 0 && !t.resumedPartWay ? withMarker(record, firstMarker) : record);
      await reader.read(t, tableEmit, progress, report);
      if (this.#o.signal.aborted) return false;
      completed.push(t.name);
      progress.done = true;
      progress.estimated = progress.rows;
      this.report();
      // the table's last row now records the table as complete, and is marked as its last
      // (`last_in_data_collection`, unless it is the snapshot's `first`; the very last row
      // becomes `last` below), as Debezium's setSnapshotMarker ranks them
      if (held) {
        const last = held as SourceRecord;
        const marked = rowsRead > 0 && snapshotMarker(last) !== 'first' ? withMarker(last, 'last_in_data_collection') : last;
        held = { ...marked, sourceOffset: offsets.between() };
      }
      this.#o.logger.info({ table: t.name, rows: progress.rows }, 'snapshot of table complete');
    }
    await reader.finish?.();
    if (held) {
      await this.#o.queue.put({ ...withMarker(held as SourceRecord, 'last'), sourceOffset: offsets.completed() });
    } else {
      await this.#o.queue.put(reader.emptySnapshotRecord(offsets.completed()));
    }
    this.#o.logger.info({ tables: completed.length }, 'snapshot complete');
    return true;
  }

  /** Queues without waiting when there is room; otherwise the returned promise waits for room. */
  #offer(record: SourceRecord): Promise<void> | undefined {
    return this.#o.queue.offer(record) ? undefined : this.#o.queue.put(record);
  }

  report(): void {
    const tables: Record<string, TableProgress> = {};
    let rows = 0;
    let remaining = 0;
    const prefix = this.#o.metricPrefix;
    for (const [name, p] of this.#progress) {
      tables[name] = { ...p };
      rows += p.rows;
      if (!p.done) remaining++;
      this.#o.metrics.setGauge(`${prefix}_snapshot_rows`, 'Rows read by the snapshot so far, per table', p.rows, { table: name });
      if (p.estimated !== null) this.#o.metrics.setGauge(`${prefix}_snapshot_rows_estimated`, 'Rows the snapshot expects to read, per table (planner estimate)', p.estimated, { table: name });
    }
    this.#o.metrics.setGauge(`${prefix}_snapshot_tables_remaining`, 'Tables the snapshot has still to read', remaining);
    this.#o.setProgress({ snapshot: { running: remaining > 0, rows, tables } });
  }
}

/** A snapshot record with another `source.snapshot` marker (rows of a table share one source block). */
function withMarker(record: SourceRecord, marker: string): SourceRecord {
  const value = record.value as { source: Record<string, unknown> };
  return { ...record, value: { ...value, source: { ...value.source, snapshot: marker } } };
}

function snapshotMarker(record: SourceRecord): unknown {
  return (record.value as { source: Record<string, unknown> }).source.snapshot;
}
