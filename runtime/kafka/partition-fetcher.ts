import { Consumer, FetchIsolationLevels, IS_CONTROL, type fetchV17, type RecordsBatch } from '@platformatic/kafka';
import type { KafkaConnectionSecurity } from '../config/kafka-security.js';
import { abortedBatches } from './aborted-transactions.js';

type FetchRequestTopic = fetchV17.FetchRequestTopic;

/** the record batch attribute bit of the timestamp type: set for LogAppendTime */
const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;

/** One record as fetched, with where it is. */
export interface FetchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
}

export interface PartitionFetcherOptions {
  readonly bootstrapBrokers: readonly string[];
  readonly clientId: string;
  readonly security?: KafkaConnectionSecurity;
  readonly isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** longest a fetch waits at the end of the log before asking again */
  readonly maxWaitMs?: number;
  readonly partitionMaxBytes?: number;
  /**
   * Takes the records of one fetch, in offset order per partition; the next fetch waits until
   * the returned promise settles (backpressure: a slow consumer makes the fetcher wait, it never
   * buffers without bound).
   */
  readonly onRecords: (records: FetchedRecord[]) => Promise<void> | void;
  /** a failure the loop cannot retry through (it retries transport errors and leader moves itself) */
  readonly onError?: (error: unknown) => void;
}

/**
 * Fetches a fixed set of topic partitions from given offsets, from each partition's leader, with
 * the library's low-level Fetch (no consumer group: the worker assigns partitions itself). Leader
 * moves and broker restarts are retried with fresh metadata; an offset that no longer exists
 * (retention) restarts at the log start, as `auto.offset.reset=earliest` would.
 */
