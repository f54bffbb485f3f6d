/**
 * Benchmark: the Kafka bus, on a real broker (the harness's, or KAFKA_BOOTSTRAP_SERVERS).
 *  1. datagen → Kafka → null sink in one worker: records/s into Kafka and through to the sink,
 *     and peak RSS; reference: Kafka's own Java producer (`ProducerPerformance`, acks=all,
 *     idempotent) writing as many records of the same average size, in the same run.
 *  2. Kafka → files (Parquet) from that topic: rows/s landed; reference: Kafka's Java consumer
 *     (`ConsumerPerformance`) reading the same topic.
 * Run: `node --import tsx bench/kafka-bus.ts [records]`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { join } from 'node:path';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { adminFor, endOffsets } from '../integration-tests/harness/kafka-clients.js';
import { PartitionFetcher } from '../runtime/kafka/partition-fetcher.js';
import { sharedKafka, startKafkaCluster, externalKafka, uniqueName, type KafkaEndpoint } from '../integration-tests/harness/kafka-cluster.js';
import { resolveKafkaTools } from '../integration-tests/harness/kafka-distribution.js';
import { tempDir } from '../integration-tests/harness/temp.js';
import { nullSinkStats } from './fixtures/null-sink.js';

const RECORDS = Number(process.argv[2] ?? 500_000);
if (!process.execArgv.some((a) => a.includes('semi-space'))) v8.setFlagsFromString('--max-semi-space-size=32');
const nullSink = fileURLToPath(new URL('./fixtures/null-sink.ts', import.meta.url));

const own = externalKafka() ? undefined : await startKafkaCluster();
const kafka: KafkaEndpoint = own ?? (await sharedKafka());
const dir = tempDir('bench-kafka-bus');
let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;
}

/** key + value bytes of the first records of partition 0 */
async function averageRecordBytes(topic: string): Promise<number> {
  let bytes = 0;
  let n = 0;
  let done!: () => void;
  const enough = new Promise<void>((r) => { done = r; });
  const fetcher = new PartitionFetcher({ bootstrapBrokers: kafka.brokers, clientId: 'bench-sample', onRecords: (records) => {
    for (const r of records) { bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0); n++; }
    if (n >= 2000) done();
  } });
  fetcher.start([{ topic, partition: 0 }]);
  await enough;
  await fetcher.stop();
  return Math.round(bytes / n);
}

function bus(id: string) {
  return (_config: unknown, logs: { get(name: string): never }) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: id, worker: {}, logger: logs.get('runtime.bus') });
}

