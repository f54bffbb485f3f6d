import type { TaskMetrics } from '../api/index.js';

/** The table being read: what it has emitted, how fast, and an estimate of what is left. */
export interface TableProgress {
  readonly table: string;
  readonly chunks: number;
  /** chunks the table takes, estimated from its row estimate (null: the server gave none) */
  readonly chunksTotal: number | null;
  readonly rows: number;
  readonly estimatedRows: number | null;
  readonly rowsPerSecond: number;
  /** seconds left for the table at its rate so far (null: no estimate) */
  readonly etaSeconds: number | null;
}

/** An incremental snapshot's progress, as `GET /connectors/{name}/snapshots` and `/status` show it. */
export interface IncrementalProgress {
  readonly id: string;
  readonly state: 'running' | 'paused';
  readonly collections: readonly string[];
  readonly current: TableProgress | null;
  readonly tablesDone: readonly string[];
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
}

type Figures = Omit<TableProgress, 'table'>;

/**
 * The counters behind IncrementalProgress: kept in memory only (a restart counts from there on;
 * the offsets keep where to resume, not how much was read before).
 */
export class IncrementalCounters {
  chunks = 0;
  tableRows = 0;
  rows = 0;
  startedAt = Date.now();
  tableStartedAt = Date.now();
  readonly tablesDone: string[] = [];

  /** a new snapshot */
  restart(): void {
    this.startedAt = Date.now();
    this.rows = 0;
    this.tablesDone.length = 0;
    this.nextTable();
  }

  nextTable(): void {
    this.chunks = 0;
    this.tableRows = 0;
    this.tableStartedAt = Date.now();
  }

  /** a window's rows were emitted: `chunks` chunks (several when they were read in parallel) */
  chunk(rows: number, chunks = 1): void {
    this.chunks += chunks;
    this.tableRows += rows;
    this.rows += rows;
  }

  /** The current table's figures (the row estimate is the server's, so `chunksTotal` never falls below the chunks done). */
  tableFigures(estimatedRows: number | null, chunkSize: number, now = Date.now()): Figures {
    const rate = this.tableRows / Math.max(0.001, (now - this.tableStartedAt) / 1000);
    const left = estimatedRows === null ? null : Math.max(0, estimatedRows - this.tableRows);
    return {
      chunks: this.chunks, chunksTotal: estimatedRows === null ? null : Math.max(this.chunks, Math.ceil(estimatedRows / chunkSize)),
      rows: this.tableRows, estimatedRows, rowsPerSecond: Math.round(rate),
      etaSeconds: left === null || rate === 0 ? null : Math.round(left / rate),
    };
  }

  progress(state: { id: string; paused: boolean; collections: readonly string[] }, estimatedRows: number | null, chunkSize: number, now = Date.now()): IncrementalProgress {
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.rows / seconds;
    const table = this.tableFigures(estimatedRows, chunkSize, now);
    return {
      id: state.id, state: state.paused ? 'paused' : 'running', collections: [...state.collections],
      current: state.collections[0] ? { table: state.collections[0], ...table } : null,
      tablesDone: [...this.tablesDone], rows: this.rows, rowsPerSecond: Math.round(rate),
      // the current table's estimate: tables after it are not described until their turn
      etaSeconds: table.etaSeconds,
    };
  }
}

/** The table's figures as gauges of the task (`tributary_<prefix>_incremental_snapshot_table_*{table}`). */
export function publishTableMetrics(metrics: TaskMetrics, prefix: string, table: string, f: Figures): void {
  const labels = { table };
  const gauge = (name: string, help: string, value: number | null) => { if (value !== null) metrics.setGauge(`${prefix}_incremental_snapshot_table_${name}`, help, value, labels); };
  gauge('rows', 'Rows an incremental snapshot has emitted for the table (this run of the task)', f.rows);
  gauge('chunks_done', 'Chunks of the table an incremental snapshot has emitted (this run of the task)', f.chunks);
  gauge('chunks_total', 'Chunks the table takes, estimated from the server\'s row estimate', f.chunksTotal);
  gauge('rows_per_second', 'Rows per second an incremental snapshot reads from the table', f.rowsPerSecond);
  gauge('remaining_seconds', 'Estimated seconds until the table\'s incremental snapshot ends', f.etaSeconds);
}
