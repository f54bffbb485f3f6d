import type { Logger, SourceOffset, SourceRecord } from '../../../../plugins/api/index.js';
import type { ChangeQueue } from '../../../../plugins/cdc/index.js';
import { ChangeRecords, type RecordSettings } from '../change-records.js';
import type { OceanBaseTable } from '../oceanbase-table.js';
import { keyAfterPredicate } from '../query/query-cursor.js';
import type { SqlClient } from '../sql-client.js';
import type { TriggerDialect } from './trigger-dialect.js';

/**
 * Where trigger mode's initial snapshot is: the change table's highest SEQ inside the snapshot's
 * consistent read (`seq`: streaming starts after it, and the rows at or below it, already in the
 * snapshot, are deleted), the flashback SCN in Oracle mode, and the next table and key to read.
 */
export interface TriggerSnapshotPoint {
  readonly seq: number;
  readonly scn: string | null;
  readonly table: number;
  readonly key: readonly (string | null)[] | null;
  readonly row: number;
}

export function encodeSnapshotOffset(p: TriggerSnapshotPoint): SourceOffset {
  return { mode: 'trigger', seq: p.seq, snapshot: true, snap_scn: p.scn, snap_table: p.table, snap_key: p.key === null ? null : JSON.stringify(p.key), snap_row: p.row };
}

export function decodeSnapshotOffset(o: SourceOffset): TriggerSnapshotPoint | null {
  if (o.snapshot !== true) return null;
  return {
    seq: Number(o.seq), scn: typeof o.snap_scn === 'string' ? o.snap_scn : null, table: Number(o.snap_table),
    key: typeof o.snap_key === 'string' ? (JSON.parse(o.snap_key) as (string | null)[]) : null, row: Number(o.snap_row),
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A snapshot record's position: after every change at or below `seq`, before the change after it ('.' sorts below '/' and ':'). */
export function snapshotPosition(seq: number, table: number, row: number): string {
  return `${pad(seq, 20)}.${pad(table, 4)}.${pad(row, 12)}`;
}

export interface TriggerSnapshotOptions {
  readonly dialect: TriggerDialect;
  readonly schema: string;
  readonly changeTable: string;
  readonly tables: readonly OceanBaseTable[];
  readonly fetchSize: number;
  readonly records: RecordSettings;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * The initial snapshot of trigger mode: inside one consistent read (MySQL: a transaction WITH
 * CONSISTENT SNAPSHOT; Oracle mode: `AS OF SCN`), the change table's highest SEQ and every
 * captured table in primary-key pages, as `r` records. A resumed snapshot (after a crash) reads
 * on after the stored key; in MySQL that is a new consistent read, so rows changed meanwhile show
 * their newer state there and again as changes after `seq`: the end state is the same.
 */
export class TriggerSnapshot {
  readonly #maker: ChangeRecords;
  #last: TriggerSnapshotPoint | null = null;

  constructor(readonly options: TriggerSnapshotOptions, readonly client: () => SqlClient) {
    this.#maker = new ChangeRecords(options.records);
  }

  /** the point after the last row queued (null: none yet) */
  get lastPoint(): TriggerSnapshotPoint | null {
    return this.#last;
  }

  /** opens the consistent read and fixes `seq` (and the SCN): the point to store before any row is sent */
  async begin(currentScn: (() => Promise<string>) | null): Promise<TriggerSnapshotPoint> {
    const o = this.options;
    const scn = currentScn ? await currentScn() : null;
    const read = o.dialect.snapshotRead(o.schema, o.changeTable, scn);
    for (const s of read.begin) await this.client().query(s);
    const max = await this.client().query(read.maxSeq);
    return { seq: Number(max.rows[0]?.M ?? 0), scn, table: 0, key: null, row: 0 };
  }

  /** reads from `point` to the end; the consistent read of `begin` (or a new one, resuming) must be open */
  async run(point: TriggerSnapshotPoint, reopen: boolean): Promise<void> {
    const o = this.options;
    const read = o.dialect.snapshotRead(o.schema, o.changeTable, point.scn);
    if (reopen) for (const s of read.begin) await this.client().query(s);
    let { table: t, key, row } = point;
    for (; t < o.tables.length && !o.signal.aborted; t++, key = null, row = 0) {
      const table = o.tables[t];
      const shape = table.shape;
      const q = (id: string) => o.dialect.quote(id);
      const select = shape.columns.map((c) => `${o.dialect.textOf(c, q(c.name))} AS ${q(c.name)}`).join(', ');
      // qualified by the table: a bare name in ORDER BY would mean the select list's text alias of the same name
      const from = `${q(shape.owner)}.${q(shape.name)}`;
      const keyCols = shape.key.map((k) => `${from}.${q(k)}`);
      for (;;) {
        const after = key && keyCols.length > 0 ? keyAfterPredicate(keyCols, key) : null;
        const paged = keyCols.length > 0;
        const sql = `SELECT ${select} FROM ${from}${read.asOf}${after ? ` WHERE ${after.sql}` : ''}${paged ? ` ORDER BY ${keyCols.join(', ')} ${o.dialect.limit(o.fetchSize)}` : ''}`;
        const result = await this.client().query(sql, after?.params ?? []);
        // a keyless table is read in one pass; a resumed one skips the rows already sent
        const rows = paged ? result.rows : result.rows.slice(row);
        for (const r of rows) {
          row++;
          const image: Record<string, string | null> = {};
          for (const c of shape.columns) image[c.name] = r[c.name] === null || r[c.name] === undefined ? null : String(r[c.name]);
          key = shape.key.map((k) => image[k]);
          const here = { seq: point.seq, scn: point.scn, table: t, key: paged ? key : null, row };
          const offset = encodeSnapshotOffset(here);
          for (const rec of this.#maker.records({ table, op: 'r', before: null, after: image, tsMs: Date.now(), txId: null, scn: null, position: snapshotPosition(point.seq, t, row), offset })) {
            await o.queue.put(rec);
          }
          this.#last = here;
        }
        if (!paged || result.rows.length < o.fetchSize) break;
      }
      o.logger.info({ table: table.identifier, rows: row }, 'trigger-mode snapshot: table done');
    }
    for (const s of read.end) await this.client().query(s);
  }
}
