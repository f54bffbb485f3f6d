import { PaddedNumbers, type Logger, type SourceRecord, type TaskMetrics } from '../../../plugins/api/index.js';
import { envelope, SnapshotRunner, utf8Hex, type ChangeQueue, type Emit, type SnapshotTable, type TableFilter, type TableProgress } from '../../../plugins/cdc/index.js';
import { BinlogPosition, heartbeatPosition, snapshotTablePrefix } from './binlog-position.js';
import { describeTable, listTables, type CatalogTable } from './catalog.js';
import type { MappingOptions } from './column-converters.js';
import type { RecordSettings } from './record-settings.js';
import { quoteIdent, type MySqlClient } from './mysql-connection.js';
import type { MySqlConfig } from './mysql-config-spec.js';
import { MySqlTable } from './mysql-table.js';
import { keyEncoderFor } from './snapshot-key.js';
import { snapshotOffsets, type SnapshotOffsets, type SnapshotPoint, type SnapshotResume } from './snapshot-offsets.js';
import { sourceInfo } from './source-info.js';
import { heartbeatRecord } from '../../../plugins/cdc/index.js';

export interface SnapshotOptions {
  readonly client: MySqlClient;
  readonly settings: RecordSettings;
  readonly filter: TableFilter;
  readonly mapping: MappingOptions;
  readonly lockingMode: MySqlConfig['snapshot.locking.mode'];
  readonly queue: ChangeQueue<SourceRecord>;
  readonly fetchSize: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly setProgress: (progress: Record<string, unknown> | null) => void;
  readonly signal: AbortSignal;
}

type Row = Record<string, unknown>;

/**
 * Debezium's MySQL snapshot: a REPEATABLE READ transaction `WITH CONSISTENT SNAPSHOT` whose
 * binlog position is read while no write can commit, then every captured table read inside it
 * in primary-key chunks of `snapshot.fetch.size` rows (keyless tables streamed in one pass),
 * handed to the queue with backpressure. Streaming then starts at that position, so the snapshot
 * and the stream meet exactly.
 *
 * The position: MariaDB reports the binlog position of the transaction's own snapshot
 * (`binlog_snapshot_file`/`binlog_snapshot_position`), exact without any lock; MySQL's is read
 * with `SHOW MASTER STATUS` under `FLUSH TABLES WITH READ LOCK` (RELOAD privilege), released at
 * once (`minimal`) or at the end (`extended`); `none` takes no lock (exact on MariaDB only).
 *
 * Resuming: every record's offset names the tables complete, the table being read and the key its
 * chunk starts after, so a snapshot interrupted by a crash resumes at that chunk with the same
 * point (in a new transaction: streaming from the point brings the rows up to date).
 */
export class Snapshotter {
  readonly #o: SnapshotOptions;
  readonly #runner: SnapshotRunner;
  #locked = false;

  constructor(options: SnapshotOptions) {
    this.#o = options;
    this.#runner = new SnapshotRunner({ queue: options.queue, logger: options.logger, metrics: options.metrics, metricPrefix: 'mysql', setProgress: options.setProgress, signal: options.signal });
  }

  /** Opens the snapshot transaction and returns the binlog position it is consistent with. */
  async begin(isMariaDb: boolean): Promise<SnapshotPoint> {
    const client = this.#o.client;
    const mode = this.#o.lockingMode;
    if (mode !== 'none') {
      try {
        await client.promise().query('FLUSH TABLES WITH READ LOCK');
        this.#locked = true;
      } catch (error) {
        // MariaDB's snapshot position is exact without the lock; MySQL's is not
        if (!isMariaDb) throw error;
        this.#o.logger.warn({ err: (error as Error).message }, 'FLUSH TABLES WITH READ LOCK refused (RELOAD privilege); MariaDB\'s consistent-snapshot position is used without it');
      }
    }
    await client.promise().query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await client.promise().query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const point = await this.#position(isMariaDb);
    if (this.#locked && mode === 'minimal') await this.#unlock();
    return point;
  }

  async #position(isMariaDb: boolean): Promise<SnapshotPoint> {
    const client = this.#o.client;
    if (isMariaDb) {
      const [status] = await client.promise().query<Row[] & import('mysql2').RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
      const get = (name: string) => status.find((r) => String(r.Variable_name).toLowerCase() === name)?.Value;
      const [[gtid]] = await client.promise().query<import('mysql2').RowDataPacket[]>('SELECT @@gtid_binlog_pos AS gtids');
      return { at: new BinlogPosition(String(get('binlog_snapshot_file')), Number(get('binlog_snapshot_position'))), gtids: gtid.gtids ? String(gtid.gtids) : null };
    }
    const [[master]] = await client.promise().query<import('mysql2').RowDataPacket[]>('SHOW MASTER STATUS');
    if (!master) throw new Error('SHOW MASTER STATUS returned nothing: the binlog is off (log_bin)');
    return { at: new BinlogPosition(String(master.File), Number(master.Position)), gtids: master.Executed_Gtid_Set ? String(master.Executed_Gtid_Set).replace(/\s+/g, '') : null };
  }

