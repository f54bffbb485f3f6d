import type { Headers, Logger, SourceRecord } from '../../../plugins/api/index.js';
import { ChangeEvents, changeEnvelopeSchema, envelope, keyChanged, type RecordMaker, type TableFilter } from '../../../plugins/cdc/index.js';
import { BinlogPosition, streamOffset, streamPosition } from './binlog-position.js';
import type { TableShape } from './catalog.js';
import type { MappingOptions } from './column-converters.js';
import type { BinlogPoint } from './incremental-chunks.js';
import { MySqlTable, type ColumnDescriptor } from './mysql-table.js';
import type { RecordSettings } from './record-settings.js';
import { schemaChangeRecord, summarizeDdl } from './schema-change.js';
import { sourceInfo, sourceSchemaOf } from './source-info.js';

type Row = Record<string, unknown>;

/**
 * zongji's `size` leaves out the 19-byte common event header and, when binlog checksums are on
 * (the default), the 4-byte checksum: an event starts at nextPosition - size - that overhead.
 */
export function eventOverhead(checksums: boolean): number {
  return checksums ? 23 : 19;
}

/** The parts of zongji's events the decoder reads (its own types are looser than what it emits). */
export interface BinlogEvent {
  getEventName(): string;
  timestamp: number;
  nextPosition: number;
  size: number;
  gtid?: string;
  // rotate
  binlogName?: string;
  position?: number;
  // query
  query?: string;
  schema?: string;
  slaveProxyId?: number;
  // annotaterows
  statement?: string;
  // tablemap
  tableId?: number;
  schemaName?: string;
  tableName?: string;
  primaryKey?: number[];
  // rows
  rows?: (Row | { before: Row; after: Row })[];
  tableMap?: Record<number, { parentSchema: string; tableName: string; columnSchemas: { COLUMN_NAME: string; COLUMN_TYPE: string; ENUM_VALUES?: string[]; SET_VALUES?: string[] }[] }>;
}

export interface DecoderOptions {
  readonly settings: RecordSettings;
  readonly filter: TableFilter;
  readonly mapping: MappingOptions;
  readonly logger: Logger;
  /**
   * The catalog's shape of a table (information_schema, read at start and after each DDL
   * statement): what the binlog's metadata lacks, as the library reads it: nullability, the
   * types of virtual columns, the primary key of a table map that names none.
   */
  readonly catalogOf: (db: string, table: string) => TableShape | undefined;
  /** called when a DDL statement naming these `db.table`s was read, before the next event is */
  readonly ddlRead?: (tables: readonly string[]) => void;
  /** the GTIDs complete so far (zongji's gtidSet, extended at each commit) */
  readonly completedGtids: () => string | null;
  /** incremental snapshots: rows inserted into the signal table, and what streamed records mean to an open chunk window */
  readonly incremental?: SignalRows;
}

/** What the decoder hands to incremental snapshots (MySqlIncrementalSnapshots). */
export interface SignalRows {
  isSignalTable(db: string, table: string): boolean;
  /** a row inserted into the signal table: the records it yields (a chunk's rows at a high watermark) */
  row(row: Row, at: BinlogPoint): SourceRecord[];
  /** streamed records, seen by the open window and stamped with the snapshot's state */
  changes(records: SourceRecord[]): SourceRecord[];
}

/** Where a record of the current transaction sits (reused between rows: one per decoder). */
interface Placed {
  table: MySqlTable;
  txStart: BinlogPosition;
  event: number;
  row: number;
  tsMs: number;
  gtids: string | null;
}

/**
 * Turns binlog events, in order, into change records: a synchronous state machine over one
 * stream (the current file, the transaction being read, its row-event ordinal, the table maps),
 * so its state is always the position just after the last event it was given.
 *
 * Table shapes come from each TABLE_MAP event's own metadata (binlog_row_metadata=FULL: column
 * names, types, signedness, enum/set members, primary key), so the first row event after an
 * ALTER TABLE has the new shape and no schema history is needed.
 */
