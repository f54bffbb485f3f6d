/**
 * Insert bodies handed back once ClickHouse acknowledged them, for the next batches to fill:
 * a fresh buffer of a batch's size costs the kernel's zeroed pages and V8 a collection for
 * every few batches (it counts the external memory), a used one neither. Holds at most
 * `capacity` bytes; what does not fit is left to the collector.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  #bytes = 0;

  constructor(readonly capacity: number) {}

  /** a buffer of at least `size` bytes, of this pool's or new (never a slice of Node's shared pool) */
  acquire(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      if (this.#free[i].length >= size && (best < 0 || this.#free[i].length < this.#free[best].length)) best = i;
    }
    if (best < 0) return Buffer.allocUnsafeSlow(size);
    const [buf] = this.#free.splice(best, 1);
    this.#bytes -= buf.length;
    return buf;
  }

  /** `buf` (from `acquire`) is no longer read or written by anyone */
  release(buf: Buffer): void {
    if (buf.length === 0 || this.#bytes + buf.length > this.capacity) return;
    this.#free.push(buf);
    this.#bytes += buf.length;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
