/**
 * Helpers for record positions. A CDC source gives every record a `position`: a string that
 * sorts byte-wise in the order the source produced it, across snapshot and stream, so a sink can
 * skip what it already holds after a replay. Source-specific positions (`Lsn`, `BinlogPosition`)
 * are value types with `compare` and these encodings; the helpers keep the sort order of the
 * numbers and keys they encode.
 */
export interface Position<T> {
  /** negative, zero or positive as this position is before, at or after `other` */
  compare(other: T): number;
  toString(): string;
}

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const TWO_POW_32 = 4_294_967_296;

/** 8 upper-case hex digits of an unsigned 32-bit number, by table (no intermediate strings). */
export function hex32(n: number): string {
  return BYTE_HEX[(n >>> 24) & 0xff] + BYTE_HEX[(n >>> 16) & 0xff] + BYTE_HEX[(n >>> 8) & 0xff] + BYTE_HEX[n & 0xff];
}

/** 16 hex digits of an unsigned integer below 2^53. */
export function hex64(n: number): string {
  const hi = Math.floor(n / TWO_POW_32);
  return hex32(hi) + hex32(n - hi * TWO_POW_32);
}

/** A signed integer below 2^53 in magnitude as 16 hex digits of its 64-bit value with the sign bit flipped. */
export function int64Hex(n: number): string {
  const hi = Math.floor(n / TWO_POW_32);
  return hex32(hi + 0x8000_0000) + hex32(n - hi * TWO_POW_32);
}

/** The same for a signed 64-bit integer written as decimal text (exact beyond 2^53). */
export function int64TextHex(text: string): string {
  if (text.length <= 15) return int64Hex(Number(text));
  return (BigInt(text) + (1n << 63n)).toString(16).toUpperCase().padStart(16, '0');
}

/** Ends a variable-length part: `.` sorts below every hex digit, so a prefix sorts first. */
export const VARIABLE_END = '.';

/** Text as the hex of its UTF-8 bytes, ended so that a prefix sorts before its extensions. */
export function utf8Hex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex').toUpperCase() + VARIABLE_END;
}
