import { ByteSink } from './byte-sink.js';

/**
 * The distinct byte strings of one column chunk, for dictionary encoding, without an object per
 * value: the values are kept PLAIN-encoded (4-byte length, bytes) in one buffer — which is the
 * dictionary page's body as it is — and found again through an open-addressing hash table of
 * entry numbers (FNV-1a over the bytes, a byte compare on a hit).
 */
export class ByteDictionary {
  readonly plain = new ByteSink(1 << 12);
  #table = new Int32Array(1 << 10);
  #starts = new Int32Array(256);
  #hashes = new Int32Array(256);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  reset(): void {
    if (this.#size > 0) this.#table.fill(0);
    this.#size = 0;
    this.plain.reset();
  }

  /** the entry number of bytes[from, to), added if new */
  indexOf(bytes: Uint8Array, from: number, to: number): number {
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const mask = this.#table.length - 1;
    let slot = h & mask;
    const plain = this.plain;
    const n = to - from;
    for (;;) {
      const entry = this.#table[slot] - 1;
      if (entry < 0) break;
      if (this.#hashes[entry] === h) {
        const at = this.#starts[entry];
        if (plain.view.getUint32(at - 4, true) === n && sameBytes(plain.bytes, at, bytes, from, n)) return entry;
      }
      slot = (slot + 1) & mask;
    }
    const entry = this.#size++;
    if (entry >= this.#starts.length) {
      this.#starts = grow(this.#starts);
      this.#hashes = grow(this.#hashes);
    }
    plain.uint32(n);
    this.#starts[entry] = plain.length;
    plain.ensure(n);
    plain.bytes.set(bytes.subarray(from, to), plain.length);
    plain.length += n;
    this.#hashes[entry] = h;
    this.#table[slot] = entry + 1;
    // keep the table at most half full
    if (this.#size * 2 > this.#table.length) this.#rehash();
    return entry;
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let e = 0; e < this.#size; e++) {
      let slot = this.#hashes[e] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.#table = table;
  }
}

function sameBytes(a: Uint8Array, at: number, b: Uint8Array, from: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[at + i] !== b[from + i]) return false;
  return true;
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
