import type { ByteSink } from './byte-sink.js';

/**
 * Parquet's RLE / bit-packing hybrid encoding (Encodings.md, "RLE"), as used for definition
 * levels and dictionary indices: a sequence of runs, each a ULEB128 header then
 *  - an RLE run: header `count << 1`, then the repeated value in ceil(bitWidth / 8) bytes, LE;
 *  - a bit-packed run: header `(groups << 1) | 1`, then groups of 8 values, bitWidth bits each,
 *    packed from the least significant bit of each byte.
 * Runs of 8 or more equal values become RLE runs, the rest is bit-packed. Only the last group of
 * the whole sequence may be padded (with zeros): readers stop at the page's value count. The
 * length prefix that data pages v1 put in front is the caller's.
 */
export function encodeRleHybrid(values: ArrayLike<number>, count: number, bitWidth: number, out: ByteSink): void {
  const valueBytes = (bitWidth + 7) >> 3;
  let i = 0;
  while (i < count) {
    const run = runLength(values, i, count);
    if (run >= 8) {
      out.varint(run * 2);
      writeValue(out, values[i], valueBytes);
      i += run;
      continue;
    }
    // bit-packed groups of 8 until a run worth an RLE run starts at a group boundary
    let groups = 0;
    let end = i;
    do {
      groups++;
      end += 8;
    } while (end < count && runLength(values, end, Math.min(count, end + 8)) < 8);
    out.varint(groups * 2 + 1);
    packGroups(values, i, Math.min(end, count), groups, bitWidth, out);
    i = end;
  }
}

/** how many values from `at` (before `limit`) equal values[at] */
function runLength(values: ArrayLike<number>, at: number, limit: number): number {
  const v = values[at];
  let j = at + 1;
  while (j < limit && values[j] === v) j++;
  return j - at;
}

function writeValue(out: ByteSink, v: number, bytes: number): void {
  for (let b = 0; b < bytes; b++) out.byte((v >>> (8 * b)) & 0xff);
}

/** values [from, to) bit-packed into `groups` groups of 8 (zeros after `to`) */
function packGroups(values: ArrayLike<number>, from: number, to: number, groups: number, bitWidth: number, out: ByteSink): void {
  const size = groups * bitWidth;
  out.ensure(size);
  const bytes = out.bytes;
  let at = out.length;
  if (bitWidth === 1) {
    // definition levels of an optional column: one byte per group
    for (let g = 0; g < groups; g++) {
      let b = 0;
      const base = from + g * 8;
      for (let k = 0; k < 8; k++) if (base + k < to && values[base + k]) b |= 1 << k;
      bytes[at++] = b;
    }
    out.length = at;
    return;
  }
  let acc = 0;
  let bits = 0;
  const total = groups * 8;
  for (let k = 0; k < total; k++) {
    const v = from + k < to ? values[from + k] : 0;
    acc |= v << bits;
    bits += bitWidth;
    while (bits >= 8) {
      bytes[at++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  out.length = at;
}

/** bits needed for values up to `max` (0 for max 0) */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}
