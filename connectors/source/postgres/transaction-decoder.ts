import type { SourceRecord } from '../../../plugins/api/index.js';
import { primaryKeyPositions } from './catalog.js';
import { changeRecords, type Change, type ChangeContext, type EventSettings } from './change-event-builder.js';
import type { IncrementalSnapshots } from './incremental-snapshot.js';
import { Lsn } from './lsn.js';
import type { Queryable } from './pg-connection.js';
import type { PgOutputMessage } from './pgoutput-decoder.js';
import type { TypeMappingOptions } from './pg-type-mapper.js';
import type { TableFilter } from './table-filter.js';
import { TableSchema } from './table-schema.js';
import type { TypeRegistry } from './type-registry.js';

export interface TransactionDecoderOptions {
  readonly topicPrefix: string;
  readonly events: EventSettings;
  readonly filter: TableFilter;
  readonly mapping: TypeMappingOptions;
  readonly registry: TypeRegistry;
  /** a normal connection for catalog lookups */
  readonly admin: Queryable;
  /** incremental snapshots: their watermarks and signals come through the stream */
  readonly incremental?: IncrementalSnapshots;
  /** `signal.data.collection`: rows inserted there are signals (columns id, type, data) */
  readonly signalTable?: { readonly schema: string; readonly table: string } | null;
}

const NONE: SourceRecord[] = [];

/**
 * The state of one replication session: the relations the server described (each a
 * TableSchema, or null when the filters leave the table out) and the open transaction. Turns
 * pgoutput messages into records; Relation and Type messages need catalog lookups and so are
 * asynchronous (`describe`), row changes are not (`records`), which keeps the hot path free of
 * promises.
 *
 * The records of each change are handed out with the next message, so that the last change of a
 * transaction is known as such when its Commit arrives (the next message on the wire, so nothing
 * waits): its last record's offset then carries the commit's end LSN (`lsn_commit_end`), which
 * the server may be told is flushed once that offset is committed — the slot then reaches the end
 * of the last transaction, as with Debezium and pg_recvlogical.
 */
export class TransactionDecoder {
  readonly #o: TransactionDecoderOptions;
  readonly #relations = new Map<number, TableSchema | null>();
  /** the signal table's relation id and the positions of its id, type and data columns */
  #signals: { relationId: number; id: number; type: number; data: number } | null = null;
  #txn: { xid: number; finalLsn: Lsn; commitTimeMs: number; commitTimeUs: number; commitTimeNs: bigint; ordinal: number } | null = null;
  /** the records of the open transaction's last change, not handed out yet */
  #held: SourceRecord[] = NONE;
  lastCommitTimeMs = 0;
  /** the end LSN of the last transaction that yielded records (zero before any) */
  lastRecordsEnd = Lsn.ZERO;
  /** the end LSN of the last transaction committed, records or not (zero before any) */
  lastCommitEnd = Lsn.ZERO;

  constructor(options: TransactionDecoderOptions) {
    this.#o = options;
  }

  /** A new session: the server describes every relation again before using it. */
  reset(): void {
    this.#relations.clear();
    this.#txn = null;
    // an unfinished transaction is sent again by the server
    this.#held = NONE;
  }

  get inTransaction(): boolean {
    return this.#txn !== null;
  }

  static needsCatalog(message: PgOutputMessage): message is Extract<PgOutputMessage, { tag: 'relation' | 'type' }> {
    return message.tag === 'relation' || message.tag === 'type';
  }

