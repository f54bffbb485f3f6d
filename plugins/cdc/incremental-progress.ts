/** An incremental snapshot's progress, as `GET /connectors/{name}/snapshots` and `/status` show it. */
export interface IncrementalProgress {
  readonly id: string;
  readonly state: 'running' | 'paused';
  readonly collections: readonly string[];
  readonly current: { readonly table: string; readonly chunks: number; readonly rows: number; readonly estimatedRows: number | null } | null;
  readonly tablesDone: readonly string[];
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | null;
}

/**
 * The counters behind IncrementalProgress: kept in memory only (a restart counts from there on;
 * the offsets keep where to resume, not how much was read before).
 */
export class IncrementalCounters {
  chunks = 0;
  tableRows = 0;
  rows = 0;
  startedAt = Date.now();
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
  }

  chunk(rows: number): void {
    this.chunks++;
    this.tableRows += rows;
    this.rows += rows;
  }

  progress(state: { id: string; paused: boolean; collections: readonly string[] }, estimatedRows: number | null, now = Date.now()): IncrementalProgress {
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.rows / seconds;
    const left = estimatedRows === null ? null : Math.max(0, estimatedRows - this.tableRows);
    return {
      id: state.id, state: state.paused ? 'paused' : 'running', collections: [...state.collections],
      current: state.collections[0] ? { table: state.collections[0], chunks: this.chunks, rows: this.tableRows, estimatedRows } : null,
      tablesDone: [...this.tablesDone], rows: this.rows, rowsPerSecond: Math.round(rate),
      etaSeconds: left === null || rate === 0 ? null : Math.round(left / rate),
    };
  }
}
