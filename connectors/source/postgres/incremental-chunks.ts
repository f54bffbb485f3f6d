import type pg from 'pg';
import type { Logger, SourceOffset, SourceRecord } from '../../../plugins/api/index.js';
import { envelope, keyText, type ChunkBounds, type ChunkRow, type ChunkTable, type IncrementalDialect, type KeyTexts, type TableFilter, type Watermark } from '../../../plugins/cdc/index.js';
import { tableColumns } from './catalog.js';
import { copyOut } from './copy-out.js';
import type { EventSettings } from './change-event-builder.js';
import type { Lsn } from './lsn.js';
import { quoteIdent, quoteLiteral, type Queryable } from './pg-connection.js';
import type { TypeMappingOptions } from './pg-type-mapper.js';
import { streamOffset, streamPosition } from './positions.js';
import { keyColumnInfo, keyEncoderFor } from './snapshot-key-encoder.js';
import { sourceInfo } from './source-info.js';
import { TableSchema } from './table-schema.js';
import type { TypeRegistry } from './type-registry.js';

/** pg_logical_emit_message prefixes: the chunk windows' watermarks, and signals sent over REST */
export const WATERMARK_PREFIX = 'tributary.watermark';
export const SIGNAL_PREFIX = 'tributary.signal';

/** Where a message sits in the stream: what positions and offsets of records built there need. */
export interface StreamPoint {
  readonly commitLsn: Lsn;
  readonly changeLsn: Lsn;
  readonly ordinal: number;
  readonly txId: number;
  readonly commitTimeMs: number;
}

export interface PgChunkTable extends ChunkTable {
  readonly schema: TableSchema;
  readonly keyIndexes: number[];
  readonly selectList: string;
  readonly from: string;
  readonly keyList: string;
}

export interface PostgresChunkOptions {
  readonly topicPrefix: string;
  readonly events: EventSettings;
  readonly filter: TableFilter;
  readonly mapping: TypeMappingOptions;
  readonly registry: TypeRegistry;
  /** writes the watermarks */
  readonly admin: Queryable;
  /** a connection of its own for reading chunks */
  readonly connect: () => Promise<pg.Client>;
  /** the task's slot: every slot of the database decodes a message, so each watermark names the slot it is for */
  readonly slot: string;
  /** the stream carries logical decoding messages (PostgreSQL 14+): without them there are no watermarks */
  readonly messages: boolean;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

type Values = (string | null)[];

/**
 * The PostgreSQL side of incremental snapshots: watermarks are logical decoding messages
 * (`pg_logical_emit_message`, no table needed), chunks are read with COPY in the server's text
 * format (what pgoutput sends, so keys compare equal), records sit at the high watermark's LSN.
 */
export class PostgresChunks implements IncrementalDialect<PgChunkTable, Values, StreamPoint> {
  readonly metricPrefix = 'postgres';
  readonly unavailable: string | null;
  readonly #o: PostgresChunkOptions;
  /** reader 0 (every call but parallel chunk reads), then one per further `snapshot.max.threads` */
  #clients: (pg.Client | null)[] = [];

  constructor(options: PostgresChunkOptions) {
    this.#o = options;
    this.unavailable = options.messages ? null : 'incremental snapshots need PostgreSQL 14 or later (logical decoding messages carry their watermarks)';
  }

  includes(collection: string): boolean {
    const [schema, table] = splitName(collection);
    return this.#o.filter.includesTable(schema, table);
  }

