import { TributaryError, type Logger } from '../../plugins/api/index.js';
import type { KafkaConnectionSecurity } from '../config/kafka-security.js';
import { KafkaBasedLog, type KafkaBasedLogOptions, type LogRecord } from './kafka-based-log.js';

/** One internal topic: its name, and how to create it if it is missing. */
export interface KafkaStoreTopic {
  readonly topic: string;
  /** -1: the broker's default */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** more topic configs at creation (cleanup.policy is always compact) */
  readonly configs?: Readonly<Record<string, string>>;
  /** the worker property naming it (offset.storage.topic …), for error messages */
  readonly property?: string;
}

/** What each Kafka-backed store is built from; `startKafkaBackingStores` fills it from the worker config. */
export interface KafkaStoreOptions {
  readonly topic: KafkaStoreTopic;
  readonly bootstrapBrokers: readonly string[];
  /** prefixes the clients' ids; the worker id is a good one */
  readonly clientId: string;
  readonly security?: KafkaConnectionSecurity;
  /** bounds start (create, check, read to the end), each write and each readToEnd; default 30 s */
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

/**
 * Starts the one KafkaBasedLog a store reads and writes. `stopped` says whether the store was
 * stopped meanwhile (startKafkaBackingStores gave up on a slow start): then the log is stopped
 * again, so nothing stays running.
 */
export async function startStoreLog(options: KafkaStoreOptions, role: string, onRecord: (record: LogRecord) => void, extra: Partial<KafkaBasedLogOptions>, stopped: () => boolean): Promise<KafkaBasedLog> {
  const log = await KafkaBasedLog.start({
    topic: options.topic.topic,
    bootstrapBrokers: options.bootstrapBrokers,
    clientId: `${options.clientId}-${role}`,
    partitions: options.topic.partitions,
    replicationFactor: options.topic.replicationFactor,
    topicConfigs: options.topic.configs,
    topicProperty: options.topic.property,
    security: options.security,
    timeoutMs: options.timeoutMs,
    onRecord,
    ...extra,
  });
  if (stopped()) {
    await log.stop();
    throw new TributaryError('internal', `the ${role} store over topic '${options.topic.topic}' was stopped while starting`);
  }
  return log;
}
