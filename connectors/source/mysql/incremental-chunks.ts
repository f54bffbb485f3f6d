import type { RowDataPacket } from 'mysql2';
import { TributaryError, type SourceOffset, type SourceRecord } from '../../../plugins/api/index.js';
import { envelope, keyText, type ChunkBounds, type ChunkCodec, type ChunkRow, type ChunkTable, type IncrementalDialect, type KeyTexts, type TableFilter, type Watermark } from '../../../plugins/cdc/index.js';
import { streamOffset, streamPosition, type BinlogPosition } from './binlog-position.js';
import { describeTable } from './catalog.js';
import { decodeRows, encodeRows } from './chunk-row-codec.js';
import type { MappingOptions } from './column-converters.js';
import { quoteIdent, type MySqlClient } from './mysql-connection.js';
import { MySqlTable } from './mysql-table.js';
import type { RecordSettings } from './record-settings.js';
import { keyEncoderFor } from './snapshot-key.js';
import { streamRows } from './snapshotter.js';
import { sourceInfo } from './source-info.js';

/** Debezium's watermark signal types: rows of these types in the signal table open and close a chunk window. */
export const WINDOW_OPEN = 'snapshot-window-open';
export const WINDOW_CLOSE = 'snapshot-window-close';

/** Where a signal-table row sits in the binlog: what positions, offsets and `source` of chunk records built there need. */
export interface BinlogPoint {
  readonly txStart: BinlogPosition;
  /** the row event's ordinal in its transaction, and the row's in the event */
  readonly event: number;
  readonly row: number;
  readonly file: string;
  /** the row event's start */
  readonly pos: number;
  readonly gtid: string | null;
  /** GTIDs complete before the transaction */
  readonly gtids: string | null;
  readonly tsMs: number;
}

export interface MySqlChunkTable extends ChunkTable {
  readonly table: MySqlTable;
  readonly from: string;
  readonly selectList: string;
  readonly keyList: string;
  readonly keyNames: readonly string[];
}

export interface MySqlChunkOptions {
  readonly settings: RecordSettings;
  readonly filter: TableFilter;
  readonly mapping: MappingOptions;
  /** `signal.data.collection` as `db.table`, null when none is set (then there are no watermarks) */
  readonly signalTable: { readonly db: string; readonly table: string } | null;
  /** a connection of its own: chunk reads and watermark inserts (autocommit, each its own transaction) */
  readonly connect: () => Promise<MySqlClient>;
  readonly signal: AbortSignal;
  /** a reader of the chunk queue (chunk-reader.ts): it reads ranges for task 0 and writes no watermarks */
  readonly readsOnly?: boolean;
}

type Row = Record<string, unknown>;

const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);

/**
 * The MySQL / MariaDB side of incremental snapshots, Debezium's way: watermarks are rows inserted
 * into the signal table (`<chunk id>-open` of type `snapshot-window-open`, `<chunk id>-close` of
 * type `snapshot-window-close`, positional columns id, type, data), which the binlog carries in
 * commit order; chunks are keyset reads (`(k) > (last) AND (k) <= (max) ORDER BY k LIMIT n`) in
 * autocommit, so each sees what was committed before its high watermark was written.
 */
export class MySqlChunks implements IncrementalDialect<MySqlChunkTable, Row, BinlogPoint> {
  readonly metricPrefix = 'mysql';
  readonly unavailable: string | null;
  readonly #o: MySqlChunkOptions;
  /** reader 0 (every call but parallel chunk reads, watermarks too), then one per further `snapshot.max.threads` */
  #clients: (MySqlClient | null)[] = [];

  constructor(options: MySqlChunkOptions) {
    this.#o = options;
    this.unavailable = options.signalTable ? null : 'incremental snapshots need signal.data.collection (the rows written there are the chunk windows\' watermarks)';
  }

  includes(collection: string): boolean {
    const [db, table] = splitName(collection);
    return table !== '' && this.#o.filter.includesTable(db, table);
  }

