import { offsetCommitV9, offsetFetchV9, type Connection } from '@platformatic/kafka';
import { RetriableError } from '../../plugins/api/index.js';
import { connectToCoordinator, ensureOpen, protocolError, type GroupRequestsOptions } from './group-requests.js';

export interface TopicPartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** the next offset to consume */
  readonly offset: bigint;
  /** committed with the offset, returned by `fetchCommitted` (Kafka keeps up to offset.metadata.max.bytes, 4096 by default) */
  readonly metadata?: string | null;
}

export interface CommittedOffset {
  readonly offset: bigint;
  readonly metadata: string | null;
}

/**
 * The committed offsets of a sink connector's consumer group (`connect-<name>`), read and written
 * without joining it. A sink task's partitions are assigned by the worker, not by a consumer-group
 * rebalance, so the group has no members and commits with generation -1 (as `kafka-consumer-groups
 * --reset-offsets` does); the offsets are the same records any Kafka tool shows for the group.
 */
export class GroupOffsets {
  readonly groupId: string;
  readonly #bootstrap: readonly string[];
  readonly #options: GroupRequestsOptions;
  #connection: Promise<Connection> | undefined;

  constructor(bootstrapBrokers: readonly string[], groupId: string, options: GroupRequestsOptions) {
    this.#bootstrap = bootstrapBrokers;
    this.groupId = groupId;
    this.#options = options;
  }

  /** Committed offsets of these partitions; partitions without one are absent. */
  async fetch(partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, bigint>> {
    return new Map([...(await this.fetchCommitted(partitions))].map(([key, c]) => [key, c.offset]));
  }

  /** Committed offsets of these partitions with their metadata; partitions without one are absent. */
  async fetchCommitted(partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, CommittedOffset>> {
    const topics = new Map<string, number[]>();
    for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    const response = await this.#call((c) => offsetFetchV9.api.async(c, [{ groupId: this.groupId, memberId: null, memberEpoch: -1, topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }], false));
    const out = new Map<string, CommittedOffset>();
    for (const group of response.groups) {
      for (const t of group.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) out.set(partitionKey(t.name, p.partitionIndex), { offset: p.committedOffset, metadata: p.metadata ?? null });
    }
    return out;
  }

  async commit(offsets: readonly TopicPartitionOffsets[]): Promise<void> {
    if (offsets.length === 0) return;
    const topics = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
    for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: o.metadata ?? null }]);
    await this.#call((c) => offsetCommitV9.api.async(c, this.groupId, -1, '', null, [...topics].map(([name, partitions]) => ({ name, partitions }))));
  }

  async close(): Promise<void> {
    const connection = await this.#connection?.catch(() => undefined);
    this.#connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  /** A call to the coordinator; a coordinator that moved (or a lost connection) is found again once. */
  async #call<T>(request: (connection: Connection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.#connection ??= connectToCoordinator(this.#bootstrap, this.groupId, this.#options);
      try {
        return await request(ensureOpen(await this.#connection));
      } catch (error) {
        await this.close();
        const code = protocolError(error);
        if (attempt >= 3) throw new RetriableError('kafka.unavailable', `The group coordinator of ${this.groupId} did not answer (${code ?? (error as Error).message}).`, { cause: error });
      }
    }
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
