/**
 * The Kafka-backed stores on a real broker: offset commit latency (one source partition per
 * commit, as a Postgres source commits) against a bare idempotent acks=all send of the same record
 * (the reference, measured in the same run); how fast a store reads an offsets topic at start; a
 * config write (records plus the read back). Not a pass/fail test: run with
 * `node --import tsx bench/kafka-stores.ts` (uses KAFKA_BOOTSTRAP_SERVERS if set, else starts a broker).
 */
import { ProduceAcks, Producer, compatibilityPartitioner } from '@platformatic/kafka';
import type { Logger } from '../plugins/api/index.js';
import { KafkaConfigStore } from '../runtime/storage/kafka-config-store.js';
import { encodeOffsetKey, encodeOffsetValue } from '../runtime/storage/kafka-offset-format.js';
import { KafkaOffsetStore } from '../runtime/storage/kafka-offset-store.js';
import type { KafkaStoreOptions } from '../runtime/storage/kafka-store-options.js';
import { externalKafka, startKafkaCluster, uniqueName } from '../integration-tests/harness/kafka-cluster.js';

const COMMITS = 500;
const PRELOAD = 20_000;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(label: string, samples: number[]): { p50: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  console.log(`${label}: ${(samples.length / (total / 1000)).toFixed(0)}/s, p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`);
  return { p50: percentile(sorted, 50) };
}

const cluster = externalKafka() ? undefined : await startKafkaCluster();
const brokers = externalKafka()?.brokers ?? cluster!.brokers;
const options = (topic: string, partitions: number): KafkaStoreOptions => ({ topic: { topic, partitions, replicationFactor: 1 }, bootstrapBrokers: brokers, clientId: uniqueName('bench'), logger: quiet });

try {
  const topic = uniqueName('bench-offsets');
  const store = new KafkaOffsetStore(options(topic, 25));
  await store.start();
  const key = encodeOffsetKey('bench', { server: 'db' });

  const producer = new Producer({ clientId: 'bench-reference', bootstrapBrokers: [...brokers], idempotent: true, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner });
  // warm both up (connections, metadata, producer id), then alternate them so load hits both alike
  for (let i = 0; i < 20; i++) {
    await producer.send({ messages: [{ topic, key, value: encodeOffsetValue({ lsn: i })! }] });
    await store.set([{ connector: 'bench', partition: { server: 'db' }, offset: { lsn: i } }]);
  }
  const reference: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    let started = performance.now();
    await producer.send({ messages: [{ topic, key, value: encodeOffsetValue({ lsn: i })! }] });
    reference.push(performance.now() - started);
    started = performance.now();
    await store.set([{ connector: 'bench', partition: { server: 'db' }, offset: { lsn: COMMITS + i } }]);
    stored.push(performance.now() - started);
  }
  const ref = summary('reference: bare idempotent acks=all send', reference);
  const ours = summary('KafkaOffsetStore.set (1 partition)', stored);
  console.log(`ratio (store p50 / reference p50): ${(ours.p50 / ref.p50).toFixed(2)}`);

  // a topic with many offsets, read by a fresh store at start
  const batch = 500;
  for (let i = 0; i < PRELOAD; i += batch) {
    await producer.send({ messages: Array.from({ length: batch }, (_, j) => ({ topic, key: encodeOffsetKey(`c-${(i + j) % 100}`, { table: `t${i + j}` }), value: encodeOffsetValue({ position: i + j })! })) });
  }
  const total = PRELOAD + 2 * (COMMITS + 20);
  const readStarted = performance.now();
  const fresh = new KafkaOffsetStore(options(topic, 25));
  await fresh.start();
  const readMs = performance.now() - readStarted;
  console.log(`start of a store over ${total} offsets records: ${readMs.toFixed(0)} ms (${(total / (readMs / 1000)).toFixed(0)} records/s, topic check included)`);
  await fresh.stop();
  await store.stop();
  await producer.close();

  const configs = new KafkaConfigStore(options(uniqueName('bench-configs'), 1));
  await configs.start();
  const writes: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    await configs.putConnector({ name: `c${i % 10}`, targetState: 'RUNNING', config: { 'connector.class': 'X', n: String(i) } });
    writes.push(performance.now() - started);
  }
  summary('KafkaConfigStore.putConnector (write + read back)', writes);
  await configs.stop();
} finally {
  await cluster?.stop();
}
