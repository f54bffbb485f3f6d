import { Scn } from './scn.js';
import type { SqlRow } from './sql-session.js';

/** V$LOGMNR_CONTENTS.OPERATION_CODE values the miner acts on */
export const OperationCode = {
  INSERT: 1,
  DELETE: 2,
  UPDATE: 3,
  DDL: 5,
  START: 6,
  COMMIT: 7,
  ROLLBACK: 36,
  UNSUPPORTED: 255,
} as const;

/** The columns the mining query selects, in its order. */
export const MINING_COLUMNS = [
  'SCN', 'SQL_REDO', 'OPERATION_CODE', 'TIMESTAMP', 'XID', 'CSF', 'TABLE_NAME', 'SEG_OWNER', 'OPERATION', 'USERNAME',
  'ROW_ID', 'ROLLBACK', 'RS_ID', 'SSN', 'THREAD#', 'START_SCN', 'COMMIT_SCN', 'INFO',
] as const;

/** One row of V$LOGMNR_CONTENTS, CSF continuation rows already joined into `sqlRedo`. */
export interface MinedRow {
  readonly scn: Scn;
  /** the SCN as fetched (decimal text): what `source.scn` shows, without building the Scn */
  readonly scnText: string;
  readonly operationCode: number;
  readonly sqlRedo: string | null;
  /** the redo's time in ms since the epoch (the session's TIMESTAMP text read as UTC) */
  readonly timestamp: number;
  readonly xid: string;
  readonly owner: string | null;
  readonly table: string | null;
  readonly userName: string | null;
  readonly rowId: string | null;
  readonly rollback: boolean;
  readonly rsId: string | null;
  readonly ssn: number;
  readonly thread: number;
  readonly info: string | null;
}

/**
 * Joins CSF continuation rows: LogMiner splits a SQL_REDO longer than 4000 characters over
 * consecutive rows, each but the last with CSF = 1. Feed rows in order; `push` returns the
 * complete row when its last piece arrives, null while pieces are pending.
 */
export class CsfAssembler {
  #pieces: string[] = [];
  #first: SqlRow | null = null;

  push(row: SqlRow): MinedRow | null {
    if (Number(row.CSF) === 1) {
      this.#first ??= row;
      this.#pieces.push(String(row.SQL_REDO ?? ''));
      return null;
    }
    if (this.#first === null) return minedRow(row, row.SQL_REDO === null ? null : String(row.SQL_REDO));
    this.#pieces.push(String(row.SQL_REDO ?? ''));
    const whole = this.#pieces.join('');
    const first = this.#first;
    this.#pieces = [];
    this.#first = null;
    return minedRow(first, whole);
  }

  /** true when a statement is half assembled (a window must not end inside one) */
  get pending(): boolean {
    return this.#first !== null;
  }
}

/**
 * A mined row as the connector keeps it. Most rows are DML whose SCN is only shown as text, so
 * the `Scn` value is built on first use (one allocation and a BigInt fewer per row).
 */
class Mined implements MinedRow {
  readonly scnText: string;
  readonly operationCode: number;
  readonly sqlRedo: string | null;
  readonly timestamp: number;
  readonly xid: string;
  readonly owner: string | null;
  readonly table: string | null;
  readonly userName: string | null;
  readonly rowId: string | null;
  readonly rollback: boolean;
  readonly rsId: string | null;
  readonly ssn: number;
  readonly thread: number;
  readonly info: string | null;
  #scn: Scn | null = null;

  constructor(row: SqlRow, sqlRedo: string | null) {
    this.scnText = String(row.SCN);
    this.operationCode = Number(row.OPERATION_CODE);
    this.sqlRedo = sqlRedo;
    this.timestamp = redoTime(row.TIMESTAMP);
    this.xid = String(row.XID ?? '');
    this.owner = textOrNull(row.SEG_OWNER);
    this.table = textOrNull(row.TABLE_NAME);
    this.userName = textOrNull(row.USERNAME);
    this.rowId = textOrNull(row.ROW_ID);
    this.rollback = Number(row.ROLLBACK) === 1;
    this.rsId = row.RS_ID === null || row.RS_ID === undefined ? null : String(row.RS_ID).trim();
    this.ssn = Number(row.SSN ?? 0);
    this.thread = Number(row['THREAD#'] ?? 1);
    this.info = textOrNull(row.INFO);
  }

  get scn(): Scn {
    return (this.#scn ??= Scn.fromDigits(this.scnText));
  }
}

const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function minedRow(row: SqlRow, sqlRedo: string | null): MinedRow {
  return new Mined(row, sqlRedo);
}

let lastTimeText = '';
let lastTime = 0;

/** TIMESTAMP in the session's NLS_DATE_FORMAT ('YYYY-MM-DD HH24:MI:SS', UTC session zone); consecutive rows mostly share one, so the last is kept */
function redoTime(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  const text = String(value);
  if (text === lastTimeText) return lastTime;
  const t = Date.parse(text.replace(' ', 'T') + 'Z');
  lastTimeText = text;
  lastTime = Number.isNaN(t) ? 0 : t;
  return lastTime;
}
