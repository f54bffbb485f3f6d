import { Admin } from '@platformatic/kafka';
import type { Logger } from '../../../plugins/api/index.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';
import { GroupOffsets } from '../../kafka/group-offsets.js';
import { PartitionFetcher, type FetchedRecord } from '../../kafka/partition-fetcher.js';
import type { SignalFeed, SignalFeedSpec } from '../bus.js';
import { TopicCreator } from './topic-creator.js';

export interface KafkaSignalFeedOptions extends SignalFeedSpec {
  readonly bootstrapBrokers: readonly string[];
  readonly clientId: string;
  readonly security?: KafkaConnectionSecurity;
  readonly logger: Logger;
}

/**
 * Debezium's Kafka signal channel (`signal.enabled.channels=kafka`): the signals topic
 * (`signal.kafka.topic`, one partition, created when missing) is read from the offset its group
 * (`signal.kafka.groupId`) committed, or from its start; a message whose key is the connector's
 * `topic.prefix` is a signal (value `{"type": ..., "data": {...}}`, optionally an `id`), others
 * are skipped. Each signal is handed to the task, which queues it in its source's order (a
 * CDC source writes it to its log), and only then is the message's offset committed: a signal
 * is taken at least once, and taking one twice is harmless (a snapshot already under way
 * absorbs a repeated `execute-snapshot`).
 */
export class KafkaSignalFeed implements SignalFeed {
  readonly #o: KafkaSignalFeedOptions;
  readonly #offsets: GroupOffsets;
  #fetcher: PartitionFetcher | undefined;
  #closed = false;
  #starting: Promise<void>;

  constructor(options: KafkaSignalFeedOptions) {
    this.#o = options;
    this.#offsets = new GroupOffsets(options.bootstrapBrokers, options.groupId, { clientId: `${options.clientId}-signals`, security: options.security });
    this.#starting = this.#start().catch((error: unknown) => {
      if (!this.#closed) options.logger.error({ err: error, topic: options.topic }, 'the Kafka signal channel could not start; signals over Kafka are not taken');
    });
  }

  async #start(): Promise<void> {
    const o = this.#o;
    await new TopicCreator({ ...o, creation: { partitions: 1, replicationFactor: -1, configs: {} }, logger: o.logger }).ensure([o.topic]);
    const admin = new Admin({ clientId: `${o.clientId}-signals`, bootstrapBrokers: [...o.bootstrapBrokers], timeout: 30_000, ...o.security });
    let partitions: { topic: string; partition: number }[];
    try {
      const count = (await admin.metadata({ topics: [o.topic] })).topics.get(o.topic)?.partitionsCount ?? 1;
      partitions = Array.from({ length: count }, (_, partition) => ({ topic: o.topic, partition }));
    } finally {
      await admin.close().catch(() => undefined);
    }
    const committed = await this.#offsets.fetch(partitions);
    if (this.#closed) return;
    this.#fetcher = new PartitionFetcher({
      bootstrapBrokers: o.bootstrapBrokers, clientId: `${o.clientId}-signals`, security: o.security, maxWaitMs: 500,
      onRecords: (records) => this.#take(records),
      onError: (error) => o.logger.error({ err: error, topic: o.topic }, 'the Kafka signal channel stopped'),
    });
    this.#fetcher.start(partitions.map((p) => {
      const offset = committed.get(`${p.topic}\u0000${p.partition}`);
      return offset !== undefined && offset >= 0n ? { ...p, offset } : p;
    }));
    o.logger.info({ topic: o.topic, group: o.groupId }, 'reading signals from Kafka');
  }

  async #take(records: FetchedRecord[]): Promise<void> {
    const o = this.#o;
    for (const r of records) {
      if (this.#closed) return;
      if (r.key?.toString('utf8') === o.key && r.value) {
        try {
          const body = JSON.parse(r.value.toString('utf8')) as { id?: unknown; type?: unknown; data?: unknown };
          if (typeof body.type !== 'string') throw new Error('no "type"');
          await o.onSignal({ id: typeof body.id === 'string' ? body.id : `kafka:${r.partition}:${r.offset}`, type: body.type, data: body.data ?? {} });
        } catch (error) {
          // a signal the task refused (malformed, not supported) is not taken again
          o.logger.error({ err: (error as Error).message, partition: r.partition, offset: String(r.offset) }, 'signal from Kafka ignored');
        }
      }
      await this.#offsets.commit([{ topic: r.topic, partition: r.partition, offset: r.offset + 1n }]);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    await this.#fetcher?.stop();
    await this.#offsets.close();
  }
}
