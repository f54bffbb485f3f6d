import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { freePort } from './harness/ports.js';
import { readTopic } from './harness/kafka-clients.js';
import { GroupOffsets } from '../runtime/kafka/group-offsets.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { eventually, getJson, startWorkerProcess } from './harness/worker-process.js';

/**
 * `tributary distributed` as an operator runs it: a worker process on the real broker, connectors
 * created over REST and kept in the config topic, statuses in the status topic, source offsets in
 * the offset topic, records through Kafka. A second process on the same topics finds it all.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

function distributedProps(group: string, extra: Record<string, string> = {}): Record<string, string> {
  return distributedWorkerProps(kafka, group, { 'offset.flush.interval.ms': '500', 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'false', ...extra });
}

async function rest(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function landedSeqs(lake: string): number[] {
  const seqs: number[] = [];
  for (const f of listFiles(lake).filter((f) => f.endsWith('.json'))) {
    for (const line of readFileSync(join(lake, f), 'utf8').split('\n')) if (line) seqs.push(Number((JSON.parse(line) as { seq: number }).seq));
  }
  return seqs.sort((a, b) => a - b);
}

test('an invalid worker config is refused with every problem listed, exit code 2', async () => {
  const dir = tempDir('distributed-invalid');
  try {
    const worker = await startWorkerProcess(dir.path, { 'bootstrap.servers': 'not a broker', 'offset.storage.partitions': 'many', 'grup.id': 'typo' }, [], { mode: 'distributed', expectExit: true });
    const code = await worker.exited;
    assert.equal(code, 2, worker.stderr());
    for (const property of ['bootstrap.servers', 'group.id', 'config.storage.topic', 'offset.storage.topic', 'status.storage.topic', 'offset.storage.partitions']) {
      assert.match(worker.stderr(), new RegExp(property.replace(/\./g, '\\.')), `names ${property}`);
    }
  } finally {
    dir.remove();
  }
});

test('an unreachable cluster fails within worker.startup.timeout.ms, exit code 1, naming the servers', async () => {
  const dir = tempDir('distributed-unreachable');
  try {
    const closed = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const worker = await startWorkerProcess(dir.path, { ...distributedProps('unreachable'), 'bootstrap.servers': closed, 'worker.startup.timeout.ms': '3000' }, [], { mode: 'distributed', expectExit: true });
    const code = await worker.exited;
    assert.equal(code, 1, worker.stderr());
    assert.match(worker.stderr(), new RegExp(`bootstrap.servers=${closed}`));
    assert.match(worker.stderr(), /worker\.startup\.timeout\.ms=3000/);
    // the process start (tsx) plus the timeout, not some default of the client
    assert.ok(Date.now() - started < 25_000, `exited after ${Date.now() - started} ms`);
  } finally {
    dir.remove();
  }
});

test('connectors, statuses and offsets live in Kafka: a second worker process finds them and resumes after kill -9', { timeout: 180_000 }, async () => {
  const group = uniqueName('dist');
  const topic = uniqueName('orders');
  const dir = tempDir('distributed-worker');
  const lake = join(dir.path, 'lake');
  const TOTAL = 6000;
  // record times are now: datagen's default (2026-01-01) is older than the broker's retention,
  // which deletes such records from rolled segments (Kafka's time-based retention, not a loss)
  // connector names are unique too: a sink's consumer group (connect-<name>) is cluster-wide
  const [sink, gen] = [uniqueName('lake'), uniqueName('gen')];
  let worker = await startWorkerProcess(dir.path, distributedProps(group), [], { mode: 'distributed', timeoutMs: 60_000 });
  try {
    const created = await rest(`${worker.url}/connectors`, 'POST', { name: sink, config: { 'connector.class': 'files', topics: topic, 'store.url': `file://${lake}`, format: 'json', 'flush.size': '500', 'rotate.interval.ms': '2000' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const source = await rest(`${worker.url}/connectors`, 'POST', { name: gen, config: { 'connector.class': 'datagen', topic, 'max.records': String(TOTAL), ops: 'insert', 'rows.per.second': '400', 'ts.start.ms': String(Date.now()), 'topic.creation.default.partitions': '3', 'topic.creation.default.replication.factor': '1' } });
    assert.equal(source.status, 201, JSON.stringify(source.body));
    await eventually(async () => ((await getJson<any>(`${worker.url}/connectors/${gen}/status`)).tasks[0]?.state === 'RUNNING' ? true : undefined), 30_000, 'gen RUNNING');
    await eventually(() => (landedSeqs(lake).length >= 1500 ? true : undefined), 60_000, 'a first part landed');
    await worker.kill('SIGKILL');

    // a new process (another port, another worker id) on the same group and topics
    worker = await startWorkerProcess(dir.path, distributedProps(group), [], { mode: 'distributed', timeoutMs: 60_000 });
    assert.deepEqual((await getJson<string[]>(`${worker.url}/connectors`)).sort(), [gen, sink].sort());
    const tasks = await getJson<any[]>(`${worker.url}/connectors/${gen}/tasks`);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].config.topic, topic);
    await eventually(() => (landedSeqs(lake).length >= TOTAL ? true : undefined), 90_000, 'every record landed');
    await eventually(async () => {
      const offsets = await getJson<any>(`${worker.url}/connectors/${sink}/offsets`);
      const committed = offsets.offsets.reduce((n: number, o: any) => n + Number(o.offset.kafka_offset), 0);
      return committed >= TOTAL ? committed : undefined;
    }, 30_000, 'the sink group offsets cover the topic');
    const seqs = landedSeqs(lake);
    const distinct = new Set(seqs);
    assert.equal(distinct.size, TOTAL, 'every record landed');
    assert.equal(seqs.length, TOTAL, `no record landed twice (${seqs.length - distinct.size} duplicates)`);

    const status = await getJson<any>(`${worker.url}/connectors/${gen}/status`);
    assert.ok(['RUNNING'].includes(status.tasks[0].state));
    assert.notEqual(status.tasks[0].worker_id, undefined);
    const sourceOffsets = await getJson<any>(`${worker.url}/connectors/${gen}/offsets`);
    assert.ok(sourceOffsets.offsets.length > 0, 'the source offsets are in the offset topic');
  } catch (error) {
    const seqs = landedSeqs(lake);
    const have = new Set(seqs);
    const missing = Array.from({ length: TOTAL }, (_, i) => i + 1).filter((n) => !have.has(n));
    const messages = await readTopic(kafka, topic).catch(() => []);
    for (const p of [0, 1, 2]) {
      const seqsIn = messages.filter((m) => m.partition === p).map((m) => `${m.offset}:${(JSON.parse(m.value!.toString()) as { after: { seq: number } }).after.seq}`);
      const firstMissing = missing.find((n) => seqsIn.some((x) => x.endsWith(`:${n}`)));
      process.stdout.write(`# p${p}: ${seqsIn.length} records; first missing here ${firstMissing}, around: ${seqsIn.filter((_x, i) => Math.abs(i - seqsIn.findIndex((x) => x.endsWith(`:${firstMissing}`))) < 4).join(' ')}\n`);
    }
    const committed = await new GroupOffsets(kafka.brokers, `connect-${sink}`, { clientId: 'test' }).fetchCommitted([0, 1, 2].map((partition) => ({ topic, partition }))).catch(() => new Map());
    process.stdout.write(`# committed: ${[...committed].map(([k, v]) => `${k.split('\u0000')[1]}=${v.offset} ${v.metadata}`).join('; ')}\n`);
    process.stdout.write(`# landed ${seqs.length} rows, ${have.size} distinct; missing ${missing.slice(0, 40).join(",")}; topic ${topic}, sink ${sink}, lake ${lake}; files ${listFiles(lake).length}; worker log tail:\n${worker.stderr().slice(-6000).replace(/^/gm, "# ")}\n`);
    throw error;
  } finally {
    await worker.kill('SIGKILL');
    dir.remove();
  }
});
