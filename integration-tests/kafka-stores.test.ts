import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ConfigResourceTypes, Producer } from '@platformatic/kafka';
import { TributaryError, type Logger } from '../plugins/api/index.js';
import { loadDistributedWorkerConfig } from '../runtime/config/distributed-worker-config.js';
import type { ConfigChange } from '../runtime/storage/config-backing-store.js';
import { startKafkaBackingStores } from '../runtime/storage/kafka-backing-stores.js';
import { KafkaConfigStore } from '../runtime/storage/kafka-config-store.js';
import { encodeTaskConfig, encodeTasksCommit } from '../runtime/storage/kafka-config-format.js';
import { decodeOffsetKey, offsetKeyPartition } from '../runtime/storage/kafka-offset-format.js';
import { KafkaOffsetStore } from '../runtime/storage/kafka-offset-store.js';
import type { KafkaStoreOptions } from '../runtime/storage/kafka-store-options.js';
import { KafkaStatusStore } from '../runtime/storage/kafka-status-store.js';
import { adminFor, readTopic } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { freePort } from './harness/ports.js';

/**
 * The Kafka-backed stores against the real broker: each one's round trip and restart (a second
 * instance reads what the first wrote), the config topic's commit semantics, stale status
 * generations, internal-topic creation and refusal, and an unreachable cluster. One broker for the
 * file, a topic set per test.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

interface CapturedLogger extends Logger { readonly warnings: string[] }
function captureLogger(): CapturedLogger {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn(obj, msg) { warnings.push(typeof obj === 'string' ? obj : msg ?? JSON.stringify(obj)); }, error() {} };
}

function storeOptions(topic: string, partitions: number, logger: Logger = captureLogger()): KafkaStoreOptions {
  return { topic: { topic, partitions, replicationFactor: 1 }, bootstrapBrokers: kafka.brokers, clientId: uniqueName('store-test'), timeoutMs: 20_000, logger };
}

async function started<T extends { start(): Promise<void>; stop(): Promise<void> }>(t: { after(fn: () => Promise<void>): void }, store: T): Promise<T> {
  await store.start();
  t.after(() => store.stop());
  return store;
}

describe('KafkaOffsetStore', () => {
  it('writes offsets in Kafka Connect form on their murmur2 partition, and a second store reads them; reset and delete write tombstones', async (t) => {
    const topic = uniqueName('offsets');
    const first = await started(t, new KafkaOffsetStore(storeOptions(topic, 5)));
    await first.set([
      { connector: 'pg', partition: { server: 'db1' }, offset: { lsn: 23475576, txId: 747, snapshot: true } },
      { connector: 'files', partition: { filename: '/a' }, offset: { position: 12 } },
      { connector: 'files', partition: { filename: '/b' }, offset: { position: 99 } },
    ]);
    assert.deepEqual(await first.get('pg', { server: 'db1' }), { lsn: 23475576, txId: 747, snapshot: true }, 'read your own write at once');

    const records = await readTopic(kafka, topic);
    assert.equal(records.length, 3);
    for (const r of records) {
      assert.equal(r.partition, offsetKeyPartition(r.key, 5), `${r.key.toString()} on its murmur2 partition`);
      assert.ok(decodeOffsetKey(r.key));
    }
    assert.deepEqual(records.map((r) => r.key.toString()).sort(), ['["files",{"filename":"/a"}]', '["files",{"filename":"/b"}]', '["pg",{"server":"db1"}]']);

    const second = await started(t, new KafkaOffsetStore(storeOptions(topic, 5)));
    assert.deepEqual(await second.get('pg', { server: 'db1' }), { lsn: 23475576, txId: 747, snapshot: true });
    assert.deepEqual((await second.connectorOffsets('files')).sort((a, b) => String(a.partition.filename).localeCompare(String(b.partition.filename))), [
      { partition: { filename: '/a' }, offset: { position: 12 } },
      { partition: { filename: '/b' }, offset: { position: 99 } },
    ]);

    // KIP-875 DELETE then a new offset; a null offset deletes one partition
    await first.set([{ connector: 'files', partition: { filename: '/c' }, offset: { position: 1 } }], { reset: ['files'] });
    await first.set([{ connector: 'pg', partition: { server: 'db1' }, offset: null }]);
    assert.deepEqual(await first.connectorOffsets('files'), [{ partition: { filename: '/c' }, offset: { position: 1 } }]);
    await second.refresh();
    assert.deepEqual(await second.connectorOffsets('files'), [{ partition: { filename: '/c' }, offset: { position: 1 } }], 'the other worker sees the reset');
    assert.equal(await second.get('pg', { server: 'db1' }), null);

    await second.stop();
    const third = await started(t, new KafkaOffsetStore(storeOptions(topic, 5)));
    assert.deepEqual(await third.connectorOffsets('files'), [{ partition: { filename: '/c' }, offset: { position: 1 } }], 'a restarted store: the same state');
    assert.deepEqual(await third.connectorOffsets('pg'), []);
  });

  it('skips records Kafka Connect would skip, and keeps the rest', async (t) => {
    const topic = uniqueName('offsets-junk');
    const logger = captureLogger();
    const producer = new Producer({ clientId: 'junk', bootstrapBrokers: [...kafka.brokers] });
    t.after(() => producer.close());
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    await producer.send({ messages: [
      { topic, key: Buffer.from('not json'), value: Buffer.from('{}') },
      { topic, key: Buffer.from('["c",{"p":1}]'), value: Buffer.from('[1,2]') },
      { topic, key: Buffer.from('["c",{"p":2}]'), value: Buffer.from('{"o":2}') },
    ] });
    const store = await started(t, new KafkaOffsetStore(storeOptions(topic, 1, logger)));
    assert.deepEqual(await store.connectorOffsets('c'), [{ partition: { p: 2 }, offset: { o: 2 } }]);
    assert.equal(logger.warnings.length, 2);
  });
});

describe('KafkaConfigStore', () => {
  it("round-trips connectors, target states and task configs; another store hears each write; a restarted one reads them", async (t) => {
    const topic = uniqueName('configs');
    const writer = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    const reader = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    const heard: ConfigChange[] = [];
    reader.onChange((c) => heard.push(c));
    const own: ConfigChange[] = [];
    writer.onChange((c) => own.push(c));

    await writer.putConnector({ name: 'orders', targetState: 'RUNNING', config: { 'connector.class': 'PostgresConnector', 'tasks.max': '2' } });
    await writer.putTaskConfigs('orders', [{ 'task.id': '0' }, { 'task.id': '1' }]);
    await writer.putConnector({ name: 'paused', targetState: 'PAUSED', config: { 'connector.class': 'Datagen' } });
    await writer.putConnector({ name: 'orders', targetState: 'STOPPED', config: { 'connector.class': 'PostgresConnector', 'tasks.max': '2' } });
    assert.deepEqual(own.map((c) => `${c.kind}:${c.name}`), ['connector:orders', 'tasks:orders', 'connector:paused', 'connector:orders'], 'own writes are heard once read back');
    assert.deepEqual(writer.connectors().map((c) => [c.name, c.targetState]), [['orders', 'STOPPED'], ['paused', 'PAUSED']]);

    await reader.refresh();
    assert.deepEqual(heard.map((c) => `${c.kind}:${c.name}`), ['connector:orders', 'tasks:orders', 'connector:paused', 'connector:orders']);
    assert.deepEqual(reader.connectors(), writer.connectors());
    assert.deepEqual(reader.taskConfigs('orders'), [{ 'task.id': '0' }, { 'task.id': '1' }]);
    assert.equal(reader.taskConfigs('paused'), undefined, 'no tasks committed yet');

    // the records are Kafka Connect's: a pause wrote only the target state, in the v1 form
    const records = await readTopic(kafka, topic);
    assert.deepEqual(records.map((r) => r.key.toString()), ['connector-orders', 'task-orders-0', 'task-orders-1', 'commit-orders', 'target-state-paused', 'connector-paused', 'target-state-orders']);
    assert.equal(records.at(-1)!.value.toString(), '{"state":"PAUSED","state.v2":"STOPPED"}');

    await writer.removeConnector('paused');
    await reader.refresh();
    assert.deepEqual(heard.at(-1), { kind: 'removed', name: 'paused' });
    assert.deepEqual(reader.connectors().map((c) => c.name), ['orders']);

    const restarted = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    const silent: ConfigChange[] = [];
    restarted.onChange((c) => silent.push(c));
    assert.deepEqual(restarted.connectors(), [{ name: 'orders', targetState: 'STOPPED', config: { 'connector.class': 'PostgresConnector', 'tasks.max': '2' } }]);
    assert.deepEqual(restarted.taskConfigs('orders'), [{ 'task.id': '0' }, { 'task.id': '1' }]);
    assert.deepEqual(silent, [], 'reading at start builds the state without announcing it');
  });

  it('applies task configs only at their commit, and holds an incomplete commit as inconsistent until a complete one', async (t) => {
    const topic = uniqueName('configs-commit');
    const store = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    await store.putConnector({ name: 'c', targetState: 'RUNNING', config: { 'connector.class': 'X' } });
    await store.putTaskConfigs('c', [{ v: 'old-0' }]);
    const producer = new Producer({ clientId: 'leader', bootstrapBrokers: [...kafka.brokers] });
    t.after(() => producer.close());
    const send = (r: { key: string; value: Buffer | null }) => producer.send({ messages: [{ topic, key: Buffer.from(r.key), value: r.value ?? undefined, partition: 0 }] });

    // a leader that died after writing one task config and no commit: nothing changes
    await send(encodeTaskConfig('c', 0, { v: 'new-0' }));
    await store.refresh();
    assert.deepEqual(store.taskConfigs('c'), [{ v: 'old-0' }]);

    // a commit of 2 tasks with only task 0 buffered (as after compaction): inconsistent
    await send(encodeTasksCommit('c', 2));
    await store.refresh();
    assert.equal(store.taskConfigs('c'), undefined);
    assert.deepEqual(store.inconsistentConnectors(), ['c']);

    // a complete set commits: consistent again, every task new
    await store.putTaskConfigs('c', [{ v: 'new-0' }, { v: 'new-1' }]);
    assert.deepEqual(store.taskConfigs('c'), [{ v: 'new-0' }, { v: 'new-1' }]);
    assert.deepEqual(store.inconsistentConnectors(), []);

    // a fresh reader of the whole log reaches the same state
    const fresh = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    assert.deepEqual(fresh.taskConfigs('c'), [{ v: 'new-0' }, { v: 'new-1' }]);

    // stopping writes an empty set (Kafka Connect's KIP-875 stop): zero tasks
    await store.putTaskConfigs('c', []);
    assert.deepEqual(store.taskConfigs('c'), []);
  });
});

describe('KafkaConfigStore: the leader\'s transactional writes (exactly-once sources)', () => {
  it('a new leader fences the deposed one: its later write fails and no reader ever applies it', async (t) => {
    const topic = uniqueName('configs');
    const transactionalId = uniqueName('connect-cluster');
    const deposed = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    const successor = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    await deposed.useLeaderTransactions(transactionalId);
    await deposed.putConnector({ name: 'before', targetState: 'RUNNING', config: { 'connector.class': 'Datagen' } });
    // the group moved on: another worker leads, and its producer takes the transactional id over
    await successor.useLeaderTransactions(transactionalId);
    await assert.rejects(deposed.putConnector({ name: 'zombie', targetState: 'RUNNING', config: { 'connector.class': 'Datagen' } }), /fenced this one's transactional producer/);
    await successor.putConnector({ name: 'after', targetState: 'RUNNING', config: { 'connector.class': 'Datagen' } });
    await successor.refresh();
    assert.deepEqual(successor.connectors().map((c) => c.name), ['after', 'before']);
    const fresh = await started(t, new KafkaConfigStore(storeOptions(topic, 1)));
    assert.deepEqual(fresh.connectors().map((c) => c.name), ['after', 'before'], 'a worker starting later reads no write of the fenced leader');
    // stepping down: plain writes again
    await successor.useLeaderTransactions(null);
    await successor.removeConnector('before');
    await fresh.refresh();
    assert.deepEqual(fresh.connectors().map((c) => c.name), ['after']);
  });
});

describe('KafkaStatusStore', () => {
  it('writes statuses in Kafka Connect form; another store reads them; stale generations lose everywhere', async (t) => {
    const topic = uniqueName('status');
    const a = await started(t, new KafkaStatusStore(storeOptions(topic, 3)));
    const b = await started(t, new KafkaStatusStore(storeOptions(topic, 3)));
    a.putConnector('orders', { state: 'RUNNING', workerId: 'w1:8083', generation: 5 });
    a.putTask('orders', 0, { state: 'RUNNING', workerId: 'w1:8083', generation: 5 });
    a.putTask('orders', 1, { state: 'FAILED', trace: 'boom', workerId: 'w1:8083', generation: 5 });
    await a.flush();
    await b.flush();
    assert.deepEqual(b.get('orders'), {
      connector: { state: 'RUNNING', workerId: 'w1:8083', generation: 5 },
      tasks: new Map([[0, { state: 'RUNNING', workerId: 'w1:8083', generation: 5 }], [1, { state: 'FAILED', trace: 'boom', workerId: 'w1:8083', generation: 5 }]]),
    });
    const raw = new Map((await readTopic(kafka, topic)).map((r) => [r.key.toString(), r.value.toString()]));
    assert.equal(raw.get('status-task-orders-0'), '{"state":"RUNNING","trace":null,"worker_id":"w1:8083","generation":5}');

    // the task moved to w2 in generation 6; w1, fenced, writes late with generation 5
    b.putTask('orders', 0, { state: 'RUNNING', workerId: 'w2:8083', generation: 6 });
    await b.flush();
    a.putTask('orders', 0, { state: 'UNASSIGNED', workerId: 'w1:8083', generation: 5 });
    await a.flush();
    await b.flush();
    for (const store of [a, b]) assert.deepEqual(store.get('orders')?.tasks.get(0), { state: 'RUNNING', workerId: 'w2:8083', generation: 6 });
    const fresh = await started(t, new KafkaStatusStore(storeOptions(topic, 3)));
    assert.deepEqual(fresh.get('orders')?.tasks.get(0), { state: 'RUNNING', workerId: 'w2:8083', generation: 6 }, 'read from the start: the same');
    assert.equal(fresh.highestGeneration(), 6);

    // removal: tombstones, after which any generation is taken
    a.removeTask('orders', 1);
    b.removeConnector('orders');
    await a.flush();
    await b.flush();
    await a.flush();
    for (const store of [a, b]) assert.equal(store.get('orders'), undefined);
    a.putConnector('orders', { state: 'RUNNING', workerId: 'w3:8083', generation: 1 });
    await a.flush();
    await b.flush();
    assert.equal(b.get('orders')?.connector.generation, 1);
  });
});

describe('startKafkaBackingStores', () => {
  function workerConfig(topics: { config: string; offset: string; status: string }, extra: Record<string, string> = {}) {
    return loadDistributedWorkerConfig({
      'bootstrap.servers': kafka.bootstrapServers, 'group.id': uniqueName('group'),
      'config.storage.topic': topics.config, 'offset.storage.topic': topics.offset, 'status.storage.topic': topics.status,
      'config.storage.replication.factor': '1', 'offset.storage.replication.factor': '1', 'status.storage.replication.factor': '1',
      'offset.storage.partitions': '4', 'status.storage.partitions': '2', 'worker.startup.timeout.ms': '20000', ...extra,
    }, {});
  }
  const topicSet = () => ({ config: uniqueName('cfg'), offset: uniqueName('off'), status: uniqueName('sts') });

  it('creates the missing internal topics as compacted, with the configured partitions and topic configs', async (t) => {
    const topics = topicSet();
    const stores = await startKafkaBackingStores(workerConfig(topics, { 'offset.storage.min.compaction.lag.ms': '1000' }), { logger: captureLogger() });
    t.after(() => stores.stop());
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    const metadata = await admin.metadata({ topics: [topics.config, topics.offset, topics.status] });
    assert.deepEqual([topics.config, topics.offset, topics.status].map((n) => metadata.topics.get(n)?.partitionsCount), [1, 4, 2]);
    const described = await admin.describeConfigs({ resources: [topics.config, topics.offset, topics.status].map((resourceName) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName, configurationKeys: ['cleanup.policy', 'min.compaction.lag.ms'] })) });
    assert.deepEqual(described.map((d) => d.configs.find((c) => c.name === 'cleanup.policy')?.value), ['compact', 'compact', 'compact']);
    assert.equal(described[1].configs.find((c) => c.name === 'min.compaction.lag.ms')?.value, '1000');

    // start is idempotent: a herder may start the stores it was given again
    await Promise.all([stores.offsets.start(), stores.configs.start(), stores.statuses.start()]);

    // the three work together, and a second worker's stores start on the same topics
    await stores.configs.putConnector({ name: 'c', targetState: 'RUNNING', config: { 'connector.class': 'X' } });
    await stores.offsets.set([{ connector: 'c', partition: { p: 1 }, offset: { o: 1 } }]);
    stores.statuses.putConnector('c', { state: 'RUNNING', workerId: 'w', generation: 1 });
    await stores.statuses.flush();
    const again = await startKafkaBackingStores(workerConfig(topics), { logger: captureLogger() });
    t.after(() => again.stop());
    assert.deepEqual(again.configs.connectors().map((c) => c.name), ['c']);
    assert.deepEqual(await again.offsets.get('c', { p: 1 }), { o: 1 });
    assert.equal(again.statuses.get('c')?.connector.state, 'RUNNING');
  });

  it('refuses an existing internal topic that is not compacted, naming the topic and its property', async (t) => {
    const topics = topicSet();
    const admin = adminFor(kafka);
    t.after(() => admin.close());
    await admin.createTopics({ topics: [topics.status], partitions: 1, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'delete' }] });
    await assert.rejects(startKafkaBackingStores(workerConfig(topics), { logger: captureLogger() }), (error: unknown) => {
      assert.ok(error instanceof TributaryError);
      assert.equal(error.code, 'kafka.topic_misconfigured');
      assert.equal(error.configPath, 'status.storage.topic');
      assert.match(error.message, new RegExp(`topic '${topics.status}' \\(status\\.storage\\.topic\\) must have cleanup\\.policy=compact, but has cleanup\\.policy=delete`));
      return true;
    });
  });

  it('fails with kafka.unavailable within worker.startup.timeout.ms when no broker answers', async () => {
    const port = await freePort();
    const config = loadDistributedWorkerConfig({
      'bootstrap.servers': `127.0.0.1:${port}`, 'group.id': 'g', 'config.storage.topic': 'c', 'offset.storage.topic': 'o', 'status.storage.topic': 's', 'worker.startup.timeout.ms': '3000',
    }, {});
    const startedAt = Date.now();
    await assert.rejects(startKafkaBackingStores(config, { logger: captureLogger() }), (error: unknown) => {
      assert.ok(error instanceof TributaryError);
      assert.equal(error.code, 'kafka.unavailable');
      assert.match(error.message, new RegExp(`The Kafka cluster at bootstrap.servers=127\\.0\\.0\\.1:${port} could not be reached.*within worker\\.startup\\.timeout\\.ms=3000 ms`));
      return true;
    });
    const took = Date.now() - startedAt;
    assert.ok(took < 3_000 + 2_000, `gave up after ${took} ms`);
    console.log(`# unreachable cluster: gave up after ${took} ms (timeout 3000 ms)`);
  });
});
