import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { compatibilityPartitioner, Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { PartitionFetcher } from '../runtime/kafka/partition-fetcher.js';
import { KafkaBasedLog } from '../runtime/storage/kafka-based-log.js';
import { adminFor, endOffsets, errorMatching, readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * Transactions with @platformatic/kafka 1.x on Kafka 4.4.0, as exactly-once sources (KIP-618)
 * need them: one transactional id per task, commit and abort, read_committed readers, and a new
 * producer with the same id fencing the old one (a task that moved, a zombie worker).
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

/**
 * The library's first InitProducerId sends producerId 0 / epoch 0 unless told otherwise; a
 * coordinator that already knows the transactional id takes that as a stale producer and answers
 * PRODUCER_FENCED, so a restarted task could never start. -1 / -1 is the protocol's "new producer".
 */
function transactionalProducer(transactionalId: string): Producer {
  return new Producer({
    clientId: 'tributary-test', bootstrapBrokers: [...kafka.brokers], idempotent: true, transactionalId,
    partitioner: compatibilityPartitioner, producerId: -1n, producerEpoch: -1,
  });
}

async function topicWithPartitions(partitions: number, configs: { name: string; value: string }[] = []): Promise<string> {
  const topic = uniqueName('tx');
  const admin = adminFor(kafka);
  await admin.createTopics({ topics: [topic], partitions, replicas: 1, configs });
  await admin.close();
  return topic;
}

const record = (topic: string, key: string, value: string) => ({ topic, key: Buffer.from(key), value: Buffer.from(value) });

describe('transactions', () => {
  it('commits and aborts; a read_committed consumer sees only committed records', async (t) => {
    const topic = await topicWithPartitions(2);
    const producer = transactionalProducer(uniqueName('txid'));
    t.after(() => producer.close());
    let tx = await producer.beginTransaction();
    assert.ok(producer.producerId! >= 0n, 'InitProducerId with the transactional id gave a producer id');
    await tx.send({ messages: [record(topic, 'a', 'committed-1'), record(topic, 'b', 'committed-2')] });
    await tx.commit();
    tx = await producer.beginTransaction();
    await tx.send({ messages: [record(topic, 'a', 'aborted-1')] });
    await tx.abort();
    tx = await producer.beginTransaction();
    await tx.send({ messages: [record(topic, 'c', 'committed-3')] });
    await tx.commit();

    const committed = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    assert.deepEqual(committed.map((r) => r.value.toString()).sort(), ['committed-1', 'committed-2', 'committed-3']);
    const everything = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED });
    assert.deepEqual(everything.map((r) => r.value.toString()).sort(), ['aborted-1', 'committed-1', 'committed-2', 'committed-3']);
  });

  it('a second producer with the same transactional id fences the first and aborts its open transaction', async (t) => {
    const topic = await topicWithPartitions(2);
    const transactionalId = uniqueName('txid');
    const zombie = transactionalProducer(transactionalId);
    t.after(() => zombie.close().catch(() => undefined));
    let tx = await zombie.beginTransaction();
    await tx.send({ messages: [record(topic, 'a', 'committed-by-zombie')] });
    await tx.commit();
    tx = await zombie.beginTransaction();
    await tx.send({ messages: [record(topic, 'b', 'open-when-fenced')] });
    const zombieEpoch = zombie.producerEpoch!;

    const successor = transactionalProducer(transactionalId);
    t.after(() => successor.close());
    const next = await successor.beginTransaction();
    assert.equal(successor.producerId, zombie.producerId, 'the same transactional id keeps its producer id');
    assert.ok(successor.producerEpoch! > zombieEpoch, 'with a higher epoch');

    await assert.rejects(tx.send({ messages: [record(topic, 'c', 'zombie-write')] }), errorMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/));
    await assert.rejects(tx.commit(), errorMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/));

    await next.send({ messages: [record(topic, 'd', 'committed-by-successor')] });
    await next.commit();
    const committed = await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    assert.deepEqual(committed.map((r) => r.value.toString()).sort(), ['committed-by-successor', 'committed-by-zombie']);
  });

  it('without producerId -1 / epoch -1, a new producer for a known transactional id is refused (library quirk, kept visible)', async (t) => {
    const topic = await topicWithPartitions(1);
    const transactionalId = uniqueName('txid');
    const first = transactionalProducer(transactionalId);
    const tx = await first.beginTransaction();
    await tx.send({ messages: [record(topic, 'a', 'x')] });
    await tx.commit();
    await first.close();
    const naive = new Producer({ clientId: 'tributary-test', bootstrapBrokers: [...kafka.brokers], idempotent: true, transactionalId });
    t.after(() => naive.close());
    await assert.rejects(naive.beginTransaction(), errorMatching(/PRODUCER_FENCED/));
  });
});

