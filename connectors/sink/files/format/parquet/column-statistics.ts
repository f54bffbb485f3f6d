import type { PackedColumn } from '../offload/column-batch.js';
import type { ChunkStatistics } from './file-footer.js';

/**
 * Min/max of a column chunk where they are cheap and their order is the type's own: signed
 * integers (INT32, INT64: ints, decimals, dates, times, timestamps), FLOAT/DOUBLE (NaN left out,
 * zeros written as -0 for min and +0 for max, as the format asks) and booleans. Byte arrays and
 * fixed-length values (strings, JSON, UUIDs) get the null count only: a byte-wise comparison per
 * value costs what the whole PLAIN encoding does, and nothing here reads those bounds.
 */
export class ColumnStatistics {
  readonly #kind: PackedColumn['kind'];
  readonly #int32Of64: boolean;
  readonly #enabled: boolean;
  #nulls = 0;
  #seen = false;
  #min = 0;
  #max = 0;
  /** int64: the high (signed) and low (unsigned) words of min and max */
  #minHi = 0;
  #minLo = 0;
  #maxHi = 0;
  #maxLo = 0;

  constructor(kind: PackedColumn['kind'], int32Of64: boolean, enabled: boolean) {
    this.#kind = kind;
    this.#int32Of64 = int32Of64;
    this.#enabled = enabled && kind !== 'bytes' && kind !== 'fixed' && kind !== 'any';
  }

  get nullCount(): number {
    return this.#nulls;
  }

  reset(): void {
    this.#nulls = 0;
    this.#seen = false;
  }

  add(c: PackedColumn, rows: number): void {
    const present = c.present;
    if (present) for (let i = 0; i < rows; i++) this.#nulls += 1 - present[i];
    if (!this.#enabled) return;
    if (c.kind === 'int64' && !this.#int32Of64) this.#int64(c.values as BigInt64Array, rows, present);
    else if (c.kind === 'int64') this.#numbers(new Int32Array(c.values.buffer, c.values.byteOffset, rows * 2), rows, present, 2);
    else this.#numbers(c.values as Int32Array | Float32Array | Float64Array | Uint8Array, rows, present, 1);
  }

  /** the chunk's statistics, min/max PLAIN-encoded in the physical type */
  result(): ChunkStatistics {
    if (!this.#enabled || !this.#seen) return { nullCount: this.#nulls };
    return { nullCount: this.#nulls, min: this.#encode(true), max: this.#encode(false) };
  }

  /** `stride` 2: the low words of int64-packed values (INT32 decimals) */
  #numbers(values: ArrayLike<number>, rows: number, present: Uint8Array | undefined, stride: number): void {
    let min = this.#seen ? this.#min : Infinity;
    let max = this.#seen ? this.#max : -Infinity;
    for (let i = 0; i < rows; i++) {
      if (present && !present[i]) continue;
      const v = values[i * stride];
      // NaN fails both comparisons: it is left out, as the format asks
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min <= max) {
      this.#seen = true;
      this.#min = min;
      this.#max = max;
    }
  }

  #int64(values: BigInt64Array, rows: number, present: Uint8Array | undefined): void {
    const w = new Int32Array(values.buffer, values.byteOffset, rows * 2);
    let minHi = this.#minHi;
    let minLo = this.#minLo;
    let maxHi = this.#maxHi;
    let maxLo = this.#maxLo;
    let seen = this.#seen;
    for (let i = 0; i < rows; i++) {
      if (present && !present[i]) continue;
      const hi = w[2 * i + 1];
      const lo = w[2 * i] >>> 0;
      if (!seen) {
        minHi = maxHi = hi;
        minLo = maxLo = lo;
        seen = true;
        continue;
      }
      if (hi < minHi || (hi === minHi && lo < minLo)) {
        minHi = hi;
        minLo = lo;
      }
      if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
        maxHi = hi;
        maxLo = lo;
      }
    }
    this.#seen = seen;
    this.#minHi = minHi;
    this.#minLo = minLo;
    this.#maxHi = maxHi;
    this.#maxLo = maxLo;
  }

  #encode(min: boolean): Uint8Array {
    switch (this.#kind) {
      case 'int64': {
        if (this.#int32Of64) return int32Bytes(min ? this.#min : this.#max);
        const out = new Uint8Array(8);
        const view = new DataView(out.buffer);
        view.setUint32(0, min ? this.#minLo : this.#maxLo, true);
        view.setInt32(4, min ? this.#minHi : this.#maxHi, true);
        return out;
      }
      case 'int32':
        return int32Bytes(min ? this.#min : this.#max);
      case 'float': {
        const out = new Uint8Array(4);
        new DataView(out.buffer).setFloat32(0, signedZero(min ? this.#min : this.#max, min), true);
        return out;
      }
      case 'double': {
        const out = new Uint8Array(8);
        new DataView(out.buffer).setFloat64(0, signedZero(min ? this.#min : this.#max, min), true);
        return out;
      }
      default:
        return Uint8Array.of(min ? this.#min : this.#max);
    }
  }
}

function int32Bytes(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, v, true);
  return out;
}

/** a zero bound as -0 (min) or +0 (max): readers cannot know which zeros the chunk holds */
function signedZero(v: number, min: boolean): number {
  return v === 0 ? (min ? -0 : 0) : v;
}
