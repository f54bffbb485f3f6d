import type { SourceOffset } from '../../../plugins/api/index.js';
import { hex32, type BlockingScope } from '../../../plugins/cdc/index.js';
import { Lsn } from './lsn.js';

/**
 * Record positions: strings that sort byte-wise in commit order across the whole source.
 *
 * - streamed change: commit LSN (16 hex) + change LSN (16 hex) + the change's ordinal in its
 *   transaction (8 hex; a multi-row insert logs many rows under one LSN), then `:1`, `:2` for
 *   the extra records one change yields (tombstone, the create of a key change);
 * - snapshot row: snapshot-point LSN + 16 zeros + table OID (10) + the row's primary key in a
 *   byte-order encoding (`k…`, snapshot-key-encoder.ts) or, for keys without one, the row ordinal
 *   (12 digits); tables are read in OID order, and an OID (unlike a list index) stays the same
 *   when a snapshot resumes after tables were created or dropped. Every
 *   streamed transaction commits at or after the consistent point and has a non-zero change
 *   LSN, so snapshot rows sort first;
 * - heartbeat: server WAL position + 16 zeros + `~`, after any snapshot row at that point and
 *   before any change committed at or after it.
 */
const ZEROS = '0'.repeat(16);

export function streamPosition(commit: Lsn, change: Lsn, ordinal: number, part = 0): string {
  const base = commit.toHex16() + change.toHex16() + hex32(ordinal);
  return part === 0 ? base : `${base}:${part}`;
}

export function snapshotPosition(point: Lsn, tableOid: number, row: number): string {
  return snapshotPositionPrefix(point, tableOid) + String(row).padStart(12, '0');
}

/** The part of a snapshot position shared by every row of a table. */
export function snapshotPositionPrefix(point: Lsn, tableOid: number): string {
  return point.toHex16() + ZEROS + String(tableOid).padStart(10, '0');
}

export function heartbeatPosition(walPosition: Lsn): string {
  return walPosition.toHex16() + ZEROS + '~';
}

/**
 * The offsets of snapshot records. Besides Debezium's `snapshot`/`last_snapshot_record` they
 * carry what a resume needs: the snapshot point (row positions), the tables complete, and for a
 * table being read the key its current chunk starts after and the rows read before that chunk.
 */
export interface SnapshotOffsets {
  /** records of a chunk of table `oid` starting after `after` (null: the table's first row) */
  inTable(oid: number, after: readonly (string | null)[] | null, rowsBefore: number): SourceOffset;
  /** the last record of a table: only complete tables are named */
  between(): SourceOffset;
  /** the snapshot's last record: streaming continues from the resume LSN */
  completed(): SourceOffset;
}


/** `blocking`: a blocking snapshot's scope, which rides on its offsets so a restart reads the rest of exactly its tables */
export function snapshotOffsets(point: Lsn, resumeFrom: Lsn, startedAt: number, completed: readonly string[], blocking: BlockingScope | null = null): SnapshotOffsets {
  const resume = resumeFrom.toOffset();
  const scope = blocking ? { snapshot_blocking: true, snapshot_collections: blocking.collections.join(','), snapshot_conditions: JSON.stringify(blocking.conditions) } : null;
  const base = () => ({ snapshot: true, last_snapshot_record: false, lsn: resume, lsn_commit: resume, txId: null, snapshot_lsn: resume, snapshot_point: point.toOffset(), snapshot_ts_ms: startedAt, snapshot_tables_done: completed.join(','), ...scope });
  return {
    inTable: (oid, after, rowsBefore) => ({ ...base(), snapshot_table: oid, snapshot_chunk_after: after ? JSON.stringify(after) : null, snapshot_rows_before: rowsBefore }),
    between: base,
    completed: () => ({ lsn: resume, lsn_commit: resume, txId: null, last_snapshot_record: true, snapshot_completed: true }),
  };
}

/** The scope of the blocking snapshot an offset belongs to (null: not one). */
export function blockingScopeOf(offset: SourceOffset): BlockingScope | null {
  if (offset.snapshot !== true || offset.snapshot_blocking !== true) return null;
  const collections = String(offset.snapshot_collections ?? '').split(',').filter((t) => t.length > 0);
  const conditions = typeof offset.snapshot_conditions === 'string' ? (JSON.parse(offset.snapshot_conditions) as Record<string, string>) : {};
  return { collections, conditions };
}

/** What a stored snapshot offset says about where to resume (see SnapshotOffsets). */
export function snapshotResumeOf(offset: SourceOffset): { point: Lsn | null; done: string[]; table: { oid: number; after: (string | null)[] | null; rowsBefore: number } | null; startedAt: number | null } {
  const done = String(offset.snapshot_tables_done ?? '').split(',').filter((t) => t.length > 0);
  const oid = typeof offset.snapshot_table === 'number' ? offset.snapshot_table : null;
  const after = typeof offset.snapshot_chunk_after === 'string' ? (JSON.parse(offset.snapshot_chunk_after) as (string | null)[]) : null;
  const rowsBefore = typeof offset.snapshot_rows_before === 'number' ? offset.snapshot_rows_before : 0;
  const startedAt = typeof offset.snapshot_ts_ms === 'number' ? offset.snapshot_ts_ms : null;
  return { point: Lsn.fromOffset(offset.snapshot_point), done, table: oid === null ? null : { oid, after, rowsBefore }, startedAt };
}

/** The offset of a streamed change; `part` only when non-zero. */
export function streamOffset(commit: Lsn, change: Lsn, ordinal: number, part: number, txId: number, commitTimeMs: number): SourceOffset {
  const offset: Record<string, number | string> = { lsn: change.toOffset(), lsn_commit: commit.toOffset(), txId, ts_usec: commitTimeMs * 1000, seq: ordinal };
  if (part > 0) offset.part = part;
  return offset;
}

export function heartbeatOffset(walPosition: Lsn): SourceOffset {
  return { lsn: walPosition.toOffset(), lsn_commit: walPosition.toOffset(), txId: null, heartbeat: true };
}

/**
 * The position of the last record an offset covers, for skipping what was already delivered
 * when the server replays the transaction the offset points into. Null for snapshot offsets.
 */
export function positionOfOffset(offset: SourceOffset): string | null {
  if (offset.snapshot === true) return null;
  const commit = Lsn.fromOffset(offset.lsn_commit);
  const change = Lsn.fromOffset(offset.lsn);
  if (!commit || !change) return null;
  if (offset.heartbeat === true || offset.snapshot_completed === true) return heartbeatPosition(commit);
  return streamPosition(commit, change, Number(offset.seq ?? 0xffffffff), Number(offset.part ?? 0));
}

/** The LSN the server may release up to once this offset is committed (see acknowledgement). */
export function flushLsnOfOffset(offset: SourceOffset): Lsn | null {
  if (offset.snapshot === true) return Lsn.fromOffset(offset.snapshot_lsn);
  // the transaction's last record: all of it is safe, up to the end of its commit record
  if (offset.lsn_commit_end !== undefined && offset.lsn_commit_end !== null) return Lsn.fromOffset(offset.lsn_commit_end);
  // inside a transaction: replay restarts at the transaction whose commit record starts at the
  // flush LSN, so acknowledging its start (not its end) keeps the rest of it available for replay
  return Lsn.fromOffset(offset.lsn_commit);
}
