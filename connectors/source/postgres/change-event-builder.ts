import { Schemas, type Headers, type Schema, type SourceOffset, type SourceRecord } from '../../../plugins/api/index.js';
import type { Lsn } from './lsn.js';
import { heartbeatOffset, heartbeatPosition, streamOffset, streamPosition } from './positions.js';
import { CONNECTOR_VERSION, envelope } from './source-info.js';
import type { TableSchema } from './table-schema.js';
import type { PgOutputMessage, TupleValue } from './pgoutput-decoder.js';

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

/**
 * Turns one streamed change into its records, Debezium's way: an update that changes the
 * primary key becomes a delete of the old key (plus its tombstone) and a create of the new one;
 * a delete is followed by a tombstone when `tombstones.on.delete` is set. (Written without
 * per-call closures: this runs for every change.)
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
  switch (change.tag) {
    case 'insert': {
      const after = table.toRow(change.after, placeholder);
      out.push(record(table, ctx, settings, 0, table.toKey(change.after), envelope('c', null, after, source), headersFor(table.unavailable)));
      break;
    }
    case 'update': {
      const full = change.before !== null && !change.beforeIsKeyOnly ? change.before : null;
      const after = table.toRow(change.after, placeholder, full);
      const headers = headersFor(table.unavailable);
      if (change.before && table.hasKey && table.keyChanged(change.before, change.after)) {
        deleteRecords(out, table, change.before, ctx, settings, source);
        out.push(record(table, ctx, settings, out.length, table.toKey(change.after), envelope('c', null, after, source), headers));
      } else {
        const before = change.before ? table.toRow(change.before, placeholder) : null;
        out.push(record(table, ctx, settings, 0, table.toKey(change.after), envelope('u', before, after, source), headers));
      }
      break;
    }
    case 'delete':
      deleteRecords(out, table, change.before, ctx, settings, source);
      break;
    case 'truncate':
      out.push(record(table, ctx, settings, 0, null, envelope('t', null, null, source)));
      break;
  }
  return out;
}

function deleteRecords(out: SourceRecord[], table: TableSchema, before: TupleValue[], ctx: ChangeContext, settings: EventSettings, source: Row): void {
  const key = table.toKey(before);
  out.push(record(table, ctx, settings, out.length, key, envelope('d', table.toRow(before, settings.placeholder), null, source)));
  if (settings.tombstones && key !== null) out.push(record(table, ctx, settings, out.length, key, null));
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

const heartbeatKeySchema: Schema = Schemas.struct([Schemas.field('serverName', Schemas.string())], { name: 'io.debezium.connector.common.ServerNameKey' });
const heartbeatValueSchema: Schema = Schemas.struct([Schemas.field('ts_ms', Schemas.int64())], { name: 'io.debezium.connector.common.Heartbeat' });

/** A heartbeat record: carries an offset at the server's WAL position while tables are idle. */
export function heartbeatRecord(walPosition: Lsn, settings: EventSettings, offset: SourceOffset = heartbeatOffset(walPosition)): SourceRecord {
  const position = heartbeatPosition(walPosition);
  return {
    topic: settings.heartbeatTopic,
    keySchema: heartbeatKeySchema,
    key: { serverName: settings.serverName },
    valueSchema: heartbeatValueSchema,
    value: { ts_ms: Date.now() },
    timestamp: Date.now(),
    sourcePartition: { server: settings.serverName },
    sourceOffset: offset,
    position,
    id: `${settings.serverName}/${position}`,
  };
}
