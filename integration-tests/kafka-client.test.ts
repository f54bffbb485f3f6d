import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import {
  compatibilityPartitioner, compressionsAlgorithms, ConfigResourceTypes, Consumer, defaultPartitioner, Producer, ProduceAcks,
  type CompressionAlgorithmValue, type ProducerOptions,
} from '@platformatic/kafka';
import { ensureKafkaZstd } from '../runtime/kafka/zstd-codec.js';
import { partitionForKey } from '../runtime/storage/murmur2-partitioner.js';
import { adminFor, endOffsets, errorMatching, readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * @platformatic/kafka 1.x against the real broker (Kafka 4.4.0, KRaft): the capabilities the
 * Kafka bus and the Kafka-backed stores build on. docs/kafka-client.md records the findings.
 */
let kafka: KafkaEndpoint;
const goldens = JSON.parse(readFileSync(new URL('./fixtures/kafka-connect/kafka-connect-goldens.json', import.meta.url), 'utf8')) as { murmur2: { key: string; partition: Record<string, number> }[] };

before(async () => { kafka = await sharedKafka(); });

function producer(options: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Producer {
  return new Producer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'tributary-test', bootstrapBrokers: [...kafka.brokers], idempotent: true, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner, ...options });
}

describe('topics', () => {
  it('creates a compacted topic with configs and describes them', async (t) => {
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    const topic = uniqueName('compacted');
    const [created] = await admin.createTopics({
      topics: [topic], partitions: 5, replicas: 1,
      configs: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.compaction.lag.ms', value: '0' }, { name: 'segment.ms', value: '60000' }],
    });
    assert.equal(created.partitions, 5);
    assert.equal(created.configuration['cleanup.policy'], 'compact');
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['cleanup.policy', 'segment.ms', 'retention.ms'] }] });
    const value = (name: string) => described.configs.find((c) => c.name === name)?.value;
    assert.equal(value('cleanup.policy'), 'compact');
    assert.equal(value('segment.ms'), '60000');
    assert.equal(value('retention.ms'), '604800000', 'a broker default comes back too');
    const metadata = await admin.metadata({ topics: [topic] });
    assert.equal(metadata.topics.get(topic)?.partitionsCount, 5);
    await assert.rejects(admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }), errorMatching(/TOPIC_ALREADY_EXISTS/));
  });
});