  async describe(message: Extract<PgOutputMessage, { tag: 'relation' | 'type' }>): Promise<void> {
    const o = this.#o;
    if (message.tag === 'type') {
      await o.registry.ensure(o.admin, [message.typeOid]);
      return;
    }
    const signals = o.signalTable;
    if (signals && o.incremental && message.schema === signals.schema && message.table === signals.table) {
      const at = (name: string) => message.columns.findIndex((c) => c.name === name);
      this.#signals = { relationId: message.relationId, id: at('id'), type: at('type'), data: at('data') };
    }
    if (!o.filter.includesTable(message.schema, message.table)) {
      this.#relations.set(message.relationId, null);
      return;
    }
    await o.registry.ensure(o.admin, message.columns.map((c) => c.typeOid));
    // the replica identity flags are not the primary key (FULL flags every column): ask the catalog
    const pk = await primaryKeyPositions(o.admin, message.relationId);
    const columns = message.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typmod: c.typmod, pkPosition: pk.get(c.name) ?? 0 }));
    this.#relations.set(message.relationId, new TableSchema(message.schema, message.table, columns, {
      topicPrefix: o.topicPrefix, registry: o.registry, filter: o.filter, mapping: o.mapping,
    }));
  }

  /** The records of one data message (none for begin, commit and uncaptured tables). */
  records(walStart: Lsn, message: PgOutputMessage): SourceRecord[] {
    switch (message.tag) {
      case 'begin':
        this.#txn = { xid: message.xid, finalLsn: message.finalLsn, commitTimeMs: message.commitTimeMs, commitTimeUs: message.commitTimeUs, commitTimeNs: BigInt(message.commitTimeUs) * 1000n, ordinal: 0 };
        return NONE;
      case 'commit': {
        this.#txn = null;
        this.lastCommitTimeMs = message.commitTimeMs;
        this.lastCommitEnd = message.endLsn;
        const out = this.#held;
        this.#held = NONE;
        if (out.length > 0) {
          const last = out[out.length - 1];
          out[out.length - 1] = { ...last, sourceOffset: { ...last.sourceOffset, lsn_commit_end: message.endLsn.toOffset() } };
          this.lastRecordsEnd = message.endLsn;
        }
        return out;
      }
      case 'insert':
      case 'update':
      case 'delete':
        return this.#hold(this.#change(message.relationId, walStart, message));
      case 'truncate': {
        let out = NONE;
        for (const relationId of message.relationIds) {
          const records = this.#change(relationId, walStart, message);
          out = out === NONE ? records : out.concat(records);
        }
        return this.#hold(out);
      }
      case 'message':
        return this.#message(walStart, message.prefix, message.content);
      default:
        return NONE;
    }
  }

  /** A logical decoding message: an incremental snapshot's watermark (maybe a chunk's rows) or a signal. */
  #message(walStart: Lsn, prefix: string, content: Buffer): SourceRecord[] {
    const incremental = this.#o.incremental;
    const txn = this.#txn;
    if (!incremental || !txn) return NONE;
    const records = incremental.message(prefix, content, { commitLsn: txn.finalLsn, changeLsn: walStart, ordinal: txn.ordinal, txId: txn.xid, commitTimeMs: txn.commitTimeMs });
    return records.length > 0 ? this.#hold(records) : NONE;
  }

  /** Holds a change's records and hands out the ones held before (a change without records holds nothing). */
  #hold(records: SourceRecord[]): SourceRecord[] {
    if (records.length === 0) return NONE;
    const out = this.#held;
    this.#held = records;
    return out;
  }

  // one context object for every change: changeRecords reads it and keeps nothing
  readonly #ctx: ChangeContext = { txId: 0, commitLsn: Lsn.ZERO, changeLsn: Lsn.ZERO, ordinal: 0, commitTimeMs: 0, commitTimeUs: 0, commitTimeNs: 0n };

  #change(relationId: number, walStart: Lsn, change: Change): SourceRecord[] {
    const txn = this.#txn;
    if (!txn) throw new Error('pgoutput sent a change outside a transaction');
    // every change counts, captured or not, so ordinals are the same on every replay
    const ordinal = ++txn.ordinal;
    const table = this.#relations.get(relationId);
    if (table === undefined) throw new Error(`pgoutput sent a change for relation ${relationId} before describing it`);
    if (this.#signals?.relationId === relationId && change.tag === 'insert') this.#signal(change.after);
    if (table === null) return NONE;
    const ctx = this.#ctx;
    ctx.txId = txn.xid;
    ctx.commitLsn = txn.finalLsn;
    ctx.changeLsn = walStart;
    ctx.ordinal = ordinal;
    ctx.commitTimeMs = txn.commitTimeMs;
    ctx.commitTimeUs = txn.commitTimeUs;
    ctx.commitTimeNs = txn.commitTimeNs;
    const records = changeRecords(table, change, ctx, this.#o.events);
    const incremental = this.#o.incremental;
    if (!incremental?.active) return records;
    incremental.changed(records);
    return incremental.stamp(records);
  }

  /** A row inserted into the signal table. */
  #signal(after: readonly unknown[]): void {
    const s = this.#signals!;
    const text = (i: number) => (i >= 0 && typeof after[i] === 'string' ? (after[i] as string) : '');
    this.#o.incremental!.handle(text(s.id), text(s.type), text(s.data));
  }
}
