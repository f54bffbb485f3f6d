/**
 * OceanBase's LogMessage ("DRC" record), the binary layout Log Proxy streams in CDC mode, read
 * and written here from the offsets oblogclient's `LogMessage.setByteBuf` / `fieldListParse` and
 * `BinaryMessageUtils` read (our own code; every integer little-endian):
 *
 * ```
 *  0  u16 msgType, u16 version, u32 size      MsgHeader; the record is size + 8 bytes
 *  8  u32 (not read by oblogclient)           the 12-byte prefix ends here: every offset below is
 * 12  u8 0x12, u32 104, 104 header bytes       relative to byte 12 ("rel")
 *     header: u8 brVersion(3) u8 srcType u8 op i8 lastInLogEvent i32 srcCategory i64 id
 *             i64 timestamp(s) i32 encoding i32 instance i32 timeMark i32 dbName i32 tbName
 *             i32 colNames i32 colTypes i32 pkVal i64 fileName(= checkpoint for OceanBase)
 *             i64 fileOffset i32 oldCols i32 newCols i32 pkKeys i32 ukCols i64 colsEncoding
 *             i32 filterRuleVal i32 tail                                (each a rel offset, -1: none)
 * string:      u8 0x0b, u32 length+1, bytes, NUL        (0x2b: null)
 * string list: u8 0x1b, u32 n, (n+1) × u32 ends, bytes of each element + NUL (equal ends: null)
 * u8 array:    u8 0x12, u32 n, n bytes
 * ```
 *
 * An UPDATE carries both images (old and new column lists), an INSERT the new, a DELETE the old;
 * BEGIN, COMMIT and HEARTBEAT carry no columns. `filterRuleVal[1]` is the transaction id
 * (`getOB10UniqueId`). What we could not learn from the sources: the first u32 after MsgHeader,
 * msgType/version values, and the exact text of each column type; see the README.
 */
export const LogOp = {
  INSERT: 0, UPDATE: 1, DELETE: 2, REPLACE: 3, HEARTBEAT: 4, CONSISTENCY_TEST: 5, BEGIN: 6, COMMIT: 7, DDL: 8, ROLLBACK: 9,
} as const;
export type LogOpName = keyof typeof LogOp;

const DT_UINT8 = 0x02;
const DT_STRING = 0x0b;
const DC_ARRAY = 0x10;
const DC_NULL = 0x20;
const PREFIX = 12;
const HEADER_LEN = 104;
const BR_VERSION = 3;
/** srcType 4: OceanBase 1.0 and later, as oblogclient's parseDBTypeCode names it */
export const SRC_TYPE_OCEANBASE = 4;

export interface LogField {
  readonly name: string;
  /** the column type code (LogMessageTypeCode) */
  readonly type: number;
  readonly primaryKey: boolean;
}

export interface LogMessage {
  readonly op: LogOpName;
  readonly id: bigint;
  /** commit time, seconds */
  readonly timestamp: number;
  /** Log Proxy's safe checkpoint (seconds), what `first_start_timestamp` resumes from */
  readonly checkpoint: number;
  readonly transactionId: string | null;
  /** `tenant.database` */
  readonly dbName: string | null;
  readonly tableName: string | null;
  readonly fields: readonly LogField[];
  /** column values as text (null: SQL NULL), in `fields` order; null list: no such image */
  readonly before: readonly (string | null)[] | null;
  readonly after: readonly (string | null)[] | null;
  readonly encoding: string;
}

const OP_NAMES = new Map<number, LogOpName>(Object.entries(LogOp).map(([k, v]) => [v, k as LogOpName]));

class Writer {
  readonly #parts: Buffer[] = [];
  #length = 0;

  get rel(): number {
    return this.#length;
  }

