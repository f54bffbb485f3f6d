/** The clock a rate limit waits on: injected so that tests need not wait. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};

/**
 * `snapshot.max.rows.per.second`: chunk reads wait so that the rows read, counted when a read
 * ends, stay at the rate on average. A read's size is not known before it runs, so the limit
 * allows one chunk (or one batch of parallel chunks) of burst; it protects the source from a
 * snapshot that would otherwise read as fast as the server answers. 0 is no limit.
 */
export class RowRateLimiter {
  readonly #rate: number;
  readonly #clock: LimiterClock;
  /** when the rows read so far will have been "paid for" at the rate */
  #freeAt = 0;

  constructor(rowsPerSecond: number, clock: LimiterClock = realClock) {
    this.#rate = rowsPerSecond;
    this.#clock = clock;
  }

  /** Waits until the next read may start. */
  async admit(signal?: AbortSignal): Promise<void> {
    if (this.#rate <= 0) return;
    const wait = this.#freeAt - this.#clock.now();
    if (wait > 0 && !signal?.aborted) await this.#clock.sleep(wait);
  }

  /** `rows` were read. */
  took(rows: number): void {
    if (this.#rate <= 0 || rows <= 0) return;
    this.#freeAt = Math.max(this.#freeAt, this.#clock.now()) + (rows * 1000) / this.#rate;
  }
}
