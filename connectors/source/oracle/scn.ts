import type { Position } from '../../../plugins/cdc/index.js';

/**
 * An Oracle System Change Number. SCNs are unsigned 64-bit counters (up to 2^64 - 1 since 12.2
 * with big SCNs), beyond a double's exact range, so the session fetches them as strings and they
 * are held as `bigint` from there on. Never built from a JS number that is not a safe integer.
 */
export class Scn implements Position<Scn> {
  private constructor(readonly value: bigint) {}

  static of(value: bigint | string | number): Scn {
    if (typeof value === 'bigint') return new Scn(value);
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`SCN ${value} is not an exact integer: fetch SCNs as strings`);
      return new Scn(BigInt(value));
    }
    const text = value.trim();
    if (!/^\d+$/.test(text)) throw new RangeError(`"${value}" is not an SCN`);
    return new Scn(BigInt(text));
  }

  /** An SCN from a NUMBER column fetched as text (digits only, as the session guarantees): no validation on the hot path. */
  static fromDigits(text: string): Scn {
    return new Scn(BigInt(text));
  }

  /** An SCN from an offset or row value that may be absent. */
  static parse(value: unknown): Scn | null {
    if (value === null || value === undefined || value === '') return null;
    if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') return Scn.of(value);
    return null;
  }

  compare(other: Scn): number {
    return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
  }

  isBefore(other: Scn): boolean {
    return this.value < other.value;
  }

  add(n: bigint | number): Scn {
    return new Scn(this.value + BigInt(n));
  }

  subtract(n: bigint | number): Scn {
    const v = this.value - BigInt(n);
    return new Scn(v < 0n ? 0n : v);
  }

  static min(a: Scn, b: Scn): Scn {
    return a.value <= b.value ? a : b;
  }

  static max(a: Scn, b: Scn): Scn {
    return a.value >= b.value ? a : b;
  }

  /** 20 decimal digits: sorts byte-wise in SCN order up to 2^64 (record positions) */
  padded(): string {
    return this.value.toString().padStart(20, '0');
  }

  toString(): string {
    return this.value.toString();
  }
}
