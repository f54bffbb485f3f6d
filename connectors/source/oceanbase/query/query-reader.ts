import type { Logger, SourceRecord, TaskMetrics } from '../../../../plugins/api/index.js';
import { sleep, type ChangeQueue } from '../../../../plugins/cdc/index.js';
import { snapshotExpression, type OracleColumn } from '../../../shared/oracle-types/index.js';
import { ChangeRecords, type RecordSettings } from '../change-records.js';
import type { OceanBaseTable, TextImage } from '../oceanbase-table.js';
import type { SqlClient } from '../sql-client.js';
import { deletePosition, encodeQueryOffset, keysetPredicate, queryPosition, type QueryCursor } from './query-cursor.js';

export interface QueryReaderOptions {
  readonly cursorKind: 'ora_rowscn' | 'timestamp_incrementing';
  readonly timestampColumn: string | null;
  readonly incrementingColumn: string | null;
  readonly deleteDetection: boolean;
  readonly deleteDetectionIntervalMs: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly records: RecordSettings;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly signal: AbortSignal;
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const keyText = (row: Record<string, unknown>, columns: readonly string[]) => columns.map((c) => (row[c] === null || row[c] === undefined ? null : String(row[c])));

/**
 * Query mode: no changes to the source. Each pass reads every captured table `AS OF SCN` the
 * pass's upper SCN, for the rows whose ORA_ROWSCN lies above the previous pass's (the first
 * pass: every row, as `r`), paged by keyset so rows sharing one ORA_ROWSCN are never split
 * wrongly (`query-cursor.ts`). Updates and inserts both arrive as the row's latest state with no
 * before-image: `u`, or `c` for a key not seen before when delete detection keeps the key sets.
 * Delete detection diffs each table's key set between passes (every
 * `query.delete.detection.interval.ms`) and emits `d` with the key columns only.
 */
export class QueryReader {
  #cursor: QueryCursor;
  readonly #maker: ChangeRecords;
  readonly #keys = new Map<number, Set<string>>();
  #lastDetection = 0;
  #deletes = 0;

  constructor(readonly options: QueryReaderOptions, readonly client: () => SqlClient, readonly tables: readonly OceanBaseTable[], from: QueryCursor) {
    this.#cursor = from;
    this.#maker = new ChangeRecords(options.records);
  }

  get cursor(): QueryCursor {
    return this.#cursor;
  }

  /** the upper bound of a new pass: the current SCN (or the newest timestamp) */
  async currentUpper(): Promise<string> {
    if (this.options.cursorKind === 'ora_rowscn') {
      const r = await this.client().query('SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER AS "SCN" FROM DUAL');
      return String(r.rows[0]?.SCN);
    }
    const r = await this.client().query("SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD HH24:MI:SS.FF6') AS \"TS\" FROM DUAL");
    return String(r.rows[0]?.TS);
  }

  async run(): Promise<void> {
    while (!this.options.signal.aborted) {
      const read = await this.step();
      if (!read) await sleep(this.options.pollIntervalMs, this.options.signal);
    }
  }

  /** reads one page; at the end of a pass starts the next; false when a pass ended with nothing new */
  async step(): Promise<boolean> {
    const c = this.#cursor;
    if (c.table >= this.tables.length) {
      const detected = await this.#detectDeletes(c.upper);
      const upper = await this.currentUpper();
      this.#cursor = { lower: c.upper, upper, table: 0, scn: null, key: null, row: 0 };
      return detected;
    }
    const table = this.tables[c.table];
    const rows = await this.#page(table, c);
    for (const row of rows) {
      const scn = String(row.__SCN);
      const key = keyText(row, table.shape.key);
      const image = imageOf(row, table);
      const rowNo = this.#cursor.row + 1;
      this.#cursor = { ...this.#cursor, scn, key, row: rowNo };
      const known = this.#keys.get(c.table);
      const keyId = JSON.stringify(key);
      const op = c.lower === null ? 'r' : this.options.deleteDetection && known && !known.has(keyId) ? 'c' : 'u';
      known?.add(keyId);
      const records = this.#maker.records({
        table, op, before: null, after: image, tsMs: Date.now(), txId: null, scn: this.options.cursorKind === 'ora_rowscn' ? scn : null,
        position: queryPosition(c.upper, c.table, rowNo), offset: encodeQueryOffset(this.#cursor),
      });
      for (const r of records) await this.options.queue.put(r);
    }
    if (rows.length < this.options.batchSize) this.#cursor = { ...this.#cursor, table: this.#cursor.table + 1, scn: null, key: null, row: 0 };
    this.options.metrics.setGauge('oceanbase_query_upper', 'Upper bound (SCN) of the pass query mode reads', Number(c.upper) || 0);
    return rows.length > 0;
  }

