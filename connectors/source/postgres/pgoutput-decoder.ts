import { Lsn } from './lsn.js';

/**
 * Decodes pgoutput protocol version 1 messages (the payload of XLogData) without converting any
 * value: tuple columns stay the server's text so that the type mapper alone decides how each type
 * is represented (pg-logical-replication's parser runs them through pg-types, which turns
 * timestamps into JS Dates and loses microseconds).
 */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type TupleValue = string | null | typeof UNCHANGED_TOAST;

export interface RelationColumn {
  readonly name: string;
  /** part of the replica identity (the key that DEFAULT identity sends in before-images) */
  readonly isKey: boolean;
  readonly typeOid: number;
  readonly typmod: number;
}

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: Lsn; commitTimeMs: number; commitTimeUs: number; xid: number }
  | { tag: 'commit'; commitLsn: Lsn; endLsn: Lsn; commitTimeMs: number }
  | { tag: 'relation'; relationId: number; schema: string; table: string; replicaIdentity: string; columns: RelationColumn[] }
  | { tag: 'type'; typeOid: number; schema: string; name: string }
  | { tag: 'insert'; relationId: number; after: TupleValue[] }
  | { tag: 'update'; relationId: number; before: TupleValue[] | null; beforeIsKeyOnly: boolean; after: TupleValue[] }
  | { tag: 'delete'; relationId: number; before: TupleValue[]; beforeIsKeyOnly: boolean }
  | { tag: 'truncate'; relationIds: number[]; cascade: boolean; restartIdentity: boolean }
  | { tag: 'origin' }
  | { tag: 'message'; prefix: string; content: Buffer };

// Buffer#toString(encoding, start, end) checks its arguments on every call; the decoder calls it
// for every column of every row, so it uses the underlying utf8Slice directly.
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Buffer, start: number, end: number): string }).utf8Slice;

/** PostgreSQL timestamps count microseconds from 2000-01-01. */
const PG_EPOCH_MS = 946_684_800_000;

class Reader {
  constructor(readonly buffer: Buffer, public offset: number) {}
  int8(): number { return this.buffer.readInt8(this.offset++); }
  byte(): number { return this.buffer[this.offset++]; }
  int16(): number { const v = this.buffer.readInt16BE(this.offset); this.offset += 2; return v; }
  int32(): number { const v = this.buffer.readInt32BE(this.offset); this.offset += 4; return v; }
  uint32(): number { const v = this.buffer.readUInt32BE(this.offset); this.offset += 4; return v; }
  lsn(): Lsn { const v = Lsn.readBigEndian(this.buffer, this.offset); this.offset += 8; return v; }
  timestampMs(): number { const v = this.buffer.readBigInt64BE(this.offset); this.offset += 8; return Number(v / 1000n) + PG_EPOCH_MS; }
  /** microseconds since the Unix epoch (exact in a double until the year 2255) */
  timestampUs(): number { const v = this.buffer.readBigInt64BE(this.offset); this.offset += 8; return Number(v) + PG_EPOCH_MS * 1000; }
  string(): string {
    const end = this.buffer.indexOf(0, this.offset);
    const s = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }
  tuple(): TupleValue[] {
    const count = this.int16();
    const values = new Array<TupleValue>(count);
    for (let i = 0; i < count; i++) {
      const kind = this.byte();
      if (kind === 0x74 /* t */ || kind === 0x62 /* b */) {
        const length = this.int32();
        values[i] = utf8Slice.call(this.buffer, this.offset, this.offset + length);
        this.offset += length;
      } else if (kind === 0x75 /* u */) values[i] = UNCHANGED_TOAST;
      else values[i] = null;
    }
    return values;
  }
}

/** Decodes the message starting at `start` (the XLogData payload offset; no subarray needed). */
// one reader for every message: decoding is synchronous and keeps no reference to it
const reader = new Reader(Buffer.alloc(0), 0);

export function decodePgOutput(buffer: Buffer, start = 0): PgOutputMessage {
  const r = reader;
  (r as { buffer: Buffer }).buffer = buffer;
  r.offset = start;
  const tag = String.fromCharCode(r.byte());
  switch (tag) {
    case 'B': {
      const finalLsn = r.lsn();
      const commitTimeUs = r.timestampUs();
      // floored, as Debezium's ts_ms of a commit time
      return { tag: 'begin', finalLsn, commitTimeMs: Math.floor(commitTimeUs / 1000), commitTimeUs, xid: r.uint32() };
    }
    case 'C': { r.int8(); return { tag: 'commit', commitLsn: r.lsn(), endLsn: r.lsn(), commitTimeMs: r.timestampMs() }; }
    case 'R': {
      const relationId = r.uint32();
      const schema = r.string();
      const table = r.string();
      const replicaIdentity = String.fromCharCode(r.byte());
      const count = r.int16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < count; i++) {
        const flags = r.int8();
        columns.push({ isKey: (flags & 1) === 1, name: r.string(), typeOid: r.uint32(), typmod: r.int32() });
      }
      return { tag: 'relation', relationId, schema, table, replicaIdentity, columns };
    }
    case 'Y': return { tag: 'type', typeOid: r.uint32(), schema: r.string(), name: r.string() };
    case 'I': { const relationId = r.uint32(); r.byte(); return { tag: 'insert', relationId, after: r.tuple() }; }
    case 'U': {
      const relationId = r.uint32();
      let kind = String.fromCharCode(r.byte());
      let before: TupleValue[] | null = null;
      let beforeIsKeyOnly = false;
      if (kind === 'K' || kind === 'O') {
        beforeIsKeyOnly = kind === 'K';
        before = r.tuple();
        kind = String.fromCharCode(r.byte());
      }
      return { tag: 'update', relationId, before, beforeIsKeyOnly, after: r.tuple() };
    }
    case 'D': {
      const relationId = r.uint32();
      const kind = String.fromCharCode(r.byte());
      return { tag: 'delete', relationId, beforeIsKeyOnly: kind === 'K', before: r.tuple() };
    }
    case 'T': {
      const count = r.int32();
      const options = r.int8();
      const relationIds: number[] = [];
      for (let i = 0; i < count; i++) relationIds.push(r.uint32());
      return { tag: 'truncate', relationIds, cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2 };
    }
    case 'O': return { tag: 'origin' };
    case 'M': { r.int8(); r.lsn(); const prefix = r.string(); const length = r.int32(); return { tag: 'message', prefix, content: Buffer.from(buffer.subarray(r.offset, r.offset + length)) }; }
    default: throw new Error(`unknown pgoutput message type ${JSON.stringify(tag)}`);
  }
}
