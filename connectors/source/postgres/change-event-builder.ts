import type { Headers, SourceOffset, SourceRecord } from '../../../plugins/api/index.js';
import { ChangeEvents, heartbeatRecord as cdcHeartbeatRecord, type RecordMaker } from '../../../plugins/cdc/index.js';
import type { Lsn } from './lsn.js';
import { heartbeatOffset, heartbeatPosition, streamOffset, streamPosition } from './positions.js';
import { CONNECTOR_VERSION } from './source-info.js';
import type { TableSchema } from './table-schema.js';
import type { PgOutputMessage } from './pgoutput-decoder.js';

export interface EventSettings {
  readonly serverName: string;
  readonly db: string;
  readonly tombstones: boolean;
  readonly placeholder: string;
  readonly heartbeatTopic: string;
}

/** Where a streamed change sits: its transaction and its place in it (reused between changes). */
export interface ChangeContext {
  txId: number;
  commitLsn: Lsn;
  changeLsn: Lsn;
  ordinal: number;
  commitTimeMs: number;
  /** the commit time in microseconds, and in nanoseconds (a bigint, made once per transaction) */
  commitTimeUs: number;
  commitTimeNs: bigint;
}

/** A row change as pgoutput describes it. */
export type Change = Extract<PgOutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>;

type Row = Record<string, unknown>;

const UNAVAILABLE_HEADER = 'tributary.unavailable.columns';

function headersFor(unavailable: readonly string[]): Headers | undefined {
  return unavailable.length > 0 ? { [UNAVAILABLE_HEADER]: unavailable.join(',') } : undefined;
}

/** What one record of a streamed change needs to be placed (one per task, reused between changes). */
interface Placed {
  table: TableSchema;
  ctx: ChangeContext;
  settings: EventSettings;
}

const placed: Placed = { table: null as unknown as TableSchema, ctx: null as unknown as ChangeContext, settings: null as unknown as EventSettings };

const maker: RecordMaker<Placed> = {
  make: (p, part, key, value, headers) => record(p.table, p.ctx, p.settings, part, key, value, headers),
};

/**
 * Turns one streamed change into its records, Debezium's way (the toolkit's ChangeEvents: a
 * primary-key change is a delete plus a create, deletes are followed by tombstones when
 * `tombstones.on.delete` is set). Written without per-call closures: this runs for every change.
 */
export function changeRecords(table: TableSchema, change: Change, ctx: ChangeContext, settings: EventSettings): SourceRecord[] {
  const lsn = ctx.changeLsn;
  // Debezium's PostgreSQL source block (source-info.ts), built in place: this runs for every change
  const source: Row = {
    version: CONNECTOR_VERSION, connector: 'postgresql', name: settings.serverName, ts_ms: ctx.commitTimeMs, snapshot: 'false',
    db: settings.db, sequence: `["${ctx.commitLsn.toOffset()}","${lsn.toOffset()}"]`, ts_us: ctx.commitTimeUs, ts_ns: ctx.commitTimeNs,
    schema: table.schema, table: table.table, txId: ctx.txId, lsn: lsn.number <= Number.MAX_SAFE_INTEGER ? lsn.number : lsn.value, xmin: null,
    origin: null, origin_lsn: null,
  };
  const out: SourceRecord[] = [];
  const placeholder = settings.placeholder;
  placed.table = table;
  placed.ctx = ctx;
  placed.settings = settings;
  switch (change.tag) {
    case 'insert':
      ChangeEvents.create(out, maker, placed, table.toKey(change.after), table.toRow(change.after, placeholder), source, headersFor(table.unavailable));
      break;
    case 'update': {
      const full = change.before !== null && !change.beforeIsKeyOnly ? change.before : null;
      const after = table.toRow(change.after, placeholder, full);
      const headers = headersFor(table.unavailable);
      if (change.before && table.hasKey && table.keyChanged(change.before, change.after)) {
        ChangeEvents.keyChange(out, maker, placed, table.toKey(change.before), table.toRow(change.before, placeholder), table.toKey(change.after), after, source, settings.tombstones, headers);
      } else {
        const before = change.before ? table.toRow(change.before, placeholder) : null;
        ChangeEvents.update(out, maker, placed, table.toKey(change.after), before, after, source, headers);
      }
      break;
    }
    case 'delete':
      ChangeEvents.delete(out, maker, placed, table.toKey(change.before), table.toRow(change.before, placeholder), source, settings.tombstones);
      break;
    case 'truncate':
      ChangeEvents.truncate(out, maker, placed, source);
      break;
  }
  return out;
}

function record(table: TableSchema, ctx: ChangeContext, settings: EventSettings, part: number, key: Row | null, value: Row | null, headers?: Headers): SourceRecord {
  const position = streamPosition(ctx.commitLsn, ctx.changeLsn, ctx.ordinal, part);
  const r: SourceRecord = {
    topic: table.topic,
    keySchema: table.keySchema,
    key,
    valueSchema: value === null ? null : table.valueSchema,
    value,
    timestamp: ctx.commitTimeMs,
    sourcePartition: settings === lastSettings ? lastPartition : partitionOf(settings),
    sourceOffset: streamOffset(ctx.commitLsn, ctx.changeLsn, ctx.ordinal, part, ctx.txId, ctx.commitTimeMs),
    position,
    id: settings.serverName + '/' + position,
  };
  return headers ? { ...r, headers } : r;
}

// the partition map is the same for every record of a task: built once
let lastSettings: EventSettings | null = null;
let lastPartition: Readonly<Record<string, string>> = {};
function partitionOf(settings: EventSettings): Readonly<Record<string, string>> {
  lastSettings = settings;
  lastPartition = Object.freeze({ server: settings.serverName });
  return lastPartition;
}

/** A heartbeat record: carries an offset at the server's WAL position while tables are idle. */
export function heartbeatRecord(walPosition: Lsn, settings: EventSettings, offset: SourceOffset = heartbeatOffset(walPosition)): SourceRecord {
  return cdcHeartbeatRecord(settings, { server: settings.serverName }, offset, heartbeatPosition(walPosition));
}
