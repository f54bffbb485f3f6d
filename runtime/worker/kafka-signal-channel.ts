import type { SignalFeedSpec } from '../bus/bus.js';

/**
 * Debezium's Kafka signal channel settings of a source connector, when it asks for one
 * (`signal.enabled.channels` lists `kafka`): `signal.kafka.topic` (Debezium's default
 * `<topic.prefix>-signal`), `signal.kafka.groupId` (default `kafka-signal`), and the message key
 * that marks a signal for this connector, its `topic.prefix`. The runtime reads the topic (the
 * worker's Kafka cluster; `signal.kafka.bootstrap.servers` is not used) and hands each signal to
 * the connector's task 0. Null when the connector does not ask for it.
 */
export function kafkaSignalChannel(config: Readonly<Record<string, string>>): Omit<SignalFeedSpec, 'onSignal'> | null {
  const channels = (config['signal.enabled.channels'] ?? '').split(',').map((c) => c.trim().toLowerCase());
  const prefix = config['topic.prefix'];
  if (!channels.includes('kafka') || !prefix) return null;
  return { topic: config['signal.kafka.topic'] || `${prefix}-signal`, key: prefix, groupId: config['signal.kafka.groupId'] || 'kafka-signal' };
}
