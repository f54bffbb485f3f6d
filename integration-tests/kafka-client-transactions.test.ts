import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { compatibilityPartitioner, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { adminFor, errorMatching, readTopic } from './harness/kafka-clients.js';
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

async function topicWithPartitions(partitions: number): Promise<string> {
  const topic = uniqueName('tx');
  const admin = adminFor(kafka);
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
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