  async describe(name: string): Promise<{ table: MySqlChunkTable } | { skip: string }> {
    const client = await this.#connection();
    const [db, tableName] = splitName(name);
    const shape = await describeTable(client, db, tableName);
    if (shape.columns.length === 0) return { skip: 'no such table' };
    if (shape.key.length === 0) return { skip: 'the table has no primary key to read it in chunks by' };
    const settings = this.#o.settings;
    const table = new MySqlTable(db, tableName, shape.columns, shape.key, { topicPrefix: settings.serverName, flavour: settings.flavour, filter: this.#o.filter, mapping: this.#o.mapping });
    const [[stats]] = await client.promise().query<RowDataPacket[]>('SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, tableName]);
    // chunk bounds are kept as text (offsets, watermark rows): bytes would not come back the same
    if (table.keyColumnTypes.some((t) => BINARY_TYPES.has(t.base))) return { skip: 'the table\'s primary key has a binary column, which chunk bounds cannot carry as text' };
    const encoder = keyEncoderFor(table.keyColumnTypes);
    return {
      table: {
        name, topic: table.topic, table, keyNames: table.keyColumnNames,
        from: `${quoteIdent(db)}.${quoteIdent(tableName)}`,
        selectList: shape.columns.map((c) => quoteIdent(c.name)).join(', '),
        keyList: table.keyColumnNames.map(quoteIdent).join(', '),
        estimatedRows: stats?.n == null ? null : Number(stats.n),
        // keyEncoderFor's text starts with the `k` the engine puts there itself
        keyEncoder: encoder ? (texts) => encoder(texts).slice(1) : null,
      },
    };
  }

  /**
   * Chunk rows across processes (chunk-row-codec.ts: mysql2's values exactly, Buffers and
   * doubles too); keys are built from them as readChunk does. The shape is the catalog's
   * description (columns, types, nullability, key): values read on another shape would be
   * mapped wrong.
   */
  readonly codec: ChunkCodec<MySqlChunkTable, Row> = {
    shape: (table) => `${table.table.signature}|${table.selectList}|${table.keyList}`,
    encode: (rows) => encodeRows(rows.map((r) => r.values)),
    decode: (table, text) => decodeRows(text).map((values) => chunkRowOf(table, values)),
  };

  async maxKey(table: MySqlChunkTable, condition: string | null): Promise<KeyTexts | null> {
    const client = await this.#connection();
    const [rows] = await client.promise().query<RowDataPacket[]>(`SELECT ${table.keyList} FROM ${table.from}${condition ? ` WHERE (${condition})` : ''} ORDER BY ${descending(table.keyNames)} LIMIT 1`);
    return rows.length === 0 ? null : keyTexts(rows[0], table.keyNames);
  }

  async readChunk(table: MySqlChunkTable, bounds: ChunkBounds, reader = 0): Promise<{ key: string; row: ChunkRow<Row> }[]> {
    const client = await this.#connection(reader);
    const { where, params } = whereOf(table, bounds);
    const limit = bounds.limit === null ? '' : ` LIMIT ${bounds.limit}`;
    const rows: { key: string; row: ChunkRow<Row> }[] = [];
    await streamRows(client, `SELECT ${table.selectList} FROM ${table.from} WHERE ${where} ORDER BY ${table.keyList}${limit}`, params, (values) => {
      rows.push(chunkRowOf(table, values));
      return undefined;
    }, this.#o.signal, table.table.hasGeometry);
    return rows;
  }

  async chunkEnds(table: MySqlChunkTable, bounds: ChunkBounds, count: number): Promise<KeyTexts[]> {
    const client = await this.#connection();
    const ends: KeyTexts[] = [];
    let after = bounds.after;
    // one key-only query per boundary: the primary key's index skips a chunk's keys, no rows read
    while (ends.length < count) {
      const { where, params } = whereOf(table, { ...bounds, after });
      const [rows] = await client.promise().query<RowDataPacket[]>(`SELECT ${table.keyList} FROM ${table.from} WHERE ${where} ORDER BY ${table.keyList} LIMIT 1 OFFSET ${bounds.limit! - 1}`, params);
      if (rows.length === 0) break;
      const end = keyTexts(rows[0], table.keyNames);
      ends.push(end);
      after = end;
    }
    return ends;
  }

  async writeWatermark(mark: Watermark): Promise<void> {
    if (this.#o.readsOnly) throw new TributaryError('internal', 'a chunk reader writes no watermarks');
    const client = await this.#connection();
    const signals = this.#o.signalTable;
    // a snapshot resumed from the offsets after signal.data.collection was removed from the config
    if (!signals) throw new TributaryError('source.setup_required', 'An incremental snapshot is under way (it is in the stored offsets) but signal.data.collection is not set: set it again (a stop-snapshot signal then ends the snapshot, if it is not wanted).', { configPath: 'signal.data.collection' });
    const open = mark.edge === 'open';
    // Debezium's row (id, type, data); data also says which connector wrote it and what a restart needs to take the chunk up again
    const data = { [open ? 'openWindowTimestamp' : 'closeWindowTimestamp']: new Date().toISOString(), source: this.#o.settings.serverName, ...mark };
    await client.promise().query(`INSERT INTO ${quoteIdent(signals.db)}.${quoteIdent(signals.table)} VALUES (?, ?, ?)`, [`${mark.window}-${open ? 'open' : 'close'}`, open ? WINDOW_OPEN : WINDOW_CLOSE, JSON.stringify(data)]);
  }

  isStatementError(error: unknown): boolean {
    // SQLSTATE class 42: a table or column gone, a bad additional condition, no privilege
    return String((error as { sqlState?: unknown }).sqlState ?? '').startsWith('42');
  }

  pointOf(at: BinlogPoint): { position: string; offset: SourceOffset } {
    const settings = this.#o.settings;
    return {
      position: streamPosition(at.txStart, at.event, at.row),
      offset: streamOffset({ txStart: at.txStart, gtids: at.gtids, event: at.event, row: at.row + 1, part: 0, serverId: settings.sourceServerId, tsSec: Math.floor(at.tsMs / 1000) }),
    };
  }

  chunkRecords(chunk: MySqlChunkTable, at: BinlogPoint): (values: Row, position: string, offset: SourceOffset) => SourceRecord {
    const settings = this.#o.settings;
    const table = chunk.table;
    const source = sourceInfo({
      flavour: settings.flavour, serverName: settings.serverName, tsMs: at.tsMs, snapshot: 'incremental', db: table.db, table: table.table,
      serverId: settings.sourceServerId, gtid: at.gtid, file: at.file, pos: at.pos, row: at.row, thread: null, query: null,
    });
    return (values, position, offset) => ({
      topic: table.topic, keySchema: table.keySchema, key: table.toKey(values), valueSchema: table.valueSchema,
      value: envelope('r', null, table.toRow(values), source),
      timestamp: at.tsMs, sourcePartition: settings.partition, sourceOffset: offset, position, id: `${settings.serverName}/${position}`,
    });
  }

  async release(): Promise<void> {
    for (const client of this.#clients) client?.destroy();
    this.#clients = [];
  }

  async #connection(reader = 0): Promise<MySqlClient> {
    this.#clients[reader] ??= await this.#o.connect();
    return this.#clients[reader];
  }
}

/** A chunk row from its values: its window key (as the stream builds it) and key texts. */
function chunkRowOf(table: MySqlChunkTable, values: Row): { key: string; row: ChunkRow<Row> } {
  return { key: keyText(table.table.toKey(values)), row: { values, keyTexts: keyTexts(values, table.keyNames) } };
}

/** The key range (and condition) of a chunk read, with its parameters. */
function whereOf(table: MySqlChunkTable, bounds: ChunkBounds): { where: string; params: unknown[] } {
  const marks = table.keyNames.map(() => '?').join(', ');
  const where = [`(${table.keyList}) <= (${marks})`];
  const params: unknown[] = [...bounds.upTo];
  if (bounds.after) {
    where.push(`(${table.keyList}) > (${marks})`);
    params.push(...bounds.after);
  }
  if (bounds.condition) where.push(`(${bounds.condition})`);
  return { where: where.join(' AND '), params };
}

/** Key values as text: mysql2 gives integers as numbers (big ones as text), strings and temporal values as text. */
function keyTexts(row: Row, names: readonly string[]): KeyTexts {
  return names.map((n) => {
    const v = row[n];
    if (v === null || v === undefined) return null;
    return String(v);
  });
}

function descending(names: readonly string[]): string {
  return names.map((n) => `${quoteIdent(n)} DESC`).join(', ');
}

/** `db.table` */
export function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}
