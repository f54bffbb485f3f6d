import { RetriableError, TributaryError, type Logger } from '../../plugins/api/index.js';
import type { LoadedDistributedWorkerConfig } from '../config/distributed-worker-config.js';
import { KafkaConfigStore } from './kafka-config-store.js';
import { KafkaOffsetStore } from './kafka-offset-store.js';
import { KafkaStatusStore } from './kafka-status-store.js';
import type { KafkaStoreOptions } from './kafka-store-options.js';

export interface KafkaBackingStores {
  readonly offsets: KafkaOffsetStore;
  readonly configs: KafkaConfigStore;
  readonly statuses: KafkaStatusStore;
  /** Stops the three (queued statuses are sent first). */
  stop(): Promise<void>;
}

export interface KafkaBackingStoresOptions {
  /** prefixes the Kafka clients' ids (the worker id, say); default: `tributary-<group.id>` */
  readonly clientId?: string;
  /** one logger for the three, or one per store */
  readonly logger: Logger | { readonly offsets: Logger; readonly configs: Logger; readonly statuses: Logger };
}

/**
 * The three Kafka-backed stores of a distributed worker, started: each internal topic created if
 * missing (compacted, with the configured partitions and replication factor; the config topic
 * with one partition) and read to its end. Refuses to start, with `kafka.topic_misconfigured`,
 * when a topic exists with a cleanup.policy other than compact (or a config topic with more than
 * one partition); fails with `kafka.unavailable` (retriable) when the cluster cannot be reached
 * or the topics cannot be read within `worker.startup.timeout.ms`. Either way nothing is left
 * running. The stores start together, so the timeout is spent once, not three times.
 */
export async function startKafkaBackingStores(loaded: LoadedDistributedWorkerConfig, options: KafkaBackingStoresOptions): Promise<KafkaBackingStores> {
  const { kafka, topics, config } = loaded;
  const clientId = options.clientId ?? `tributary-${config['group.id']}`;
  const logger = (role: 'offsets' | 'configs' | 'statuses'): Logger => ('offsets' in options.logger ? options.logger[role] : options.logger);
  const base = (topic: KafkaStoreOptions['topic'], role: 'offsets' | 'configs' | 'statuses'): KafkaStoreOptions => ({
    topic, bootstrapBrokers: kafka.bootstrapBrokers, clientId, security: kafka.security, timeoutMs: kafka.timeoutMs, logger: logger(role),
  });
  const offsets = new KafkaOffsetStore(base(topics.offset, 'offsets'));
  const configs = new KafkaConfigStore(base(topics.config, 'configs'));
  const statuses = new KafkaStatusStore(base(topics.status, 'statuses'));
  const stopAll = async () => {
    await Promise.all([offsets.stop(), configs.stop(), statuses.stop()].map((p) => p.catch(() => undefined)));
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreachable(loaded, undefined)), kafka.timeoutMs);
  });
  const starts = [offsets.start(), configs.start(), statuses.start()];
  try {
    await Promise.race([Promise.all(starts), deadline]);
  } catch (error) {
    await stopAll();
    // a misconfigured topic is the answer even when another store still waits for the cluster
    const results = await Promise.race([Promise.allSettled(starts), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1_000))]);
    const misconfigured = results?.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof TributaryError && r.reason.code === 'kafka.topic_misconfigured');
    if (misconfigured) throw misconfigured.reason;
    if (error instanceof TributaryError && error.code === 'kafka.topic_misconfigured') throw error;
    throw unreachable(loaded, error);
  } finally {
    clearTimeout(timer);
  }
  return { offsets, configs, statuses, stop: stopAll };
}

function unreachable(loaded: LoadedDistributedWorkerConfig, cause: unknown): TributaryError {
  if (cause instanceof TributaryError && cause.code === 'kafka.unavailable' && cause.message.startsWith('The Kafka cluster')) return cause;
  const servers = loaded.config['bootstrap.servers'].join(',');
  const why = cause === undefined ? 'no answer in time' : cause instanceof Error ? cause.message : String(cause);
  return new RetriableError('kafka.unavailable',
    `The Kafka cluster at bootstrap.servers=${servers} could not be reached, or its internal topics (${loaded.topics.config.topic}, ${loaded.topics.offset.topic}, ${loaded.topics.status.topic}) could not be read, within worker.startup.timeout.ms=${loaded.kafka.timeoutMs} ms (${why}). Check that the brokers are running and reachable from this host, and the security settings.`,
    { cause, configPath: 'bootstrap.servers' });
}
