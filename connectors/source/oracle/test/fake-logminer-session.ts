import { MINING_COLUMNS } from '../logminer-row.js';
import { OracleDbError, type Binds, type SqlResult, type SqlRow, type SqlSession, type SqlValue } from '../sql-session.js';
import type { FakeLog, FakeOracle, FakeTable } from './fake-oracle.js';

const CSF_PIECE = 4000;
const OPEN_ENDED = ((1n << 64n) - 1n).toString();

/**
 * A SqlSession over a FakeOracle that answers the connector's SQL by meaning: it recognises
 * which view or package a statement reads or calls, takes its bounds from the binds and its
 * predicates from the text (operation codes, REGEXP_LIKE owner filters, keyset comparisons),
 * and answers from the database's state. CURRENT_SCN advances at every read, V$LOG and
 * V$ARCHIVED_LOG follow the log switches, ADD_LOGFILE / START_LOGMNR record the window and
 * START_LOGMNR raises ORA-01291 when the added files do not cover it, and the mining query
 * returns the timeline's rows within the window, CSF-split at 4000 characters.
 */
export class FakeLogMinerSession implements SqlSession {
  #nls = false;
  #timeZoneUtc = false;
  #container: string | null = null;
  #added: FakeLog[] = [];
  #window: { start: bigint; end: bigint } | null = null;
  closed = false;
  /** every statement received, for tests that check the sequence */
  readonly log: string[] = [];

  constructor(readonly db: FakeOracle) {}

  async execute(sql: string, binds: Binds = []): Promise<SqlResult> {
    this.#check(sql);
    const rows = this.#answer(sql.replace(/\s+/g, ' ').trim(), binds);
    return { rows, metaData: rows.length > 0 ? Object.keys(rows[0]).map((name) => ({ name })) : [] };
  }

