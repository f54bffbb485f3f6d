import { TributaryError, type SourceOffset, type SourceRecord } from '../../../plugins/api/index.js';
import { ChangeEvents, type RecordMaker } from '../../../plugins/cdc/index.js';
import type { MinedRow } from './logminer-row.js';
import { encodeStreaming, type StreamingOffset } from './oracle-offsets.js';
import type { OracleTable } from './oracle-table.js';
import type { RecordSettings } from './record-settings.js';
import { parseRedo, RedoParseError, type ParsedRedo } from './redo-parser.js';
import { oracleSourceInfo } from './source-info.js';
import type { OpenTransaction } from './transaction-buffer.js';

interface TransactionContext {
  /** the position every record of the transaction starts with */
  readonly positionBase: string;
  readonly timestamp: number;
  /** the transaction's offset, encoded once; each record adds its `txSeq` */
  readonly offset: SourceOffset;
}

const SEQ_DIGITS = 8;

/**
 * The position of a streamed record: commit SCN, redo thread, transaction id, then the record's
 * place in the transaction, fixed widths so positions sort byte-wise in emission order (commit
 * order, then order within the transaction).
 */
export function streamPositionBase(commitScn: MinedRow['scn'], thread: number, xid: string): string {
  return `${commitScn.padded()}:${String(thread).padStart(3, '0')}:${xid.padStart(16, '0')}:`;
}

/** the position of a heartbeat at a mined-up-to SCN: after every record committed at or below it */
export function heartbeatPositionOf(scn: MinedRow['scn']): string {
  return `${scn.padded()};`;
}

/**
 * Turns a committed transaction into records, Debezium's way (a key change becomes delete,
 * tombstone, create; a delete is followed by a tombstone). Each record's offset names the
 * transaction and the record's 1-based place in it (`txSeq`), so a restart can skip exactly the
 * records already emitted.
 */
export class ChangeEmitter implements RecordMaker<TransactionContext> {
  constructor(readonly settings: RecordSettings) {}

  make(change: TransactionContext, part: number, key: Record<string, unknown> | null, value: Record<string, unknown> | null): SourceRecord {
    const seq = part + 1;
    const position = change.positionBase + String(seq).padStart(SEQ_DIGITS, '0');
    const table = this.#current!;
    const offset: SourceOffset = { ...change.offset, txSeq: seq };
    return {
      topic: table.topic, keySchema: table.keySchema, key, valueSchema: value === null ? null : table.valueSchema, value,
      timestamp: change.timestamp, sourcePartition: this.settings.partition, sourceOffset: offset, position, id: `${this.settings.serverName}/${position}`,
    };
  }

  #current: OracleTable | null = null;

  /**
   * The records of `tx`, committed by `commit`, in order. `tableOf` resolves each change's table
   * (null: not captured). `offset` is the streaming offset every record carries.
   */
  records(tx: OpenTransaction, commit: MinedRow, offset: Omit<StreamingOffset, 'txSeq'>, tableOf: (owner: string, table: string) => OracleTable | null): SourceRecord[] {
    const out: SourceRecord[] = [];
    const context: TransactionContext = { positionBase: streamPositionBase(commit.scn, commit.thread, tx.xid), timestamp: commit.timestamp, offset: encodeStreaming({ ...offset, txSeq: 0 }) };
    const commitScn = commit.scn.toString();
    const s = this.settings;
    for (const row of tx.changes) {
      const table = row.owner !== null && row.table !== null ? tableOf(row.owner, row.table) : null;
      if (!table || row.sqlRedo === null) continue;
      const redo = parsed(row);
      this.#current = table;
      const source = oracleSourceInfo({
        serverName: s.serverName, tsMs: row.timestamp, snapshot: 'false', db: s.db, schema: table.owner, table: table.name, txId: tx.xid,
        scn: row.scnText, commitScn, rsId: row.rsId, ssn: row.ssn, thread: row.thread, userName: row.userName, rowId: row.rowId,
      });
      switch (redo.op) {
        case 'INSERT': {
          const after = table.fillText(table.emptyText(), redo.newColumns, redo.newValues);
          ChangeEvents.create(out, this, context, table.toKey(after), table.toRow(after), source);
          break;
        }
        case 'UPDATE': {
          const before = table.fillText(table.emptyText(), redo.oldColumns, redo.oldValues);
          const after = table.fillText([...before], redo.newColumns, redo.newValues);
          if (table.keySchema && table.keyDiffers(before, after)) {
            ChangeEvents.keyChange(out, this, context, table.toKey(before), table.toRow(before), table.toKey(after), table.toRow(after), source, s.tombstones);
          } else {
            ChangeEvents.update(out, this, context, table.toKey(after), table.toRow(before), table.toRow(after), source);
          }
          break;
        }
        case 'DELETE': {
          const before = table.fillText(table.emptyText(), redo.oldColumns, redo.oldValues);
          ChangeEvents.delete(out, this, context, table.toKey(before), table.toRow(before), source, s.tombstones);
          break;
        }
      }
    }
    this.#current = null;
    return out;
  }
}

/** The row's SQL_REDO parsed; a statement the parser cannot read fails the task naming where it is. */
function parsed(row: MinedRow): ParsedRedo {
  try {
    return parseRedo(row.sqlRedo!);
  } catch (error) {
    if (!(error instanceof RedoParseError)) throw error;
    throw new TributaryError('record.conversion_failed', `Cannot read the SQL_REDO of transaction ${row.xid} at SCN ${row.scnText} (${row.owner}.${row.table}, RS_ID ${row.rsId ?? '?'}, SSN ${row.ssn}): ${error.message}`, { cause: error });
  }
}
