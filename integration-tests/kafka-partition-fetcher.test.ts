import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Producer } from '@platformatic/kafka';
import { adminFor, readRange } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * The sink side's fetcher reads record timestamps as Kafka's Java consumer does: the producer's
 * (CreateTime) by default, and the broker's append time on a topic with
 * `message.timestamp.type=LogAppendTime`, where the broker stamps only the batch header.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

test('record timestamps: CreateTime as produced, LogAppendTime as the broker appended', async () => {
  const created = uniqueName('create-time');
  const appended = uniqueName('log-append-time');
  const admin = adminFor(kafka);
  await admin.createTopics({ topics: [created], partitions: 1, replicas: 1 });
  await admin.createTopics({ topics: [appended], partitions: 1, replicas: 1, configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] });
  await admin.close();
  const producer = new Producer({ clientId: 'fetcher-timestamps', bootstrapBrokers: [...kafka.brokers] });
  // a producer timestamp an hour old: what a source sets from the database's commit time
  const old = BigInt(Date.now() - 3_600_000);
  const before = Date.now();
  try {
    for (const topic of [created, appended]) {
      await producer.send({ messages: [0, 1, 2].map((i) => ({ topic, value: Buffer.from(String(i)), timestamp: old + BigInt(i) })) });
    }
  } finally {
    await producer.close();
  }
  const read = async (topic: string) => {
    const stamps: number[] = [];
    await readRange(kafka, topic, 0, 0n, 3n, (r) => stamps.push(Number(r.timestamp)), 30_000);
    return stamps;
  };
  assert.deepEqual(await read(created), [0, 1, 2].map((i) => Number(old) + i));
  const stamps = await read(appended);
  assert.equal(stamps.length, 3);
  for (const t of stamps) assert.ok(t >= before - 1000 && t <= Date.now(), `append time ${t} is the broker's, not the producer's ${old}`);
});
