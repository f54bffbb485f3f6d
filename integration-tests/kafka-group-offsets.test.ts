import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { GroupOffsets } from '../runtime/kafka/group-offsets.js';
import { adminFor } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * A sink connector's group offsets without group membership (the worker assigns partitions):
 * commits with generation -1 are accepted for a group with no members, read back, and are what
 * Kafka's own admin API lists for the group.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

test('commits and fetches a member-less group\'s offsets, visible to the admin API', async () => {
  const admin = adminFor(kafka);
  const topic = uniqueName('sink-offsets');
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  const group = `connect-${uniqueName('lake')}`;
  const offsets = new GroupOffsets(kafka.brokers, group, { clientId: 'tributary-test' });
  try {
    assert.deepEqual(await offsets.fetch([{ topic, partition: 0 }, { topic, partition: 1 }]), new Map(), 'nothing committed yet');
    await offsets.commit([{ topic, partition: 0, offset: 42n }, { topic, partition: 2, offset: 7n }]);
    await offsets.commit([{ topic, partition: 0, offset: 43n }]);
    const fetched = await offsets.fetch([{ topic, partition: 0 }, { topic, partition: 1 }, { topic, partition: 2 }]);
    assert.deepEqual([...fetched.values()], [43n, 7n]);
    const listed = await admin.listConsumerGroupOffsets({ groups: [group] });
    const partitions = listed[0].topics.find((t) => t.name === topic)!.partitions.map((p) => [p.partitionIndex, p.committedOffset]).sort();
    assert.deepEqual(partitions, [[0, 43n], [2, 7n]]);
  } finally {
    await offsets.close();
    await admin.close();
  }
});
