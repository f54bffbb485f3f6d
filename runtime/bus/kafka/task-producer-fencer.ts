import { Producer } from '@platformatic/kafka';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';

export interface TaskProducerFencerOptions {
  readonly bootstrapBrokers: readonly string[];
  readonly security?: KafkaConnectionSecurity;
  readonly clientId: string;
}

/**
 * Fences the transactional producers of source tasks that no longer exist. A task fences the
 * older instances of itself when it starts (its producer takes a new epoch of its transactional
 * id), but a task id removed by lowering `tasks.max` (or by stopping the connector) never starts
 * again: a zombie of it on a worker cut off from the group could keep committing transactions.
 * Taking a new epoch of each removed id here ends those (Kafka Connect's zombie fencing). Each
 * producer only initializes its id (an empty transaction leaves nothing on the brokers) and closes.
 */
export async function fenceTaskProducers(options: TaskProducerFencerOptions, transactionalIds: readonly string[]): Promise<void> {
  await Promise.all(transactionalIds.map(async (transactionalId) => {
    const producer = new Producer({
      clientId: `${options.clientId}-fencer`, bootstrapBrokers: [...options.bootstrapBrokers],
      idempotent: true, transactionalId,
      // -1/-1: a new producer, given the next epoch (see TransactionalSourceOutlet)
      producerId: -1n, producerEpoch: -1,
      retries: 5, retryDelay: 250, timeout: 30_000,
      ...options.security,
    });
    try {
      await producer.beginTransaction();
    } finally {
      await producer.close().catch(() => undefined);
    }
  }));
}