describe('read_committed readers and aborted transactions', () => {
  /**
   * One transactional producer (one producer id, as a task's across its restarts) aborts two
   * transactions between committed ones, the second larger than a fetch's partition limit so its
   * abort marker comes in a later response. The runtime's readers (PartitionFetcher for sinks,
   * KafkaBasedLog for the offsets and config stores) and Kafka's Java consumer see only the
   * committed records. @platformatic/kafka's own read_committed stream is only reported: its
   * filter keeps one aborted range per producer id and needs the marker in the same response.
   */
  it('aborted transactions of one producer id, one spanning fetch responses: the runtime\'s readers see only committed records', async (t) => {
    // compacted, as the stores' topics must be (every key is written once: nothing is compacted away)
    const topic = await topicWithPartitions(1, [{ name: 'cleanup.policy', value: 'compact' }]);
    const producer = transactionalProducer(uniqueName('txid'));
    t.after(() => producer.close());
    const big = 'x'.repeat(2_000);
    const steps: [string, number, boolean][] = [['c1', 3, true], ['a1', 3, false], ['c2', 3, true], ['a2', 60, false], ['c3', 3, true]];
    for (const [name, count, commit] of steps) {
      const tx = await producer.beginTransaction();
      // one request per record: batches of their own, so a fetch limit can fall between them
      for (let i = 0; i < count; i++) await tx.send({ messages: [record(topic, `${name}-${i}`, name.startsWith('a') ? big : name)] });
      if (commit) await tx.commit();
      else await tx.abort();
    }
    const expected = steps.filter(([, , commit]) => commit).flatMap(([name, count]) => Array.from({ length: count }, (_, i) => `${name}-${i}`));
    const lso = (await endOffsets(kafka, topic, FetchIsolationLevels.READ_COMMITTED))[0];

    // sinks' reader, with a partition limit smaller than the second aborted transaction
    const fetched: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const fetcher = new PartitionFetcher({
        bootstrapBrokers: kafka.brokers, clientId: 'tributary-test-rc', isolationLevel: 'read_committed', partitionMaxBytes: 16_384,
        onRecords: (records) => {
          for (const r of records) fetched.push(r.key!.toString());
          if (fetched.length >= expected.length) void fetcher.stop().then(resolve);
        },
        onError: reject,
      });
      fetcher.start([{ topic, partition: 0, offset: 0n }]);
      setTimeout(() => void fetcher.stop().then(resolve), 20_000).unref();
    });
    assert.deepEqual(fetched, expected, 'PartitionFetcher');

    // the stores' reader
    const logged: string[] = [];
    const log = await KafkaBasedLog.start({ topic, bootstrapBrokers: kafka.brokers, clientId: 'tributary-test-log', onRecord: (r) => logged.push(r.key!.toString()), isolationLevel: 'read_committed', partitions: 1, replicationFactor: 1 });
    t.after(() => log.stop());
    await log.readToEnd();
    assert.deepEqual(logged, expected, 'KafkaBasedLog');

    const java = (await readTopic(kafka, topic, { isolationLevel: FetchIsolationLevels.READ_COMMITTED })).map((m) => m.key!.toString());
    assert.deepEqual(java, expected, 'Kafka\'s Java consumer');

    const library = await libraryReadCommitted(topic, lso);
    t.diagnostic(`@platformatic/kafka's read_committed stream delivered ${library.filter((k) => k.startsWith('a')).length} aborted records of ${library.length}`);
  });
});

/** What @platformatic/kafka's own consumer stream delivers with read_committed, up to `end`. */
async function libraryReadCommitted(topic: string, end: bigint): Promise<string[]> {
  const consumer = new Consumer({ clientId: 'tributary-test-lib', groupId: uniqueName('lib-rc'), bootstrapBrokers: [...kafka.brokers] });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxBytes: 16_384 });
    const keys: string[] = [];
    await new Promise<void>((resolve) => {
      const check = setInterval(() => { if ((stream.offsetsToFetch.get(`${topic}:0`) ?? 0n) >= end) { clearInterval(check); resolve(); } }, 100);
      setTimeout(() => { clearInterval(check); resolve(); }, 15_000).unref();
      stream.on('data', (m: { key: Buffer }) => keys.push(m.key.toString()));
    });
    await stream.close().catch(() => undefined);
    return keys;
  } finally {
    await consumer.close();
  }
}
