import type { SchemaElement } from 'hyparquet';

/**
 * Converted Parquet values packed column by column into typed buffers, so a batch crosses to the
 * encoder thread by transferring its ArrayBuffers (no structured clone of values, no copy).
 * Strings and byte values are concatenated with an offsets array; nulls are a presence array.
 */
export type ColumnKind = 'boolean' | 'int32' | 'int64' | 'float' | 'double' | 'bytes' | 'fixed' | 'any';

export interface PackedColumn {
  readonly kind: ColumnKind;
  /** Uint8Array (boolean: 0/1; bytes/fixed: the concatenated values), Int32Array, BigInt64Array, Float32Array or Float64Array */
  readonly values: Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;
  /** bytes: where value i starts (i) and ends (i + 1) in `values` */
  readonly offsets?: Int32Array;
  /** optional columns: 1 where row i has a value */
  readonly present?: Uint8Array;
  readonly fixedLength?: number;
  /** kind `any` (nested columns, wide decimals): the converted values themselves, structured-cloned */
  readonly items?: unknown[];
}

export interface ColumnBatch {
  readonly rows: number;
  readonly columns: readonly PackedColumn[];
  /** the row group ends with this batch */
  readonly endRowGroup: boolean;
}

/**
 * How a top-level column's converted values are packed. Decimals are bigints (the unscaled
 * value, which hyparquet-writer scales no further) whatever their physical type, so they stay
 * bigints; nested columns and wide (fixed-length) decimals are sent as values (`any`).
 */
export function columnKind(element: SchemaElement): ColumnKind {
  if (element.num_children) return 'any';
  if (element.converted_type === 'DECIMAL') return element.type === 'FIXED_LEN_BYTE_ARRAY' ? 'any' : 'int64';
  switch (element.type) {
    case 'BOOLEAN': return 'boolean';
    case 'INT32': return 'int32';
    case 'INT64': return 'int64';
    case 'FLOAT': return 'float';
    case 'DOUBLE': return 'double';
    case 'BYTE_ARRAY': return 'bytes';
    case 'FIXED_LEN_BYTE_ARRAY': return 'fixed';
    default: return 'any';
  }
}

/** The top-level column elements of a flattened Parquet schema (root first), in field order. */
export function topLevelElements(elements: readonly SchemaElement[]): SchemaElement[] {
  const out: SchemaElement[] = [];
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let c = 0; c < (elements[at].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < elements.length) {
    out.push(elements[i]);
    i = skip(i);
  }
  return out;
}

/** Whether a converted value fits the column kind: checked for the whole row before any is packed. */
export function fitsKind(kind: ColumnKind, v: unknown, fixedLength: number): boolean {
  if (v === null || v === undefined) return true;
  switch (kind) {
    case 'bytes': return typeof v === 'string' || v instanceof Uint8Array;
    case 'fixed': return v instanceof Uint8Array && v.length === fixedLength;
    case 'int64': return typeof v === 'bigint' || Number.isSafeInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'any': return true;
    default: return typeof v === 'number';
  }
}

/** Every buffer of a batch, to hand to postMessage as its transfer list. */
export function transferList(batch: ColumnBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of batch.columns) {
    out.push(c.values.buffer as ArrayBuffer);
    if (c.offsets) out.push(c.offsets.buffer as ArrayBuffer);
    if (c.present) out.push(c.present.buffer as ArrayBuffer);
  }
  // views of one buffer (an `any` column's bytes) must not be listed twice
  return [...new Set(out)];
}

const INITIAL_ROWS = 1024;

/**
 * Packs one column's converted values (what parquet-schema.ts's converters return: number,
 * bigint, boolean, string, Uint8Array or null). Buffers grow by doubling and are kept between
 * batches; `take` copies the filled part out, so the copy is what gets transferred.
 */
