import {
  Admin, compatibilityPartitioner, ConfigResourceTypes, Consumer, FetchIsolationLevels, IS_CONTROL, Producer, ProduceAcks,
  fetchV17, type ConnectionOptions, type RecordsBatch,
} from '@platformatic/kafka';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
import { RetriableError, TributaryError } from '../../plugins/api/errors.js';
import { errorNames } from '../kafka/partition-fetcher.js';
import { abortedBatches } from '../kafka/aborted-transactions.js';

/**
 * A log over one compacted Kafka topic, as Kafka Connect's `KafkaBasedLog`: the shared base of
 * the Kafka offset, config and status stores. It reads the whole topic from the beginning and
 * hands every record to `onRecord` in log order per partition (a store folds them into its
 * state: later records of a key win, a null value deletes); `send` writes a record and resolves
 * once the brokers acknowledged it; `readToEnd` resolves once every record written before the
 * call has been read and passed to `onRecord`, which is how a store waits for its own writes
 * (or another worker's) to be visible.
 *
 * It reads without a consumer group (no rebalance, nothing committed): each worker reads every
 * partition itself, as the Java class does with `assign`. Fetches are the library's low-level
 * Fetch, which also drops aborted transactional records under `read_committed`.
 */
export interface LogRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  /** null: a tombstone */
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [Buffer | null, Buffer | null])[];
}

export interface KafkaBasedLogOptions {
  readonly topic: string;
  readonly bootstrapBrokers: readonly string[];
  readonly clientId: string;
  /** partitions and replication factor if the topic must be created (-1: the broker's default) */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** more topic configs at creation; cleanup.policy is always compact */
  readonly topicConfigs?: Readonly<Record<string, string>>;
  /** refuse a topic with another partition count (the config topic must have exactly one) */
  readonly requiredPartitions?: number;
  /** the worker property that names the topic, for error messages (e.g. offset.storage.topic) */
  readonly topicProperty?: string;
  readonly onRecord: (record: LogRecord) => void;
  readonly isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** how long start, send and readToEnd may take (Kafka Connect: 30 s to read to the end) */
  readonly timeoutMs?: number;
  /** longest a fetch waits at the end of the log before asking again */
  readonly fetchMaxWaitMs?: number;
  /** TLS and SASL settings of the clients (runtime/config/kafka-security.ts) */
  readonly security?: Pick<ConnectionOptions, 'tls' | 'sasl'>;
}

interface EndWaiter {
  readonly ends: readonly bigint[];
  resolve(): void;
  reject(error: Error): void;
}

const CLEANUP_POLICY = 'cleanup.policy';

export class KafkaBasedLog {
  readonly topic: string;
  readonly #options: KafkaBasedLogOptions;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  readonly #endOffsets: Consumer;
  #positions: bigint[] = [];
  #waiters: EndWaiter[] = [];
  #stopped = false;
  #readLoop: Promise<void> = Promise.resolve();
  #readError: Error | undefined;
  #sendChain: Promise<unknown> = Promise.resolve();

