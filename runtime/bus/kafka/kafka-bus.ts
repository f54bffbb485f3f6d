import { Admin, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { RetriableError, TributaryError, type Logger, type SourceRecord } from '../../../plugins/api/index.js';
import { connectorConverters } from '../../converters/connector-converters.js';
import { GroupOffsets } from '../../kafka/group-offsets.js';
import { errorNames } from '../../kafka/partition-fetcher.js';
import { ensureKafkaZstd } from '../../kafka/zstd-codec.js';
import type { Bus, SignalFeed, SignalFeedSpec, SinkFeed, SinkOffsetEntry, SinkSubscriptionSpec } from '../bus.js';
import { PublishedBatch } from '../published-batch.js';
import { KafkaSinkFeed } from './kafka-sink-feed.js';
import type { KafkaMessage } from './kafka-record-codec.js';
import { KafkaSignalFeed } from './kafka-signal-feed.js';
import { KafkaSourceOutlet, sourceStreamName } from './kafka-source-outlet.js';
import { fenceTaskProducers } from './task-producer-fencer.js';
import { TransactionalSourceOutlet, type TransactionalOffsets, type TransactionBoundary } from './transactional-source-outlet.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';

export interface KafkaBusOptions {
  readonly bootstrapBrokers: readonly string[];
  /** prefixes the clients' ids (the worker's id) */
  readonly clientId: string;
  /** TLS and SASL of every client (the worker's security settings) */
  readonly security?: KafkaConnectionSecurity;
  /** the worker's properties: default converters, `producer.*`, `consumer.*`, `topic.creation.enable` */
  readonly worker: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** record chunks a sink task may have buffered before its fetching pauses */
  readonly bufferChunks?: number;
  /**
   * `exactly.once.source.support=enabled` (KIP-618): each source task produces through a
   * transactional producer of its own, its offsets in the same transactions; sinks read
   * read_committed unless told otherwise.
   */
  readonly exactlyOnce?: { readonly groupId: string; readonly offsets: TransactionalOffsets };
}

const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const DEFAULT_BUFFER_MEMORY = 33_554_432;
/** Kafka's producer default; the brokers' message.max.bytes default is about the same */
const DEFAULT_MAX_REQUEST = 1_048_576;

/**
 * The distributed-mode bus: sources produce to Kafka topics, sinks read them. Records are safe
 * once the brokers hold them, so nothing here links sources to sinks: a connector restarts
 * alone, a sink created after its source reads the topic from its start, and a sink's position is
 * its consumer group's committed offsets (`connect-<name>`), which Kafka tools show and KIP-875
 * changes.
 */
export class KafkaBus implements Bus {
  readonly #o: KafkaBusOptions;
  readonly #outlets = new Map<string, KafkaSourceOutlet>();
  /** exactly-once sources: one transactional outlet per task, by `connector\u0000task` */
  readonly #taskOutlets = new Map<string, TransactionalSourceOutlet>();
  readonly #sinks = new Map<string, KafkaSinkFeed[]>();
  readonly #activeTopics = new Map<string, Set<string>>();

  constructor(options: KafkaBusOptions) {
    this.#o = options;
    // zstd batches (a Java producer's, or a zstd topic's) must be readable on Node 20 too
    ensureKafkaZstd();
  }

  sourceStarting(connector: string, config: Readonly<Record<string, string>>): void {
    if (this.#outlets.has(connector)) return;
    this.#outlets.set(connector, new KafkaSourceOutlet({
      connector,
      bootstrapBrokers: this.#o.bootstrapBrokers,
      security: this.#o.security,
      clientId: `${this.#o.clientId}-${connector}`,
      converters: connectorConverters(config, this.#o.worker),
      bufferMemory: Number(this.#producerSetting(config, 'buffer.memory') ?? DEFAULT_BUFFER_MEMORY),
      maxRequestBytes: Number(this.#producerSetting(config, 'max.request.size') ?? DEFAULT_MAX_REQUEST),
      compression: compressionOf(this.#producerSetting(config, 'compression.type')),
      topicCreation: this.#topicCreation(config),
      logger: this.#o.logger,
    }));
  }

  async sourceStopped(connector: string): Promise<void> {
    const outlet = this.#outlets.get(connector);
    this.#outlets.delete(connector);
    await outlet?.close();
  }

  async sourceTaskStarting(connector: string, task: number, config: Readonly<Record<string, string>>): Promise<void> {
    const exactlyOnce = this.#o.exactlyOnce;
    if (!exactlyOnce) return;
    const key = taskKey(connector, task);
    await this.#taskOutlets.get(key)?.close();
    const outlet = new TransactionalSourceOutlet({
      connector, task,
      transactionalId: `${exactlyOnce.groupId}-${connector}-${task}`,
      bootstrapBrokers: this.#o.bootstrapBrokers,
      security: this.#o.security,
      clientId: `${this.#o.clientId}-${connector}-${task}`,
      converters: connectorConverters(config, this.#o.worker),
      maxRequestBytes: Number(this.#producerSetting(config, 'max.request.size') ?? DEFAULT_MAX_REQUEST),
      compression: compressionOf(this.#producerSetting(config, 'compression.type')),
      topicCreation: this.#topicCreation(config),
      boundary: transactionBoundary(config, this.#o.worker),
      offsets: exactlyOnce.offsets,
      sourceHeader: Buffer.from(sourceStreamName(connector, task), 'utf8'),
      logger: this.#o.logger,
    });
    this.#taskOutlets.set(key, outlet);
    await outlet.start();
  }

  openSignalFeed(spec: SignalFeedSpec): SignalFeed {
    return new KafkaSignalFeed({ ...spec, bootstrapBrokers: this.#o.bootstrapBrokers, clientId: this.#o.clientId, security: this.#o.security, logger: this.#o.logger });
  }

  async fenceRemovedSourceTasks(connector: string, tasks: readonly number[]): Promise<void> {
    const exactlyOnce = this.#o.exactlyOnce;
    if (!exactlyOnce || tasks.length === 0) return;
    await fenceTaskProducers(this.#o, tasks.map((task) => `${exactlyOnce.groupId}-${connector}-${task}`));
  }

  async sourceTaskStopped(connector: string, task: number): Promise<void> {
    const key = taskKey(connector, task);
    const outlet = this.#taskOutlets.get(key);
    this.#taskOutlets.delete(key);
    await outlet?.close();
  }

  async publish(source: string, records: readonly SourceRecord[], batch: PublishedBatch, task = 0): Promise<number> {
    const transactional = this.#o.exactlyOnce ? this.#taskOutlets.get(taskKey(source, task)) : undefined;
    if (transactional) {
      const active = this.#active(source);
      for (const r of records) active.add(r.topic);
      return transactional.publish(records, batch);
    }
    const outlet = this.#outlets.get(source);
    if (!outlet) throw new TributaryError('internal', `no producer for source connector ${source}: its tasks were not started through the worker`);
    const active = this.#active(source);
    for (const r of records) active.add(r.topic);
    return outlet.publish(records, batch, task);
  }

  subscribe(spec: SinkSubscriptionSpec): SinkFeed[] {
    const converters = connectorConverters(spec.config, this.#o.worker);
    // with exactly-once sources sinks read only committed transactions unless told otherwise
    const defaultIsolation = this.#o.exactlyOnce ? 'read_committed' : 'read_uncommitted';
    const isolation = (spec.config['consumer.override.isolation.level'] ?? this.#o.worker['consumer.isolation.level'] ?? defaultIsolation) === 'read_committed' ? 'read_committed' : 'read_uncommitted';
    const active = this.#active(spec.connector);
    const feeds = Array.from({ length: spec.tasks }, (_, taskId) => new KafkaSinkFeed({
      connector: spec.connector, taskId, tasks: spec.tasks,
      matches: (topic) => {
        const yes = spec.matches(topic);
        if (yes) active.add(topic);
        return yes;
      },
      bootstrapBrokers: this.#o.bootstrapBrokers, security: this.#o.security, clientId: `${this.#o.clientId}-${spec.connector}-${taskId}`, converters,
      bufferChunks: this.#o.bufferChunks ?? 4, isolationLevel: isolation,
      sendDeadLetter: (message) => this.#sendDeadLetter(spec.connector, spec.config, message),
      keepBytesForDeadLetters: spec.config['errors.tolerance'] === 'all' && (spec.config['errors.deadletterqueue.topic.name'] ?? '') !== '',
    }));
    this.#sinks.set(spec.connector, feeds);
    return feeds;
  }

  async unsubscribe(connector: string): Promise<void> {
    for (const feed of this.#sinks.get(connector) ?? []) feed.close();
    this.#sinks.delete(connector);
    await this.sourceStopped(`${connector}>dead-letters`);
  }

  restartScope(names: readonly string[]): Set<string> {
    return new Set(names);
  }

  unclaimedTopics(): ReadonlySet<string> {
    return new Set();
  }

  sourcesWaitingFor(): string[] {
    return [];
  }

  sourceRestarted(): void {}

  async persistSinkState(): Promise<void> {}

  readonly sourceOffsetsWaitForSinks = false;

  /** KIP-875: Kafka Connect's sink form, `{kafka_topic, kafka_partition}` → `{kafka_offset}`. */
  async sinkOffsets(connector: string): Promise<SinkOffsetEntry[]> {
    const admin = this.#admin();
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [`connect-${connector}`] });
      const out: SinkOffsetEntry[] = [];
      for (const topic of group?.topics ?? []) {
        for (const p of topic.partitions) {
          if (p.committedOffset >= 0n) out.push({ partition: { kafka_topic: topic.name, kafka_partition: p.partitionIndex }, offset: { kafka_offset: Number(p.committedOffset) } });
        }
      }
      return out;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async alterSinkOffsets(connector: string, entries: readonly SinkOffsetEntry[]): Promise<void> {
    const problems: string[] = [];
    const commits: { topic: string; partition: number; offset: bigint }[] = [];
    const deletes: { topic: string; partition: number }[] = [];
    entries.forEach((e, i) => {
      const p = e?.partition as { kafka_topic?: unknown; kafka_partition?: unknown } | undefined;
      if (typeof p?.kafka_topic !== 'string' || !Number.isInteger(p.kafka_partition) || (p.kafka_partition as number) < 0) {
        problems.push(`offsets[${i}].partition must be {"kafka_topic": "...", "kafka_partition": <n>}`);
        return;
      }
      const target = { topic: p.kafka_topic, partition: p.kafka_partition as number };
      if (e.offset === null) return void deletes.push(target);
      const offset = (e.offset as { kafka_offset?: unknown }).kafka_offset;
      if (!Number.isSafeInteger(offset) || (offset as number) < 0 || Object.keys(e.offset).length !== 1) problems.push(`offsets[${i}].offset must be {"kafka_offset": <non-negative integer>} or null`);
      else commits.push({ ...target, offset: BigInt(offset as number) });
    });
    if (problems.length > 0) throw new TributaryError('offsets.invalid', `The offsets were not changed: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`, { details: problems });
    const offsets = new GroupOffsets(this.#o.bootstrapBrokers, `connect-${connector}`, { clientId: this.#o.clientId, security: this.#o.security });
    try {
      await offsets.commit(commits);
    } finally {
      await offsets.close();
    }
    if (deletes.length > 0) {
      const admin = this.#admin();
      try {
        const topics = new Map<string, number[]>();
        for (const d of deletes) topics.set(d.topic, [...(topics.get(d.topic) ?? []), d.partition]);
        await admin.deleteConsumerGroupOffsets({ groupId: `connect-${connector}`, topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) });
      } finally {
        await admin.close().catch(() => undefined);
      }
    }
  }

  /** KIP-875 DELETE: the consumer group goes, so the sink starts over from the topics' start. */
  async resetSinkOffsets(connector: string): Promise<void> {
    const admin = this.#admin();
    try {
      await admin.deleteGroups({ groups: [`connect-${connector}`] });
    } catch (error) {
      if (!/GROUP_ID_NOT_FOUND/.test(errorNames(error))) throw error;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  activeTopics(connector: string): string[] {
    return [...(this.#activeTopics.get(connector) ?? [])].sort();
  }

  resetActiveTopics(connector: string): void {
    this.#activeTopics.delete(connector);
  }

  /**
   * A sink's dead letters go through a producer of their own (the sink's producer overrides); the
   * record counts as handled once the brokers acknowledged its dead letter.
   */
  async #sendDeadLetter(connector: string, config: Readonly<Record<string, string>>, message: KafkaMessage): Promise<void> {
    const label = `${connector}>dead-letters`;
    this.sourceStarting(label, config);
    const outlet = this.#outlets.get(label)!;
    const batch = new PublishedBatch(new Map());
    await outlet.publishMessages([message], batch);
    await outlet.flush();
    if (!batch.complete) throw new RetriableError('kafka.unavailable', `The dead letter of ${connector} for topic ${message.topic} could not be written to Kafka: ${outlet.failureText()}`);
  }

  #active(connector: string): Set<string> {
    let topics = this.#activeTopics.get(connector);
    if (!topics) this.#activeTopics.set(connector, (topics = new Set()));
    return topics;
  }

  /** `producer.override.<name>` of the connector, else the worker's `producer.<name>`. */
  #producerSetting(config: Readonly<Record<string, string>>, name: string): string | undefined {
    return config[`producer.override.${name}`] ?? this.#o.worker[`producer.${name}`];
  }

  /** KIP-158: with `topic.creation.default.*` set and the worker allowing it, topics are created so. */
  #topicCreation(config: Readonly<Record<string, string>>): { partitions: number; replicationFactor: number; configs: Record<string, string> } | null {
    if ((this.#o.worker['topic.creation.enable'] ?? 'true') === 'false') return null;
    const prefix = 'topic.creation.default.';
    const replication = config[`${prefix}replication.factor`];
    const partitions = config[`${prefix}partitions`];
    if (replication === undefined || partitions === undefined) return null;
    const configs: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix) && k !== `${prefix}replication.factor` && k !== `${prefix}partitions`) configs[k.slice(prefix.length)] = v;
    return { partitions: Number(partitions), replicationFactor: Number(replication), configs };
  }

  #admin(): Admin {
    return new Admin({ clientId: this.#o.clientId, bootstrapBrokers: [...this.#o.bootstrapBrokers], timeout: 30_000, ...this.#o.security });
  }
}

function compressionOf(value: string | undefined): CompressionAlgorithmValue | undefined {
  if (value === undefined || value === 'none' || value === '') return undefined;
  if (!COMPRESSIONS.includes(value)) throw new TributaryError('config.invalid', `compression.type=${value} is not one of ${COMPRESSIONS.join(', ')}.`, { configPath: 'producer.compression.type' });
  return value as CompressionAlgorithmValue;
}

function taskKey(connector: string, task: number): string {
  return `${connector}\u0000${task}`;
}

/**
 * KIP-618 `transaction.boundary` of a source connector: `poll` (default, a transaction per polled
 * batch) or `interval` (`transaction.boundary.interval.ms`, default the worker's
 * offset.flush.interval.ms). `connector` needs a connector that defines its own boundaries,
 * which no Tributary source does.
 */
export function transactionBoundary(config: Readonly<Record<string, string>>, worker: Readonly<Record<string, string>>): TransactionBoundary {
  const kind = (config['transaction.boundary'] ?? 'poll').trim().toLowerCase();
  if (kind === 'poll' || kind === '') return { kind: 'poll' };
  if (kind === 'interval') {
    const raw = config['transaction.boundary.interval.ms'] ?? worker['offset.flush.interval.ms'] ?? '60000';
    const intervalMs = Number(raw);
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new TributaryError('config.invalid', `transaction.boundary.interval.ms=${raw} is not a positive number of milliseconds.`, { configPath: 'transaction.boundary.interval.ms' });
    return { kind: 'interval', intervalMs };
  }
  if (kind === 'connector') throw new TributaryError('config.invalid', 'transaction.boundary=connector needs a connector that defines its own transaction boundaries; no Tributary source does. Use poll (the default) or interval.', { configPath: 'transaction.boundary' });
  throw new TributaryError('config.invalid', `transaction.boundary=${config['transaction.boundary']} is not one of poll, interval, connector.`, { configPath: 'transaction.boundary' });
}
