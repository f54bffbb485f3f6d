import type { PublishedBatch } from './published-batch.js';

interface Run {
  /** first and last bus offset of the run (inclusive) */
  first: number;
  last: number;
  batch: PublishedBatch;
  /** the highest source position in the run, and which source it orders */
  position: string;
  source: string;
}

export interface AckedPosition {
  topic: string;
  source: string;
  position: string;
}

/**
 * What one sink task has received but not yet durably written, per topic, as runs of consecutive
 * offsets from the same batch (so a file open for a million records costs a few hundred runs, not
 * a million entries). Acknowledging up to an offset releases the runs below it and reports the
 * highest positions now durable.
 */
export class DeliveryLedger {
  readonly #runs = new Map<string, Run[]>();

  /**
   * Records the delivery of offsets `first`..`last` (consecutive, all from `batch` and `source`);
   * `position` is the highest position among them (the last one's: a source emits in log order).
   */
  record(topic: string, first: number, last: number, batch: PublishedBatch, position: string, source: string): void {
    let runs = this.#runs.get(topic);
    if (!runs) this.#runs.set(topic, (runs = []));
    const tail = runs[runs.length - 1];
    batch.pending += last - first + 1;
    if (tail && tail.batch === batch && tail.last === first - 1 && tail.source === source) {
      tail.last = last;
      if (position > tail.position) tail.position = position;
      return;
    }
    runs.push({ first, last, batch, position, source });
  }

  /** Releases every delivery of `topic` below `offset`; returns the positions that became durable. */
  ack(topic: string, offset: number): AckedPosition[] {
    const runs = this.#runs.get(topic);
    if (!runs || runs.length === 0) return [];
    const durable = new Map<string, string>();
    let drop = 0;
    for (const run of runs) {
      if (run.first >= offset) break;
      const upTo = Math.min(run.last, offset - 1);
      const count = upTo - run.first + 1;
      run.batch.pending -= count;
      if (upTo === run.last) {
        drop++;
        durable.set(run.source, run.position);
      } else {
        // Part of a run is durable; its exact position is unknown, so report none for it: the
        // position only guards against duplicates on replay and staying behind is safe.
        run.first = upTo + 1;
        break;
      }
    }
    runs.splice(0, drop);
    return [...durable].map(([source, position]) => ({ topic, source, position }));
  }

  /** The batch and source of a delivered, not yet acknowledged record. */
  lookup(topic: string, offset: number): { batch: PublishedBatch; source: string } | undefined {
    const runs = this.#runs.get(topic);
    if (!runs) return undefined;
    let lo = 0;
    let hi = runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = runs[mid];
      if (offset < run.first) hi = mid - 1;
      else if (offset > run.last) lo = mid + 1;
      else return { batch: run.batch, source: run.source };
    }
    return undefined;
  }

  /** Forgets everything (the task is being torn down with its component). */
  clear(): void {
    this.#runs.clear();
  }

  get pendingRuns(): number {
    let n = 0;
    for (const runs of this.#runs.values()) n += runs.length;
    return n;
  }
}
