import type { OracleColumn } from '../../../shared/oracle-types/column-types.js';
import { OperationCode } from '../logminer-row.js';
import { deleteRedo, insertRedo, updateRedo, type FakeRow } from './redo-writer.js';

/** One redo record of the scripted timeline (what V$LOGMNR_CONTENTS shows for it, before CSF splitting). */
export interface RedoRecord {
  readonly scn: bigint;
  readonly thread: number;
  readonly xid: string;
  readonly operationCode: number;
  readonly owner: string | null;
  readonly table: string | null;
  readonly sqlRedo: string | null;
  readonly rowId: string | null;
  readonly rollback: boolean;
  readonly rsId: string;
  readonly ssn: number;
  /** ms since the epoch (the redo's TIMESTAMP) */
  readonly timestamp: number;
  readonly userName: string;
  readonly container: string;
}

export interface FakeTable {
  readonly owner: string;
  readonly name: string;
  readonly columns: OracleColumn[];
  readonly key: string[];
  /** `ALTER TABLE ... ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS` was run */
  supplementalAll: boolean;
}

/** A redo log of one thread: online while among the thread's last groups, archived once switched. */
export interface FakeLog {
  readonly thread: number;
  readonly sequence: number;
  readonly firstScn: bigint;
  /** null while it is the thread's current log */
  nextScn: bigint | null;
  /** the archived copy's name once archived; null before */
  archivedName: string | null;
  /** the online member's name while the group still holds this log */
  onlineName: string | null;
  /** its archived copy was deleted (RMAN, retention) */
  purged: boolean;
}

interface Change {
  readonly table: FakeTable;
  readonly rowId: string;
  readonly before: FakeRow | null;
  readonly after: FakeRow | null;
}

const ONLINE_GROUPS = 3;

/**
 * The scripted database behind the fake LogMiner session: an SCN clock, tables with committed
 * row versions (for AS OF SCN), open transactions (V$TRANSACTION), a redo timeline, and redo
 * logs per thread that switch and get archived and purged on the script's command. Every
 * change writes the redo LogMiner would show for it, so the connector's SQL is answered from
 * one consistent state: the fake never matches statements by their text.
 */
export class FakeOracle {
  scn = 1_000n;
  /** the redo's clock (TIMESTAMP), advanced by the script */
  clockMs = Date.UTC(2026, 0, 1);
  readonly redo: RedoRecord[] = [];
  readonly logs: FakeLog[] = [];
  readonly tables = new Map<string, FakeTable>();
  /** committed versions per table: (commit SCN, row id, row or null for a delete) in commit order */
  readonly #history = new Map<string, { scn: bigint; rowId: string; row: FakeRow | null }[]>();
  readonly #current = new Map<string, Map<string, FakeRow>>();
  readonly open = new Map<string, FakeTransaction>();
  #xids = 0;
  #rowIds = 0;
  // database settings the validator reads
  logMode = 'ARCHIVELOG';
  supplementalMin = 'YES';
  supplementalAll = 'NO';
  cdb = 'NO';
  readonly pdbs = new Map<string, string>();
  privileges = new Set(['CREATE SESSION', 'LOGMINING', 'SELECT ANY TRANSACTION', 'FLASHBACK ANY TABLE', 'SELECT ANY TABLE']);
  roles = new Set(['EXECUTE_CATALOG_ROLE', 'SELECT_CATALOG_ROLE']);
  /** the connector's user, and its object privileges per `OWNER.TABLE` (USER_TAB_PRIVS and ROLE_TAB_PRIVS) */
  userName = 'C##DBZUSER';
  readonly tablePrivileges = new Map<string, Set<string>>();
  /** the oldest SCN flashback queries can reach (undo retention) */
  undoFloorScn = 0n;
  /** errors the next START_LOGMNR calls raise, in order (ORA numbers) */
  readonly startFaults: number[] = [];
  /** the container (PDB) new redo records belong to (V$LOGMNR_CONTENTS.SRC_CON_NAME) */
  container = 'ORCLCDB';
  /** a log switch after every this many redo records on thread 1 (0: only when the script asks): a simulated schedule */
  autoSwitchEvery = 0;
  /** how many statements sessions sent, for tests that count traffic */
  statements = 0;
  readonly threads = new Set<number>([1]);

