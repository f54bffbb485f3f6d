import type { DurableOffset, SinkRecord, SourceRecord, TopicPartitionOffset } from '../../plugins/api/index.js';
import type { PublishedBatch } from './published-batch.js';

/** One entry of a sink connector's KIP-875 offsets, in the bus's own form. */
export interface SinkOffsetEntry {
  partition: Record<string, unknown>;
  offset: Record<string, unknown> | null;
}

/**
 * A record the sink's converters could not read (Kafka bus): no key or value, and the failed
 * stage with its error. The runner applies the error policy to it — fails the task, or with
 * errors.tolerance=all dead-letters it — and never hands it to the task; its offset still counts
 * as consumed, so a tolerated record is not read again.
 */
export interface UnreadableRecord extends SinkRecord {
  readonly unreadable: { readonly stage: 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER'; readonly error: unknown };
}

export function isUnreadable(record: SinkRecord): record is UnreadableRecord {
  return (record as Partial<UnreadableRecord>).unreadable !== undefined;
}

/** One sink task's end of the bus. Calls come from the task's runner loop, one at a time. */
export interface SinkFeed {
  /** The next records for the task (up to `maxRecords`), or [] after `timeoutMs` idle. */
  take(maxRecords: number, timeoutMs: number): Promise<SinkRecord[]>;
  /** Ends a pending `take` early (a commit was requested). */
  wake(): void;
  /**
   * The task's preCommit answer: what it holds durably. The memory bus releases those
   * deliveries and records the sink's bounds; the Kafka bus commits the consumer group's offsets.
   */
  acknowledge(acked: readonly TopicPartitionOffset[]): Promise<void>;
  /** commitDurable: as acknowledge, and recorded durably before resolving. */
  acknowledgeDurable(upTo: readonly DurableOffset[]): Promise<void>;
  /**
   * Sends the dead letter `letter(label)` for a record this feed delivered. The memory bus makes
   * it part of the original's source batch, so the source offset waits for the dead letter to be
   * landed too; false when the record is unknown (nothing was sent).
   */
  deadLetter(original: SinkRecord, letter: (sourceLabel: string) => SourceRecord): Promise<boolean>;
  /** Stops delivering; a pending take returns. */
  close(): void;
  /** Forgets what the task held (it is torn down; what it did not make durable is replayed). */
  clear(): void;
}

export interface SinkSubscriptionSpec {
  connector: string;
  tasks: number;
  matches(topic: string): boolean;
  /** the connector's config, providers resolved (converters, consumer overrides) */
  config: Readonly<Record<string, string>>;
}

/** What the bus needs to know of the worker's connectors to scope restarts. */
export interface ConnectorView {
  /** sink connectors (running or not) with their topic matchers */
  sinks(): { name: string; matches(topic: string): boolean }[];
  isSource(name: string): boolean;
}

/**
 * How records move from source tasks to sink tasks: in memory in standalone mode (the memory
 * bus), through Kafka topics in distributed mode. The worker runs on either; what differs —
 * whether records can be replayed from the bus, where a sink's position is kept, which
 * connectors must restart together — is each bus's own policy, behind this interface.
 */
export interface Bus {
  /**
   * Hands a source task's batch to the bus; resolves once it is accepted (after any
   * backpressure) with the milliseconds spent blocked. The batch completes later, when its
   * records are safe (memory: every sink made them durable; Kafka: the brokers acknowledged
   * them): only then may the source's offset pass them. `task` is the source task that polled
   * them (each task's records are in position order; the connector's tasks together are not).
   * A bus that may refuse a batch for a reason that passes (Kafka) hands it over again under
   * `batch.handoff`, the task's hand-off retry policy (handoff-retry.ts), and tells the task
   * through it when the retries ran out.
   */
  publish(source: string, records: readonly SourceRecord[], batch: PublishedBatch, task?: number): Promise<number>;
  /** A source connector's tasks start: its config (converters, producer overrides, topic creation). */
  sourceStarting(connector: string, config: Readonly<Record<string, string>>): void;
  /** A source connector's tasks stopped: what it sent is settled (Kafka: flushed, producer closed). */
  sourceStopped(connector: string): Promise<void>;
  /**
   * One source task is about to start (before it reads its offsets). With exactly-once sources
   * the Kafka bus readies the task's transactional producer here — fencing older instances of the
   * task — and reads the offsets topic to its end.
   */
  sourceTaskStarting?(connector: string, task: number, config: Readonly<Record<string, string>>): Promise<void>;
  /** One source task stopped (its loop ended): its own producer, if it has one, commits what is open and closes. */
  sourceTaskStopped?(connector: string, task: number): Promise<void>;
  /**
   * Task ids of a source connector that no longer exist (fewer task configs, or STOPPED): with
   * exactly-once sources the Kafka bus fences their transactional producers, so a zombie of a
   * removed task commits nothing more. Called by the leader once the new task configs are stored.
   */
  fenceRemovedSourceTasks?(connector: string, tasks: readonly number[]): Promise<void>;
  /**
   * Debezium's Kafka signal channel for a source task (the Kafka bus only): signals read from a
   * topic are handed to `onSignal`; closed when the task stops.
   */
  openSignalFeed?(spec: SignalFeedSpec): SignalFeed;
  /** A sink connector's subscription: one feed per task. */
  subscribe(spec: SinkSubscriptionSpec): SinkFeed[];
  unsubscribe(connector: string): Promise<void>;
  /**
   * The connectors that must restart together with `names`. The memory bus keeps no log, so
   * it is every source and sink linked to them through topics (a crash's scope); with Kafka just
   * `names`.
   */
  restartScope(names: readonly string[], view: ConnectorView): Set<string>;
  /** Topics no sink takes that hold a source's offsets (memory bus; never with Kafka). */
  unclaimedTopics(source: string): ReadonlySet<string>;
  /** Source connectors holding offsets for topics a sink matching this would take. */
  sourcesWaitingFor(matches: (topic: string) => boolean): string[];
  /** The source starts again and replays from its committed offset. */
  sourceRestarted(source: string): void;
  /** Writes what sinks hold durably, before source offsets are written (memory: the bounds). */
  persistSinkState(): Promise<void>;
  /**
   * Whether a source's offsets may pass its records only once sinks have them durably (memory:
   * yes, it keeps no log). With Kafka a record is safe once the brokers hold it, so a commit
   * writes source offsets without waiting for the sinks' preCommit.
   */
  readonly sourceOffsetsWaitForSinks?: boolean;
  /** KIP-875 offsets of a sink connector: its durable bounds (memory) or its group's offsets (Kafka). */
  sinkOffsets(connector: string): Promise<SinkOffsetEntry[]>;
  /** Applies a checked offsets request atomically; offsets.invalid naming every problem. */
  alterSinkOffsets(connector: string, entries: readonly SinkOffsetEntry[]): Promise<void>;
  resetSinkOffsets(connector: string): Promise<void>;
  /** KIP-558 active topics: produced to by a source, consumed by a sink, since the last reset. */
  activeTopics(connector: string): string[];
  resetActiveTopics(connector: string): void;
}

/** Where a source task's Kafka signals come from, and who takes them. */
export interface SignalFeedSpec {
  /** `signal.kafka.topic` */
  readonly topic: string;
  /** the message key a signal for this connector carries (its `topic.prefix`) */
  readonly key: string;
  /** `signal.kafka.groupId`: the consumer group whose committed offset says what was taken */
  readonly groupId: string;
  readonly onSignal: (signal: { readonly id: string; readonly type: string; readonly data: unknown }) => Promise<void>;
}

export interface SignalFeed {
  close(): Promise<void>;
}
