import { replicationFactorFor, type KafkaEndpoint } from './kafka-cluster.js';

/**
 * The worker properties of a `tributary distributed` worker for tests: its own group and internal
 * topics (named after the group), replicated as the cluster allows (3 on a 3-broker cluster, else
 * 1), few partitions, quick commits.
 */
export function distributedWorkerProps(kafka: KafkaEndpoint, group: string, extra: Record<string, string> = {}): Record<string, string> {
  const replication = String(replicationFactorFor(kafka));
  return {
    'bootstrap.servers': kafka.bootstrapServers,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': replication,
    'offset.storage.replication.factor': replication,
    'status.storage.replication.factor': replication,
    'offset.storage.partitions': '3',
    'status.storage.partitions': '1',
    'offset.flush.interval.ms': '300',
    ...extra,
  };
}