  constructor(threads: readonly number[] = [1]) {
    for (const t of threads) {
      this.threads.add(t);
      this.logs.push({ thread: t, sequence: 1, firstScn: this.scn, nextScn: null, archivedName: null, onlineName: `/u01/oradata/ORCLCDB/redo${t}_01.log`, purged: false });
    }
  }

  tick(): bigint {
    return ++this.scn;
  }

  createTable(owner: string, name: string, columns: OracleColumn[], key: string[], supplementalAll = true): FakeTable {
    const table: FakeTable = { owner, name, columns, key, supplementalAll };
    this.tables.set(`${owner}.${name}`, table);
    this.#history.set(`${owner}.${name}`, []);
    this.#current.set(`${owner}.${name}`, new Map());
    this.#append({ thread: 1, xid: this.#newXid(), operationCode: OperationCode.DDL, owner, table: name, sqlRedo: `create table "${owner}"."${name}" (...)`, rowId: null, rollback: false });
    return table;
  }

  /** ALTER TABLE: the table's new columns (rows keep their values; a new column is null) and the DDL row LogMiner shows */
  alterTable(owner: string, name: string, columns: OracleColumn[], ddl: string): void {
    const table = this.table(owner, name);
    table.columns.splice(0, table.columns.length, ...columns);
    this.#append({ thread: 1, xid: this.#newXid(), operationCode: OperationCode.DDL, owner, table: name, sqlRedo: ddl, rowId: null, rollback: false });
  }

  table(owner: string, name: string): FakeTable {
    const t = this.tables.get(`${owner}.${name}`);
    if (!t) throw new Error(`fake: no table ${owner}.${name}`);
    return t;
  }

  begin(thread = 1, userName = 'APP'): FakeTransaction {
    const tx = new FakeTransaction(this, this.#newXid(), thread, userName);
    this.open.set(tx.xid, tx);
    return tx;
  }

  /** Commits each statement on its own, like an autocommit client. */
  autocommit(work: (tx: FakeTransaction) => void, thread = 1): FakeTransaction {
    const tx = this.begin(thread);
    work(tx);
    tx.commit();
    return tx;
  }

  /** The thread's current log is archived and a new one begins (ALTER SYSTEM SWITCH LOGFILE). */
  logSwitch(thread = 1): void {
    const current = this.logs.find((l) => l.thread === thread && l.nextScn === null)!;
    const next = this.tick();
    current.nextScn = next;
    current.archivedName = `/u01/arch/ORCLCDB/${thread}_${current.sequence}.arc`;
    this.logs.push({ thread, sequence: current.sequence + 1, firstScn: next, nextScn: null, archivedName: null, onlineName: `/u01/oradata/ORCLCDB/redo${thread}_${String(((current.sequence) % ONLINE_GROUPS) + 1).padStart(2, '0')}.log`, purged: false });
    // the group reused for the new log no longer holds the oldest online one
    const online = this.logs.filter((l) => l.thread === thread && l.onlineName !== null);
    for (const l of online.slice(0, Math.max(0, online.length - ONLINE_GROUPS))) l.onlineName = null;
  }

  /** Deletes archived logs of the thread up to `sequence` (only their online copy, if any, stays). */
  purgeArchived(thread: number, upToSequence: number): void {
    for (const l of this.logs) if (l.thread === thread && l.sequence <= upToSequence && l.archivedName !== null) l.purged = true;
  }

  /** the logs LogMiner could open now */
  readableLogs(): FakeLog[] {
    return this.logs.filter((l) => l.onlineName !== null || (l.archivedName !== null && !l.purged));
  }

  committedRows(owner: string, name: string): Map<string, FakeRow> {
    return this.#current.get(`${owner}.${name}`)!;
  }

  /** The table as of an SCN: every version committed at or below it. */
  rowsAsOf(owner: string, name: string, scn: bigint): Map<string, FakeRow> {
    const rows = new Map<string, FakeRow>();
    for (const v of this.#history.get(`${owner}.${name}`) ?? []) {
      if (v.scn > scn) break;
      if (v.row === null) rows.delete(v.rowId);
      else rows.set(v.rowId, v.row);
    }
    return rows;
  }

  newRowId(): string {
    return `AAAS5tAAEAAA${(this.#rowIds++).toString(36).toUpperCase().padStart(6, 'A')}`;
  }

  #newXid(): string {
    const n = ++this.#xids;
    // USN.SLOT.SQN as RAWTOHEX shows it: 16 hex digits
    return `${(n % 10 + 1).toString(16).padStart(4, '0')}${(n % 32).toString(16).padStart(4, '0')}${n.toString(16).padStart(8, '0')}`.toUpperCase();
  }