  async describe(name: string): Promise<{ table: PgChunkTable } | { skip: string }> {
    const client = await this.#connection();
    const [schemaName, tableName] = splitName(name);
    const { rows } = await client.query<{ oid: number; reltuples: number }>(
      'SELECT c.oid::int AS oid, c.reltuples::float8 AS reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [schemaName, tableName]);
    if (rows.length === 0) return { skip: 'no such table' };
    const oid = Number(rows[0].oid);
    const columns = await tableColumns(client, oid);
    const keyIndexes = columns.map((c, i) => ({ c, i })).filter((x) => x.c.pkPosition > 0).sort((a, b) => a.c.pkPosition - b.c.pkPosition).map((x) => x.i);
    if (keyIndexes.length === 0) return { skip: 'the table has no primary key to read it in chunks by' };
    await this.#o.registry.ensure(client, columns.map((c) => c.typeOid));
    const schema = new TableSchema(schemaName, tableName, columns, { topicPrefix: this.#o.topicPrefix, registry: this.#o.registry, filter: this.#o.filter, mapping: this.#o.mapping });
    return {
      table: {
        name, topic: schema.topic, schema, keyIndexes,
        keyList: keyIndexes.map((i) => quoteIdent(columns[i].name)).join(', '),
        selectList: columns.map((c) => quoteIdent(c.name)).join(', '),
        from: `${quoteIdent(schemaName)}.${quoteIdent(tableName)}`,
        keyEncoder: keyEncoderFor(await keyColumnInfo(client, oid)),
        estimatedRows: rows[0].reltuples >= 0 ? Math.round(rows[0].reltuples) : null,
      },
    };
  }

  /**
   * Chunk rows across processes: a row's values are COPY's text of each column (or null), so
   * JSON carries them exactly whatever the type; keys are built from them as readChunk does.
   */
  readonly codec = {
    shape: (table: PgChunkTable): string => `${table.selectList}|${table.keyList}`,
    encode: (rows: readonly ChunkRow<Values>[]): string => JSON.stringify(rows.map((r) => r.values)),
    decode: (table: PgChunkTable, text: string): { key: string; row: ChunkRow<Values> }[] => (JSON.parse(text) as Values[]).map((values) => chunkRowOf(table, values)),
  };

  async maxKey(table: PgChunkTable, condition: string | null): Promise<KeyTexts | null> {
    const client = await this.#connection();
    const max: KeyTexts[] = [];
    await copyOut(client, `COPY (SELECT ${table.keyList} FROM ${table.from}${condition ? ` WHERE (${condition})` : ''} ORDER BY ${table.keyList} DESC LIMIT 1) TO STDOUT`, (values) => void max.push(values.slice()), this.#o.signal);
    return max[0] ?? null;
  }

  async readChunk(table: PgChunkTable, bounds: ChunkBounds, reader = 0): Promise<{ key: string; row: ChunkRow<Values> }[]> {
    const client = await this.#connection(reader);
    const limit = bounds.limit === null ? '' : ` LIMIT ${bounds.limit}`;
    const sql = `COPY (SELECT ${table.selectList} FROM ${table.from} WHERE ${whereOf(table, bounds)} ORDER BY ${table.keyList}${limit}) TO STDOUT`;
    const rows: { key: string; row: ChunkRow<Values> }[] = [];
    await copyOut(client, sql, (reused) => {
      // copyOut hands every row in the same array: the window keeps its rows until the high watermark
      rows.push(chunkRowOf(table, reused.slice()));
    }, this.#o.signal);
    return rows;
  }

  async chunkEnds(table: PgChunkTable, bounds: ChunkBounds, count: number): Promise<KeyTexts[]> {
    const client = await this.#connection();
    const ends: KeyTexts[] = [];
    let after = bounds.after;
    // one key-only query per boundary: an index(-only) scan that skips a chunk's keys, no rows read
    while (ends.length < count) {
      let end: KeyTexts | null = null;
      await copyOut(client, `COPY (SELECT ${table.keyList} FROM ${table.from} WHERE ${whereOf(table, { ...bounds, after })} ORDER BY ${table.keyList} LIMIT 1 OFFSET ${bounds.limit! - 1}) TO STDOUT`, (values) => void (end = values.slice()), this.#o.signal);
      if (!end) break;
      ends.push(end);
      after = end;
    }
    return ends;
  }

  async writeWatermark(mark: Watermark): Promise<void> {
    await this.#o.admin.query('SELECT pg_logical_emit_message(true, $1, $2)', [WATERMARK_PREFIX, JSON.stringify({ slot: this.#o.slot, ...mark })]);
  }

  isStatementError(error: unknown): boolean {
    // SQLSTATE class 42: syntax error or access rule violation (a column or table gone, a bad condition)
    return ((error as { code?: string }).code ?? '').startsWith('42');
  }

  pointOf(at: StreamPoint): { position: string; offset: SourceOffset } {
    return { position: streamPosition(at.commitLsn, at.changeLsn, at.ordinal), offset: streamOffset(at.commitLsn, at.changeLsn, at.ordinal, 0, at.txId, at.commitTimeMs) };
  }

  chunkRecords(table: PgChunkTable, at: StreamPoint): (values: Values, position: string, offset: SourceOffset) => SourceRecord {
    const events = this.#o.events;
    const source = sourceInfo({
      serverName: events.serverName, db: events.db, schema: table.schema.schema, table: table.schema.table,
      tsMs: at.commitTimeMs, snapshot: 'incremental', txId: at.txId, lsn: at.changeLsn, commitLsn: at.commitLsn,
    });
    const partition = { server: events.serverName };
    const schema = table.schema;
    return (values, position, offset) => ({
      topic: schema.topic, keySchema: schema.keySchema, key: schema.toKey(values), valueSchema: schema.valueSchema,
      value: envelope('r', null, schema.toRow(values, events.placeholder), source),
      timestamp: at.commitTimeMs, sourcePartition: partition, sourceOffset: offset, position, id: `${events.serverName}/${position}`,
    });
  }

  async release(): Promise<void> {
    const clients = this.#clients;
    this.#clients = [];
    await Promise.all(clients.map((c) => c?.end().catch(() => undefined)));
  }

  async #connection(reader = 0): Promise<pg.Client> {
    this.#clients[reader] ??= await this.#o.connect();
    return this.#clients[reader];
  }
}

/** A chunk row from its values: its window key (as the stream builds it) and key texts. */
function chunkRowOf(table: PgChunkTable, values: Values): { key: string; row: ChunkRow<Values> } {
  return { key: keyText(table.schema.toKey(values)), row: { values, keyTexts: table.keyIndexes.map((i) => values[i]) } };
}

/** The key range (and condition) of a chunk read. */
function whereOf(table: PgChunkTable, bounds: ChunkBounds): string {
  const literals = (texts: KeyTexts) => texts.map((t) => quoteLiteral(t ?? '')).join(', ');
  const where = [`(${table.keyList}) <= (${literals(bounds.upTo)})`];
  if (bounds.after) where.push(`(${table.keyList}) > (${literals(bounds.after)})`);
  if (bounds.condition) where.push(`(${bounds.condition})`);
  return where.join(' AND ');
}

/** `schema.table` (a quoted part may hold dots: `"my.schema".t` is not supported; Debezium's names are plain). */
export function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? ['public', name] : [name.slice(0, dot), name.slice(dot + 1)];
}
