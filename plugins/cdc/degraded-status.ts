/**
 * A task's degraded status when several of its parts work around trouble on their own (the
 * stream, the chunk queue): each reports its own (null: over), and the task's status shows the
 * first part's trouble in `order` that has one, reported only when that changes.
 */
export class DegradedStatus<Part extends string> {
  readonly #order: readonly Part[];
  readonly #report: (error: unknown) => void;
  readonly #now = new Map<Part, unknown>();

  /** `report`: the task context's `reportDegraded` */
  constructor(order: readonly Part[], report: (error: unknown) => void) {
    this.#order = order;
    this.#report = report;
  }

  /** `part`'s trouble, or null when it is over. */
  report(part: Part, error: unknown): void {
    const before = this.#shown();
    this.#now.set(part, error ?? null);
    const now = this.#shown();
    if (now !== before) this.#report(now);
  }

  #shown(): unknown {
    for (const part of this.#order) {
      const error = this.#now.get(part);
      if (error !== null && error !== undefined) return error;
    }
    return null;
  }
}