  #ssn = 0;
  /** appends a redo record at a new SCN */
  append(r: Omit<RedoRecord, 'scn' | 'rsId' | 'ssn' | 'timestamp' | 'userName' | 'container'> & { userName?: string }): RedoRecord {
    return this.#append(r);
  }

  #append(r: Omit<RedoRecord, 'scn' | 'rsId' | 'ssn' | 'timestamp' | 'userName' | 'container'> & { userName?: string }): RedoRecord {
    const scn = this.tick();
    this.clockMs += 1;
    const record: RedoRecord = {
      ...r, scn, rsId: ` 0x0000${scn.toString(16).padStart(6, '0')}.00000001.0010 `, ssn: this.#ssn++ % 3, timestamp: this.clockMs,
      userName: r.userName ?? 'APP', container: this.container,
    };
    this.redo.push(record);
    if (this.autoSwitchEvery > 0 && this.redo.length % this.autoSwitchEvery === 0) this.logSwitch(1);
    return record;
  }

  /** applies a committed transaction's changes at its commit SCN */
  applyCommitted(changes: readonly Change[], scn: bigint): void {
    for (const c of changes) {
      const key = `${c.table.owner}.${c.table.name}`;
      this.#history.get(key)!.push({ scn, rowId: c.rowId, row: c.after });
      const current = this.#current.get(key)!;
      if (c.after === null) current.delete(c.rowId);
      else current.set(c.rowId, c.after);
    }
  }
}

/** An open transaction of the fake: its changes, savepoints and own view of the rows it touched. */
export class FakeTransaction {
  readonly changes: Change[] = [];
  readonly #savepoints = new Map<string, number>();
  readonly startScn: bigint;
  #ended = false;

  constructor(readonly db: FakeOracle, readonly xid: string, readonly thread: number, readonly userName: string) {
    this.startScn = db.append({ thread, xid, operationCode: OperationCode.START, owner: null, table: null, sqlRedo: 'set transaction read write;', rowId: null, rollback: false, userName }).scn;
  }

