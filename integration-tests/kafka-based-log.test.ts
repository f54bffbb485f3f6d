import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ConfigResourceTypes, Producer } from '@platformatic/kafka';
import { TributaryError } from '../plugins/api/errors.js';
import { KafkaBasedLog, type KafkaBasedLogOptions, type LogRecord } from '../runtime/storage/kafka-based-log.js';
import { adminFor } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { eventually } from './harness/worker-process.js';
import { freePort } from './harness/ports.js';

let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

function options(topic: string, records: LogRecord[], overrides: Partial<KafkaBasedLogOptions> = {}): KafkaBasedLogOptions {
  return {
    topic, bootstrapBrokers: kafka.brokers, clientId: 'tributary-test-log', partitions: 3, replicationFactor: 1,
    topicProperty: 'offset.storage.topic', onRecord: (r) => records.push(r), timeoutMs: 20_000, ...overrides,
  };
}

const text = (b: Buffer | null) => (b === null ? null : b.toString());

describe('KafkaBasedLog', () => {
  it('creates a missing topic as compacted with the given partitions, and writes and reads back its records', async (t) => {
    const topic = uniqueName('connect-offsets');
    const seen: LogRecord[] = [];
    const log = await KafkaBasedLog.start(options(topic, seen, { topicConfigs: { 'min.compaction.lag.ms': '0' } }));
    t.after(() => log.stop());
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['cleanup.policy', 'min.compaction.lag.ms'] }] });
    assert.deepEqual(described.configs.map((c) => [c.name, c.value]).sort(), [['cleanup.policy', 'compact'], ['min.compaction.lag.ms', '0']]);
    assert.equal((await admin.metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount, 3);
    assert.equal(seen.length, 0, 'a new topic is empty');

    const acked = await log.send(Buffer.from('k1'), Buffer.from('v1'));
    assert.ok(acked.offset >= 0n);
    await log.send(Buffer.from('k2'), Buffer.from('v2'));
    await log.send(Buffer.from('k1'), null);
    await log.readToEnd();
    assert.deepEqual(seen.map((r) => [text(r.key), text(r.value)]).sort(), [['k1', 'v1'], ['k1', null], ['k2', 'v2']].sort());
    const tombstone = seen.find((r) => r.value === null)!;
    assert.equal(tombstone.partition, acked.partition, 'one key, one partition (murmur2)');
    assert.ok(tombstone.offset > acked.offset, 'in log order');
  });

  it('reads the existing records at start, and sees what another writer wrote after readToEnd', async (t) => {
    const topic = uniqueName('connect-configs');
    const writerSeen: LogRecord[] = [];
    const writer = await KafkaBasedLog.start(options(topic, writerSeen, { partitions: 1, requiredPartitions: 1, topicProperty: 'config.storage.topic' }));
    t.after(() => writer.stop());
    for (let i = 0; i < 50; i++) await writer.send(Buffer.from(`connector-${i % 5}`), Buffer.from(`{"properties":{"n":"${i}"}}`));

    const readerSeen: LogRecord[] = [];
    const reader = await KafkaBasedLog.start(options(topic, readerSeen, { partitions: 1, requiredPartitions: 1, topicProperty: 'config.storage.topic' }));
    t.after(() => reader.stop());
    assert.equal(readerSeen.length, 50, 'start resolves after reading to the end');
    assert.deepEqual(readerSeen.map((r) => Number(r.offset)), Array.from({ length: 50 }, (_, i) => i));

    await writer.send(Buffer.from('commit-x'), Buffer.from('{"tasks":1}'));
    await reader.readToEnd();
    assert.equal(text(readerSeen.at(-1)!.key), 'commit-x');
    assert.equal(readerSeen.length, 51);
  });

  it('lands every one of concurrent sends (one produce at a time: the client would drop all but one per partition)', async (t) => {
    const topic = uniqueName('concurrent-sends');
    const seen: LogRecord[] = [];
    const log = await KafkaBasedLog.start(options(topic, seen, { partitions: 2 }));
    t.after(() => log.stop());
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const acks = await Promise.all(keys.map((k) => log.send(Buffer.from(k), Buffer.from('v'))));
    assert.equal(new Set(acks.map((a) => `${a.partition}/${a.offset}`)).size, keys.length, 'each acknowledged at its own offset');
    await log.readToEnd();
    assert.deepEqual(seen.map((r) => text(r.key)).sort(), [...keys].sort());
  });

  it('refuses a topic that is not compacted, or has the wrong partition count, with a typed error', async (t) => {
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    const deleting = uniqueName('not-compacted');
    await admin.createTopics({ topics: [deleting], partitions: 1, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'delete' }] });
    await assert.rejects(KafkaBasedLog.start(options(deleting, [])), (error: unknown) => {
      assert.ok(error instanceof TributaryError);
      assert.equal(error.code, 'kafka.topic_misconfigured');
      assert.equal(error.configPath, 'offset.storage.topic');
      assert.match(error.message, /must have cleanup\.policy=compact, but has cleanup\.policy=delete/);
      return true;
    });
    const both = uniqueName('compact-delete');
    await admin.createTopics({ topics: [both], partitions: 1, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact,delete' }] });
    await assert.rejects(KafkaBasedLog.start(options(both, [])), { code: 'kafka.topic_misconfigured' });

    const wide = uniqueName('wide-configs');
    await admin.createTopics({ topics: [wide], partitions: 2, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    await assert.rejects(KafkaBasedLog.start(options(wide, [], { requiredPartitions: 1 })), /must have exactly 1 partition\(s\) but has 2/);
  });

  it('with read_committed, skips aborted transactions and waits for open ones', async (t) => {
    const topic = uniqueName('fenced-configs');
    const seen: LogRecord[] = [];
    const log = await KafkaBasedLog.start(options(topic, seen, { partitions: 1, isolationLevel: 'read_committed' }));
    t.after(() => log.stop());
    const producer = new Producer({ clientId: 'tributary-test', bootstrapBrokers: [...kafka.brokers], idempotent: true, transactionalId: uniqueName('leader'), producerId: -1n, producerEpoch: -1 });
    t.after(() => producer.close());
    let tx = await producer.beginTransaction();
    await tx.send({ messages: [{ topic, key: Buffer.from('a'), value: Buffer.from('aborted') }] });
    await tx.abort();
    tx = await producer.beginTransaction();
    await tx.send({ messages: [{ topic, key: Buffer.from('b'), value: Buffer.from('committed') }] });
    await tx.commit();
    // EndTxn returns once the coordinator has decided; the partition's commit marker (which
    // moves its last stable offset) follows a moment later: read to the end until it is there
    await eventually(async () => {
      await log.readToEnd();
      return seen.length > 0 || undefined;
    }, 10_000, 'the committed record');
    assert.deepEqual(seen.map((r) => text(r.value)), ['committed']);
  });

  it('fails with kafka.unavailable when no broker answers', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(KafkaBasedLog.start({ ...options('nowhere', []), bootstrapBrokers: [`127.0.0.1:${port}`], timeoutMs: 3_000 }), (error: unknown) => {
      assert.ok(error instanceof TributaryError);
      assert.equal(error.code, 'kafka.unavailable');
      assert.equal(error.retriable, true);
      return true;
    });
    assert.ok(Date.now() - started < 30_000, `gave up after ${Date.now() - started} ms`);
  });
});
