import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startEmbeddedWorker, type EmbeddedWorker } from '../cli/embedded-worker.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { endOffsets } from './harness/kafka-clients.js';
import { sharedKafka, startKafkaCluster, uniqueName, type KafkaCluster, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

/**
 * Backpressure on the Kafka bus. A slow sink only lets its consumer group's lag grow: the source
 * writes at its own pace, its offsets advance, and the sink catches up later with every record
 * once. A stalled broker (SIGSTOP) holds the producing source within `buffer.memory`: it stops
 * polling instead of buffering without bound, and goes on where it was when the broker returns.
 */
const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));
const dir = tempDir('kafka-backpressure');
after(() => dir.remove());

function seqs(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

function metric(text: string, name: string, connector: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`connector="${connector}"`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function start(kafka: KafkaEndpoint, id: string, connectors: Record<string, string>[]): Promise<EmbeddedWorker> {
  return startEmbeddedWorker({
    workerProps: { 'plugin.path': PLUGINS, 'offset.flush.interval.ms': '200', 'bootstrap.servers': kafka.bootstrapServers },
    bus: (_config, logs) => new KafkaBus({ bootstrapBrokers: kafka.brokers, clientId: id, worker: {}, logger: logs.get('runtime.bus'), bufferChunks: 2 }),
    connectors,
  });
}

async function sourceOffset(worker: EmbeddedWorker, name: string): Promise<number> {
  const offsets = await worker.herder.connectorOffsets(name);
  return Number((offsets.offsets[0]?.offset as { seq?: number } | undefined)?.seq ?? 0);
}

let shared: KafkaEndpoint;
before(async () => { shared = await sharedKafka(); });

test('a slow sink lets its lag grow and never holds the source back; it catches up with every record once', { timeout: 180_000 }, async () => {
  const RECORDS = 20_000;
  const topic = uniqueName('slow-sink');
  const file = join(dir.path, `${topic}.seqs`);
  const worker = await start(shared, 'slow-sink-worker', [
    // a put of up to 500 records every 100 ms at best: at most 5000 records/s into the sink
    { name: uniqueName('slow'), 'connector.class': 'seq-recorder', topics: topic, 'seq.file': file, 'put.delay.ms': '100', 'consumer.max.poll.records': '500' },
    { name: 'gen', 'connector.class': 'datagen', topic, 'max.records': String(RECORDS), 'rows.per.second': '0', 'batch.size': '1000', 'ts.start.ms': String(Date.now()) },
  ]);
  try {
    await eventually(async () => ((await endOffsets(shared, topic)).reduce((n, e) => n + e, 0n) >= BigInt(RECORDS) ? true : undefined), 60_000, `${RECORDS} records in Kafka`);
    const sunk = seqs(file).length;
    assert.ok(sunk < RECORDS / 2, `the source finished while the slow sink was far behind (${sunk} of ${RECORDS} landed)`);
    // the source's offset passes records the sink has not seen: Kafka holds them, not the sink
    await eventually(async () => {
      await worker.commitNow();
      return (await sourceOffset(worker, 'gen')) === RECORDS ? true : undefined;
    }, 30_000, 'the source offset at the last record');
    assert.ok(seqs(file).length < RECORDS, 'source offsets committed ahead of the sink');

    await eventually(async () => {
      await worker.commitNow();
      return seqs(file).length >= RECORDS ? true : undefined;
    }, 120_000, 'the sink caught up');
    const landed = seqs(file);
    assert.equal(landed.length, RECORDS, 'no duplicate');
    assert.equal(new Set(landed).size, RECORDS, 'every record');
  } finally {
    await worker.stop();
  }
});

test('a stalled broker stops the source within buffer.memory; it resumes where it was, losing nothing', { timeout: 240_000 }, async (t) => {
  const cluster: KafkaCluster = await startKafkaCluster();
  t.after(() => cluster.stop());
  const topic = uniqueName('stalled');
  const file = join(dir.path, `${topic}.seqs`);
  const RECORDS = 30_000;
  const worker = await start(cluster, 'stalled-worker', [
    { name: 'sink', 'connector.class': 'seq-recorder', topics: topic, 'seq.file': file },
    // about 100 records/batch of ~1.2 kB each; buffer.memory of 256 kB holds about two batches
    { name: 'gen', 'connector.class': 'datagen', topic, 'max.records': String(RECORDS), 'rows.per.second': '3000', 'batch.size': '100', 'ts.start.ms': String(Date.now()), 'producer.override.buffer.memory': '262144' },
  ]);
  try {
    await eventually(async () => ((await endOffsets(cluster, topic)).reduce((n, e) => n + e, 0n) >= 3000n ? true : undefined), 60_000, 'the first records in Kafka');
    const broker = cluster.nodes[0].pid!;
    process.kill(broker, 'SIGSTOP');
    let stalledPolls: number[];
    try {
      // the producer's requests hang; once buffer.memory is used up the source stops polling
      await new Promise((r) => setTimeout(r, 1500));
      const first = metric(await worker.metricsText(), 'tributary_source_record_poll_total', 'gen');
      await new Promise((r) => setTimeout(r, 3000));
      const second = metric(await worker.metricsText(), 'tributary_source_record_poll_total', 'gen');
      stalledPolls = [first, second];
    } finally {
      process.kill(broker, 'SIGCONT');
    }
    assert.ok(stalledPolls[1] - stalledPolls[0] <= 300, `the source stopped polling while the broker stalled (polled ${stalledPolls[0]} → ${stalledPolls[1]})`);
    assert.ok(stalledPolls[1] < RECORDS, 'it had not finished before the stall');
    const status = await worker.herder.connectorStatus('gen');
    assert.equal(status.tasks[0].state, 'RUNNING', 'a stall shorter than the producer timeout is not a failure');

    await eventually(async () => {
      await worker.commitNow();
      return seqs(file).length >= RECORDS ? true : undefined;
    }, 180_000, 'every record landed after the broker came back');
    const landed = seqs(file);
    assert.equal(new Set(landed).size, RECORDS, 'every record');
    assert.equal(landed.length, RECORDS, 'no duplicate');
    assert.ok(metric(await worker.metricsText(), 'tributary_backpressure_blocked_seconds_total', 'gen') > 1, 'the wait shows in tributary_backpressure_blocked_seconds_total');
  } finally {
    await worker.stop();
  }
});
