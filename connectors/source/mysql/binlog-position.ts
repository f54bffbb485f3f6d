import type { SourceOffset } from '../../../plugins/api/index.js';
import { hex32, hex64, type Position } from '../../../plugins/cdc/index.js';

/**
 * A place in the server's binlog: a file (`binlog.000042`) and a byte position in it. A value
 * type, so positions are compared and encoded in one place. Files are ordered by their numeric
 * suffix, which the server increments at every rotation.
 */
export class BinlogPosition implements Position<BinlogPosition> {
  constructor(readonly file: string, readonly pos: number) {}

  /** the file's sequence number: the digits after the last dot */
  get fileIndex(): number {
    const dot = this.file.lastIndexOf('.');
    return Number(this.file.slice(dot + 1)) || 0;
  }

  compare(other: BinlogPosition): number {
    return this.fileIndex - other.fileIndex || this.pos - other.pos;
  }

  toString(): string {
    return `${this.file}:${this.pos}`;
  }

  #sortKey: string | undefined;

  /** 8 hex digits of the file index + 16 of the position: sorts as the binlog does (made once: every record of a transaction uses it) */
  toSortKey(): string {
    return (this.#sortKey ??= hex32(this.fileIndex) + hex64(this.pos));
  }

  static fromOffset(offset: SourceOffset): BinlogPosition | null {
    return typeof offset.file === 'string' && typeof offset.pos === 'number' ? new BinlogPosition(offset.file, offset.pos) : null;
  }
}

/**
 * Record positions: strings that sort byte-wise in binlog order across the whole source.
 *
 * - streamed change: the start of its transaction (file index + position), the row event's
 *   ordinal in the transaction and the row's in the event (8 hex each), then `:1`, `:2` for the
 *   extra records one row yields (tombstone, the create of a key change);
 * - snapshot row: the snapshot point + `!T` + the table's name (hex of its UTF-8, so tables
 *   sort by name, the order the snapshot reads them in, and a resumed snapshot names the same
 *   table the same way) + the row's integer key (`k…`) or, for other keys, its ordinal (12 digits);
 *   `!` sorts below every hex digit, so every snapshot row sorts before the first change
 *   committed at or after the point;
 * - heartbeat: the binlog position it was taken at + `!~`: after any snapshot row at that point
 *   and before any transaction starting there.
 */
export function streamPosition(txStart: BinlogPosition, event: number, row: number, part = 0): string {
  const base = txStart.toSortKey() + hex32(event) + hex32(row);
  return part === 0 ? base : `${base}:${part}`;
}

export function snapshotTablePrefix(point: BinlogPosition, tableKey: string): string {
  return `${point.toSortKey()}!T${tableKey}`;
}

export function heartbeatPosition(at: BinlogPosition): string {
  return `${at.toSortKey()}!~`;
}

/** Debezium's MySQL offset fields, plus what Tributary needs to resume a snapshot. */
export interface StreamOffsetInput {
  readonly txStart: BinlogPosition;
  /** GTIDs of the transactions complete before this one (MySQL GTID set or MariaDB position) */
  readonly gtids: string | null;
  /** row events of the transaction already complete before this record's */
  readonly event: number;
  /** rows of this record's event up to and including this record's */
  readonly row: number;
  readonly part: number;
  readonly serverId: number;
  readonly tsSec: number;
}

/**
 * The offset of a streamed record, Debezium's way: `file`/`pos` name the start of the record's
 * transaction, `event` the row events to skip after it and `row` the rows to skip in the next
 * one, so a resume in the middle of a multi-row event repeats nothing; `gtids` the transactions
 * complete before it (a GTID-based resume starts after them).
 */
export function streamOffset(o: StreamOffsetInput): SourceOffset {
  const offset: Record<string, string | number> = { file: o.txStart.file, pos: o.txStart.pos, event: o.event, row: o.row, server_id: o.serverId, ts_sec: o.tsSec };
  if (o.gtids) offset.gtids = o.gtids;
  if (o.part > 0) offset.part = o.part;
  return offset;
}

/** The offset between transactions (a heartbeat's, or the end of a snapshot): nothing to skip. */
export function positionOffset(at: BinlogPosition, gtids: string | null, serverId: number, extra: Record<string, string | number | boolean> = {}): SourceOffset {
  return { file: at.file, pos: at.pos, ...(gtids ? { gtids } : {}), server_id: serverId, ts_sec: Math.floor(Date.now() / 1000), ...extra };
}

/**
 * The position of the last record an offset covers, for skipping what was already delivered
 * when the transaction it points into is read again. Null for snapshot offsets (those resume the
 * snapshot) and for offsets between transactions (nothing of the next one was delivered).
 */
export function positionOfOffset(offset: SourceOffset): string | null {
  if (offset.snapshot === true) return null;
  const at = BinlogPosition.fromOffset(offset);
  if (!at) return null;
  const row = Number(offset.row ?? 0);
  if (row <= 0) return null;
  return streamPosition(at, Number(offset.event ?? 0), row - 1, Number(offset.part ?? 0));
}