export class ColumnPacker {
  readonly kind: ColumnKind;
  readonly #optional: boolean;
  readonly #fixedLength: number;
  #rows = 0;
  #numbers: Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array;
  #bytes: Buffer = Buffer.allocUnsafe(0);
  #byteLength = 0;
  #offsets = new Int32Array(0);
  #present: Uint8Array;
  #items: unknown[] = [];
  /** int64: the values' buffer as 32-bit words */
  #words: Int32Array<ArrayBufferLike> = new Int32Array(0);

  constructor(kind: ColumnKind, optional: boolean, fixedLength = 0) {
    this.kind = kind;
    this.#optional = optional;
    this.#fixedLength = fixedLength;
    this.#present = new Uint8Array(optional ? INITIAL_ROWS : 0);
    this.#numbers = numberArray(kind, kind === 'bytes' || kind === 'fixed' ? 0 : INITIAL_ROWS);
    if (kind === 'int64') this.#words = new Int32Array(this.#numbers.buffer);
    if (kind === 'bytes') this.#offsets = new Int32Array(INITIAL_ROWS + 1);
    if (kind === 'bytes' || kind === 'fixed') this.#bytes = Buffer.allocUnsafe(INITIAL_ROWS * Math.max(16, fixedLength));
  }

  /** bytes the packed values take (for row-group sizing) */
  get byteLength(): number {
    if (this.kind === 'any') return this.#rows * 16;
    return this.kind === 'bytes' || this.kind === 'fixed' ? this.#byteLength : this.#rows * this.#numbers.BYTES_PER_ELEMENT;
  }