try {
  const topic = uniqueName('bench');
  // 1. datagen → Kafka → null sink. Record timestamps from now: datagen's fixed default start
  // (2026-01-01) is past the broker's 7-day retention, which deletes such segments within minutes
  const worker = await startEmbeddedWorker({
    workerProps: { 'plugin.path': nullSink, 'offset.flush.interval.ms': '1000', 'bootstrap.servers': kafka.bootstrapServers },
    bus: bus('bench-a') as never,
  });
  nullSinkStats.records = 0;
  nullSinkStats.latencies = [];
  const started = Date.now();
  await worker.herder.putConnectorConfig('null', { 'connector.class': 'null', topics: topic }, false);
  await worker.herder.putConnectorConfig('gen', { 'connector.class': 'datagen', topic, 'max.records': String(RECORDS), ops: 'cdc', keys: '10000', 'batch.size': '2000', 'ts.start.ms': String(Date.now()), 'topic.creation.default.partitions': '4', 'topic.creation.default.replication.factor': '1' }, false);
  let inKafkaAt = 0;
  while (nullSinkStats.records < RECORDS) {
    await new Promise((r) => setTimeout(r, 50));
    if (!inKafkaAt && (await endOffsets(kafka, topic).catch(() => [0n])).reduce((a, b) => a + b, 0n) >= BigInt(RECORDS)) inKafkaAt = Date.now();
  }
  if (!inKafkaAt) inKafkaAt = Date.now();
  const throughMs = nullSinkStats.lastAt - started;
  const rssA = peakRss;
  await worker.stop();
  const avg = await averageRecordBytes(topic);
  // every message the topic holds (a source that writes tombstones after deletes has more than changes)
  const messages = Number((await endOffsets(kafka, topic)).reduce((a, b) => a + b, 0n));
  const sorted = [...nullSinkStats.latencies].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  console.log(`datagen → Kafka:             ${RECORDS} records (avg ${avg} B, JsonConverter with schemas) in ${((inKafkaAt - started) / 1000).toFixed(2)} s = ${rate(RECORDS, inKafkaAt - started)}`);
  console.log(`datagen → Kafka → null sink: ${rate(RECORDS, throughMs)}; datagen → sink latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; peak RSS ${(rssA / 2 ** 20).toFixed(0)} MiB`);

  const java = resolveKafkaTools();
  const perfTopic = uniqueName('bench-ref');
  const admin = adminFor(kafka);
  await admin.createTopics({ topics: [perfTopic], partitions: 4, replicas: 1 });
  await admin.close();
  const producerOut = execFileSync('java', ['-Xmx512m', '-cp', java.classPath, 'org.apache.kafka.tools.ProducerPerformance', '--topic', perfTopic, '--num-records', String(RECORDS), '--record-size', String(avg), '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${kafka.bootstrapServers}`, 'acks=all', 'enable.idempotence=true'], { encoding: 'utf8' });
  const summary = producerOut.trim().split('\n').pop() ?? '';
  const javaRate = Number(/([\d.]+) records\/sec/.exec(summary)?.[1] ?? NaN);
  console.log(`reference, Java producer:    ${summary}`);
  console.log(`ratio datagen → Kafka / Java producer: ${(RECORDS / ((inKafkaAt - started) / 1000) / javaRate).toFixed(2)}`);

  // 2. Kafka → files
  peakRss = 0;
  const lake = join(dir.path, 'lake');
  const reader = await startEmbeddedWorker({ workerProps: { 'offset.flush.interval.ms': '1000', 'bootstrap.servers': kafka.bootstrapServers }, bus: bus('bench-b') as never });
  const filesStarted = Date.now();
  // rotate.schedule.interval.ms (wall clock) closes the last files: rotate.interval.ms follows
  // record timestamps and needs a later record, which never comes at the end of a topic
  await reader.herder.putConnectorConfig('lake', { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'parquet', 'flush.size': '100000', 'rotate.schedule.interval.ms': '1000', 'tasks.max': '1' }, false);
  for (;;) {
    await reader.commitNow();
    const offsets = await reader.herder.connectorOffsets('lake');
    const done = offsets.offsets.reduce((n, o) => n + Number((o.offset as { kafka_offset: number }).kafka_offset), 0);
    if (done >= messages) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const filesMs = Date.now() - filesStarted;
  const rssB = peakRss;
  await reader.stop();
  console.log(`Kafka → files (Parquet):     ${messages} messages (${RECORDS} changes) in ${(filesMs / 1000).toFixed(2)} s = ${rate(messages, filesMs)} (${listFiles(lake).length} files, committed offsets covering all, files closed each second); peak RSS ${(rssB / 2 ** 20).toFixed(0)} MiB`);
  const consumerStarted = Date.now();
  const consumerOut = execFileSync('java', ['-Xmx512m', '-cp', java.classPath, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', kafka.bootstrapServers, '--topic', topic, '--messages', String(messages), '--group', uniqueName('perf'), '--timeout', '60000'], { encoding: 'utf8' });
  const consumerMs = Date.now() - consumerStarted;
  console.log(`reference, Java consumer:    ${consumerOut.trim().split('\n').pop()}`);
  console.log(`  (wall time including JVM start: ${(consumerMs / 1000).toFixed(2)} s = ${rate(messages, consumerMs)}); ratio files sink / Java consumer (wall): ${(consumerMs / filesMs).toFixed(2)}`);
} finally {
  clearInterval(sampler);
  dir.remove();
  await own?.stop();
}
