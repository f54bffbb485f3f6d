import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { endOffsets, readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

/**
 * The Kafka bus under a worker: a source's records go to a Kafka topic (as Kafka Connect's
 * JsonConverter writes them), a sink reads them from there with its own consumer group's
 * offsets, and a sink created after the source still gets everything (the topic keeps it).
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

function landedSeqs(lake: string): number[] {
  const seqs: number[] = [];
  for (const f of listFiles(lake).filter((f) => f.endsWith('.json'))) {
    for (const line of readFileSync(join(lake, f), 'utf8').split('\n')) if (line) seqs.push(Number((JSON.parse(line) as { seq: number }).seq));
  }
  return seqs.sort((a, b) => a - b);
}

test('datagen → Kafka → files: every record in the topic once, landed once; the group offsets follow the files', { timeout: 120_000 }, async () => {
  const topic = uniqueName('orders');
  const dir = tempDir('kafka-bus');
  const lake = join(dir.path, 'lake');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300', 'bootstrap.servers': kafka.bootstrapServers },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: 'test-worker', worker: { 'value.converter.schemas.enable': 'false', 'key.converter.schemas.enable': 'false' }, logger: logs.get('runtime.bus') }),
    connectors: [
      { name: 'gen', 'connector.class': 'datagen', topic, 'max.records': '3000', ops: 'insert', 'rows.per.second': '0', 'ts.start.ms': String(Date.now()) },
    ],
  });
  try {
    await eventually(async () => ((await endOffsets(kafka, topic)).reduce((n, e) => n + e, 0n) >= 3000n ? true : undefined), 60_000, '3000 records in Kafka');
    const messages = await readTopic(kafka, topic);
    assert.equal(messages.length, 3000);
    const first = JSON.parse(messages.find((m) => m.offset === 0n && m.partition === 0)?.value?.toString() ?? JSON.stringify(JSON.parse(messages[0].value!.toString())));
    assert.equal(typeof first.after.seq, 'number', 'the Debezium envelope as schemaless JSON');
    // the sink comes later and still reads the topic from its start
    await worker.herder.putConnectorConfig('lake', { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'json', 'flush.size': '500' }, false);
    await eventually(() => (landedSeqs(lake).length >= 3000 ? true : undefined), 60_000, '3000 rows landed');
    assert.deepEqual(landedSeqs(lake), Array.from({ length: 3000 }, (_, i) => i + 1));
    assert.ok(listFiles(lake).every((f) => new RegExp(`${topic}\\+\\d+\\+\\d{20}\\+`).test(f)), 'files named by topic, partition and start offset');
    await worker.commitNow();
    const offsets = await worker.herder.connectorOffsets('lake');
    const committed = offsets.offsets.reduce((n, o) => n + Number((o.offset as { kafka_offset: number }).kafka_offset), 0);
    assert.equal(committed, 3000, `the group committed what the files hold: ${JSON.stringify(offsets)}`);
  } finally {
    await worker.stop();
    dir.remove();
  }
});

test('a multi-task source → Kafka → files: its tasks interleave in each partition, and every record lands once', { timeout: 120_000 }, async () => {
  const topic = uniqueName('tasks');
  const dir = tempDir('kafka-bus-tasks');
  const lake = join(dir.path, 'lake');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300', 'bootstrap.servers': kafka.bootstrapServers },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: 'tasks-worker', worker: { 'value.converter.schemas.enable': 'false', 'key.converter.schemas.enable': 'false' }, logger: logs.get('runtime.bus') }),
    connectors: [
      // three tasks share the sequence (task i emits every 3rd seq) into one partition: their
      // records interleave there, each task's in order
      { name: 'gen3', 'connector.class': 'datagen', topic, 'tasks.max': '3', 'max.records': '3000', ops: 'insert', 'rows.per.second': '0', 'ts.start.ms': String(Date.now()) },
      { name: uniqueName('lake'), 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'json', 'flush.size': '100', 'rotate.schedule.interval.ms': '1000' },
    ],
  });
  try {
    await eventually(() => (landedSeqs(lake).length >= 3000 ? true : undefined), 60_000, '3000 rows landed');
    assert.deepEqual(landedSeqs(lake), Array.from({ length: 3000 }, (_, i) => i + 1));
  } finally {
    await worker.stop();
    dir.remove();
  }
});
