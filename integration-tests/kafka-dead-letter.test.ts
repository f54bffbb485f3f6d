import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

/**
 * A sink's dead-letter queue as a Kafka topic, as Kafka Connect writes it: a record the value
 * converter cannot read and a record a transform rejects go to `errors.deadletterqueue.topic.name`
 * with their original bytes and the `__connect.errors.*` headers, the rest lands, and the group's
 * offsets pass both (they are not read again).
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

const RECORDS = 200;
const unreadable = (i: number): boolean => i % 10 === 3;
const badTime = (i: number): boolean => i % 10 === 7;

function valueOf(i: number): Buffer {
  if (unreadable(i)) return Buffer.from(`{"id": ${i}, "day": not json`);
  return Buffer.from(JSON.stringify({ id: i, day: badTime(i) ? 'someday' : `2026-12-${String(1 + (i % 28)).padStart(2, '0')}` }));
}

async function produce(topic: string): Promise<void> {
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'dlq-test', bootstrapBrokers: [...kafka.brokers], acks: ProduceAcks.ALL, autocreateTopics: true });
  try {
    const messages = Array.from({ length: RECORDS }, (_, i) => ({
      topic, partition: 0, key: Buffer.from(String(i)), value: valueOf(i),
      headers: new Map([[Buffer.from('origin'), Buffer.from('test')]]),
    }));
    await producer.send({ messages });
  } finally {
    await producer.close();
  }
}

function landedIds(lake: string): number[] {
  const ids: number[] = [];
  for (const f of listFiles(lake).filter((f) => f.endsWith('.json'))) {
    for (const line of readFileSync(join(lake, f), 'utf8').split('\n')) if (line) ids.push(Number((JSON.parse(line) as { id: number }).id));
  }
  return ids.sort((a, b) => a - b);
}

function headersOf(m: { headers: Map<Buffer | string, Buffer | string | undefined> | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of m.headers ?? []) out[k.toString()] = v?.toString() ?? '';
  return out;
}

test('Kafka → files with errors.tolerance=all: unreadable and rejected records go to the dead-letter topic with their bytes and context', { timeout: 120_000 }, async () => {
  const topic = uniqueName('dlq-in');
  const dlq = `${topic}-dlq`;
  const name = uniqueName('lake');
  await produce(topic);
  const dir = tempDir('kafka-dlq');
  const lake = join(dir.path, 'lake');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300', 'bootstrap.servers': kafka.bootstrapServers },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: 'dlq-worker', worker: { 'value.converter.schemas.enable': 'false', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter' }, logger: logs.get('runtime.bus') }),
    connectors: [{
      name, 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'json', 'flush.size': '20',
      transforms: 'day', 'transforms.day.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value',
      'transforms.day.field': 'day', 'transforms.day.format': 'yyyy-MM-dd', 'transforms.day.target.type': 'unix',
      'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.context.headers.enable': 'true',
    }],
  });
  try {
    const good = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !unreadable(i) && !badTime(i));
    await eventually(() => (landedIds(lake).length >= good.length ? true : undefined), 60_000, `${good.length} rows landed`);
    assert.deepEqual(landedIds(lake), good);

    const letters = await readTopic(kafka, dlq);
    assert.equal(letters.length, RECORDS - good.length, 'one dead letter per failed record');
    const byKey = new Map(letters.map((m) => [Number(m.key!.toString()), m]));
    for (let i = 0; i < RECORDS; i++) {
      if (!unreadable(i) && !badTime(i)) continue;
      const letter = byKey.get(i);
      assert.ok(letter, `dead letter for record ${i}`);
      assert.deepEqual(letter.value, valueOf(i), 'the original bytes, as consumed');
      const h = headersOf(letter);
      assert.equal(h.origin, 'test', 'the original headers are kept');
      assert.equal(h['__connect.errors.topic'], topic);
      assert.equal(h['__connect.errors.partition'], '0');
      assert.equal(h['__connect.errors.offset'], String(i));
      assert.equal(h['__connect.errors.connector.name'], name);
      assert.equal(h['__connect.errors.task.id'], '0');
      assert.equal(h['__connect.errors.stage'], unreadable(i) ? 'VALUE_CONVERTER' : 'TRANSFORMATION');
      assert.ok(h['__connect.errors.exception.message'].length > 0);
      assert.ok(h['__connect.errors.exception.stacktrace'].length > 0);
    }

    await worker.commitNow();
    await eventually(async () => {
      const offsets = await worker.herder.connectorOffsets(name);
      return offsets.offsets.some((o) => (o.offset as { kafka_offset: number }).kafka_offset === RECORDS) ? true : undefined;
    }, 30_000, 'the group committed past every record, dead letters included');
    const status = await worker.herder.connectorStatus(name);
    assert.equal(status.tasks[0].state, 'RUNNING');
  } finally {
    await worker.stop();
    dir.remove();
  }
});

test('Kafka → files with errors.tolerance=none: an unreadable record fails the task with its topic, partition and offset', { timeout: 120_000 }, async () => {
  const topic = uniqueName('dlq-none');
  const name = uniqueName('lake-strict');
  await produce(topic);
  const dir = tempDir('kafka-dlq-none');
  const lake = join(dir.path, 'lake');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '300', 'bootstrap.servers': kafka.bootstrapServers },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: 'dlq-none-worker', worker: { 'value.converter.schemas.enable': 'false', 'key.converter': 'string' }, logger: logs.get('runtime.bus') }),
    connectors: [{ name, 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'json', 'flush.size': '1' }],
  });
  try {
    const failed = await eventually(async () => {
      const status = await worker.herder.connectorStatus(name);
      return status.tasks[0]?.state === 'FAILED' ? status.tasks[0] : undefined;
    }, 60_000, 'the task FAILED');
    assert.match(failed.trace ?? '', new RegExp(`${topic}.*partition 0.*offset 3|${topic}\\[0\\]@3`), failed.trace);
    // nothing past the unreadable record was committed: a restart reads it again
    await worker.commitNow();
    const offsets = await worker.herder.connectorOffsets(name);
    assert.ok(offsets.offsets.every((o) => (o.offset as { kafka_offset: number }).kafka_offset <= 3), JSON.stringify(offsets));
  } finally {
    await worker.stop();
    dir.remove();
  }
});
