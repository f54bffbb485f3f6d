import { Admin } from '@platformatic/kafka';
import { TributaryError, type DurableOffset, type SinkRecord, type SourceRecord, type TopicPartitionOffset } from '../../../plugins/api/index.js';
import { prepareIncoming, prepareOutgoing, type RecordConverters } from '../../converters/connector-converters.js';
import { GroupOffsets, partitionKey, type CommittedOffset } from '../../kafka/group-offsets.js';
import { PartitionFetcher, type FetchedRecord } from '../../kafka/partition-fetcher.js';
import { AsyncQueue } from '../async-queue.js';
import type { SinkFeed } from '../bus.js';
import { originOf, toDeadLetterMessage, toSinkRecord, type KafkaMessage } from './kafka-record-codec.js';
import { ReplayFilter } from './replay-filter.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';

/** how often the topics a sink takes are listed again (Kafka's consumers refresh their metadata similarly) */
const ASSIGNMENT_REFRESH_MS = 3_000;

export interface SinkFeedOptions {
  readonly connector: string;
  readonly taskId: number;
  readonly tasks: number;
  readonly matches: (topic: string) => boolean;
  readonly bootstrapBrokers: readonly string[];
  readonly security?: KafkaConnectionSecurity;
  readonly clientId: string;
  readonly converters: RecordConverters;
  /** record chunks buffered before fetching pauses */
  readonly bufferChunks: number;
  readonly isolationLevel: 'read_uncommitted' | 'read_committed';
  /** sends a dead letter (a Kafka topic) and resolves when it is acknowledged */
  readonly sendDeadLetter: (message: KafkaMessage) => Promise<void>;
  /**
   * keep each delivered record's bytes while the task holds it (errors.tolerance=all with a
   * dead-letter topic), so a dead letter carries the bytes as consumed
   */
  readonly keepBytesForDeadLetters: boolean;
}

/**
 * One sink task's end of the Kafka bus. Its partitions are assigned by the worker, not by a
 * consumer-group rebalance: task `i` of `n` reads the partitions whose hash of topic and partition
 * number is i modulo n — stable when topics come and go, so two tasks never claim one partition.
 * It starts at the offsets committed for the
 * connector's group (`connect-<name>`), or the log start (Kafka Connect's sinks default to
 * `earliest`), and commits only what the task's preCommit says is durable, so a crash replays
 * exactly what was not. Records a restarted Tributary source sent twice are delivered once
 * (replay-filter.ts).
 */
export class KafkaSinkFeed implements SinkFeed {
  readonly #o: SinkFeedOptions;
  readonly #queue: AsyncQueue<SinkRecord[]>;
  readonly #offsets: GroupOffsets;
  readonly #owned = new Set<string>();
  /** the last offset committed per partition, so an unchanged answer commits nothing */
  readonly #committed = new Map<string, bigint>();
  readonly #replays = new ReplayFilter();
  /** the fetched bytes of delivered records (only with keepBytesForDeadLetters) */
  readonly #fetched = new WeakMap<SinkRecord, FetchedRecord>();
  #fetcher: PartitionFetcher | undefined;
  #starting: Promise<void> | undefined;
  #failure: unknown;
  #closed = false;
  #refresh: NodeJS.Timeout | undefined;

  constructor(options: SinkFeedOptions) {
    this.#o = options;
    this.#queue = new AsyncQueue(options.bufferChunks);
    this.#offsets = new GroupOffsets(options.bootstrapBrokers, `connect-${options.connector}`, { clientId: options.clientId, security: options.security });
  }