  /** Ends the transaction `begin` opened without reading (and lets go of its lock), so that `begin` can be called again. */
  async abandon(): Promise<void> {
    await this.#o.client.promise().query('ROLLBACK');
    if (this.#locked) await this.#unlock();
  }

  async #unlock(): Promise<void> {
    await this.#o.client.promise().query('UNLOCK TABLES');
    this.#locked = false;
  }

  /** Reads every captured table not complete in `resume`, then commits the transaction. */
  async run(point: SnapshotPoint, resume: SnapshotResume): Promise<void> {
    const client = this.#o.client;
    const completed = [...resume.done];
    const scope = resume.blocking ?? null;
    const catalog = (await listTables(client)).filter((t) => this.#o.filter.includesTable(t.db, t.table) && !resume.done.includes(`${t.db}.${t.table}`))
      .filter((t) => !scope || scope.collections.includes(`${t.db}.${t.table}`));
    const tables: SnapshotTable<CatalogTable>[] = catalog.map((t) => ({
      name: `${t.db}.${t.table}`, table: t, estimated: t.estimatedRows, rowsBefore: resume.table?.name === `${t.db}.${t.table}` ? resume.table.rowsBefore : 0,
    }));
    this.#runner.plan(tables);
    this.#o.logger.info({ tables: tables.length, skipped: resume.done.length, position: point.at.toString(), gtids: point.gtids, resumedTable: resume.table?.name ?? null }, 'snapshot started');
    const startedAt = resume.startedAt ?? Date.now();
    const offsets = snapshotOffsets(point, this.#o.settings.serverId, startedAt, completed, scope);
    await this.#runner.run(tables, {
      read: (t, emit, progress, report) => this.#readTable(t, point, startedAt, resume.table?.name === t.name ? resume.table : null, scope?.conditions[t.name] ?? null, offsets, emit, progress, report),
      finish: async () => {
        await client.promise().query('COMMIT');
        if (this.#locked) await this.#unlock();
      },
      emptySnapshotRecord: (offset) => heartbeatRecord(this.#o.settings, this.#o.settings.partition, offset, heartbeatPosition(point.at)),
    }, completed, offsets);
  }

  /** `condition`: a blocking snapshot's filter of this table (SQL from the signal), or null */
  async #readTable(t: SnapshotTable<CatalogTable>, point: SnapshotPoint, startedAt: number, start: SnapshotResume['table'], condition: string | null, offsets: SnapshotOffsets, emit: Emit, progress: TableProgress, report: () => void): Promise<void> {
    const { db, table: name } = t.table;
    const client = this.#o.client;
    const settings = this.#o.settings;
    const shape = await describeTable(client, db, name);
    const table = new MySqlTable(db, name, shape.columns, shape.key, { topicPrefix: settings.serverName, flavour: settings.flavour, filter: this.#o.filter, mapping: this.#o.mapping });
    const source = sourceInfo({
      // no binlog event names a server: 0, as Debezium's snapshot records have
      flavour: settings.flavour, serverName: settings.serverName, tsMs: startedAt, snapshot: 'true', db, table: name, serverId: 0,
      gtid: null, file: point.at.file, pos: point.at.pos, row: 0, thread: null, query: null,
    });
    const prefix = snapshotTablePrefix(point.at, utf8Hex(t.name));
    const positions = new PaddedNumbers(prefix, 12);
    const keyEncoder = keyEncoderFor(table.keyColumnTypes);
    const keyNames = table.keyColumnNames;
    const lastKey: unknown[] = start?.after ? [...start.after] : [];
    const keyValues: unknown[] = new Array(keyNames.length);
    const partition = settings.partition;
    let offset = offsets.inTable(t.name, start?.after ?? null, progress.rows);
    let chunkRows = 0;
    const onRow = (row: Row): Promise<void> | undefined => {
      chunkRows++;
      const ordinal = progress.rows++;
      for (let k = 0; k < keyNames.length; k++) keyValues[k] = lastKey[k] = row[keyNames[k]];
      const position = keyEncoder ? prefix + keyEncoder(keyValues) : positions.of(ordinal);
      return emit({
        topic: table.topic, keySchema: table.keySchema, key: table.toKey(row), valueSchema: table.valueSchema,
        value: envelope('r', null, table.toRow(row), source),
        timestamp: startedAt, sourcePartition: partition, sourceOffset: offset, position, id: `${settings.serverName}/${position}`,
      });
    };
    const columns = shape.columns.map((c) => quoteIdent(c.name)).join(', ');
    const from = `${quoteIdent(db)}.${quoteIdent(name)}`;
    if (keyNames.length === 0) {
      await streamRows(client, `SELECT ${columns} FROM ${from}${condition ? ` WHERE (${condition})` : ''}`, [], onRow, this.#o.signal, table.hasGeometry);
      report();
      return;
    }
    // keyset pagination: each chunk an index range scan, never an OFFSET re-read
    const keyList = keyNames.map(quoteIdent).join(', ');
    const fetch = this.#o.fetchSize;
    for (;;) {
      const filters = [condition ? `(${condition})` : null, lastKey.length === 0 ? null : `(${keyList}) > (${keyNames.map(() => '?').join(', ')})`].filter((f) => f !== null);
      const where = filters.length === 0 ? '' : ` WHERE ${filters.join(' AND ')}`;
      chunkRows = 0;
      await streamRows(client, `SELECT ${columns} FROM ${from}${where} ORDER BY ${keyList} LIMIT ${fetch}`, [...lastKey], onRow, this.#o.signal, table.hasGeometry);
      report();
      if (chunkRows < fetch || this.#o.signal.aborted) break;
      // the next chunk's records resume after this chunk's last key
      offset = offsets.inTable(t.name, [...lastKey], progress.rows);
    }
  }
}

/** spatial columns as the server's bytes (SRID + WKB): mysql2 would decode them into shapes */
const rawGeometry = (field: { type: string; buffer(): Buffer | null }, next: () => unknown) => (field.type === 'GEOMETRY' ? field.buffer() : next());

/**
 * Streams a query's rows (never the whole result in memory): the connection is paused while the
 * queue has no room, which stops reading from the socket and so from the server. `geometry`:
 * the table has spatial columns (the per-field cast is paid only then). A connection lost while
 * the rows stream (KILL, a server restart) rejects: mysql2 then tells only the connection (its
 * `end` and `error`), never the streaming query, which would wait forever.
 */
export function streamRows(client: MySqlClient, sql: string, params: unknown[], onRow: (row: Row) => Promise<void> | undefined, signal: AbortSignal, geometry = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = client;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      raw.off('error', lost);
      raw.off('end', ended);
      if (error === undefined) resolve();
      else reject(error);
    };
    const lost = (error: Error) => settle(error);
    const ended = () => settle(Object.assign(new Error('the connection closed while the query\'s rows were read'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }));
    raw.on('error', lost);
    raw.on('end', ended);
    const query = geometry ? raw.query({ sql, values: params, typeCast: rawGeometry as never }) : raw.query(sql, params);
    query.on('error', (error: Error) => settle(error));
    query.on('result', (row: Row) => {
      if (signal.aborted || settled) return;
      const waiting = onRow(row);
      if (waiting) {
        raw.pause();
        waiting.then(() => raw.resume(), (error: unknown) => settle(error));
      }
    });
    query.on('end', () => settle());
  });
}
