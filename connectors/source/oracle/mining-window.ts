import type { OracleConfig } from './oracle-config-spec.js';
import { Scn } from './scn.js';

/**
 * The adaptive mining window, as Debezium sizes it: each window covers at most `batch` SCNs
 * above the last mined one, and never past the current SCN nor the SCN every open redo thread
 * has flushed (a later SCN could still gain rows). While mining lags behind the current SCN
 * the window grows by `log.mining.batch.size.increment` toward `log.mining.batch.size.max` and the pause between windows shrinks;
 * once caught up the window shrinks toward the minimum and the pause grows.
 */
export class MiningWindow {
  #batch: bigint;
  #sleepMs: number;
  readonly #min: bigint;
  readonly #max: bigint;
  readonly #step: bigint;
  readonly #sleepMin: number;
  readonly #sleepMax: number;
  readonly #sleepStep: number;

  constructor(config: Pick<OracleConfig, 'log.mining.batch.size.min' | 'log.mining.batch.size.max' | 'log.mining.batch.size.default' | 'log.mining.batch.size.increment' | 'log.mining.sleep.time.min.ms' | 'log.mining.sleep.time.max.ms' | 'log.mining.sleep.time.default.ms' | 'log.mining.sleep.time.increment.ms'>) {
    this.#min = BigInt(config['log.mining.batch.size.min']);
    this.#max = BigInt(config['log.mining.batch.size.max']);
    this.#step = BigInt(config['log.mining.batch.size.increment']);
    this.#batch = BigInt(config['log.mining.batch.size.default']);
    this.#sleepMin = config['log.mining.sleep.time.min.ms'];
    this.#sleepMax = config['log.mining.sleep.time.max.ms'];
    this.#sleepStep = config['log.mining.sleep.time.increment.ms'];
    this.#sleepMs = config['log.mining.sleep.time.default.ms'];
  }

  get batchSize(): bigint {
    return this.#batch;
  }

  get sleepMs(): number {
    return this.#sleepMs;
  }

  /** The window's upper SCN, or null when there is nothing new to mine. */
  upperBound(lower: Scn, currentScn: Scn, flushedScn: Scn | null): Scn | null {
    let upper = lower.add(this.#batch);
    if (currentScn.isBefore(upper)) upper = currentScn;
    if (flushedScn && flushedScn.isBefore(upper)) upper = flushedScn;
    return lower.isBefore(upper) ? upper : null;
  }

  /** After a window ending at `upper` while the database is at `currentScn`. */
  adapt(upper: Scn, currentScn: Scn): void {
    const lag = currentScn.value - upper.value;
    if (lag > this.#batch) {
      this.#batch = this.#batch + this.#step > this.#max ? this.#max : this.#batch + this.#step;
      this.#sleepMs = Math.max(this.#sleepMin, this.#sleepMs - this.#sleepStep);
    } else {
      this.#batch = this.#batch - this.#step < this.#min ? this.#min : this.#batch - this.#step;
      this.#sleepMs = Math.min(this.#sleepMax, this.#sleepMs + this.#sleepStep);
    }
  }
}
