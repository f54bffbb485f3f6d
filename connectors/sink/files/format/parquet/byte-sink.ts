/**
 * A growable little-endian byte buffer that pages are encoded into. It is kept and reused from
 * page to page (`reset`), so encoding allocates only when a page is larger than any before it.
 */
export class ByteSink {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  /** makes room for `n` more bytes */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(need, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.length++] = b;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** an unsigned varint (ULEB128) */
  varint(v: number): void {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.bytes[this.length++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.bytes[this.length++] = x;
  }

  append(v: Uint8Array): void {
    this.ensure(v.length);
    this.bytes.set(v, this.length);
    this.length += v.length;
  }

  /** the bytes written so far (a view: valid until the next write or reset) */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
