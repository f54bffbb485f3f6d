import type { BufferPool } from './buffer-pool.js';

const EMPTY = Buffer.alloc(0);

/**
 * A growable buffer that writes ClickHouse's RowBinary format: little-endian fixed-width
 * numbers, strings as LEB128 length + bytes. RowBinary input is exact (ClickHouse parses float
 * text 1 ulp off at times) and the cheapest row format for the server to read.
 *
 * `buf` and `at` are public because compiled row encoders (row-encoder.ts) write into the
 * buffer directly, keeping the position in a local; they call `grow` before writing past the
 * end, and set `at` when a row is complete (a row that throws half-way leaves `at` unmoved).
 */
export class RowBinaryWriter {
  buf: Buffer;
  at = 0;
  /** the capacity a buffer taken over is replaced with, when the next byte comes */
  #initial: number;
  /** where buffers come from and outgrown ones go (none: new ones, left to the collector) */
  readonly #pool: BufferPool | undefined;

  constructor(initial = 64 * 1024, pool?: BufferPool) {
    this.#initial = initial;
    this.#pool = pool;
    this.buf = EMPTY;
  }

  get length(): number {
    return this.at;
  }

  /** the bytes written so far (a view, valid until the next write) */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /**
   * The bytes written so far, handed over without a copy (a view of `buf`: give `buf` back to
   * the pool, if any, once nobody reads the view). The writer holds no memory until it is
   * written to again, and then starts on a buffer as large as the one handed over.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.#initial = Math.max(this.#initial, this.buf.length);
    this.buf = EMPTY;
    this.at = 0;
    return out;
  }

  /** drops what was written since `from` (a row that failed half-way) */
  rewind(from: number): void {
    this.at = from;
  }

  /** Room for `n` bytes at `at` (the first `at` bytes kept); returns the buffer, new or not. */
  grow(at: number, n: number): Buffer {
    if (at + n <= this.buf.length) return this.buf;
    const size = Math.max(this.buf.length * 2, this.#initial, at + n);
    const next = this.#pool ? this.#pool.acquire(size) : Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, at);
    this.#pool?.release(this.buf);
    this.buf = next;
    return next;
  }

  #room(n: number): void {
    if (this.at + n > this.buf.length) this.grow(this.at, n);
  }

  u8(v: number): void {
    this.#room(1);
    this.buf[this.at++] = v;
  }
  i8(v: number): void {
    this.#room(1);
    this.buf.writeInt8(v, this.at);
    this.at += 1;
  }
  u16(v: number): void {
    this.#room(2);
    this.buf.writeUInt16LE(v, this.at);
    this.at += 2;
  }
  i16(v: number): void {
    this.#room(2);
    this.buf.writeInt16LE(v, this.at);
    this.at += 2;
  }
  u32(v: number): void {
    this.#room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  i32(v: number): void {
    this.#room(4);
    this.buf.writeInt32LE(v, this.at);
    this.at += 4;
  }
  i64(v: bigint): void {
    this.#room(8);
    this.buf.writeBigInt64LE(v, this.at);
    this.at += 8;
  }
  u64(v: bigint): void {
    this.#room(8);
    this.buf.writeBigUInt64LE(v, this.at);
    this.at += 8;
  }
  /** an integer that fits a double exactly, as Int64 without making a BigInt */
  i64Number(v: number): void {
    this.#room(8);
    const low = v % 4294967296;
    const lo = low < 0 ? low + 4294967296 : low;
    this.buf.writeUInt32LE(lo, this.at);
    this.buf.writeInt32LE((v - lo) / 4294967296, this.at + 4);
    this.at += 8;
  }
  f32(v: number): void {
    this.#room(4);
    this.buf.writeFloatLE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.#room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  /** a two's-complement integer of `bytes` bytes (Int128, Int256 for wide decimals) */
  wide(v: bigint, bytes: number): void {
    this.#room(bytes);
    let x = BigInt.asUintN(bytes * 8, v);
    for (let i = 0; i < bytes; i += 8) {
      this.buf.writeBigUInt64LE(x & 0xffff_ffff_ffff_ffffn, this.at + i);
      x >>= 64n;
    }
    this.at += bytes;
  }
  varUInt(n: number): void {
    this.#room(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.at++] = n;
  }
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      // short ASCII text byte by byte: cheaper than a call into the encoder
      this.#room(n + 1);
      const buf = this.buf;
      const start = this.at;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.at = start + n + 1;
        return;
      }
    }
    const max = n * 3;
    if (max < 128) {
      // room for the longest UTF-8 encoding; one length byte is then enough
      this.#room(max + 1);
      const bytes = this.buf.write(s, this.at + 1, 'utf8');
      this.buf[this.at] = bytes;
      this.at += bytes + 1;
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varUInt(bytes);
    this.#room(bytes);
    this.buf.write(s, this.at, 'utf8');
    this.at += bytes;
  }
  raw(b: Uint8Array): void {
    this.varUInt(b.length);
    this.fixed(b, b.length);
  }
  /** exactly `length` bytes: `b` zero-padded (FixedString) */
  fixed(b: Uint8Array, length: number): void {
    this.#room(length);
    this.buf.set(b.length > length ? b.subarray(0, length) : b, this.at);
    if (b.length < length) this.buf.fill(0, this.at + b.length, this.at + length);
    this.at += length;
  }
}