export class PartitionFetcher {
  readonly #options: PartitionFetcherOptions;
  readonly #consumer: Consumer;
  /** next offset per `topic\0partition` */
  readonly #positions = new Map<string, { topic: string; partition: number; offset: bigint }>();
  #stopped = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(options: PartitionFetcherOptions) {
    this.#options = options;
    const isolationLevel = options.isolationLevel === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;
    // a Consumer only for its Fetch, ListOffsets and metadata: it never joins a group
    this.#consumer = new Consumer({ clientId: options.clientId, bootstrapBrokers: [...options.bootstrapBrokers], groupId: `${options.clientId}-unused`, isolationLevel, timeout: 10_000, retries: 2, retryDelay: 250, ...options.security });
  }

  /** Starts fetching the partitions, each from its offset (undefined: the log start). */
  start(partitions: readonly { topic: string; partition: number; offset?: bigint }[]): void {
    this.add(partitions);
    this.#loop = this.#run();
  }

  /** Adds partitions to fetch (a topic created later, partitions added to one). */
  add(partitions: readonly { topic: string; partition: number; offset?: bigint }[]): void {
    for (const p of partitions) {
      const k = key(p.topic, p.partition);
      if (!this.#positions.has(k)) this.#positions.set(k, { topic: p.topic, partition: p.partition, offset: p.offset ?? -1n });
    }
  }

  /** the next offset of each partition (what has been handed to onRecords) */
  positions(): { topic: string; partition: number; offset: bigint }[] {
    return [...this.#positions.values()].map((p) => ({ ...p }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.catch(() => undefined);
    await this.#consumer.close().catch(() => undefined);
  }

  async #run(): Promise<void> {
    let backoffMs = 100;
    while (!this.#stopped) {
      try {
        await this.#resolveStarts();
        await this.#fetchOnce();
        backoffMs = 100;
      } catch (error) {
        if (this.#stopped) return;
        if (/OFFSET_OUT_OF_RANGE/.test(errorNames(error))) {
          await this.#resetToLogStart().catch(() => undefined);
          continue;
        }
        if (isFatal(error)) {
          this.#options.onError?.(error);
          return;
        }
        this.#consumer.clearMetadata();
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }

  /** Partitions without a start offset begin at the log start. */
  async #resolveStarts(): Promise<void> {
    const missing = [...this.#positions.values()].filter((p) => p.offset < 0n);
    if (missing.length === 0) return;
    const topics = [...new Set(missing.map((p) => p.topic))];
    const earliest = await this.#consumer.listOffsets({ topics, timestamp: -2n });
    for (const p of missing) p.offset = earliest.get(p.topic)?.[p.partition] ?? 0n;
  }

  async #fetchOnce(): Promise<void> {
    const topics = [...new Set([...this.#positions.values()].map((p) => p.topic))];
    if (topics.length === 0) {
      await new Promise((r) => setTimeout(r, this.#options.maxWaitMs ?? 500));
      return;
    }
    const metadata = await this.#consumer.metadata({ topics });
    const byLeader = new Map<number, Map<string, FetchRequestTopic>>();
    const names = new Map<string, string>();
    for (const p of this.#positions.values()) {
      const topic = metadata.topics.get(p.topic);
      if (!topic) throw new Error(`no metadata for ${p.topic}`);
      names.set(String(topic.id), p.topic);
      const leader = topic.partitions[p.partition]?.leader;
      if (leader === undefined) throw new Error(`no leader for ${p.topic}/${p.partition}`);
      let requests = byLeader.get(leader);
      if (!requests) byLeader.set(leader, (requests = new Map()));
      let request = requests.get(p.topic);
      if (!request) requests.set(p.topic, (request = { topicId: topic.id, partitions: [] }));
      request.partitions.push({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: this.#options.partitionMaxBytes ?? 1_048_576, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
    }
    const responses = await Promise.all([...byLeader].map(([node, requests]) => this.#consumer.fetch({ node, topics: [...requests.values()], maxWaitTime: this.#options.maxWaitMs ?? 500, minBytes: 1, maxBytes: 10_485_760 })));
    const records: FetchedRecord[] = [];
    for (const response of responses) {
      for (const topicResponse of response.responses) {
        const topic = names.get(String(topicResponse.topicId));
        if (!topic) continue;
        for (const partitionResponse of topicResponse.partitions) this.#collect(topic, partitionResponse.partitionIndex, partitionResponse.records ?? [], abortedBatches(partitionResponse.records ?? [], partitionResponse.abortedTransactions), records);
      }
    }
    if (records.length > 0 && !this.#stopped) await this.#options.onRecords(records);
  }

  #collect(topic: string, partition: number, batches: readonly RecordsBatch[], aborted: ReadonlySet<RecordsBatch>, out: FetchedRecord[]): void {
    const position = this.#positions.get(key(topic, partition));
    if (!position) return;
    for (const batch of batches) {
      const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      // an aborted transaction's batch (read_committed) is stepped over like a marker
      if (!(batch.attributes & IS_CONTROL) && !aborted.has(batch)) {
        // a topic with message.timestamp.type=LogAppendTime: the broker stamps the batch's
        // maxTimestamp and leaves the producer's per-record timestamps in place (Kafka's record
        // format, as the Java consumer reads it)
        const appendTime = batch.attributes & TIMESTAMP_TYPE_LOG_APPEND_TIME ? batch.maxTimestamp : undefined;
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          // a fetch returns whole batches: skip what was handed over before
          if (offset < position.offset) continue;
          out.push({ topic, partition, offset, timestamp: appendTime ?? batch.firstTimestamp + record.timestampDelta, key: record.key, value: record.value, headers: record.headers });
        }
      }
      if (next > position.offset) position.offset = next;
    }
  }

  async #resetToLogStart(): Promise<void> {
    const topics = [...new Set([...this.#positions.values()].map((p) => p.topic))];
    const earliest = await this.#consumer.listOffsets({ topics, timestamp: -2n });
    for (const p of this.#positions.values()) {
      const start = earliest.get(p.topic)?.[p.partition] ?? 0n;
      if (p.offset < start) p.offset = start;
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function errorNames(error: unknown): string {
  // each distinct text once: a library retry repeats the same inner error per attempt
  const names = new Set<string>();
  const walk = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 8) return;
    const { apiId, message, errors, cause } = e as { apiId?: string; message?: string; errors?: unknown[]; cause?: unknown };
    if (apiId) names.add(apiId);
    if (message) names.add(message);
    for (const inner of errors ?? []) walk(inner, depth + 1);
    // why a connection failed (SASL authentication, TLS verification) is its cause
    walk(cause, depth + 1);
  };
  walk(error, 0);
  return [...names].join(' ');
}

/** Errors a retry cannot fix: no permission on the topic. */
function isFatal(error: unknown): boolean {
  return /TOPIC_AUTHORIZATION_FAILED|CLUSTER_AUTHORIZATION_FAILED/.test(errorNames(error));
}