export class BinlogDecoder {
  readonly #o: DecoderOptions;
  #file = '';
  /** the start of the transaction being read; null between transactions */
  #txStart: BinlogPosition | null = null;
  #txGtid: string | null = null;
  #txThread: number | null = null;
  #rowEvent = 0;
  #statement: string | null = null;
  /** the end of the last complete transaction: where a resume between transactions starts */
  #committed: BinlogPosition | null = null;
  readonly #tables = new Map<number, MySqlTable | null>();
  /** table ids mapped to the signal table (captured or not) */
  readonly #signalTables = new Set<number>();
  /** the last shape of each table by name (TRUNCATE records carry its schema) */
  readonly #byName = new Map<string, MySqlTable>();
  readonly #placed: Placed = { table: null as unknown as MySqlTable, txStart: null as unknown as BinlogPosition, event: 0, row: 0, tsMs: 0, gtids: null };
  readonly #maker: RecordMaker<Placed>;

  constructor(options: DecoderOptions, from: BinlogPosition) {
    this.#o = options;
    this.#file = from.file;
    this.#committed = from;
    this.#maker = { make: (p, part, key, value, headers) => this.#record(p, part, key, value, headers) };
  }

  /** bytes of an event zongji's `size` does not count (see eventOverhead); set once the session knows */
  overhead = eventOverhead(true);

