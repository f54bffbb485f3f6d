import type { KafkaEndpoint } from './kafka-cluster.js';

/**
 * The worker properties of a `tributary distributed` worker for tests: its own group and internal
 * topics (named after the group), replication factor 1, few partitions, quick commits.
 */
export function distributedWorkerProps(kafka: KafkaEndpoint, group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'bootstrap.servers': kafka.bootstrapServers,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '3',
    'status.storage.partitions': '1',
    'offset.flush.interval.ms': '300',
    ...extra,
  };
}
