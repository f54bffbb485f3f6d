/**
 * Snappy compression (the raw format of google/snappy's format_description.txt, which Parquet's
 * SNAPPY codec uses), written for pages: one output buffer and one hash table kept between
 * calls, so a page allocates nothing, and no per-byte bounds checks. Greedy matching on 4-byte
 * hashes within 64 KiB blocks (every copy offset then fits the 2-byte form), skipping faster
 * through input that does not match, as the reference compressor does. hyparquet-writer's snappy
 * (the same format, through its ByteWriter) costs about a quarter of the encoder's time; this
 * one a fraction of that.
 */
const BLOCK = 1 << 16;
const HASH_BITS = 14;
/** inputs shorter than this are one literal; the main loop also stops this far before a block's end */
const MARGIN = 15;

export class SnappyCompressor {
  #out = new Uint8Array(0);
  /** position + 1 of the last 4-byte sequence with this hash, in the current block (0: none) */
  readonly #table = new Int32Array(1 << HASH_BITS);

  /** the compressed bytes: a view of a buffer reused by the next call, so copy it before then */
  compress(input: Uint8Array): Uint8Array {
    const n = input.length;
    // the worst case of the format: 32 + n + n / 6
    const bound = 32 + n + Math.ceil(n / 6);
    if (this.#out.length < bound) this.#out = new Uint8Array(Math.max(bound, this.#out.length * 2));
    const out = this.#out;
    let op = 0;
    // the uncompressed length, as a varint
    let len = n;
    while (len >= 0x80) {
      out[op++] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    out[op++] = len;
    for (let start = 0; start < n; start += BLOCK) op = this.#block(input, start, Math.min(n, start + BLOCK), out, op);
    return out.subarray(0, op);
  }

  #block(input: Uint8Array, start: number, end: number, out: Uint8Array, op: number): number {
    let literal = start;
    if (end - start >= MARGIN) {
      const table = this.#table;
      table.fill(0);
      const limit = end - MARGIN;
      let ip = start;
      let skip = 32;
      while (ip < limit) {
        const word = load32(input, ip);
        const h = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
        const candidate = table[h] - 1;
        table[h] = ip + 1;
        if (candidate < start || load32(input, candidate) !== word) {
          // no match: step further the longer nothing has matched
          ip += skip++ >> 5;
          continue;
        }
        skip = 32;
        if (ip > literal) op = emitLiteral(input, literal, ip, out, op);
        // extend the match past its first 4 bytes
        let matched = 4;
        while (ip + matched < end && input[candidate + matched] === input[ip + matched]) matched++;
        op = emitCopy(ip - candidate, matched, out, op);
        ip += matched;
        literal = ip;
        // index the position before the next one, as matches often start right after a match
        if (ip - 1 < limit) {
          const prev = load32(input, ip - 1);
          table[Math.imul(prev, 0x1e35a7bd) >>> (32 - HASH_BITS)] = ip;
        }
      }
    }
    if (literal < end) op = emitLiteral(input, literal, end, out, op);
    return op;
  }
}

function load32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const n = to - from;
  const m = n - 1;
  if (m < 60) out[op++] = m << 2;
  else if (m < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = m;
  } else if (m < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = m & 0xff;
    out[op++] = m >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = m & 0xff;
    out[op++] = (m >>> 8) & 0xff;
    out[op++] = m >>> 16;
  }
  if (n < 32) for (let i = 0; i < n; i++) out[op + i] = input[from + i];
  else out.set(input.subarray(from, to), op);
  return op + n;
}

/** a copy of `length` bytes from `offset` back (offset < 65536): 64 bytes at most per element */
function emitCopy(offset: number, length: number, out: Uint8Array, op: number): number {
  let left = length;
  while (left >= 68) {
    op = copy2(offset, 64, out, op);
    left -= 64;
  }
  // leave at least 4 for the last element
  if (left > 64) {
    op = copy2(offset, 60, out, op);
    left -= 60;
  }
  if (left < 12 && offset < 2048) {
    // 1-byte offset form: length 4..11, offset < 2048
    out[op++] = 1 | ((left - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
    return op;
  }
  return copy2(offset, left, out, op);
}

function copy2(offset: number, length: number, out: Uint8Array, op: number): number {
  out[op++] = 2 | ((length - 1) << 2);
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}
