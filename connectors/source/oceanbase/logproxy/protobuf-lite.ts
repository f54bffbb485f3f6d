/**
 * The few protobuf messages Log Proxy's protocol v2 uses (logproxy.proto: ClientHandshakeRequest,
 * ClientHandshakeResponse, ErrorResponse, RuntimeStatus, RecordData), encoded and decoded by
 * hand: scalar int32/bool varints and length-delimited strings/bytes are all they hold, so a
 * schema compiler (protobufjs) would add a dependency for ~60 lines of wire format.
 */
export type PbValue = number | boolean | string | Buffer;

function varint(n: number): Buffer {
  // int32 negatives are sign-extended to 10 bytes, as protobuf does
  let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Buffer.from(out);
}

/** Encodes fields `[number, value]` in order; numbers and booleans as varints, strings and buffers length-delimited. */
export function encodePb(fields: readonly (readonly [number, PbValue | undefined])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [no, value] of fields) {
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'boolean') {
      const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (n === 0) continue; // proto3 leaves defaults out
      parts.push(varint(no << 3), varint(n));
    } else {
      const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      if (b.length === 0) continue;
      parts.push(varint((no << 3) | 2), varint(b.length), b);
    }
  }
  return Buffer.concat(parts);
}

/** Decodes into field number → varint (as number) or bytes; unknown wire types are refused. */
export function decodePb(bytes: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let i = 0;
  const readVarint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (i >= bytes.length) throw new RangeError('truncated protobuf varint');
      const b = bytes[i++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < bytes.length) {
    const key = Number(readVarint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.set(no, Number(BigInt.asIntN(32, readVarint())));
    else if (wire === 2) {
      const len = Number(readVarint());
      if (i + len > bytes.length) throw new RangeError('truncated protobuf field');
      out.set(no, bytes.subarray(i, i + len));
      i += len;
    } else throw new RangeError(`protobuf wire type ${wire} is not used by Log Proxy`);
  }
  return out;
}

export const pbString = (m: Map<number, number | Buffer>, no: number): string => {
  const v = m.get(no);
  return Buffer.isBuffer(v) ? v.toString('utf8') : '';
};
export const pbInt = (m: Map<number, number | Buffer>, no: number): number => {
  const v = m.get(no);
  return typeof v === 'number' ? v : 0;
};
export const pbBytes = (m: Map<number, number | Buffer>, no: number): Buffer => {
  const v = m.get(no);
  return Buffer.isBuffer(v) ? v : Buffer.alloc(0);
};
