/** Kafka Connect's worker-rebalance metrics (`connect-worker-rebalance-metrics`), as values. */
export interface RebalanceMetricsSnapshot {
  /** a rebalance is under way: joined or joining, the new assignment not yet applied */
  readonly rebalancing: boolean;
  /** the generation of the assignment in force; -1 before the first */
  readonly epoch: number;
  readonly completedRebalances: number;
  /** -1 before the first completed rebalance */
  readonly timeSinceLastRebalanceMs: number;
  /** from the start of a rebalance (this member's join) to its assignment applied; 0 before the first */
  readonly rebalanceAvgTimeMs: number;
  readonly rebalanceMaxTimeMs: number;
  readonly leader: string | undefined;
}

/**
 * Rebalance metrics of one membership, kept by the membership loop and read by whatever exports
 * them (worker metrics, a REST view). The average is over every completed rebalance of this
 * process (Kafka Connect's is over a sample window): rebalances are rare, so the two differ little.
 */
export class RebalanceMetrics {
  readonly #now: () => number;
  #startedAt: number | undefined;
  #epoch = -1;
  #completed = 0;
  #lastCompletedAt: number | undefined;
  #totalMs = 0;
  #maxMs = 0;
  #leader: string | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A rebalance began (a join sent); a second call before it completes keeps the first start. */
  started(): void {
    this.#startedAt ??= this.#now();
  }

  completed(generation: number, leader: string): void {
    const now = this.#now();
    const took = now - (this.#startedAt ?? now);
    this.#startedAt = undefined;
    this.#epoch = generation;
    this.#leader = leader;
    this.#completed++;
    this.#lastCompletedAt = now;
    this.#totalMs += took;
    this.#maxMs = Math.max(this.#maxMs, took);
  }

  /** The member is out of the group (fenced, left): no assignment is in force. */
  reset(): void {
    this.#epoch = -1;
    this.#leader = undefined;
  }

  snapshot(): RebalanceMetricsSnapshot {
    return {
      rebalancing: this.#startedAt !== undefined,
      epoch: this.#epoch,
      completedRebalances: this.#completed,
      timeSinceLastRebalanceMs: this.#lastCompletedAt === undefined ? -1 : this.#now() - this.#lastCompletedAt,
      rebalanceAvgTimeMs: this.#completed === 0 ? 0 : this.#totalMs / this.#completed,
      rebalanceMaxTimeMs: this.#maxMs,
      leader: this.#leader,
    };
  }
}