describe('producing', () => {
  it('sends keyed records with headers through the idempotent producer with acks=all', async (t) => {
    const p = producer();
    t.after(() => p.close());
    const topic = uniqueName('produce');
    const admin = adminFor(kafka);
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    await admin.close();
    const result = await p.send({
      messages: [
        { topic, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: new Map([[Buffer.from('h1'), Buffer.from('x')], [Buffer.from('h2'), Buffer.from('')]]) },
        { topic, key: Buffer.from('k2'), value: Buffer.from('v2') },
        { topic, key: Buffer.from('k1'), value: undefined },
      ],
    });
    assert.ok(result.offsets && result.offsets.length > 0, 'acks=all returns the offsets');
    assert.ok(p.producerId !== undefined && p.producerId >= 0n, 'an idempotent producer has a producer id');
    const records = await readTopic(kafka, topic);
    assert.equal(records.length, 3);
    const first = records.find((r) => r.value?.toString() === 'v1')!;
    assert.deepEqual([...first.headers].map(([k, v]) => [k.toString(), v.toString()]), [['h1', 'x'], ['h2', '']]);
    const tombstone = records.find((r) => r.key.toString() === 'k1' && (r.value === null || r.value === undefined || r.value.length === 0));
    assert.ok(tombstone, 'a record without a value is a tombstone');
  });

  it('compresses with gzip, snappy and lz4 on Node 20; zstd needs the zstd-napi codec', async (t) => {
    const topic = uniqueName('codecs');
    const admin = adminFor(kafka);
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await admin.close();
    const zlibHasZstd = typeof (await import('node:zlib') as Record<string, unknown>).zstdCompressSync === 'function';
    if (!zlibHasZstd) {
      assert.equal(compressionsAlgorithms.zstd.available, false, 'without zlib zstd the library cannot do zstd');
      const plain = producer();
      await assert.rejects(plain.send({ messages: [{ topic, key: Buffer.from('z'), value: Buffer.from('zstd') }], compression: 'zstd' }), errorMatching(/zstd is not supported/));
      await plain.close();
    }
    ensureKafkaZstd();
    const p = producer();
    t.after(() => p.close());
    const payload = 'x'.repeat(2000);
    const codecs: CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    for (const compression of codecs) await p.send({ messages: [{ topic, key: Buffer.from(compression), value: Buffer.from(payload) }], compression });
    const records = await readTopic(kafka, topic);
    assert.deepEqual(records.map((r) => r.key.toString()), codecs);
    for (const r of records) assert.equal(r.value.toString(), payload);
  });

  it('reads batches the broker recompressed with zstd (topic compression.type=zstd), as a Java producer may write them', async (t) => {
    ensureKafkaZstd();
    const topic = uniqueName('zstd-topic');
    const admin = adminFor(kafka);
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1, configs: [{ name: 'compression.type', value: 'zstd' }] });
    await admin.close();
    const p = producer();
    t.after(() => p.close());
    await p.send({ messages: [{ topic, key: Buffer.from('a'), value: Buffer.from('y'.repeat(5000)) }], compression: 'lz4' });
    const [record] = await readTopic(kafka, topic);
    assert.equal(record.value.toString(), 'y'.repeat(5000));
  });

  it("places keyed records on the partition Java's default partitioner picks (compatibilityPartitioner, not the library default)", async (t) => {
    const topic = uniqueName('murmur2');
    const partitions = 7;
    const admin = adminFor(kafka);
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    await admin.close();
    const p = producer();
    t.after(() => p.close());
    const keys = goldens.murmur2.map((g) => g.key).filter((k) => k !== '');
    await p.send({ messages: keys.map((key) => ({ topic, key: Buffer.from(key), value: Buffer.from(key) })) });
    const records = await readTopic(kafka, topic);
    for (const g of goldens.murmur2.filter((x) => x.key !== '')) {
      const record = records.find((r) => r.key.toString() === g.key)!;
      assert.equal(record.partition, g.partition[String(partitions)], `key ${g.key}: Kafka 4.4.0 picks ${g.partition[String(partitions)]}`);
      assert.equal(record.partition, partitionForKey(Buffer.from(g.key), partitions));
    }
    // the library's default partitioner (murmur2 >>> 0) differs from Java's (murmur2 & 0x7fffffff)
    // for negative hashes unless the partition count is a power of two
    const differing = keys.filter((key) => defaultPartitioner({ topic }, Buffer.from(key)) % partitions !== partitionForKey(Buffer.from(key), partitions));
    assert.ok(differing.length > 0, 'the default partitioner is not Java-compatible');
  });
});

describe('consuming', () => {
  it('consumes with a consumer group and commits and fetches the group offsets explicitly', async (t) => {
    const topic = uniqueName('group');
    const groupId = uniqueName('connect-sink');
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const p = producer();
    await p.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })) });
    await p.close();

    const consumer = new Consumer({ clientId: 'tributary-test', groupId, bootstrapBrokers: [...kafka.brokers], sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    t.after(() => consumer.close());
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 });
    const seen: { partition: number; offset: bigint }[] = [];
    for await (const message of stream) {
      seen.push({ partition: message.partition, offset: message.offset });
      if (seen.length === 10) break;
    }
    await stream.close();
    assert.equal(consumer.groupId, groupId);

    // commit only what was made durable: offset 3 on partition 0 (the next record to read)
    await consumer.commit({ offsets: [{ topic, partition: 0, offset: 3n, leaderEpoch: 0 }] });
    const committed = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1] }] });
    assert.deepEqual(committed.get(topic), [3n, -1n]);
    const viaAdmin = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    const partition0 = viaAdmin[0].topics.find((x) => x.name === topic)?.partitions.find((x) => x.partitionIndex === 0);
    assert.equal(partition0?.committedOffset, 3n);
  });

  it('reads a compacted topic from the beginning to its end offsets (the basis of a Kafka-backed log)', async (t) => {
    const topic = uniqueName('log');
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    const p = producer();
    await p.send({ messages: Array.from({ length: 30 }, (_, i) => ({ topic, key: Buffer.from(`k${i % 10}`), value: Buffer.from(`v${i}`) })) });
    await p.close();
    const ends = await endOffsets(kafka, topic);
    assert.equal(ends.reduce((a, b) => a + b, 0n), 30n);
    const records = await readTopic(kafka, topic);
    assert.equal(records.length, 30);
    const latest = new Map(records.map((r) => [r.key.toString(), r.value.toString()]));
    assert.equal(latest.get('k3'), 'v23');
  });
});