  async *stream(sql: string, binds: Binds = []): AsyncIterable<SqlRow> {
    this.#check(sql);
    const text = sql.replace(/\s+/g, ' ').trim();
    if (/FROM V\$LOGMNR_CONTENTS/i.test(text)) {
      yield* this.#contents(text, binds);
      return;
    }
    for (const row of this.#answer(text, binds)) yield row;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  #check(sql: string): void {
    if (this.closed) throw new OracleDbError(3114, 'not connected to ORACLE');
    this.db.statements++;
    this.log.push(sql);
  }

  #answer(sql: string, binds: Binds): SqlRow[] {
    const b = (i: number) => bindAt(binds, i);
    let m: RegExpExecArray | null;
    if (/^ALTER SESSION SET NLS_DATE_FORMAT/i.test(sql)) {
      this.#nls = /NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'/.test(sql) && /NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'/.test(sql) && /NLS_NUMERIC_CHARACTERS = '\.,'/.test(sql);
      return [];
    }
    if (/^ALTER SESSION SET TIME_ZONE = '00:00'/i.test(sql)) {
      this.#timeZoneUtc = true;
      return [];
    }
    if ((m = /^ALTER SESSION SET CONTAINER = (\S+)/i.exec(sql))) {
      const name = m[1].toUpperCase();
      if (name !== 'CDB$ROOT' && !this.db.pdbs.has(name)) throw new OracleDbError(65011, 'Pluggable database does not exist.');
      this.#container = name;
      return [];
    }
    if (/^SELECT CURRENT_SCN FROM V\$DATABASE/i.test(sql)) return [{ CURRENT_SCN: String(this.db.tick()) }];
    if (/FROM V\$DATABASE/i.test(sql)) {
      const all: Record<string, SqlValue> = { LOG_MODE: this.db.logMode, SUPPLEMENTAL_LOG_DATA_MIN: this.db.supplementalMin, SUPPLEMENTAL_LOG_DATA_ALL: this.db.supplementalAll, CDB: this.db.cdb, NAME: this.db.container, CURRENT_SCN: String(this.db.scn) };
      return [pick(all, selectedColumns(sql))];
    }
    if (/FROM V\$THREAD/i.test(sql)) return [...this.db.threads].map((t) => ({ 'THREAD#': String(t), 'LAST_REDO_CHANGE#': String(this.db.scn) }));
    if (/FROM V\$TRANSACTION/i.test(sql)) return [...this.db.open.values()].map((tx) => ({ XID: tx.xid, START_SCN: String(tx.startScn) }));
    if (/FROM V\$ARCHIVED_LOG/i.test(sql)) {
      const from = BigInt(b(0) as string);
      return this.db.logs.filter((l) => l.archivedName !== null && !l.purged && l.nextScn !== null && l.nextScn > from)
        .map((l) => ({ NAME: l.archivedName, 'THREAD#': String(l.thread), 'SEQUENCE#': String(l.sequence), 'FIRST_CHANGE#': String(l.firstScn), 'NEXT_CHANGE#': String(l.nextScn) }));
    }
    if (/FROM V\$LOG L JOIN V\$LOGFILE/i.test(sql)) {
      const from = BigInt(b(0) as string);
      return this.db.logs.filter((l) => l.onlineName !== null && (l.nextScn === null || l.nextScn > from))
        .map((l) => ({ NAME: l.onlineName, 'THREAD#': String(l.thread), 'SEQUENCE#': String(l.sequence), 'FIRST_CHANGE#': String(l.firstScn), 'NEXT_CHANGE#': l.nextScn === null ? OPEN_ENDED : String(l.nextScn), STATUS: l.nextScn === null ? 'CURRENT' : 'ACTIVE', ARCHIVED: l.archivedName ? 'YES' : 'NO' }));
    }
    if (/DBMS_LOGMNR\.ADD_LOGFILE/i.test(sql)) {
      const name = String(b(0));
      const log = this.db.readableLogs().find((l) => l.onlineName === name || (l.archivedName === name && !l.purged));
      if (!log) throw new OracleDbError(1284, `file ${name} cannot be opened`);
      if (!this.#added.includes(log)) this.#added.push(log);
      return [];
    }
    if (/DBMS_LOGMNR\.START_LOGMNR/i.test(sql)) return this.#startLogMiner(sql, BigInt(String(b(0))), BigInt(String(b(1))));
    if (/DBMS_LOGMNR\.END_LOGMNR/i.test(sql)) {
      if (!this.#window && this.#added.length === 0) throw new OracleDbError(1306, 'dbms_logmnr.start_logmnr() must be invoked before selecting from v$logmnr_contents');
      this.#window = null;
      this.#added = [];
      return [];
    }
    if (/FROM ALL_TABLES/i.test(sql)) {
      return [...this.db.tables.values()].sort((x, y) => (x.owner + x.name < y.owner + y.name ? -1 : 1))
        .map((t) => ({ OWNER: t.owner, TABLE_NAME: t.name, NUM_ROWS: String(this.db.committedRows(t.owner, t.name).size) }));
    }
    if (/FROM ALL_TAB_COLUMNS/i.test(sql)) {
      const t = this.db.tables.get(`${b(0)}.${b(1)}`);
      return (t?.columns ?? []).map((c) => ({ COLUMN_NAME: c.name, DATA_TYPE: c.dataType, DATA_PRECISION: c.precision === null ? null : String(c.precision), DATA_SCALE: c.scale === null ? null : String(c.scale), NULLABLE: c.nullable ? 'Y' : 'N' }));
    }
    if (/FROM ALL_CONSTRAINTS/i.test(sql)) {
      const t = this.db.tables.get(`${b(0)}.${b(1)}`);
      return (t?.key ?? []).map((k) => ({ COLUMN_NAME: k }));
    }
    if (/FROM ALL_LOG_GROUPS/i.test(sql)) {
      const t = this.db.tables.get(`${b(0)}.${b(1)}`);
      return t?.supplementalAll ? [{ LOG_GROUP_TYPE: 'ALL COLUMN LOGGING' }] : t && t.key.length > 0 ? [{ LOG_GROUP_TYPE: 'PRIMARY KEY LOGGING' }] : [];
    }
    if (/FROM V\$PDBS/i.test(sql)) {
      const name = String(b(0));
      return this.db.pdbs.has(name) ? [{ NAME: name, OPEN_MODE: this.db.pdbs.get(name)! }] : [];
    }
    if (/FROM USER_TAB_PRIVS/i.test(sql)) {
      const named = binds as Record<string, string>;
      return [...(this.db.tablePrivileges.get(`${named.owner}.${named.name}`) ?? [])].map((p) => ({ PRIVILEGE: p }));
    }
    if (/FROM SESSION_PRIVS/i.test(sql)) return [...this.db.privileges].map((p) => ({ PRIVILEGE: p }));
    if (/FROM SESSION_ROLES/i.test(sql)) return [...this.db.roles].map((r) => ({ ROLE: r }));
    if (/^SELECT USER FROM DUAL/i.test(sql)) return [{ USER: this.db.userName }];
    if ((m = /FROM "([^"]+)"\."([^"]+)" AS OF SCN (\d+)/i.exec(sql))) return this.#flashbackQuery(sql, this.db.table(m[1], m[2]), BigInt(m[3]), binds);
    throw new OracleDbError(900, `invalid SQL statement (the fake does not know: ${sql.slice(0, 160)})`);
  }

  #startLogMiner(sql: string, start: bigint, end: bigint): SqlRow[] {
    if (!/DICT_FROM_ONLINE_CATALOG/.test(sql) || !/NO_ROWID_IN_STMT/.test(sql)) throw new OracleDbError(1281, 'the fake expects DICT_FROM_ONLINE_CATALOG + NO_ROWID_IN_STMT');
    const fault = this.db.startFaults.shift();
    if (fault !== undefined) throw new OracleDbError(fault, fault === 1291 ? 'missing logfile' : fault === 310 ? 'archived log contains sequence 1; sequence 2 required' : 'injected');
    if (this.#added.length === 0) throw new OracleDbError(1291, 'missing logfile');
    for (const thread of this.db.threads) {
      const files = this.#added.filter((l) => l.thread === thread).sort((x, y) => x.sequence - y.sequence);
      // the window (start, end] must be inside the thread's added logs, without gaps
      if (files.length === 0) throw new OracleDbError(1291, `missing logfile (thread ${thread})`);
      if (files[0].firstScn > start + 1n) throw new OracleDbError(1291, `missing logfile: thread ${thread} starts at ${files[0].firstScn}, the window at ${start + 1n}`);
      for (let i = 1; i < files.length; i++) if (files[i].sequence !== files[i - 1].sequence + 1) throw new OracleDbError(1291, `missing logfile: thread ${thread} sequence ${files[i - 1].sequence + 1}`);
      const last = files[files.length - 1];
      if (last.nextScn !== null && last.nextScn <= end) throw new OracleDbError(1291, `missing logfile: thread ${thread} after sequence ${last.sequence}`);
    }
    this.#window = { start, end };
    return [];
  }

  *#contents(sql: string, binds: Binds): Generator<SqlRow> {
    if (!this.#window) throw new OracleDbError(1306, 'dbms_logmnr.start_logmnr() must be invoked before selecting from v$logmnr_contents');
    if (!this.#nls || !this.#timeZoneUtc) throw new Error('fake: the mining session has not set the NLS formats and UTC time zone');
    const lower = BigInt(String(bindAt(binds, 0)));
    const upper = BigInt(String(bindAt(binds, 1)));
    if (lower < this.#window.start || upper > this.#window.end) throw new OracleDbError(1291, 'missing logfile: the query reaches outside the started window');
    const predicate = miningPredicate(sql);
    for (const r of this.db.redo) {
      if (r.scn <= lower) continue;
      if (r.scn > upper) break;
      if (!predicate(r.operationCode, r.owner, r.container)) continue;
      const pieces: (string | null)[] = [];
      if (r.sqlRedo !== null && r.sqlRedo.length > CSF_PIECE) for (let i = 0; i < r.sqlRedo.length; i += CSF_PIECE) pieces.push(r.sqlRedo.slice(i, i + CSF_PIECE));
      else pieces.push(r.sqlRedo);
      for (let i = 0; i < pieces.length; i++) {
        const row: Record<string, SqlValue> = {
          SCN: String(r.scn), SQL_REDO: pieces[i], OPERATION_CODE: String(r.operationCode), TIMESTAMP: new Date(r.timestamp).toISOString().slice(0, 19).replace('T', ' '),
          XID: r.xid, CSF: i < pieces.length - 1 ? '1' : '0', TABLE_NAME: r.table, SEG_OWNER: r.owner, OPERATION: operationName(r.operationCode), USERNAME: r.userName,
          ROW_ID: r.rowId, ROLLBACK: r.rollback ? '1' : '0', RS_ID: r.rsId, SSN: String(r.ssn), 'THREAD#': String(r.thread), START_SCN: null, COMMIT_SCN: r.operationCode === 7 ? String(r.scn) : null, INFO: null,
        };
        yield pick(row, [...MINING_COLUMNS]);
      }
    }
  }

  #flashbackQuery(sql: string, table: FakeTable, scn: bigint, binds: Binds): SqlRow[] {
    if (!this.#nls) throw new Error('fake: the snapshot session has not set the NLS formats');
    if (scn < this.db.undoFloorScn) throw new OracleDbError(1555, 'snapshot too old: rollback segment number  with name "" too small');
    const aliases = [...sql.slice(0, sql.search(/ FROM /i)).matchAll(/ AS "([^"]+)"/g)].map((m) => m[1]);
    let rows = [...this.db.rowsAsOf(table.owner, table.name, scn).values()];
    const where = / WHERE (.*?)(?: ORDER BY | FETCH FIRST |$)/i.exec(sql)?.[1];
    if (where) rows = rows.filter(keysetPredicate(where, table, binds));
    if (/ ORDER BY /i.test(sql)) rows.sort((x, y) => compareKeys(table, x, y));
    const limit = / FETCH FIRST (\d+) ROWS ONLY/i.exec(sql);
    if (limit) rows = rows.slice(0, Number(limit[1]));
    return rows.map((r) => Object.fromEntries(aliases.map((a) => [a, r[a] ?? null])));
  }
}

function bindAt(binds: Binds, i: number): string | number | null {
  return Array.isArray(binds) ? (binds as (string | number | null)[])[i] : Object.values(binds)[i];
}

/** the column names or aliases a SELECT lists */
function selectedColumns(sql: string): string[] {
  const list = /^SELECT (.*?) FROM /i.exec(sql)?.[1] ?? '';
  return list.split(',').map((c) => c.trim().split(/\s+/).pop()!.replace(/"/g, '').toUpperCase());
}

function pick(all: Record<string, SqlValue>, names: readonly string[]): SqlRow {
  const out: Record<string, SqlValue> = {};
  for (const n of names) out[n] = n in all ? all[n] : null;
  return out;
}

function operationName(code: number): string {
  return ({ 1: 'INSERT', 2: 'DELETE', 3: 'UPDATE', 5: 'DDL', 6: 'START', 7: 'COMMIT', 36: 'ROLLBACK', 255: 'UNSUPPORTED' } as Record<number, string>)[code] ?? 'INTERNAL';
}

/**
 * The mining query's filter, read from its text: `OPERATION_CODE IN (...)` for the boundaries
 * and for the changes, and the owner conditions joined to the second (NOT IN, REGEXP_LIKE,
 * NOT REGEXP_LIKE) and SRC_CON_NAME.
 */
function miningPredicate(sql: string): (code: number, owner: string | null, container: string) => boolean {
  const lists = [...sql.matchAll(/OPERATION_CODE IN \(([\d,\s]+)\)/gi)].map((m) => new Set(m[1].split(',').map((x) => Number(x.trim()))));
  const notIn = /SEG_OWNER NOT IN \(([^)]*)\)/i.exec(sql)?.[1].split(',').map((x) => x.trim().replace(/^'|'$/g, '')) ?? [];
  const includes = [...sql.matchAll(/(?<!NOT )REGEXP_LIKE\(SEG_OWNER, '((?:[^']|'')*)', 'i'\)/gi)].map((m) => new RegExp(m[1].replace(/''/g, "'"), 'i'));
  const excludes = [...sql.matchAll(/NOT REGEXP_LIKE\(SEG_OWNER, '((?:[^']|'')*)', 'i'\)/gi)].map((m) => new RegExp(m[1].replace(/''/g, "'"), 'i'));
  const container = /SRC_CON_NAME = '([^']+)'/i.exec(sql)?.[1] ?? null;
  const [boundaries, changes] = [lists[0] ?? new Set<number>(), lists[1] ?? new Set<number>()];
  return (code, owner, con) => {
    if (container !== null && con !== container) return false;
    if (boundaries.has(code)) return true;
    if (!changes.has(code) || owner === null) return false;
    if (notIn.includes(owner)) return false;
    if (includes.length > 0 && !includes.some((r) => r.test(owner))) return false;
    return !excludes.some((r) => r.test(owner));
  };
}

function isNumeric(table: FakeTable, column: string): boolean {
  return /^(NUMBER|FLOAT|BINARY_)/i.test(table.columns.find((c) => c.name === column)?.dataType ?? '');
}

function compareValue(table: FakeTable, column: string, a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (isNumeric(table, column)) return Number(a) - Number(b);
  return a < b ? -1 : 1;
}

function compareKeys(table: FakeTable, x: Record<string, string | null>, y: Record<string, string | null>): number {
  for (const k of table.key) {
    const c = compareValue(table, k, x[k] ?? null, y[k] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/** `("A" > :k0) OR ("A" = :k0 AND "B" > :k1)`, evaluated on a row */
function keysetPredicate(where: string, table: FakeTable, binds: Binds): (row: Record<string, string | null>) => boolean {
  const named = binds as Record<string, string | null>;
  const groups = where.split(/\)\s+OR\s+\(/i).map((g) => g.replace(/^\(|\)$/g, '').split(/\s+AND\s+/i).map((term) => {
    const m = /^"([^"]+)" (=|>) :(\w+)$/.exec(term.trim());
    if (!m) throw new OracleDbError(920, `invalid relational operator (the fake reads keyset terms only: ${term})`);
    return { column: m[1], op: m[2], value: named[m[3]] ?? null };
  }));
  return (row) => groups.some((terms) => terms.every((t) => {
    const c = compareValue(table, t.column, row[t.column] ?? null, t.value);
    return t.op === '=' ? c === 0 : c > 0;
  }));
}