  private constructor(options: KafkaBasedLogOptions) {
    this.topic = options.topic;
    this.#options = options;
    // Few retries inside the library: it retries a request against the broker it first chose,
    // even one that has stopped, and an idempotent producer with retries <= 1 retries forever
    // (a send to a partition whose leader shut down never settles). #retrying refreshes the
    // metadata between attempts instead.
    const base = {
      clientId: options.clientId, bootstrapBrokers: [...options.bootstrapBrokers],
      timeout: Math.min(this.#timeoutMs, 10_000), retries: 2, retryDelay: 250,
      ...options.security,
    };
    this.#admin = new Admin(base);
    this.#producer = new Producer({ ...base, idempotent: true, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner });
    // Consumers only for their Fetch and ListOffsets: they never join the group they are named after.
    // Two of them: a broker answers one connection's requests in order, so a ListOffsets sent on the
    // connection of a Fetch that is waiting at the end of the log would wait with it (up to
    // fetchMaxWaitMs) and readToEnd would too.
    this.#consumer = new Consumer({ ...base, groupId: `${options.clientId}-unused`, isolationLevel: this.#isolation });
    this.#endOffsets = new Consumer({ ...base, clientId: `${options.clientId}-ends`, groupId: `${options.clientId}-unused`, isolationLevel: this.#isolation });
  }

  /** Creates the topic if missing (or checks it), reads it to its end, and keeps reading. */
  static async start(options: KafkaBasedLogOptions): Promise<KafkaBasedLog> {
    const log = new KafkaBasedLog(options);
    try {
      const partitions = await log.#ensureTopic();
      log.#positions = Array.from({ length: partitions }, () => 0n);
      log.#readLoop = log.#read();
      await log.readToEnd();
      return log;
    } catch (error) {
      await log.stop();
      throw error;
    }
  }

  /** the topic's partition count, as found at start */
  get partitions(): number {
    return this.#positions.length;
  }

  get #timeoutMs(): number { return this.#options.timeoutMs ?? 30_000; }
  get #isolation(): number {
    return this.#options.isolationLevel === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;
  }
  get #topicLabel(): string {
    return this.#options.topicProperty ? `topic '${this.topic}' (${this.#options.topicProperty})` : `topic '${this.topic}'`;
  }

  /**
   * Sends one record; resolves with where it landed once the brokers acknowledged it (acks=all).
   * Sends go out one at a time, in call order: the client's idempotent producer gives concurrent
   * sends to one partition the same sequence number, and the broker acknowledges all but the
   * first as duplicates without writing them (checked against Kafka 4.4: kafka-based-log test).
   */
  send(key: Buffer | null, value: Buffer | null, partition?: number): Promise<{ partition: number; offset: bigint }> {
    const sent = this.#sendChain.catch(() => undefined).then(() => this.#sendNow(key, value, partition));
    this.#sendChain = sent;
    return sent;
  }

  async #sendNow(key: Buffer | null, value: Buffer | null, partition?: number): Promise<{ partition: number; offset: bigint }> {
    if (this.#stopped) throw new TributaryError('internal', `the log over ${this.#topicLabel} is stopped`);
    // a resend after an unanswered attempt may write the record twice: harmless in a compacted
    // log read as "last value of a key wins"
    return this.#retrying(`could not write to ${this.#topicLabel}`, async () => {
      const result = await this.#producer.send({ messages: [{ topic: this.topic, key: key ?? undefined, value: value ?? undefined, partition }] });
      const at = result.offsets?.find((o) => o.topic === this.topic);
      if (!at) throw new Error('the produce response named no offset');
      return { partition: at.partition, offset: at.offset };
    });
  }

  /** Runs `operation` until it succeeds or the timeout passes, with fresh metadata each time. */
  async #retrying<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#timeoutMs;
    let backoffMs = 100;
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (this.#stopped || Date.now() + backoffMs > deadline) throw unavailable(what, error);
        this.#producer.clearMetadata();
        this.#consumer.clearMetadata();
        this.#endOffsets.clearMetadata();
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 1_000);
      }
    }
  }

  /**
   * Resolves once every record written (acknowledged) before this call has been passed to
   * `onRecord`: the end offsets are taken now, and the read catches up with them.
   */
  async readToEnd(): Promise<void> {
    if (this.#readError) throw this.#readError;
    const ends = await this.#retrying(`could not read the end offsets of ${this.#topicLabel}`, async () => {
      const offsets = await this.#endOffsets.listOffsets({ topics: [this.topic], isolationLevel: this.#isolation });
      return offsets.get(this.topic) ?? [];
    });
    if (this.#reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new RetriableError('kafka.unavailable', `reading ${this.#topicLabel} to its end took longer than ${this.#timeoutMs} ms (read ${this.#positions.join(',')} of ${ends.join(',')})`));
      }, this.#timeoutMs);
      const waiter: EndWaiter = {
        ends,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next offset to read of `partition`: everything before it has been passed to `onRecord`. */
  position(partition = 0): bigint {
    return this.#positions[partition] ?? 0n;
  }

  /**
   * Resolves true once every record before `offset` of `partition` has been passed to
   * `onRecord`, false if that did not happen within `timeoutMs` (a worker group's member catching
   * up with the config offset its leader assigned at).
   */
  async readTo(offset: bigint, timeoutMs: number, partition = 0): Promise<boolean> {
    if (this.#readError) throw this.#readError;
    const ends = this.#positions.map((p, i) => (i === partition ? offset : p));
    if (this.#reached(ends)) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: EndWaiter = {
        ends,
        resolve: () => { clearTimeout(timer); resolve(true); },
        reject: () => { clearTimeout(timer); resolve(false); },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Stops reading and closes the clients; pending readToEnd calls are rejected. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new TributaryError('internal', `the log over ${this.#topicLabel} was stopped`));
    await this.#readLoop.catch(() => undefined);
    await Promise.all([this.#producer.close(), this.#consumer.close(), this.#endOffsets.close(), this.#admin.close()].map((p) => p.catch(() => undefined)));
  }

  #reached(ends: readonly bigint[]): boolean {
    return ends.every((end, partition) => (this.#positions[partition] ?? 0n) >= end);
  }

  /**
   * Creates the topic as compacted, or checks the one that exists: Kafka Connect refuses an
   * internal topic whose cleanup.policy is not exactly `compact`, because deletion by retention
   * would silently lose offsets or configs.
   */
  async #ensureTopic(): Promise<number> {
    const configs = Object.entries({ ...this.#options.topicConfigs, [CLEANUP_POLICY]: 'compact' }).map(([name, value]) => ({ name, value }));
    try {
      await this.#admin.createTopics({ topics: [this.topic], partitions: this.#options.partitions, replicas: this.#options.replicationFactor, configs });
    } catch (error) {
      if (!/TOPIC_ALREADY_EXISTS/.test(errorNames(error))) throw unavailable(`could not create ${this.#topicLabel}`, error);
    }
    let policy: string | null | undefined;
    let partitions: number | undefined;
    // a topic just created is unknown to the brokers for a moment (UNKNOWN_TOPIC_OR_PARTITION)
    // while its metadata spreads: asked again until the caller's deadline stops the start
    for (let attempt = 1; ; attempt++) {
      try {
        const [described] = await this.#admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: this.topic, configurationKeys: [CLEANUP_POLICY] }] });
        policy = described.configs.find((c) => c.name === CLEANUP_POLICY)?.value;
        const metadata = await this.#consumer.metadata({ topics: [this.topic], forceUpdate: true });
        partitions = metadata.topics.get(this.topic)?.partitionsCount;
        break;
      } catch (error) {
        if (this.#stopped || attempt >= 20 || !/UNKNOWN_TOPIC_OR_PARTITION/.test(errorNames(error))) throw unavailable(`could not describe ${this.#topicLabel}`, error);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    if (policy !== 'compact') {
      throw new TributaryError('kafka.topic_misconfigured',
        `${this.#topicLabel} must have cleanup.policy=compact, but has cleanup.policy=${policy ?? '(unset)'}: with deletion by retention its records would eventually be lost. ` +
        `Change the topic's cleanup.policy to compact, or name another topic${this.#options.topicProperty ? ` in ${this.#options.topicProperty}` : ''}.`,
        { configPath: this.#options.topicProperty });
    }
    if (partitions === undefined || partitions < 1) throw new RetriableError('kafka.unavailable', `the cluster reports no partitions for ${this.#topicLabel}`);
    const required = this.#options.requiredPartitions;
    if (required !== undefined && partitions !== required) {
      throw new TributaryError('kafka.topic_misconfigured', `${this.#topicLabel} must have exactly ${required} partition(s) but has ${partitions}; create it again or name another topic.`,
        { configPath: this.#options.topicProperty });
    }
    return partitions;
  }

  /** The read loop: fetch from each partition's leader, deliver, advance, wake waiters. */
  async #read(): Promise<void> {
    let backoffMs = 100;
    while (!this.#stopped) {
      try {
        await this.#fetchOnce();
        backoffMs = 100;
      } catch (error) {
        if (this.#stopped) return;
        if (isOffsetOutOfRange(error)) {
          await this.#resetToLogStart();
          continue;
        }
        // brokers restarting, leaders moving: keep trying; readers see a readToEnd timeout
        this.#consumer.clearMetadata();
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }

  async #fetchOnce(): Promise<void> {
    const metadata = await this.#consumer.metadata({ topics: [this.topic] });
    const topic = metadata.topics.get(this.topic);
    if (!topic) throw new Error(`no metadata for ${this.topic}`);
    const byLeader = new Map<number, FetchRequestTopic>();
    topic.partitions.forEach((p, partition) => {
      const request = byLeader.get(p.leader) ?? { topicId: topic.id, partitions: [] };
      request.partitions.push({ partition, fetchOffset: this.#positions[partition], partitionMaxBytes: 1_048_576, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
      byLeader.set(p.leader, request);
    });
    await Promise.all([...byLeader].map(async ([node, request]) => {
      const response = await this.#consumer.fetch({ node, topics: [request], maxWaitTime: this.#options.fetchMaxWaitMs ?? 500, minBytes: 1, maxBytes: 10_485_760 });
      for (const topicResponse of response.responses) {
        for (const partitionResponse of topicResponse.partitions) this.#deliver(partitionResponse.partitionIndex, partitionResponse.records ?? [], abortedBatches(partitionResponse.records ?? [], partitionResponse.abortedTransactions));
      }
    }));
    this.#wakeWaiters();
  }

  #deliver(partition: number, batches: readonly RecordsBatch[], aborted: ReadonlySet<RecordsBatch>): void {
    for (const batch of batches) {
      const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      // an aborted transaction's batch (read_committed) is stepped over like a marker
      if (!(batch.attributes & IS_CONTROL) && !aborted.has(batch)) {
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          // a fetch returns whole batches: skip what was delivered before
          if (offset < this.#positions[partition]) continue;
          this.#options.onRecord({
            partition, offset, timestamp: batch.firstTimestamp + record.timestampDelta,
            key: record.key, value: record.value, headers: record.headers,
          });
        }
      }
      if (next > this.#positions[partition]) this.#positions[partition] = next;
    }
  }

  #wakeWaiters(): void {
    const done = this.#waiters.filter((w) => this.#reached(w.ends));
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !done.includes(w));
    for (const waiter of done) waiter.resolve();
  }

  async #resetToLogStart(): Promise<void> {
    const earliest = await this.#consumer.listOffsets({ topics: [this.topic], timestamp: -2n });
    const starts = earliest.get(this.topic) ?? [];
    starts.forEach((start, partition) => { if (this.#positions[partition] < start) this.#positions[partition] = start; });
  }
}

function isOffsetOutOfRange(error: unknown): boolean {
  return /OFFSET_OUT_OF_RANGE/.test(errorNames(error));
}

function unavailable(what: string, cause: unknown): TributaryError {
  if (cause instanceof TributaryError) return cause;
  return new RetriableError('kafka.unavailable', `${what}: ${errorNames(cause) || String(cause)}`, { cause });
}