  push(v: unknown): void {
    if (this.kind === 'any') {
      this.#items.push(v);
      this.#rows++;
      return;
    }
    const i = this.#rows;
    if (i >= this.#capacity()) this.#grow();
    if (this.#optional) this.#present[i] = v === null || v === undefined ? 0 : 1;
    switch (this.kind) {
      case 'bytes': {
        if (v !== null && v !== undefined) this.#appendBytes(v as string | Uint8Array);
        this.#offsets[i + 1] = this.#byteLength;
        break;
      }
      case 'fixed':
        // a null takes its slot too, so value i is always at i × length
        if (v === null || v === undefined) this.#reserve(this.#fixedLength);
        else this.#appendBytes(v as Uint8Array);
        break;
      case 'boolean':
        this.#numbers[i] = v ? 1 : 0;
        break;
      case 'int64':
        if (typeof v === 'number') {
          // a safe integer as the two little-endian words of its int64: no BigInt made
          this.#words[2 * i] = v >>> 0;
          this.#words[2 * i + 1] = Math.floor(v / 4294967296);
        } else (this.#numbers as BigInt64Array)[i] = v === null || v === undefined ? 0n : (v as bigint);
        break;
      default:
        (this.#numbers as Float64Array)[i] = v === null || v === undefined ? 0 : (v as number);
    }
    this.#rows = i + 1;
  }

  /** The packed column of the rows pushed so far; the packer starts over empty. */
  take(): PackedColumn {
    const n = this.#rows;
    if (this.kind === 'any') {
      const items = this.#items;
      this.#items = [];
      this.#rows = 0;
      return { kind: 'any', values: new Uint8Array(0), items };
    }
    const bytes = this.kind === 'bytes' || this.kind === 'fixed';
    const column: PackedColumn = {
      kind: this.kind,
      values: bytes ? new Uint8Array(this.#bytes.subarray(0, this.#byteLength)) : this.#numbers.slice(0, n),
      ...(this.kind === 'bytes' ? { offsets: this.#offsets.slice(0, n + 1) } : {}),
      ...(this.#optional ? { present: this.#present.slice(0, n) } : {}),
      ...(this.kind === 'fixed' ? { fixedLength: this.#fixedLength } : {}),
    };
    this.#rows = 0;
    this.#byteLength = 0;
    return column;
  }

  /**
   * The packed column of the rows pushed so far as views of the packer's own buffers (no copy),
   * valid until the next `push`; the packer starts over empty. For a consumer on the same thread
   * that is done with the values before it pushes again (the columnar encoder's pages).
   */
  view(): PackedColumn {
    const n = this.#rows;
    if (this.kind === 'any') return this.take();
    const bytes = this.kind === 'bytes' || this.kind === 'fixed';
    const column: PackedColumn = {
      kind: this.kind,
      values: bytes ? this.#bytes.subarray(0, this.#byteLength) : this.#numbers.subarray(0, n),
      ...(this.kind === 'bytes' ? { offsets: this.#offsets.subarray(0, n + 1) } : {}),
      ...(this.#optional ? { present: this.#present.subarray(0, n) } : {}),
      ...(this.kind === 'fixed' ? { fixedLength: this.#fixedLength } : {}),
    };
    this.#rows = 0;
    this.#byteLength = 0;
    return column;
  }

  #capacity(): number {
    return this.kind === 'bytes' ? this.#offsets.length - 1 : this.kind === 'fixed' ? (this.#optional ? this.#present.length : Number.MAX_SAFE_INTEGER) : this.#numbers.length;
  }

  #grow(): void {
    const rows = Math.max(INITIAL_ROWS, this.#rows * 2);
    if (this.#optional) this.#present = copyInto(new Uint8Array(rows), this.#present);
    if (this.kind === 'bytes') this.#offsets = copyInto(new Int32Array(rows + 1), this.#offsets);
    else if (this.kind !== 'fixed') {
      this.#numbers = copyInto(numberArray(this.kind, rows), this.#numbers);
      if (this.kind === 'int64') this.#words = new Int32Array(this.#numbers.buffer);
    }
  }

  #reserve(n: number): void {
    if (this.#byteLength + n > this.#bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#byteLength + n));
      this.#bytes.copy(next, 0, 0, this.#byteLength);
      this.#bytes = next;
    }
    this.#byteLength += n;
  }

  #appendBytes(v: string | Uint8Array): void {
    if (typeof v === 'string') {
      // at most 3 bytes per UTF-16 unit: reserve that, then keep what was written
      const at = this.#byteLength;
      this.#reserve(v.length * 3);
      this.#byteLength = at + this.#bytes.write(v, at, 'utf8');
      return;
    }
    const at = this.#byteLength;
    this.#reserve(v.length);
    this.#bytes.set(v, at);
  }
}

function numberArray(kind: ColumnKind, n: number): Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array {
  switch (kind) {
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'float': return new Float32Array(n);
    case 'double': return new Float64Array(n);
    default: return new Uint8Array(n);
  }
}

function copyInto<T extends { set(a: ArrayLike<unknown>, offset?: number): void }>(to: T, from: ArrayLike<unknown>): T {
  to.set(from as never);
  return to;
}

/**
 * A packed column as the values hyparquet-writer takes (encoder thread side): numbers, bigints,
 * booleans, and views of the bytes for strings and byte values (hyparquet-writer writes a
 * Uint8Array in a UTF8 column as it is), null where a row has none.
 */
export function unpackColumn(c: PackedColumn, rows: number): unknown[] {
  const out = new Array<unknown>(rows);
  const present = c.present;
  switch (c.kind) {
    case 'any':
      return c.items!;
    case 'bytes': {
      const offsets = c.offsets!;
      const bytes = c.values as Uint8Array;
      for (let i = 0; i < rows; i++) out[i] = present && !present[i] ? null : bytes.subarray(offsets[i], offsets[i + 1]);
      return out;
    }
    case 'fixed': {
      const bytes = c.values as Uint8Array;
      const n = c.fixedLength!;
      for (let i = 0; i < rows; i++) out[i] = present && !present[i] ? null : bytes.subarray(i * n, (i + 1) * n);
      return out;
    }
    case 'boolean': {
      const values = c.values as Uint8Array;
      for (let i = 0; i < rows; i++) out[i] = present && !present[i] ? null : values[i] === 1;
      return out;
    }
    default: {
      const values = c.values as ArrayLike<number | bigint>;
      for (let i = 0; i < rows; i++) out[i] = present && !present[i] ? null : values[i];
      return out;
    }
  }
}
