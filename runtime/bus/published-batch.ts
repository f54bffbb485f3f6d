import type { SourceOffset, SourcePartition } from '../../plugins/api/index.js';
import type { HandoffRetry } from './handoff-retry.js';

/**
 * One poll's worth of records from a source task, tracked until every sink that received any of
 * them has durably written them. `pending` counts (record, sink) deliveries not yet acknowledged;
 * the batch is complete once it is sealed (publishing finished) and nothing is pending. Source
 * offsets advance only over a prefix of complete batches.
 */
export class PublishedBatch {
  pending = 0;
  sealed = false;
  /**
   * Some of its records went to a topic no sink connector takes. In embedded mode nothing else
   * keeps them, so the batch never completes: the source's offset stays before them and a sink
   * created later gets them when the source replays (see MemoryBus.unclaimedTopics).
   */
  unclaimed = false;
  /**
   * Its offsets were written by the bus itself, in the same Kafka transaction as its records
   * (exactly-once sources): the commit cycle tells the task but writes them no second time.
   */
  offsetsWritten = false;
  /** the last offset per source partition among the batch's records */
  readonly offsets: Map<string, { partition: SourcePartition; offset: SourceOffset }>;

  /** the publishing task's hand-off retry policy (none: a refusal fails the task at once) */
  readonly handoff: HandoffRetry | undefined;

  constructor(offsets: Map<string, { partition: SourcePartition; offset: SourceOffset }>, handoff?: HandoffRetry) {
    this.offsets = offsets;
    this.handoff = handoff;
  }

  get complete(): boolean {
    return this.sealed && this.pending === 0 && !this.unclaimed;
  }
}

/** The key under which a source partition's offset is stored: Kafka Connect's serialized form. */
export function partitionKey(connector: string, partition: SourcePartition): string {
  return JSON.stringify([connector, partition]);
}
