import { hex32, type Position } from '../../../plugins/cdc/index.js';

/**
 * A PostgreSQL log sequence number: a 64-bit position in the WAL. A value type, so positions are
 * compared and formatted in one place rather than as bare strings.
 *
 * Held as a JS number while exact (the first 8 PiB of WAL, i.e. always in practice) because one
 * is created for every streamed message and BigInt arithmetic allocates; the bigint form is made
 * on demand.
 */
export class Lsn implements Position<Lsn> {
  static readonly ZERO = new Lsn(0, null);

  #hex: string | undefined;
  #big: bigint | null;

  private constructor(readonly number: number, big: bigint | null) {
    this.#big = big;
  }

  static of(value: bigint | number): Lsn {
    if (typeof value === 'number') return new Lsn(value, null);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? new Lsn(Number(value), null) : new Lsn(Number(value), value);
  }

  /** Parses `16/B374D848` (the server's text form). */
  static parse(text: string): Lsn {
    const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
    if (!match) throw new Error(`not an LSN: ${text}`);
    return Lsn.fromParts(parseInt(match[1], 16), parseInt(match[2], 16));
  }

  /** Reads an LSN kept in an offset: a number (Debezium stores a long) or a string of either form. */
  static fromOffset(value: unknown): Lsn | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' || typeof value === 'bigint') return Lsn.of(value);
    if (typeof value === 'string') return value.includes('/') ? Lsn.parse(value) : Lsn.of(BigInt(value));
    return null;
  }

  static readBigEndian(buffer: Buffer, offset: number): Lsn {
    return Lsn.fromParts(buffer.readUInt32BE(offset), buffer.readUInt32BE(offset + 4));
  }

  private static fromParts(hi: number, lo: number): Lsn {
    // below 2^21 for the high word the number is exact
    if (hi < 0x200000) return new Lsn(hi * 4_294_967_296 + lo, null);
    const big = (BigInt(hi) << 32n) | BigInt(lo);
    return new Lsn(Number(big), big);
  }

  get value(): bigint {
    return (this.#big ??= BigInt(this.number));
  }

  /** As an offset value: a number while it is exact (always, in practice), else a decimal string. */
  toOffset(): number | string {
    return this.#big === null ? this.number : this.#big.toString();
  }

  /** 16 upper-case hex digits, zero-padded: sorts byte-wise in LSN order. */
  toHex16(): string {
    if (this.#hex === undefined) {
      this.#hex = this.#big === null
        ? hex32(Math.floor(this.number / 4_294_967_296)) + hex32(this.number >>> 0)
        : this.#big.toString(16).toUpperCase().padStart(16, '0');
    }
    return this.#hex;
  }

  toString(): string {
    const v = this.value;
    return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
  }

  compare(other: Lsn): number {
    if (this.#big === null && other.#big === null) return this.number < other.number ? -1 : this.number > other.number ? 1 : 0;
    return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
  }

  isZero(): boolean {
    return this.number === 0;
  }

  minus(other: Lsn): bigint {
    return this.value - other.value;
  }

  static max(a: Lsn, b: Lsn): Lsn {
    return a.compare(b) >= 0 ? a : b;
  }
}

