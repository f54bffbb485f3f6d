/**
 * A writer of the Thrift compact protocol, for what a Parquet file's page headers and footer
 * need: structs of i32/i64/bool/binary/string fields, lists of structs, strings and i32s.
 * Written into a growable byte buffer; field ids are delta-encoded against the previous field
 * of the same struct, as the protocol requires, so callers must write a struct's fields in
 * increasing id order (every caller here does).
 */

/** compact protocol type ids (the low nibble of a field header) */
export const CompactType = {
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const encoder = new TextEncoder();

export class CompactWriter {
  #bytes: Uint8Array;
  #length = 0;
  /** the last field id of each open struct, innermost last */
  readonly #lastField: number[] = [];
  #last = 0;

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** the bytes written so far (a view: valid until the next write) */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** starts over empty, keeping the buffer */
  reset(): void {
    this.#length = 0;
    this.#lastField.length = 0;
    this.#last = 0;
  }

  i32(id: number, v: number): this {
    this.#field(id, CompactType.I32);
    this.#varint(zigzag32(v));
    return this;
  }

  /** i64 from a number (exact up to 2^53, which every size and offset here is) */
  i64(id: number, v: number): this {
    this.#field(id, CompactType.I64);
    this.#varint64(v);
    return this;
  }

  i8(id: number, v: number): this {
    this.#field(id, CompactType.BYTE);
    this.#byte(v & 0xff);
    return this;
  }

  bool(id: number, v: boolean): this {
    // a boolean field carries its value in the header's type nibble
    this.#field(id, v ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE);
    return this;
  }

  binary(id: number, v: Uint8Array): this {
    this.#field(id, CompactType.BINARY);
    this.#varint(v.length);
    this.#raw(v);
    return this;
  }

  string(id: number, v: string): this {
    return this.binary(id, encoder.encode(v));
  }

  /** opens a struct field; close it with `end` */
  struct(id: number): this {
    this.#field(id, CompactType.STRUCT);
    return this.begin();
  }

  /** opens a struct that is not a field (a list element, the top-level struct) */
  begin(): this {
    this.#lastField.push(this.#last);
    this.#last = 0;
    return this;
  }

  /** closes the innermost struct: the stop byte */
  end(): this {
    this.#byte(0);
    this.#last = this.#lastField.pop() ?? 0;
    return this;
  }

  /** a list field header: `size` elements of `type` follow (each struct opened with `begin`) */
  list(id: number, type: number, size: number): this {
    this.#field(id, CompactType.LIST);
    if (size < 15) this.#byte((size << 4) | type);
    else {
      this.#byte(0xf0 | type);
      this.#varint(size);
    }
    return this;
  }

  /** a list element of type I32 */
  listI32(v: number): this {
    this.#varint(zigzag32(v));
    return this;
  }

  /** a list element of type BINARY (a string) */
  listString(v: string): this {
    const bytes = encoder.encode(v);
    this.#varint(bytes.length);
    this.#raw(bytes);
    return this;
  }

  #field(id: number, type: number): void {
    const delta = id - this.#last;
    if (delta > 0 && delta <= 15) this.#byte((delta << 4) | type);
    else {
      this.#byte(type);
      this.#varint(zigzag32(id));
    }
    this.#last = id;
  }

  #ensure(n: number): void {
    if (this.#length + n <= this.#bytes.length) return;
    const next = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + n));
    next.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = next;
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#bytes[this.#length++] = b;
  }

  #raw(v: Uint8Array): void {
    this.#ensure(v.length);
    this.#bytes.set(v, this.#length);
    this.#length += v.length;
  }

  /** an unsigned 32-bit varint */
  #varint(v: number): void {
    this.#ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.#bytes[this.#length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.#bytes[this.#length++] = x;
  }

  /** a zigzag varint of a signed integer up to 2^53 in magnitude, without BigInt */
  #varint64(v: number): void {
    this.#ensure(10);
    // zigzag: 2v for v ≥ 0, −2v − 1 for v < 0; exact in a double for |v| ≤ 2^52
    let x = v >= 0 ? v * 2 : -v * 2 - 1;
    while (x >= 0x80) {
      this.#bytes[this.#length++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.#bytes[this.#length++] = x;
  }
}

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}
