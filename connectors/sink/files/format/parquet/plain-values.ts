import type { PackedColumn } from '../offload/column-batch.js';
import type { ByteSink } from './byte-sink.js';

/**
 * PLAIN encoding (Encodings.md) of one packed column's non-null values: fixed-width values
 * little-endian (the packed buffers' own layout, so a column without nulls is one copy), booleans
 * bit-packed LSB first, BYTE_ARRAY as a 4-byte length then the bytes, FIXED_LEN_BYTE_ARRAY as the
 * bytes. `int32Of64` writes an int64-packed column as INT32 (decimals of up to 9 digits, packed as
 * int64 like every decimal).
 */
export function encodePlain(c: PackedColumn, rows: number, int32Of64: boolean, out: ByteSink): void {
  const present = c.present;
  switch (c.kind) {
    case 'int32':
    case 'float':
      return fixedWidth(c.values as Int32Array | Float32Array, rows, 4, present, out);
    case 'double':
      return fixedWidth(c.values as Float64Array, rows, 8, present, out);
    case 'int64':
      if (int32Of64) return lowWords(c.values as BigInt64Array, rows, present, out);
      return fixedWidth(c.values as BigInt64Array, rows, 8, present, out);
    case 'boolean':
      return booleans(c.values as Uint8Array, rows, present, out);
    case 'fixed':
      return fixedWidth(c.values as Uint8Array, rows, c.fixedLength!, present, out);
    case 'bytes':
      return byteArrays(c.values as Uint8Array, c.offsets!, rows, present, out);
    case 'any':
      throw new TypeError('encodePlain: a column of kind any has no packed values');
  }
}

function fixedWidth(values: ArrayBufferView, rows: number, width: number, present: Uint8Array | undefined, out: ByteSink): void {
  const src = new Uint8Array(values.buffer, values.byteOffset, rows * width);
  if (!present) {
    out.append(src);
    return;
  }
  out.ensure(rows * width);
  const dst = out.bytes;
  let at = out.length;
  for (let i = 0; i < rows; i++) {
    if (!present[i]) continue;
    const from = i * width;
    for (let b = 0; b < width; b++) dst[at + b] = src[from + b];
    at += width;
  }
  out.length = at;
}

function lowWords(values: BigInt64Array, rows: number, present: Uint8Array | undefined, out: ByteSink): void {
  const words = new Int32Array(values.buffer, values.byteOffset, rows * 2);
  out.ensure(rows * 4);
  const view = out.view;
  let at = out.length;
  for (let i = 0; i < rows; i++) {
    if (present && !present[i]) continue;
    view.setInt32(at, words[2 * i], true);
    at += 4;
  }
  out.length = at;
}

function booleans(values: Uint8Array, rows: number, present: Uint8Array | undefined, out: ByteSink): void {
  out.ensure((rows + 7) >> 3);
  const dst = out.bytes;
  let at = out.length;
  let acc = 0;
  let bit = 0;
  for (let i = 0; i < rows; i++) {
    if (present && !present[i]) continue;
    if (values[i]) acc |= 1 << bit;
    if (++bit === 8) {
      dst[at++] = acc;
      acc = 0;
      bit = 0;
    }
  }
  if (bit > 0) dst[at++] = acc;
  out.length = at;
}

/** below this a value's bytes are copied one by one: cheaper than a subarray and `set` */
const SHORT_VALUE = 48;

function byteArrays(bytes: Uint8Array, offsets: Int32Array, rows: number, present: Uint8Array | undefined, out: ByteSink): void {
  out.ensure(offsets[rows] - offsets[0] + 4 * rows);
  const dst = out.bytes;
  const view = out.view;
  let at = out.length;
  for (let i = 0; i < rows; i++) {
    if (present && !present[i]) continue;
    const from = offsets[i];
    const to = offsets[i + 1];
    const n = to - from;
    view.setUint32(at, n, true);
    at += 4;
    if (n < SHORT_VALUE) for (let b = 0; b < n; b++) dst[at + b] = bytes[from + b];
    else dst.set(bytes.subarray(from, to), at);
    at += n;
  }
  out.length = at;
}
