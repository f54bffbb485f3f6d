import type { SourceOffset } from '../../../plugins/api/index.js';
import { CommitScn } from './commit-scn.js';
import { Scn } from './scn.js';

/**
 * Where streaming is, as Debezium's OracleOffsetContext stores it:
 * - `scn`: the low watermark to mine from on restart (the oldest in-flight transaction's
 *   start − 1, or the last commit when none was in flight);
 * - `commit_scn`: per redo thread, the commits already emitted (CommitScn);
 * - `txId`/`txSeq`: the transaction the record belongs to and its 1-based place in it, so a
 *   transaction emitted in part resumes after `txSeq`;
 * - `snapshot_scn`: the snapshot's SCN; a transaction committed at or below it is in the
 *   snapshot already and never emitted.
 */
export interface StreamingOffset {
  readonly scn: Scn;
  readonly commitScn: CommitScn;
  readonly txId: string | null;
  readonly txSeq: number | null;
  readonly snapshotScn: Scn | null;
}

/** What an interrupted or completed snapshot stored. */
export interface SnapshotOffset {
  readonly snapshotScn: Scn;
  /** where streaming starts after the snapshot: below every transaction open at the snapshot SCN */
  readonly streamFrom: Scn;
  /** transactions open at the snapshot SCN: xid → start SCN (Debezium's `snapshot_pending_tx`) */
  readonly pending: ReadonlyMap<string, Scn>;
  readonly completed: boolean;
  readonly tablesDone: readonly string[];
  readonly table: { readonly name: string; readonly after: readonly (string | null)[] | null; readonly rowsBefore: number } | null;
}

export function encodeStreaming(o: StreamingOffset, extra: Record<string, string | number | boolean | null> = {}): SourceOffset {
  const out: Record<string, string | number | boolean | null> = { scn: o.scn.toString() };
  if (!o.commitScn.isEmpty) out.commit_scn = o.commitScn.toString();
  if (o.txId !== null) {
    out.txId = o.txId;
    if (o.txSeq !== null) out.txSeq = o.txSeq;
  }
  if (o.snapshotScn) out.snapshot_scn = o.snapshotScn.toString();
  return { ...out, ...extra };
}

export function encodePending(pending: ReadonlyMap<string, Scn>): string | null {
  return pending.size === 0 ? null : [...pending].map(([xid, scn]) => `${xid}:${scn}`).join(',');
}

export function decodePending(text: unknown): Map<string, Scn> {
  const out = new Map<string, Scn>();
  if (typeof text !== 'string' || text === '') return out;
  for (const entry of text.split(',')) {
    const [xid, scn] = entry.split(':', 2);
    if (xid && scn) out.set(xid, Scn.of(scn));
  }
  return out;
}

/** The lowest SCN to mine from so that every pending transaction is read whole. */
export function lowWatermarkOf(snapshotScn: Scn, pending: ReadonlyMap<string, Scn>): Scn {
  let low = snapshotScn;
  for (const start of pending.values()) if (start.subtract(1).isBefore(low)) low = start.subtract(1);
  return low;
}

export function encodeSnapshot(s: SnapshotOffset): SourceOffset {
  const out: Record<string, string | number | boolean | null> = {
    snapshot: s.completed ? null : 'INITIAL',
    snapshot_completed: s.completed,
    snapshot_scn: s.snapshotScn.toString(),
    scn: s.streamFrom.toString(),
  };
  const pending = encodePending(s.pending);
  if (pending) out.snapshot_pending_tx = pending;
  if (!s.completed) {
    out.snapshot_tables_done = JSON.stringify(s.tablesDone);
    if (s.table) {
      out.snapshot_table = s.table.name;
      out.snapshot_chunk_after = s.table.after ? JSON.stringify(s.table.after) : null;
      out.snapshot_rows_before = s.table.rowsBefore;
    }
  }
  if (out.snapshot === null) delete out.snapshot;
  return out;
}

export type StoredState =
  | { readonly kind: 'none' }
  | { readonly kind: 'snapshot'; readonly snapshot: SnapshotOffset }
  | { readonly kind: 'streaming'; readonly streaming: StreamingOffset };

/** Reads a stored offset (ours or Debezium's) back. */
export function decodeOffset(offset: SourceOffset | null): StoredState {
  if (!offset) return { kind: 'none' };
  const snapshotScn = Scn.parse(offset.snapshot_scn);
  const inSnapshot = (offset.snapshot === 'INITIAL' || offset.snapshot === true || offset.snapshot === 'true') && offset.snapshot_completed !== true;
  if (inSnapshot && snapshotScn) {
    const name = typeof offset.snapshot_table === 'string' ? offset.snapshot_table : null;
    return {
      kind: 'snapshot',
      snapshot: {
        snapshotScn, pending: decodePending(offset.snapshot_pending_tx), completed: false,
        streamFrom: Scn.parse(offset.scn) ?? lowWatermarkOf(snapshotScn, decodePending(offset.snapshot_pending_tx)),
        tablesDone: typeof offset.snapshot_tables_done === 'string' ? (JSON.parse(offset.snapshot_tables_done) as string[]) : [],
        table: name ? { name, after: typeof offset.snapshot_chunk_after === 'string' ? (JSON.parse(offset.snapshot_chunk_after) as (string | null)[]) : null, rowsBefore: Number(offset.snapshot_rows_before ?? 0) } : null,
      },
    };
  }
  const scn = Scn.parse(offset.scn);
  if (!scn) return { kind: 'none' };
  return {
    kind: 'streaming',
    streaming: {
      scn, commitScn: CommitScn.parse(offset.commit_scn), snapshotScn,
      txId: typeof offset.txId === 'string' ? offset.txId : null,
      txSeq: typeof offset.txSeq === 'number' ? offset.txSeq : offset.txSeq === undefined || offset.txSeq === null ? null : Number(offset.txSeq),
    },
  };
}
