/**
 * A bounded FIFO between one producer side (the bus) and one consumer (a sink task's loop).
 * `push` waits while the queue is full: that wait is the backpressure that reaches source tasks.
 * `take` waits up to a timeout for items and returns [] if none came, so the consumer loop stays
 * responsive to pause, stop and commit requests; `wake` ends a pending take early.
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  readonly #capacity: number;
  #takeWaiter: (() => void) | undefined;
  readonly #pushWaiters: (() => void)[] = [];
  #closed = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Resolves once the item is queued; rejects if the queue was closed. Returns ms spent blocked. */
  async push(item: T): Promise<number> {
    let blockedMs = 0;
    if (this.size >= this.#capacity && !this.#closed) {
      const started = performance.now();
      while (this.size >= this.#capacity && !this.#closed) await new Promise<void>((r) => this.#pushWaiters.push(r));
      blockedMs = performance.now() - started;
    }
    if (this.#closed) throw new QueueClosedError();
    this.#items.push(item);
    this.#notifyTaker();
    return blockedMs;
  }

  /**
   * Takes items, waiting up to `timeoutMs` for the first one: up to `max` of them, or with
   * `weigh`, at least one and then more while their total weight stays within `max`.
   */
  async take(max: number, timeoutMs: number, weigh?: (item: T) => number): Promise<T[]> {
    // A closed queue idles like an empty one (close and wake end the wait): a consumer loop not
    // yet stopped must not spin on a closed queue, since a loop of resolved awaits starves the
    // event loop and with it the I/O its stop waits for.
    if (this.size === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.#takeWaiter = undefined; resolve(); }, timeoutMs);
        this.#takeWaiter = () => { clearTimeout(timer); this.#takeWaiter = undefined; resolve(); };
      });
    }
    let n = Math.min(max, this.size);
    if (weigh && n > 0) {
      let total = weigh(this.#items[this.#head]);
      n = 1;
      while (n < this.size && total + weigh(this.#items[this.#head + n]) <= max) total += weigh(this.#items[this.#head + n++]);
    }
    const out = this.#items.slice(this.#head, this.#head + n);
    // Taken items must not stay reachable from the backing array (a chunk can hold thousands of
    // records), so the consumed prefix is dropped as soon as it is half the array.
    this.#head += n;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    if (n > 0) this.#releasePushers();
    return out;
  }

  /** Ends a pending `take` now (with whatever is there). */
  wake(): void {
    this.#notifyTaker();
  }

  /** Drops everything and fails pending and future pushes. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    this.#head = 0;
    this.#releasePushers();
    this.#notifyTaker();
  }

  #notifyTaker(): void {
    this.#takeWaiter?.();
  }

  #releasePushers(): void {
    const waiters = this.#pushWaiters.splice(0);
    for (const w of waiters) w();
  }
}

export class QueueClosedError extends Error {
  constructor() {
    super('queue closed');
    this.name = 'QueueClosedError';
  }
}
