/**
 * A bounded queue between the reader (snapshot or replication stream) and `poll()`, as
 * Debezium's ChangeEventQueue: `put` waits while the queue is full (backpressure reaches the
 * reader, which stops reading from the server), `take` waits a short while for items, and a
 * reader failure is rethrown by the next `take` so the task fails or retries.
 */
export class ChangeQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  #error: unknown = null;
  #notEmpty: (() => void) | null = null;
  readonly #notFull: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#items.length - this.#head;
  }

  get isFull(): boolean {
    return this.size >= this.capacity;
  }

  /** Queues the item unless the queue is full (no promise: the fast path of a busy reader). */
  offer(item: T): boolean {
    if (this.isFull && this.#error === null) return false;
    this.#items.push(item);
    this.#notEmpty?.();
    return true;
  }

  /** Resolves once the item is queued; waits while the queue is full. */
  async put(item: T): Promise<void> {
    while (this.isFull && this.#error === null) await new Promise<void>((resolve) => this.#notFull.push(resolve));
    this.#items.push(item);
    this.#notEmpty?.();
  }

  /** Makes the next `take` throw (after the items queued before it are taken). */
  fail(error: unknown): void {
    if (this.#error === null) this.#error = error ?? new Error('reader failed');
    this.#notEmpty?.();
    for (const wake of this.#notFull.splice(0)) wake();
  }

  /** Up to `max` items; waits up to `waitMs` for the first one; [] when none came or aborted. */
  async take(max: number, waitMs: number, signal?: AbortSignal): Promise<T[]> {
    if (this.size === 0 && this.#error === null && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.#notEmpty = null;
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        signal?.addEventListener('abort', done, { once: true });
        this.#notEmpty = done;
      });
    }
    if (this.size === 0 && this.#error !== null) throw this.#error;
    const end = Math.min(this.#items.length, this.#head + max);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    for (const wake of this.#notFull.splice(0)) wake();
    return out;
  }
}
