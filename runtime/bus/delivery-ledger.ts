import { boundBefore, boundThrough, type DurableBound } from './durable-bound.js';
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

export interface AckedBound {
  topic: string;
  source: string;
  bound: DurableBound;
}

/**
 * What one sink task has received but not yet durably written, per topic, as runs of consecutive
 * offsets from the same batch (so a file open for a million records costs a few hundred runs, not
 * a million entries). Acknowledging up to an offset releases the runs below it and reports, per
 * source, the bound below which its records are now durable.
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

  /**
   * Releases every delivery of `topic` below `offset` and returns the bounds that became durable.
   * `known` says what the sink knows about the record at the boundary: `position`, the position
   * of the record at `offset` (the first record of its oldest open file), or `lastPosition`, the
   * position of the record at `offset - 1` (the last record of a file it just completed). When
   * `offset` falls inside a run, the part of the run below it is durable exactly up to there;
   * without either nothing of the part can be reported (staying behind is safe, but a replay then
   * delivers that part again).
   */
  ack(topic: string, offset: number, known: { position?: string; lastPosition?: string } = {}): AckedBound[] {
    const runs = this.#runs.get(topic);
    if (!runs || runs.length === 0) return [];
    const durable = new Map<string, DurableBound>();
    let drop = 0;
    for (const run of runs) {
      if (run.first >= offset) break;
      const upTo = Math.min(run.last, offset - 1);
      const count = upTo - run.first + 1;
      run.batch.pending -= count;
      if (upTo === run.last) {
        drop++;
        durable.set(run.source, boundThrough(run.position));
      } else {
        // Positions grow along a run, and the records at `offset - 1` and `offset` are both in it
        // (one of the run's own records), so either position bounds exactly its part below `offset`.
        if (known.lastPosition !== undefined) durable.set(run.source, boundThrough(known.lastPosition));
        else if (known.position !== undefined) durable.set(run.source, boundBefore(known.position));
        run.first = upTo + 1;
        break;
      }
    }
    runs.splice(0, drop);
    return [...durable].map(([source, bound]) => ({ topic, source, bound }));
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
