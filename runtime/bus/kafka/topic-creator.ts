import { Admin } from '@platformatic/kafka';
import { RetriableError, type Logger } from '../../../plugins/api/index.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';
import { errorNames } from '../../kafka/partition-fetcher.js';

/** KIP-158 `topic.creation.default.*` of a source connector. */
export interface TopicCreation {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Record<string, string>;
}

/**
 * Creates a source's topics before its first records go to them (KIP-158), each once per
 * producer: a topic that already exists is left as it is.
 */
export class TopicCreator {
  readonly #created = new Set<string>();

  constructor(
    private readonly options: { readonly bootstrapBrokers: readonly string[]; readonly clientId: string; readonly security?: KafkaConnectionSecurity; readonly creation: TopicCreation; readonly logger: Logger },
  ) {}

  async ensure(topics: Iterable<string>): Promise<void> {
    const fresh = [...new Set(topics)].filter((t) => !this.#created.has(t));
    if (fresh.length === 0) return;
    const { creation, logger } = this.options;
    const admin = new Admin({ clientId: this.options.clientId, bootstrapBrokers: [...this.options.bootstrapBrokers], timeout: 30_000, ...this.options.security });
    try {
      for (const topic of fresh) {
        try {
          await admin.createTopics({ topics: [topic], partitions: creation.partitions, replicas: creation.replicationFactor, configs: Object.entries(creation.configs).map(([name, value]) => ({ name, value })) });
          logger.info({ topic, partitions: creation.partitions, replicationFactor: creation.replicationFactor }, 'created topic (topic.creation.default.*)');
        } catch (error) {
          if (!/TOPIC_ALREADY_EXISTS/.test(errorNames(error))) throw new RetriableError('kafka.unavailable', `Could not create topic ${topic}: ${errorNames(error)}`, { cause: error });
        }
        this.#created.add(topic);
      }
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}