  async #page(table: OceanBaseTable, c: QueryCursor): Promise<readonly Record<string, unknown>[]> {
    const o = this.options;
    const ts = o.timestampColumn;
    const scnExpr = o.cursorKind === 'ora_rowscn' ? 'ORA_ROWSCN' : `TO_CHAR(${q(table.shape.owner)}.${q(table.shape.name)}.${q(ts!)}, 'YYYY-MM-DD HH24:MI:SS.FF6')`;
    // key columns qualified by the table: a bare name in ORDER BY would mean the select list's TO_CHAR alias of the same name
    const from = `${q(table.shape.owner)}.${q(table.shape.name)}`;
    const keyCols = o.cursorKind === 'ora_rowscn' ? table.shape.key.map((k) => `${from}.${q(k)}`) : [`${from}.${q(o.incrementingColumn!)}`];
    const select = table.shape.columns.map((col) => `${selectExpression(col, q(col.name))} AS ${q(col.name)}`).join(', ');
    const where: string[] = [];
    const params: unknown[] = [];
    if (c.lower !== null) {
      where.push(`${scnExpr} > ?`, `${scnExpr} <= ?`);
      params.push(c.lower, c.upper);
    }
    const keyset = keysetPredicate(scnExpr, keyCols, c.scn === null || c.key === null ? null : { scn: c.scn, key: c.key });
    where.push(keyset.sql);
    params.push(...keyset.params);
    const asOf = o.cursorKind === 'ora_rowscn' ? ` AS OF SCN ${BigInt(c.upper).toString()}` : '';
    const sql = `SELECT ${scnExpr} AS "__SCN", ${select} FROM ${from}${asOf} WHERE ${where.join(' AND ')} ORDER BY ${[scnExpr, ...keyCols].join(', ')} FETCH FIRST ${o.batchSize} ROWS ONLY`;
    const result = await this.client().query(sql, params);
    return result.rows;
  }

  /** diffs each table's key set against the last detection point's; the first run only records the sets */
  async #detectDeletes(upper: string): Promise<boolean> {
    const o = this.options;
    if (!o.deleteDetection || Date.now() - this.#lastDetection < o.deleteDetectionIntervalMs && this.#keys.size > 0) return false;
    this.#lastDetection = Date.now();
    let found = false;
    for (let i = 0; i < this.tables.length; i++) {
      const table = this.tables[i];
      if (table.shape.key.length === 0) continue;
      const asOf = o.cursorKind === 'ora_rowscn' ? ` AS OF SCN ${BigInt(upper).toString()}` : '';
      const keySelect = table.shape.key.map((k) => { const col = table.shape.columns.find((x) => x.name === k)!; return `${snapshotExpression(col, q(k))} AS ${q(k)}`; }).join(', ');
      const result = await this.client().query(`SELECT ${keySelect} FROM ${q(table.shape.owner)}.${q(table.shape.name)}${asOf}`);
      const now = new Set(result.rows.map((r) => JSON.stringify(keyText(r, table.shape.key))));
      const before = this.#keys.get(i);
      this.#keys.set(i, now);
      if (!before) continue;
      for (const k of before) {
        if (now.has(k)) continue;
        found = true;
        const values = JSON.parse(k) as (string | null)[];
        const image: Record<string, string | null> = {};
        table.shape.key.forEach((name, j) => (image[name] = values[j]));
        const records = this.#maker.records({
          table, op: 'd', before: image, after: null, tsMs: Date.now(), txId: null, scn: o.cursorKind === 'ora_rowscn' ? upper : null,
          position: deletePosition(upper, i, ++this.#deletes), offset: encodeQueryOffset({ lower: this.#cursor.lower, upper, table: this.tables.length, scn: null, key: null, row: 0 }),
        });
        for (const r of records) await o.queue.put(r);
      }
    }
    return found;
  }
}

/**
 * Temporal columns are selected as they are: they come back with OceanBase's own type codes
 * (0xc8–0xca) as text in the session's NLS formats, which the connection's typeCast keeps as text
 * (`castWireValue`); the rest as the snapshot's TO_CHAR forms.
 */
function selectExpression(column: OracleColumn, quoted: string): string {
  return /^(DATE|TIMESTAMP)/i.test(column.dataType) ? quoted : snapshotExpression(column, quoted);
}

function imageOf(row: Record<string, unknown>, table: OceanBaseTable): TextImage {
  const image: Record<string, string | null> = {};
  for (const c of table.shape.columns) {
    const v = row[c.name];
    image[c.name] = v === null || v === undefined ? null : String(v);
  }
  return image;
}