  #start(e: { nextPosition: number; size: number }): number {
    return e.nextPosition - e.size - this.overhead;
  }

  get inTransaction(): boolean {
    return this.#txStart !== null;
  }

  /** where to reconnect: the current transaction's start (it is read again and its delivered records skipped), or the last commit */
  get resumePoint(): BinlogPosition {
    return this.#txStart ?? this.#committed ?? new BinlogPosition(this.#file, 4);
  }

  get committed(): BinlogPosition | null {
    return this.#committed;
  }

  /** A new session reads from `from`, a transaction boundary: forget any transaction in progress. */
  reset(from: BinlogPosition): void {
    this.#file = from.file;
    this.#txStart = null;
    this.#committed = from;
    this.#rowEvent = 0;
    this.#statement = null;
    this.#tables.clear();
    this.#signalTables.clear();
  }

  /** The records of one event (often none). */
  decode(e: BinlogEvent): SourceRecord[] {
    switch (e.getEventName()) {
      case 'rotate':
        this.#file = e.binlogName!;
        if (!this.#txStart && e.position) this.#committed = new BinlogPosition(this.#file, Number(e.position));
        return [];
      case 'gtid':
      case 'mariadbgtid':
      case 'anonymousgtid':
        this.#begin(e);
        return [];
      case 'annotaterows':
        this.#statement = e.statement ?? null;
        return [];
      case 'rowsquery':
        this.#statement = e.query ?? e.statement ?? null;
        return [];
      case 'query':
        return this.#query(e);
      case 'xid':
        this.#commit(e);
        return [];
      case 'tablemap':
        this.#tableMap(e);
        return [];
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        return this.#rows(e);
      default:
        return [];
    }
  }

  #begin(e: BinlogEvent): void {
    this.#txStart = new BinlogPosition(this.#file, this.#start(e));
    this.#txGtid = e.gtid ?? null;
    this.#rowEvent = 0;
    this.#statement = null;
    this.#txThread = null;
  }

  #commit(e: BinlogEvent): void {
    this.#txStart = null;
    this.#txGtid = null;
    this.#committed = new BinlogPosition(this.#file, e.nextPosition);
  }

  #query(e: BinlogEvent): SourceRecord[] {
    const sql = (e.query ?? '').trim();
    if (/^BEGIN$/i.test(sql) || /^XA START/i.test(sql)) {
      // MySQL without GTIDs: the transaction starts here (with GTIDs the GTID event started it)
      if (!this.#txStart) this.#begin(e);
      this.#txThread = e.slaveProxyId ?? null;
      return [];
    }
    if (/^COMMIT$/i.test(sql) || /^XA (COMMIT|END|PREPARE)/i.test(sql)) {
      if (/^(COMMIT|XA COMMIT)/i.test(sql)) this.#commit(e);
      return [];
    }
    // a DDL statement: a transaction of its own (MariaDB marks it with a standalone GTID event)
    if (!this.#txStart) this.#begin(e);
    const txStart = this.#txStart!;
    const db = e.schema ?? '';
    const summary = summarizeDdl(sql, db);
    const out: SourceRecord[] = [];
    const settings = this.#o.settings;
    const source = this.#source(db, summary.tables[0]?.split('.').slice(1).join('.') ?? null, e, 0, e.slaveProxyId ?? null, settings.includeQuery ? sql : null);
    const tsMs = e.timestamp;
    const gtids = this.#o.completedGtids();
    let part = 0;
    const base = (p: number) => {
      const position = streamPosition(txStart, 0, 0, p);
      return { timestamp: tsMs, sourcePartition: settings.partition, sourceOffset: streamOffset({ txStart, gtids, event: 0, row: 1, part: p, serverId: settings.sourceServerId, tsSec: Math.floor(tsMs / 1000) }), position, id: `${settings.serverName}/${position}` };
    };
    if (summary.kind === 'TRUNCATE') {
      const [tdb, ...rest] = summary.tables[0].split('.');
      const tname = rest.join('.');
      if (this.#o.filter.includesTable(tdb, tname)) {
        const known = this.#byName.get(summary.tables[0]);
        const topic = known?.topic ?? `${settings.serverName}.${tdb}.${tname}`;
        out.push({ ...base(part++), topic, keySchema: known?.keySchema ?? null, key: null, valueSchema: known?.valueSchema ?? changeEnvelopeSchema(topic, [], sourceSchemaOf(settings.flavour)), value: envelope('t', null, null, { ...source, table: tname }) });
      }
    }
    if (settings.includeSchemaChanges && (db === '' ? summary.tables.some((t) => this.#o.filter.includesContainer(t.split('.')[0])) : this.#o.filter.includesContainer(db) || summary.tables.some((t) => this.#o.filter.includesContainer(t.split('.')[0])))) {
      out.push(schemaChangeRecord(base(part++), settings.flavour, settings.serverName, db, sql, summary, source));
    }
    if (summary.kind !== 'OTHER') {
      for (const t of summary.tables) this.#byName.delete(t);
      this.#o.ddlRead?.(summary.tables);
    }
    this.#commit(e);
    return this.#o.incremental ? this.#o.incremental.changes(out) : out;
  }

  #tableMap(e: BinlogEvent): void {
    const id = e.tableId!;
    const db = e.schemaName!;
    const name = e.tableName!;
    if (this.#o.incremental?.isSignalTable(db, name)) this.#signalTables.add(id);
    else this.#signalTables.delete(id);
    if (!this.#o.filter.includesTable(db, name)) {
      this.#tables.set(id, null);
      return;
    }
    const entry = e.tableMap?.[id];
    if (!entry) throw new Error(`no table metadata for ${db}.${name}: the server must run with binlog_row_metadata=FULL`);
    const catalog = this.#o.catalogOf(db, name);
    const key = e.primaryKey ? e.primaryKey.map((i) => entry.columnSchemas[i].COLUMN_NAME) : [...(catalog?.key ?? [])];
    const columns: ColumnDescriptor[] = entry.columnSchemas.map((c) => {
      const known = catalog?.columns.find((k) => k.name === c.COLUMN_NAME);
      return {
        name: c.COLUMN_NAME,
        // the binlog gives a virtual column no charset (the library reads it as binary): the catalog's type
        columnType: known?.generated ? known.columnType : c.COLUMN_TYPE,
        members: c.ENUM_VALUES ?? c.SET_VALUES,
        // the library drops the table map's nullability bits: the catalog's, else NULL allowed except in the key
        optional: known ? known.optional : !key.includes(c.COLUMN_NAME),
      };
    });
    const known = this.#byName.get(`${db}.${name}`);
    const signature = JSON.stringify([columns, key]);
    const table = known && known.signature === signature
      ? known
      : new MySqlTable(db, name, columns, key, { topicPrefix: this.#o.settings.serverName, flavour: this.#o.settings.flavour, filter: this.#o.filter, mapping: this.#o.mapping });
    this.#tables.set(id, table);
    this.#byName.set(`${db}.${name}`, table);
  }

  #rows(e: BinlogEvent): SourceRecord[] {
    const table = this.#tables.get(e.tableId!);
    const rowEvent = this.#rowEvent++;
    const signals = this.#signalTables.has(e.tableId!) && e.getEventName() === 'writerows' ? this.#o.incremental : undefined;
    if ((!table && !signals) || !e.rows) return [];
    if (!this.#txStart) this.#begin(e);
    if (!table) return this.#signalRows(e, rowEvent, [], signals!);
    const settings = this.#o.settings;
    const source = this.#source(table.db, table.table, e, 0, this.#txThread, settings.includeQuery ? this.#statement : null);
    const placed = this.#placed;
    placed.table = table;
    placed.txStart = this.#txStart!;
    placed.event = rowEvent;
    placed.tsMs = e.timestamp;
    placed.gtids = this.#o.completedGtids();
    const out: SourceRecord[] = [];
    const kind = e.getEventName();
    const maker = this.#maker;
    const tombstones = settings.tombstones;
    for (let i = 0; i < e.rows.length; i++) {
      placed.row = i;
      // each row's source names its row in the event; records of one row share it
      const rowSource = i === 0 ? source : { ...source, row: i };
      // ChangeEvents numbers a change's parts by their index in the array it is given: one per row
      const rowOut: SourceRecord[] = [];
      const r = e.rows[i];
      if (kind === 'writerows') {
        ChangeEvents.create(rowOut, maker, placed, table.toKey(r as Row), table.toRow(r as Row), rowSource);
      } else if (kind === 'deleterows') {
        ChangeEvents.delete(rowOut, maker, placed, table.toKey(r as Row), table.toRow(r as Row), rowSource, tombstones);
      } else {
        const { before, after } = r as { before: Row; after: Row };
        const oldKey = table.toKey(before);
        const newKey = table.toKey(after);
        if (table.hasKey && keyChanged(oldKey, newKey)) ChangeEvents.keyChange(rowOut, maker, placed, oldKey, table.toRow(before), newKey, table.toRow(after), rowSource, tombstones);
        else ChangeEvents.update(rowOut, maker, placed, newKey, table.toRow(before), table.toRow(after), rowSource);
      }
      const incremental = this.#o.incremental;
      for (const record of incremental ? incremental.changes(rowOut) : rowOut) out.push(record);
      // a signal row's records (a chunk's, at its high watermark) sort after the row's own change
      if (signals) for (const record of signals.row(r as Row, this.#point(e, rowEvent, i))) out.push(record);
    }
    return out;
  }

  /** The rows of a signal-table insert when the table is not captured. */
  #signalRows(e: BinlogEvent, rowEvent: number, out: SourceRecord[], signals: SignalRows): SourceRecord[] {
    for (let i = 0; i < e.rows!.length; i++) for (const record of signals.row(e.rows![i] as Row, this.#point(e, rowEvent, i))) out.push(record);
    return out;
  }

  #point(e: BinlogEvent, event: number, row: number): BinlogPoint {
    return { txStart: this.#txStart!, event, row, file: this.#file, pos: this.#start(e), gtid: this.#txGtid, gtids: this.#o.completedGtids(), tsMs: e.timestamp };
  }

  #record(p: Placed, part: number, key: Row | null, value: Row | null, headers?: Headers): SourceRecord {
    const settings = this.#o.settings;
    const position = streamPosition(p.txStart, p.event, p.row, part);
    const r: SourceRecord = {
      topic: p.table.topic, keySchema: p.table.keySchema, key, valueSchema: value === null ? null : p.table.valueSchema, value,
      timestamp: p.tsMs, sourcePartition: settings.partition,
      sourceOffset: streamOffset({ txStart: p.txStart, gtids: p.gtids, event: p.event, row: p.row + 1, part, serverId: settings.sourceServerId, tsSec: Math.floor(p.tsMs / 1000) }),
      position, id: `${settings.serverName}/${position}`,
    };
    return headers ? { ...r, headers } : r;
  }

  #source(db: string, table: string | null, e: BinlogEvent, row: number, thread: number | null, query: string | null): Record<string, unknown> {
    const s = this.#o.settings;
    return sourceInfo({
      flavour: s.flavour, serverName: s.serverName, tsMs: e.timestamp, snapshot: 'false', db, table, serverId: s.sourceServerId,
      gtid: this.#txGtid, file: this.#file, pos: this.#start(e), row, thread, query,
    });
  }
}