  /** the row as this transaction sees it (its own changes over the committed state) */
  rowOf(table: FakeTable, rowId: string): FakeRow | null {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const c = this.changes[i];
      if (c.table === table && c.rowId === rowId) return c.after;
    }
    return this.db.committedRows(table.owner, table.name).get(rowId) ?? null;
  }

  /** the row ids this transaction sees in the table, with their rows */
  visibleRows(table: FakeTable): Map<string, FakeRow> {
    const rows = new Map(this.db.committedRows(table.owner, table.name));
    for (const c of this.changes) {
      if (c.table !== table) continue;
      if (c.after === null) rows.delete(c.rowId);
      else rows.set(c.rowId, c.after);
    }
    return rows;
  }

  insert(table: FakeTable, row: FakeRow): string {
    this.#open();
    const full: FakeRow = Object.fromEntries(table.columns.map((c) => [c.name, row[c.name] ?? null]));
    const rowId = this.db.newRowId();
    this.db.append({ thread: this.thread, xid: this.xid, operationCode: OperationCode.INSERT, owner: table.owner, table: table.name, sqlRedo: insertRedo(table.owner, table.name, table.columns, full), rowId, rollback: false, userName: this.userName });
    this.changes.push({ table, rowId, before: null, after: full });
    return rowId;
  }

  update(table: FakeTable, rowId: string, set: FakeRow): void {
    this.#open();
    const before = this.rowOf(table, rowId);
    if (!before) throw new Error(`fake: no row ${rowId} in ${table.name}`);
    const after: FakeRow = { ...before, ...set };
    const setColumns = table.columns.filter((c) => c.name in set);
    const where = this.#whereColumns(table);
    this.db.append({ thread: this.thread, xid: this.xid, operationCode: OperationCode.UPDATE, owner: table.owner, table: table.name, sqlRedo: updateRedo(table.owner, table.name, setColumns, after, where, before), rowId, rollback: false, userName: this.userName });
    this.changes.push({ table, rowId, before, after });
  }

  delete(table: FakeTable, rowId: string): void {
    this.#open();
    const before = this.rowOf(table, rowId);
    if (!before) throw new Error(`fake: no row ${rowId} in ${table.name}`);
    this.db.append({ thread: this.thread, xid: this.xid, operationCode: OperationCode.DELETE, owner: table.owner, table: table.name, sqlRedo: deleteRedo(table.owner, table.name, this.#whereColumns(table), before), rowId, rollback: false, userName: this.userName });
    this.changes.push({ table, rowId, before, after: null });
  }

  savepoint(name: string): void {
    this.#savepoints.set(name, this.changes.length);
  }

  /**
   * ROLLBACK TO SAVEPOINT: LogMiner shows one undo row per change taken back, newest first, with
   * ROLLBACK = 1, the row's ROW_ID and the compensating statement as SQL_REDO.
   */
  rollbackTo(name: string): void {
    this.#open();
    const at = this.#savepoints.get(name);
    if (at === undefined) throw new Error(`fake: no savepoint ${name}`);
    this.#undoDownTo(at);
    for (const [n, i] of this.#savepoints) if (i > at) this.#savepoints.delete(n);
  }

  commit(): bigint {
    this.#open();
    this.#ended = true;
    this.db.open.delete(this.xid);
    const scn = this.db.append({ thread: this.thread, xid: this.xid, operationCode: OperationCode.COMMIT, owner: null, table: null, sqlRedo: 'commit;', rowId: null, rollback: false, userName: this.userName }).scn;
    this.db.applyCommitted(this.changes, scn);
    return scn;
  }

  rollback(): void {
    this.#open();
    this.#undoDownTo(0);
    this.#ended = true;
    this.db.open.delete(this.xid);
    this.db.append({ thread: this.thread, xid: this.xid, operationCode: OperationCode.ROLLBACK, owner: null, table: null, sqlRedo: 'rollback;', rowId: null, rollback: true, userName: this.userName });
  }

  #undoDownTo(at: number): void {
    while (this.changes.length > at) {
      const c = this.changes.pop()!;
      const t = c.table;
      const where = this.#whereColumns(t);
      const sqlRedo = c.before === null ? deleteRedo(t.owner, t.name, where, c.after!)
        : c.after === null ? insertRedo(t.owner, t.name, t.columns, c.before)
          : updateRedo(t.owner, t.name, t.columns, c.before, where, c.after);
      const operationCode = c.before === null ? OperationCode.DELETE : c.after === null ? OperationCode.INSERT : OperationCode.UPDATE;
      this.db.append({ thread: this.thread, xid: this.xid, operationCode, owner: t.owner, table: t.name, sqlRedo, rowId: c.rowId, rollback: true, userName: this.userName });
    }
  }

  #whereColumns(table: FakeTable): OracleColumn[] {
    return table.supplementalAll ? table.columns : table.columns.filter((c) => table.key.includes(c.name));
  }

  #open(): void {
    if (this.#ended) throw new Error(`fake: transaction ${this.xid} has ended`);
  }
}
