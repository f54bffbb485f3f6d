import type pg from 'pg';
import { PaddedNumbers, type Logger, type SourceOffset, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { estimateRows, listTables, tableColumns, type CatalogTable } from './catalog.js';
import { heartbeatRecord, type EventSettings } from './change-event-builder.js';
import type { ChangeQueue } from './change-queue.js';
import type { Lsn } from './lsn.js';
import { copyOut } from './copy-out.js';
import { quoteIdent, quoteLiteral } from './pg-connection.js';
import type { TypeMappingOptions } from './pg-type-mapper.js';
import { snapshotPositionPrefix } from './positions.js';
import { sourceInfo } from './source-info.js';
import type { TableFilter } from './table-filter.js';
import { TableSchema } from './table-schema.js';
import type { TypeRegistry } from './type-registry.js';

export interface SnapshotOptions {
  /** a connection returning raw text (see RAW_TEXT_TYPES), used only by the snapshot */
  readonly client: pg.Client;
  readonly topicPrefix: string;
  readonly events: EventSettings;
  readonly filter: TableFilter;
  readonly mapping: TypeMappingOptions;
  readonly registry: TypeRegistry;
  readonly queue: ChangeQueue<SourceRecord>;
  readonly fetchSize: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
  readonly signal: AbortSignal;
}

interface TableProgress { rows: number; estimated: number | null; done: boolean }

/**
 * Reads the captured tables inside one REPEATABLE READ transaction (the slot's exported snapshot
 * when the slot was just created, so the snapshot and the stream meet exactly at the consistent
 * point), in primary-key chunks of `snapshot.fetch.size` rows (keyless tables in one pass), read
 * with COPY ... TO STDOUT and handed to the queue with backpressure.
 *
 * Offsets of snapshot records name the tables already complete, so a snapshot interrupted by a
 * crash resumes with the remaining tables. The last record's offset marks the snapshot complete;
 * when no table has rows, a heartbeat record carries that offset instead.
 */
export class Snapshotter {
  readonly #o: SnapshotOptions;
  readonly #progress = new Map<string, TableProgress>();

  constructor(options: SnapshotOptions) {
    this.#o = options;
  }

  /** Opens the snapshot transaction; `exported` is the slot's snapshot name, when there is one. */
  async begin(exported: string | null): Promise<void> {
    await this.#o.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (exported) await this.#o.client.query(`SET TRANSACTION SNAPSHOT '${exported.replace(/'/g, "''")}'`);
  }

  /**
   * Reads every captured table not in `done`, then commits the transaction. Rows are positioned
   * at `point`; offsets name `resumeFrom`, the LSN streaming continues from (and the most the
   * server may be told is flushed). The two are the same for a slot's exported snapshot; for a
   * snapshot taken later (an existing slot) `point` is the server's WAL position at the start,
   * so that the new rows sort after everything already delivered, while streaming still resumes
   * from the slot's position so no change to an already-read table is missed.
   */
  async run(point: Lsn, resumeFrom: Lsn, done: readonly string[]): Promise<void> {
    const client = this.#o.client;
    const completed = [...done];
    const tables = (await listTables(client))
      .filter((t) => this.#o.filter.includesTable(t.schema, t.table) && !done.includes(`${t.schema}.${t.table}`))
      .sort((a, b) => a.oid - b.oid);
    for (const t of tables) this.#progress.set(`${t.schema}.${t.table}`, { rows: 0, estimated: await estimateRows(client, t.oid), done: false });
    this.#report();
    this.#o.logger.info({ tables: tables.length, skipped: done.length, lsn: point.toString() }, 'snapshot started');
    const snapshotTime = Date.now();
    let held: SourceRecord | null = null;
    const resume = resumeFrom.toOffset();
    const offsetFor = (last: boolean): SourceOffset => last
      ? { lsn: resume, lsn_commit: resume, txId: null, last_snapshot_record: true, snapshot_completed: true }
      : { snapshot: true, last_snapshot_record: false, lsn: resume, lsn_commit: resume, txId: null, snapshot_lsn: resume, snapshot_tables_done: completed.join(',') };
    for (const t of tables) {
      const name = `${t.schema}.${t.table}`;
      await this.#readTable(t, point, snapshotTime, offsetFor(false), (record) => {
        const previous = held;
        held = record;
        return previous ? this.#offer(previous) : undefined;
      });
      if (this.#o.signal.aborted) return;
      completed.push(name);
      const progress = this.#progress.get(name)!;
      progress.done = true;
      progress.estimated = progress.rows;
      this.#report();
      // the table's last row now records the table as complete
      if (held) held = { ...(held as SourceRecord), sourceOffset: offsetFor(false) };
      this.#o.logger.info({ table: name, rows: progress.rows }, 'snapshot of table complete');
    }
    await client.query('COMMIT');
    if (held) {
      const last = held as SourceRecord;
      const value = last.value as { source: Record<string, unknown> };
      await this.#o.queue.put({ ...last, value: { ...value, source: { ...value.source, snapshot: 'last' } }, sourceOffset: offsetFor(true) });
    } else {
      await this.#o.queue.put(heartbeatRecord(point, this.#o.events, offsetFor(true)));
    }
    this.#o.logger.info({ tables: completed.length }, 'snapshot complete');
  }

  async #readTable(t: CatalogTable, point: Lsn, snapshotTime: number, offset: SourceOffset, emit: (r: SourceRecord) => Promise<void> | undefined): Promise<void> {
    const client = this.#o.client;
    const columns = await tableColumns(client, t.oid);
    await this.#o.registry.ensure(client, columns.map((c) => c.typeOid));
    const schema = new TableSchema(t.schema, t.table, columns, { topicPrefix: this.#o.topicPrefix, registry: this.#o.registry, filter: this.#o.filter, mapping: this.#o.mapping });
    const name = `${t.schema}.${t.table}`;
    const progress = this.#progress.get(name)!;
    const serverName = this.#o.events.serverName;
    const placeholder = this.#o.events.placeholder;
    const partition = { server: serverName };
    const source = sourceInfo({ serverName, db: this.#o.events.db, schema: t.schema, table: t.table, tsMs: snapshotTime, snapshot: 'true', txId: null, lsn: point, commitLsn: null });
    const selectList = columns.map((c) => quoteIdent(c.name)).join(', ');
    const from = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
    const keyIndexes = columns.map((c, i) => ({ c, i })).filter((x) => x.c.pkPosition > 0).sort((a, b) => a.c.pkPosition - b.c.pkPosition).map((x) => x.i);
    // the key texts of the last row read: where the next chunk starts
    const lastKey: (string | null)[] = [];
    let chunkRows = 0;
    // positions are snapshotPosition(point, oid, row); ids the server name, '/', and the position
    const positionPrefix = snapshotPositionPrefix(point, t.oid);
    const positions = new PaddedNumbers(positionPrefix, 12);
    const ids = new PaddedNumbers(`${serverName}/${positionPrefix}`, 12);
    const onRow = (values: (string | null)[]): Promise<void> | undefined => {
      chunkRows++;
      const row = progress.rows++;
      const record: SourceRecord = {
        topic: schema.topic, keySchema: schema.keySchema, key: schema.toKey(values), valueSchema: schema.valueSchema,
        value: { before: null, after: schema.toRow(values, placeholder), source, op: 'r', ts_ms: Date.now() },
        timestamp: snapshotTime, sourcePartition: partition, sourceOffset: offset, position: positions.of(row), id: ids.of(row),
      };
      for (let k = 0; k < keyIndexes.length; k++) lastKey[k] = values[keyIndexes[k]];
      return emit(record);
    };
    if (keyIndexes.length === 0) {
      // keyless: one pass in physical order, with the same backpressure
      await copyOut(this.#o.client, `COPY (SELECT ${selectList} FROM ${from}) TO STDOUT`, onRow, this.#o.signal);
      this.#report();
      return;
    }
    // keyset pagination: each chunk is an index range scan, never an OFFSET re-read; COPY takes
    // no parameters, so the last key goes in as literals (the server's own text for each value)
    const fetch = this.#o.fetchSize;
    const keyList = keyIndexes.map((i) => quoteIdent(columns[i].name)).join(', ');
    for (;;) {
      const where: string = lastKey.length === 0 ? '' : ` WHERE (${keyList}) > (${lastKey.map((text) => quoteLiteral(text ?? '')).join(', ')})`;
      chunkRows = 0;
      await copyOut(this.#o.client, `COPY (SELECT ${selectList} FROM ${from}${where} ORDER BY ${keyList} LIMIT ${fetch}) TO STDOUT`, onRow, this.#o.signal);
      this.#report();
      if (chunkRows < fetch || this.#o.signal.aborted) break;
    }
  }

  /** Queues without waiting when there is room; otherwise the returned promise waits for room. */
  #offer(record: SourceRecord): Promise<void> | undefined {
    return this.#o.queue.offer(record) ? undefined : this.#o.queue.put(record);
  }

  #report(): void {
    const tables: Record<string, TableProgress> = {};
    let rows = 0;
    let remaining = 0;
    for (const [name, p] of this.#progress) {
      tables[name] = { ...p };
      rows += p.rows;
      if (!p.done) remaining++;
      this.#o.metrics.setGauge('postgres_snapshot_rows', 'Rows read by the snapshot so far, per table', p.rows, { table: name });
      if (p.estimated !== null) this.#o.metrics.setGauge('postgres_snapshot_rows_estimated', 'Rows the snapshot expects to read, per table (planner estimate)', p.estimated, { table: name });
    }
    this.#o.metrics.setGauge('postgres_snapshot_tables_remaining', 'Tables the snapshot has still to read', remaining);
    this.#o.setProgress({ snapshot: { running: remaining > 0, rows, tables } });
  }
}