  async take(maxRecords: number, timeoutMs: number): Promise<SinkRecord[]> {
    this.#starting ??= this.#start();
    await this.#starting;
    if (this.#failure) throw this.#failure;
    const chunks = await this.#queue.take(maxRecords, timeoutMs, (chunk) => chunk.length);
    if (this.#failure) throw this.#failure;
    return chunks.length === 1 ? chunks[0] : chunks.flat();
  }

  wake(): void {
    this.#queue.wake();
  }

  async acknowledge(acked: readonly TopicPartitionOffset[]): Promise<void> {
    // a closed feed's task was stopped: its late acknowledgements must not move the group's offsets
    if (this.#closed) throw new TributaryError('task.stopped', `The feed of ${this.#o.connector}-${this.#o.taskId} is closed: nothing more is committed through it.`);
    const commits = acked.filter((a) => {
      const key = partitionKey(a.topic, a.partition);
      return this.#owned.has(key) && this.#committed.get(key) !== BigInt(a.offset);
    }).map((a) => ({ topic: a.topic, partition: a.partition, offset: BigInt(a.offset), metadata: this.#replays.commitAt(partitionKey(a.topic, a.partition), a.offset) }));
    if (commits.length === 0) return;
    await this.#offsets.commit(commits);
    for (const c of commits) this.#committed.set(partitionKey(c.topic, c.partition), c.offset);
  }

  acknowledgeDurable(upTo: readonly DurableOffset[]): Promise<void> {
    return this.acknowledge(upTo);
  }

  async deadLetter(original: SinkRecord, letter: (sourceLabel: string) => SourceRecord): Promise<boolean> {
    const raw = this.#fetched.get(original);
    const dead = letter(this.#o.connector);
    // a letter without its consumed bytes is converted again: its schema ids first (AvroConverter)
    const preparing = raw ? undefined : prepareOutgoing(this.#o.converters, [dead]);
    if (preparing) await preparing;
    await this.#o.sendDeadLetter(toDeadLetterMessage(dead, raw, this.#o.converters));
    return true;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#refresh);
    this.#queue.close();
    void this.#fetcher?.stop();
    void this.#offsets.close();
  }

  clear(): void {}

  async #start(): Promise<void> {
    const partitions = await this.#assignedPartitions();
    for (const p of partitions) this.#owned.add(partitionKey(p.topic, p.partition));
    const committed = await this.#committedOffsets(partitions);
    if (this.#closed) return;
    this.#fetcher = new PartitionFetcher({
      bootstrapBrokers: this.#o.bootstrapBrokers,
      security: this.#o.security,
      clientId: this.#o.clientId,
      isolationLevel: this.#o.isolationLevel,
      onRecords: (records) => this.#deliver(records),
      onError: (error) => {
        this.#failure = error;
        this.#queue.wake();
      },
    });
    this.#fetcher.start(partitions.map((p) => ({ ...p, offset: committed.get(partitionKey(p.topic, p.partition))?.offset })));
    // topics created after the sink started (its source produces later), partitions added
    this.#refresh = setInterval(() => void this.#addNewPartitions().catch(() => undefined), ASSIGNMENT_REFRESH_MS);
    this.#refresh.unref();
  }

  async #addNewPartitions(): Promise<void> {
    const fresh = (await this.#assignedPartitions()).filter((p) => !this.#owned.has(partitionKey(p.topic, p.partition)));
    if (fresh.length === 0 || this.#closed) return;
    const committed = await this.#committedOffsets(fresh);
    for (const p of fresh) this.#owned.add(partitionKey(p.topic, p.partition));
    this.#fetcher?.add(fresh.map((p) => ({ ...p, offset: committed.get(partitionKey(p.topic, p.partition))?.offset })));
  }

  /** The group's committed offsets of these partitions; what they say of resends is restored. */
  async #committedOffsets(partitions: readonly { topic: string; partition: number }[]): Promise<Map<string, CommittedOffset>> {
    const committed = partitions.length > 0 ? await this.#offsets.fetchCommitted(partitions) : new Map<string, CommittedOffset>();
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      const c = committed.get(key);
      if (c) this.#committed.set(key, c.offset);
      this.#replays.restore(key, c?.metadata);
    }
    return committed;
  }

  async #deliver(records: FetchedRecord[]): Promise<void> {
    if (this.#failure) return;
    try {
      // writer schemas from a registry (AvroConverter), so that toSinkRecord is synchronous
      const preparing = prepareIncoming(this.#o.converters, records);
      if (preparing) await preparing;
    } catch (error) {
      // the registry is unreachable after the converter's retries: the task fails and restarts
      // from its committed offsets, so these records are read again, not skipped
      this.#failure = error;
      this.#queue.wake();
      return;
    }
    const chunk: SinkRecord[] = [];
    const keepBytes = this.#o.keepBytesForDeadLetters;
    for (const r of records) {
      const origin = originOf(r);
      if (origin && !this.#replays.admit(partitionKey(r.topic, r.partition), Number(r.offset), origin.source, origin.position)) continue;
      // a record the converters cannot read comes as an UnreadableRecord: the runner applies the error policy
      const record = toSinkRecord(r, this.#o.converters, origin);
      if (keepBytes) this.#fetched.set(record, r);
      chunk.push(record);
    }
    if (chunk.length > 0) await this.#queue.push(chunk).catch(() => undefined);
  }

  /** The partitions of the matching topics this task takes (by a stable hash). */
  async #assignedPartitions(): Promise<{ topic: string; partition: number }[]> {
    const admin = new Admin({ clientId: this.#o.clientId, bootstrapBrokers: [...this.#o.bootstrapBrokers], timeout: 30_000, ...this.#o.security });
    try {
      const topics = (await admin.listTopics()).filter((t) => this.#o.matches(t)).sort();
      if (topics.length === 0) return [];
      const metadata = await admin.metadata({ topics });
      const all: { topic: string; partition: number }[] = [];
      for (const topic of topics) {
        const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
        for (let partition = 0; partition < count; partition++) all.push({ topic, partition });
      }
      return all.filter((p) => stableHash(`${p.topic}\u0000${p.partition}`) % this.#o.tasks === this.#o.taskId);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}

function stableHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
