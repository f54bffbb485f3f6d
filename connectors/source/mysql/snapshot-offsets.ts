import type { SourceOffset } from '../../../plugins/api/index.js';
import type { BlockingScope, SnapshotBoundaryOffsets } from '../../../plugins/cdc/index.js';
import { BinlogPosition, positionOffset } from './binlog-position.js';

/** Where the snapshot is consistent with the binlog: streaming starts there. */
export interface SnapshotPoint {
  readonly at: BinlogPosition;
  /** the GTIDs executed at that point (MariaDB's gtid_binlog_pos, MySQL's gtid_executed), when known */
  readonly gtids: string | null;
}


/** Where an interrupted snapshot picks up, read from its stored offset. */
export interface SnapshotResume {
  readonly done: readonly string[];
  readonly table: { readonly name: string; readonly after: readonly unknown[] | null; readonly rowsBefore: number } | null;
  readonly startedAt: number | null;
  /** a blocking snapshot: only these tables, each with its filter (absent: every captured table) */
  readonly blocking?: BlockingScope | null;
}

export const FROM_START: SnapshotResume = { done: [], table: null, startedAt: null };

/** The offsets of snapshot records: Debezium's `file`/`pos`/`gtids`/`snapshot` plus the resume bookkeeping. */
export interface SnapshotOffsets extends SnapshotBoundaryOffsets {
  inTable(name: string, after: readonly unknown[] | null, rowsBefore: number): SourceOffset;
}

/** `blocking`: a blocking snapshot's scope, which rides on its offsets so a restart reads the rest of exactly its tables */
export function snapshotOffsets(point: SnapshotPoint, serverId: number, startedAt: number, completed: readonly string[], blocking: BlockingScope | null = null): SnapshotOffsets {
  const scope = blocking ? { snapshot_blocking: true, snapshot_collections: JSON.stringify(blocking.collections), snapshot_conditions: JSON.stringify(blocking.conditions) } : null;
  const base = () => positionOffset(point.at, point.gtids, serverId, { snapshot: true, snapshot_ts_ms: startedAt, snapshot_tables_done: JSON.stringify(completed), ...scope });
  return {
    inTable: (name, after, rowsBefore) => ({ ...base(), snapshot_table: name, snapshot_chunk_after: after ? JSON.stringify(after) : null, snapshot_rows_before: rowsBefore }),
    between: base,
    // streaming continues from the point; nothing of it was delivered yet
    completed: () => positionOffset(point.at, point.gtids, serverId, { snapshot_completed: true }),
  };
}

export function snapshotResumeOf(offset: SourceOffset): { point: SnapshotPoint | null; resume: SnapshotResume } {
  const at = BinlogPosition.fromOffset(offset);
  const done = typeof offset.snapshot_tables_done === 'string' ? (JSON.parse(offset.snapshot_tables_done) as string[]) : [];
  const name = typeof offset.snapshot_table === 'string' ? offset.snapshot_table : null;
  const after = typeof offset.snapshot_chunk_after === 'string' ? (JSON.parse(offset.snapshot_chunk_after) as unknown[]) : null;
  const rowsBefore = typeof offset.snapshot_rows_before === 'number' ? offset.snapshot_rows_before : 0;
  const startedAt = typeof offset.snapshot_ts_ms === 'number' ? offset.snapshot_ts_ms : null;
  return {
    point: at ? { at, gtids: typeof offset.gtids === 'string' ? offset.gtids : null } : null,
    resume: { done, table: name ? { name, after, rowsBefore } : null, startedAt, blocking: blockingScopeOf(offset) },
  };
}

/** The scope of the blocking snapshot an offset belongs to (null: not one). */
export function blockingScopeOf(offset: SourceOffset): BlockingScope | null {
  if (offset.snapshot !== true || offset.snapshot_blocking !== true) return null;
  const collections = typeof offset.snapshot_collections === 'string' ? (JSON.parse(offset.snapshot_collections) as string[]) : [];
  const conditions = typeof offset.snapshot_conditions === 'string' ? (JSON.parse(offset.snapshot_conditions) as Record<string, string>) : {};
  return { collections, conditions };
}
