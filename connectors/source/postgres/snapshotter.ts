import type pg from 'pg';
import { PaddedNumbers, type Logger, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { estimateRows, listTables, tableColumns, type CatalogTable } from './catalog.js';
import { heartbeatRecord, type EventSettings } from './change-event-builder.js';
import { SnapshotRunner, type BlockingScope, type ChangeQueue, type Emit, type SnapshotTable, type TableProgress } from '../../../plugins/cdc/index.js';
import type { Lsn } from './lsn.js';
import { copyOut } from './copy-out.js';
import { quoteIdent, quoteLiteral } from './pg-connection.js';
import type { TypeMappingOptions } from './pg-type-mapper.js';
import { snapshotOffsets, snapshotPositionPrefix, type SnapshotOffsets } from './positions.js';
import { keyColumnInfo, keyEncoderFor } from './snapshot-key-encoder.js';
import { envelope, sourceInfo } from './source-info.js';
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

/** Where an interrupted snapshot picks up: read from its stored offset (see offsetFor). */
export interface SnapshotResume {
  /** `schema.table` of every table complete */
  readonly done: readonly string[];
  /** the table that was being read: its OID, the key texts its chunk starts after, the rows before that chunk */
  readonly table: { readonly oid: number; readonly after: readonly (string | null)[] | null; readonly rowsBefore: number } | null;
  /**
   * when the interrupted snapshot started (ms): its rows' timestamp, kept so that a row read
   * again lands under the same file name and time partition
   */
  readonly startedAt: number | null;
  /** a blocking snapshot: only these tables, each with its filter (null: every captured table) */
  readonly blocking?: BlockingScope | null;
}

/**
 * Reads the captured tables inside one REPEATABLE READ transaction (the slot's exported snapshot
 * when the slot was just created, so the snapshot and the stream meet exactly at the consistent
 * point), in primary-key chunks of `snapshot.fetch.size` rows (keyless tables in one pass), read
 * with COPY ... TO STDOUT and handed to the queue with backpressure.
 *
 * Resuming: every record's offset names the tables already complete, the table being read, and
 * the key its chunk starts after, so a snapshot interrupted by a crash resumes at the start of
 * that chunk, with the same snapshot point. Rows are positioned by their primary key (see
 * snapshot-key-encoder.ts; by ordinal where the key's type has no byte-order encoding), so a row
 * read again has the position it had before, and the rows a sink already holds are not handed to
 * it again. The last record's offset marks the snapshot complete; when no table has rows, a
 * heartbeat record carries that offset instead.
 */
export class Snapshotter {
  readonly #o: SnapshotOptions;
  readonly #runner: SnapshotRunner;

  constructor(options: SnapshotOptions) {
    this.#o = options;
    this.#runner = new SnapshotRunner({ queue: options.queue, logger: options.logger, metrics: options.metrics, metricPrefix: 'postgres', setProgress: options.setProgress, signal: options.signal });
  }

  /** Opens the snapshot transaction; `exported` is the slot's snapshot name, when there is one. */
  async begin(exported: string | null): Promise<void> {
    // a synchronized scan may start in the middle of the table, so a keyless table re-read after a
    // crash would come back in another order (and with other ordinal positions)
    await this.#o.client.query('SET synchronize_seqscans = off');
    await this.#o.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (exported) await this.#o.client.query(`SET TRANSACTION SNAPSHOT '${exported.replace(/'/g, "''")}'`);
  }

  /**
   * Reads every captured table not complete in `resume`, then commits the transaction. Rows are
   * positioned at `point`; offsets name `resumeFrom`, the LSN streaming continues from (and the
   * most the server may be told is flushed). The two are the same for a slot's exported snapshot;
   * for a snapshot taken later (an existing slot) `point` is the server's WAL position when the
   * snapshot first started — kept when it resumes — so that its rows sort after everything
   * delivered before it, while streaming still resumes from the slot's position so no change to
   * an already-read table is missed.
   */
  async run(point: Lsn, resumeFrom: Lsn, resume: SnapshotResume): Promise<void> {
    const client = this.#o.client;
    const completed = [...resume.done];
    const scope = resume.blocking ?? null;
    const catalog = (await listTables(client))
      .filter((t) => this.#o.filter.includesTable(t.schema, t.table) && !resume.done.includes(`${t.schema}.${t.table}`))
      .filter((t) => !scope || scope.collections.includes(`${t.schema}.${t.table}`))
      .sort((a, b) => a.oid - b.oid);
    const tables: SnapshotTable<CatalogTable>[] = [];
    for (const t of catalog) {
      const start = resume.table?.oid === t.oid ? resume.table : null;
      tables.push({ name: `${t.schema}.${t.table}`, table: t, estimated: await estimateRows(client, t.oid), rowsBefore: start?.rowsBefore ?? 0, resumedPartWay: start?.after !== null && start?.after !== undefined });
    }
    this.#runner.plan(tables);
    this.#o.logger.info({ tables: tables.length, skipped: resume.done.length, lsn: point.toString(), resumedTable: resume.table ? { oid: resume.table.oid, rowsBefore: resume.table.rowsBefore } : null }, 'snapshot started');
    const snapshotTime = resume.startedAt ?? Date.now();
    const offsets = snapshotOffsets(point, resumeFrom, snapshotTime, completed, scope);
    await this.#runner.run(tables, {
      read: (t, emit, progress, report) => this.#readTable(t.table, point, snapshotTime, resume.table?.oid === t.table.oid ? resume.table : null, scope?.conditions[t.name] ?? null, offsets, emit, progress, report),
      finish: async () => void await client.query('COMMIT'),
      emptySnapshotRecord: (offset) => heartbeatRecord(point, this.#o.events, offset),
    }, completed, offsets);
  }

  /** `condition`: a blocking snapshot's filter of this table (SQL from the signal), or null */
  async #readTable(t: CatalogTable, point: Lsn, snapshotTime: number, start: SnapshotResume['table'], condition: string | null, offsets: SnapshotOffsets, emit: Emit, progress: TableProgress, report: () => void): Promise<void> {
    const client = this.#o.client;
    const columns = await tableColumns(client, t.oid);
    await this.#o.registry.ensure(client, columns.map((c) => c.typeOid));
    const schema = new TableSchema(t.schema, t.table, columns, { topicPrefix: this.#o.topicPrefix, registry: this.#o.registry, filter: this.#o.filter, mapping: this.#o.mapping });
    const serverName = this.#o.events.serverName;
    const placeholder = this.#o.events.placeholder;
    const partition = { server: serverName };
    const source = sourceInfo({ serverName, db: this.#o.events.db, schema: t.schema, table: t.table, tsMs: snapshotTime, snapshot: 'true', txId: null, lsn: point, commitLsn: null });
    const selectList = columns.map((c) => quoteIdent(c.name)).join(', ');
    const from = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
    const keyIndexes = columns.map((c, i) => ({ c, i })).filter((x) => x.c.pkPosition > 0).sort((a, b) => a.c.pkPosition - b.c.pkPosition).map((x) => x.i);
    const keyEncoder = keyIndexes.length > 0 ? keyEncoderFor(await keyColumnInfo(client, t.oid)) : null;
    // the key texts of the last row read: where the next chunk starts (a resumed table: where its chunk started)
    const lastKey: (string | null)[] = start?.after ? [...start.after] : [];
    const keyTexts: (string | null)[] = new Array(keyIndexes.length);
    let chunkRows = 0;
    // positions are the table's prefix and the row's key (or ordinal); ids the server name, '/', and the position
    const positionPrefix = snapshotPositionPrefix(point, t.oid);
    const positions = new PaddedNumbers(positionPrefix, 12);
    const ids = new PaddedNumbers(`${serverName}/${positionPrefix}`, 12);
    const idPrefix = `${serverName}/`;
    let offset = offsets.inTable(t.oid, start?.after ?? null, progress.rows);
    const onRow = (values: (string | null)[]): Promise<void> | undefined => {
      chunkRows++;
      const row = progress.rows++;
      let position: string;
      let id: string;
      if (keyEncoder) {
        for (let k = 0; k < keyIndexes.length; k++) keyTexts[k] = values[keyIndexes[k]];
        position = positionPrefix + keyEncoder(keyTexts);
        id = idPrefix + position;
      } else {
        position = positions.of(row);
        id = ids.of(row);
      }
      const record: SourceRecord = {
        topic: schema.topic, keySchema: schema.keySchema, key: schema.toKey(values), valueSchema: schema.valueSchema,
        value: envelope('r', null, schema.toRow(values, placeholder), source),
        timestamp: snapshotTime, sourcePartition: partition, sourceOffset: offset, position, id,
      };
      for (let k = 0; k < keyIndexes.length; k++) lastKey[k] = values[keyIndexes[k]];
      return emit(record);
    };
    if (keyIndexes.length === 0) {
      // keyless: one pass in physical order, with the same backpressure; a resume reads it again
      await copyOut(this.#o.client, `COPY (SELECT ${selectList} FROM ${from}${condition ? ` WHERE (${condition})` : ''}) TO STDOUT`, onRow, this.#o.signal);
      report();
      return;
    }
    // keyset pagination: each chunk is an index range scan, never an OFFSET re-read; COPY takes
    // no parameters, so the last key goes in as literals (the server's own text for each value)
    const fetch = this.#o.fetchSize;
    const keyList = keyIndexes.map((i) => quoteIdent(columns[i].name)).join(', ');
    for (;;) {
      const filters = [condition ? `(${condition})` : null, lastKey.length === 0 ? null : `(${keyList}) > (${lastKey.map((text) => quoteLiteral(text ?? '')).join(', ')})`].filter((f) => f !== null);
      const where: string = filters.length === 0 ? '' : ` WHERE ${filters.join(' AND ')}`;
      chunkRows = 0;
      await copyOut(this.#o.client, `COPY (SELECT ${selectList} FROM ${from}${where} ORDER BY ${keyList} LIMIT ${fetch}) TO STDOUT`, onRow, this.#o.signal);
      report();
      if (chunkRows < fetch || this.#o.signal.aborted) break;
      // the next chunk's records resume after this chunk's last key
      offset = offsets.inTable(t.oid, [...lastKey], progress.rows);
    }
  }
}
