import { Schemas, type Field, type Headers, type Schema, type SourceRecord } from '../api/index.js';

type Row = Record<string, unknown>;

/** Debezium's transaction block (`event.block`), optional: null while transaction metadata is not emitted. */
export const transactionBlockSchema: Schema = Schemas.struct(
  [Schemas.field('id', Schemas.string()), Schemas.field('total_order', Schemas.int64()), Schemas.field('data_collection_order', Schemas.int64())],
  { optional: true, name: 'event.block', version: 1 },
);

/**
 * The schema of `envelope()`'s values for one table, as Debezium 3 declares it (envelope version
 * 2): before and after (`<topic>.Value`), source, transaction, op, ts_ms, ts_us, ts_ns, in that
 * order, named `<topic>.Envelope`.
 */
export function changeEnvelopeSchema(topic: string, rowFields: readonly Field[], sourceSchema: Schema): Schema {
  const row = Schemas.struct(rowFields, { optional: true, name: `${topic}.Value` });
  return Schemas.struct(
    [
      Schemas.field('before', row),
      Schemas.field('after', row),
      Schemas.field('source', sourceSchema),
      Schemas.field('transaction', transactionBlockSchema),
      Schemas.field('op', Schemas.string()),
      Schemas.field('ts_ms', Schemas.int64({ optional: true })),
      Schemas.field('ts_us', Schemas.int64({ optional: true })),
      Schemas.field('ts_ns', Schemas.int64({ optional: true })),
    ],
    { name: `${topic}.Envelope`, version: 2 },
  );
}

/**
 * Debezium 3's change-event envelope: `before`, `after`, the source block, the transaction block
 * (null: transaction metadata is not emitted), the operation, and when it was built in ms, µs, ns.
 * `changeEnvelopeSchema` declares it.
 */
export function envelope(op: 'c' | 'u' | 'd' | 'r' | 't', before: Row | null, after: Row | null, source: Row): Row {
  const ms = Date.now();
  return { before, after, source, transaction: null, op, ts_ms: ms, ts_us: ms * 1000, ts_ns: nanosOf(ms) };
}

// ts_ns does not fit a double: a bigint, made once per millisecond rather than per record
let lastMs = -1;
let lastNs = 0n;
/** nanoseconds of a millisecond instant, as a bigint */
export function nanosOf(ms: number): bigint {
  if (ms !== lastMs) {
    lastMs = ms;
    lastNs = BigInt(ms) * 1_000_000n;
  }
  return lastNs;
}

/**
 * Builds the record of one part of a change: `part` is 0 for a change's first record and counts
 * the extra ones (tombstone, the create of a key change) so each has its own position. `change`
 * is whatever the source needs to place the record (its table, transaction and position); one
 * maker serves a whole task, so nothing is allocated per change here.
 */
export interface RecordMaker<C> {
  make(change: C, part: number, key: Row | null, value: Row | null, headers?: Headers): SourceRecord;
}

/**
 * The records of one row change, Debezium's way, appended to `out`: an update that changes the
 * primary key becomes a delete of the old key (plus its tombstone) and a create of the new one;
 * a delete is followed by a tombstone (same key, null value) when `tombstones` is set and the
 * table has a key.
 */
export const ChangeEvents = {
  create<C>(out: SourceRecord[], maker: RecordMaker<C>, change: C, key: Row | null, after: Row, source: Row, headers?: Headers): void {
    out.push(maker.make(change, out.length, key, envelope('c', null, after, source), headers));
  },

  update<C>(out: SourceRecord[], maker: RecordMaker<C>, change: C, key: Row | null, before: Row | null, after: Row, source: Row, headers?: Headers): void {
    out.push(maker.make(change, out.length, key, envelope('u', before, after, source), headers));
  },

  delete<C>(out: SourceRecord[], maker: RecordMaker<C>, change: C, key: Row | null, before: Row, source: Row, tombstones: boolean): void {
    out.push(maker.make(change, out.length, key, envelope('d', before, null, source)));
    if (tombstones && key !== null) out.push(maker.make(change, out.length, key, null));
  },

  /** an update that moved the row to another primary key */
  keyChange<C>(out: SourceRecord[], maker: RecordMaker<C>, change: C, oldKey: Row | null, before: Row, newKey: Row | null, after: Row, source: Row, tombstones: boolean, headers?: Headers): void {
    ChangeEvents.delete(out, maker, change, oldKey, before, source, tombstones);
    ChangeEvents.create(out, maker, change, newKey, after, source, headers);
  },

  truncate<C>(out: SourceRecord[], maker: RecordMaker<C>, change: C, source: Row): void {
    out.push(maker.make(change, out.length, null, envelope('t', null, null, source)));
  },
};

/** True when any key field differs between two rows (values compared as converted). */
export function keyChanged(before: Row | null, after: Row | null): boolean {
  if (before === null || after === null) return false;
  for (const k of Object.keys(after)) if (!sameValue(before[k], after[k])) return true;
  return false;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b);
}
