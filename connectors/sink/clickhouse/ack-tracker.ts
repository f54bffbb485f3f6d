import type { SinkRecord, TopicPartitionOffset } from '../../../plugins/api/index.js';

interface Pending {
  readonly batch: number;
  readonly offset: number;
  readonly position: string;
}

/**
 * What ClickHouse has not yet acknowledged, per topic partition: the first record of every
 * unacknowledged batch, in the order the batches began. Batches may be acknowledged in any
 * order (several inserts of a table are in flight at once); the safe offset is the first
 * record of the oldest batch still pending, so it never passes a row ClickHouse does not have.
 */
export class AckTracker {
  readonly #pending = new Map<string, Pending[]>();
  /** the last record's partition and batch: records come in runs of one, so most calls stop here */
  #last: { topic: string; partition: number; batch: number } | null = null;

  /** `record` is in `batch` (call for every record; only a batch's first record per partition is kept) */
  add(batch: number, record: SinkRecord): void {
    const last = this.#last;
    if (last && last.batch === batch && last.topic === record.topic && last.partition === record.partition) return;
    this.#last = { topic: record.topic, partition: record.partition, batch };
    const k = key(record.topic, record.partition);
    let queue = this.#pending.get(k);
    if (!queue) this.#pending.set(k, (queue = []));
    if (queue.length > 0 && queue[queue.length - 1].batch === batch) return;
    queue.push({ batch, offset: record.offset, position: record.position });
  }

  /** ClickHouse acknowledged `batch`, or every record of it was dead-lettered */
  done(batch: number): void {
    if (this.#last?.batch === batch) this.#last = null;
    for (const [k, queue] of this.#pending) {
      const i = queue.findIndex((p) => p.batch === batch);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) this.#pending.delete(k);
    }
  }

  /** `current` lowered to the first unacknowledged record of each partition, with its position */
  safe(current: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
    return current.map((tp) => {
      const first = this.#pending.get(key(tp.topic, tp.partition))?.[0];
      return first ? { topic: tp.topic, partition: tp.partition, offset: first.offset, position: first.position } : tp;
    });
  }

  get pendingPartitions(): number {
    return this.#pending.size;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