  push(b: Buffer): number {
    const at = this.#length;
    this.#parts.push(b);
    this.#length += b.length;
    return at;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

function stringBytes(text: string | null): Buffer {
  if (text === null) return Buffer.from([DT_STRING | DC_NULL, 0, 0, 0, 0]);
  const body = Buffer.from(text, 'utf8');
  const b = Buffer.alloc(5 + body.length + 1);
  b[0] = DT_STRING;
  b.writeUInt32LE(body.length + 1, 1);
  body.copy(b, 5);
  return b;
}

function stringListBytes(items: readonly (string | null)[]): Buffer {
  const bodies = items.map((t) => (t === null ? null : Buffer.from(t, 'utf8')));
  const head = Buffer.alloc(5 + (items.length + 1) * 4);
  head[0] = DC_ARRAY | DT_STRING;
  head.writeInt32LE(items.length, 1);
  let end = 0;
  head.writeUInt32LE(0, 5);
  const data: Buffer[] = [];
  bodies.forEach((b, i) => {
    if (b !== null) {
      data.push(b, Buffer.from([0]));
      end += b.length + 1;
    }
    head.writeUInt32LE(end, 5 + (i + 1) * 4);
  });
  return Buffer.concat([head, ...data]);
}

function u8ArrayBytes(values: readonly number[]): Buffer {
  const b = Buffer.alloc(5 + values.length);
  b[0] = DC_ARRAY | DT_UINT8;
  b.writeInt32LE(values.length, 1);
  values.forEach((v, i) => (b[5 + i] = v));
  return b;
}

/** The record bytes of one LogMessage, MsgHeader included (our encoder, for fakes and fixtures). */
export function encodeLogMessage(m: LogMessage): Buffer {
  const w = new Writer();
  w.push(Buffer.alloc(5 + HEADER_LEN));
  const hasColumns = m.fields.length > 0;
  const encoding = hasColumns ? w.push(stringBytes(m.encoding)) : -1;
  const dbName = m.dbName === null ? -1 : w.push(stringBytes(m.dbName));
  const tbName = m.tableName === null ? -1 : w.push(stringBytes(m.tableName));
  const colNames = hasColumns ? w.push(stringListBytes(m.fields.map((f) => f.name))) : -1;
  const colTypes = hasColumns ? w.push(u8ArrayBytes(m.fields.map((f) => f.type))) : -1;
  const pkIndexes = m.fields.flatMap((f, i) => (f.primaryKey ? [i] : []));
  const pkVal = pkIndexes.length > 0 ? w.push(stringListBytes([`(${pkIndexes.join(',')})`])) : -1;
  const oldCols = hasColumns ? w.push(stringListBytes(m.before ?? [])) : -1;
  const newCols = hasColumns ? w.push(stringListBytes(m.after ?? [])) : -1;
  const pkKeys = pkIndexes.length > 0 ? w.push(u8ArrayBytes(pkIndexes)) : -1;
  const colsEncoding = hasColumns ? w.push(stringListBytes(m.fields.map(() => m.encoding))) : -1;
  const filterRuleVal = w.push(stringListBytes(['', m.transactionId, '']));
  const body = w.bytes();

  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt8(BR_VERSION, 0);
  h.writeUInt8(SRC_TYPE_OCEANBASE, 1);
  h.writeUInt8(LogOp[m.op], 2);
  h.writeInt8(0, 3);
  h.writeInt32LE(0, 4);
  h.writeBigInt64LE(m.id, 8);
  h.writeBigInt64LE(BigInt(m.timestamp), 16);
  h.writeInt32LE(encoding, 24);
  h.writeInt32LE(-1, 28);
  h.writeInt32LE(-1, 32);
  h.writeInt32LE(dbName, 36);
  h.writeInt32LE(tbName, 40);
  h.writeInt32LE(colNames, 44);
  h.writeInt32LE(colTypes, 48);
  h.writeInt32LE(pkVal, 52);
  h.writeBigInt64LE(BigInt(m.checkpoint), 56);
  h.writeBigInt64LE(0n, 64);
  h.writeInt32LE(oldCols, 72);
  h.writeInt32LE(newCols, 76);
  h.writeInt32LE(pkKeys, 80);
  h.writeInt32LE(-1, 84);
  h.writeBigInt64LE(BigInt(colsEncoding), 88);
  h.writeInt32LE(filterRuleVal, 96);
  h.writeInt32LE(-1, 100);
  body[0] = DC_ARRAY | DT_UINT8;
  body.writeInt32LE(HEADER_LEN, 1);
  h.copy(body, 5);

  const prefix = Buffer.alloc(PREFIX);
  prefix.writeUInt16LE(0, 0);
  prefix.writeUInt16LE(1, 2);
  prefix.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([prefix, body]);
}

export class LogMessageError extends Error {}

/** Reads one record from `bytes` at `at`; returns it and where the next one starts. */
export function decodeLogMessage(bytes: Buffer, at = 0): { message: LogMessage; next: number } {
  if (bytes.length - at < PREFIX + 5) throw new LogMessageError(`a LogMessage needs at least ${PREFIX + 5} bytes, ${bytes.length - at} left at ${at}`);
  const size = bytes.readUInt32LE(at + 4);
  const end = at + 8 + size;
  if (end > bytes.length) throw new LogMessageError(`the LogMessage at ${at} claims ${size + 8} bytes, only ${bytes.length - at} remain`);
  const rec = bytes.subarray(at, end);
  const base = PREFIX;
  if ((rec[base] & 0x0f) !== DT_UINT8) throw new LogMessageError(`the LogMessage at ${at} has no header array (type byte 0x${rec[base].toString(16)})`);
  const headerLen = rec.readInt32LE(base + 1);
  if (headerLen !== 96 && headerLen !== 104 && headerLen !== 120) throw new LogMessageError(`unsupported LogMessage header length ${headerLen} (read: 96, 104, 120)`);
  const h = base + 5;
  const brVersion = rec.readUInt8(h);
  const opCode = rec.readUInt8(h + 2);
  const op = OP_NAMES.get(opCode);
  if (!op) throw new LogMessageError(`unknown LogMessage operation ${opCode}`);
  const int = (o: number) => rec.readInt32LE(h + o);
  const long = (o: number) => Number(rec.readBigInt64LE(h + o));
  const id = rec.readBigInt64LE(h + 8);
  const timestamp = long(16);
  const [encodingOff, dbNameOff, tbNameOff, colNamesOff, colTypesOff] = [int(24), int(36), int(40), int(44), int(48)];
  const checkpoint = long(56);
  const [oldOff, newOff, pkKeysOff] = [int(72), int(76), int(80)];
  const filterOff = brVersion === 3 && headerLen >= 104 ? int(96) : -1;

  const str = (off: number): string | null => {
    if (off < 0) return null;
    const t = rec[base + off];
    if ((t & DC_ARRAY) !== 0 || (t & DC_NULL) !== 0) return null;
    const len = rec.readUInt32LE(base + off + 1);
    return rec.toString('utf8', base + off + 5, base + off + 5 + len - 1);
  };
  const list = (off: number): (string | null)[] | null => {
    if (off < 0) return null;
    const p = base + off;
    if ((rec[p] & DC_ARRAY) === 0 || (rec[p] & 0x0f) !== DT_STRING) throw new LogMessageError(`expected a string list at ${off}`);
    const n = rec.readInt32LE(p + 1);
    const data = p + 5 + (n + 1) * 4;
    const out: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      const from = rec.readUInt32LE(p + 5 + i * 4);
      const to = rec.readUInt32LE(p + 5 + (i + 1) * 4);
      out.push(to === from ? null : rec.toString('utf8', data + from, data + to - 1));
    }
    return out;
  };
  const u8s = (off: number): number[] => {
    if (off < 0) return [];
    const p = base + off;
    const width = [0, 1, 1, 2, 2, 4, 4, 8, 8][rec[p] & 0x0f] ?? 1;
    const n = rec.readInt32LE(p + 1);
    return Array.from({ length: n }, (_, i) => (width === 1 ? rec[p + 5 + i] : width === 2 ? rec.readUInt16LE(p + 5 + i * 2) : rec.readUInt32LE(p + 5 + i * 4)));
  };

  const names = list(colNamesOff) ?? [];
  const types = u8s(colTypesOff);
  const pk = new Set(u8s(pkKeysOff));
  const fields = names.map((name, i) => ({ name: name ?? '', type: types[i] ?? 0, primaryKey: pk.has(i) }));
  const before = list(oldOff);
  const after = list(newOff);
  const filter = list(filterOff);
  return {
    message: {
      op, id, timestamp, checkpoint, transactionId: filter?.[1] ?? null, dbName: str(dbNameOff), tableName: str(tbNameOff), fields,
      before: before && before.length > 0 ? before : null, after: after && after.length > 0 ? after : null, encoding: str(encodingOff) ?? 'UTF-8',
    },
    next: end,
  };
}

/** Every record of a decompressed batch, in order. */
export function decodeLogMessages(bytes: Buffer): LogMessage[] {
  const out: LogMessage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const { message, next } = decodeLogMessage(bytes, at);
    out.push(message);
    at = next;
  }
  return out;
}
