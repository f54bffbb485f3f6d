import assert from 'node:assert/strict';
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDistributed } from '../cli/distributed-worker.js';
import type { Logger } from '../plugins/api/index.js';
import type { ConfigChange } from '../runtime/storage/config-backing-store.js';
import { decodeConfigRecord, type ConfigRecord } from '../runtime/storage/kafka-config-format.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetKeyPartition } from '../runtime/storage/kafka-offset-format.js';
import { decodeStatusRecord, type StatusRecord } from '../runtime/storage/kafka-status-format.js';
import { KafkaConfigStore } from '../runtime/storage/kafka-config-store.js';
import { KafkaOffsetStore } from '../runtime/storage/kafka-offset-store.js';
import type { KafkaStoreOptions } from '../runtime/storage/kafka-store-options.js';
import { KafkaStatusStore } from '../runtime/storage/kafka-status-store.js';
import { adminFor, readTopic, type TopicRecord } from './harness/kafka-clients.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { connectorState as connectorStateOf, debeziumPostgresConfig, deleteConnectorAndSlot, startKafkaConnect, type KafkaConnectWorker } from './harness/kafka-connect.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

/**
 * The golden truth for Tributary's Kafka formats: a real Kafka Connect worker (distributed mode)
 * with the FileStream connectors and Debezium's Postgres connector writes its internal topics,
 * and every record decodes with Tributary's functions and re-encodes to the same bytes; an offset
 * Tributary writes is one Kafka Connect reads (KIP-875 GET .../offsets).
 */
let kafka: KafkaEndpoint;
let connect: KafkaConnectWorker;
let postgres: PostgresServer;
const files = tempDir('connect-files');

before(async () => {
  [kafka, postgres] = await Promise.all([sharedKafka(), sharedPostgres()]);
  const started = Date.now();
  connect = await startKafkaConnect(kafka, { debezium: true });
  console.log(`# kafka connect: worker ready in ${Date.now() - started} ms`);
});
after(async () => {
  await connect?.stop();
  files.remove();
});

async function latestByKey(topic: string): Promise<Map<string, TopicRecord>> {
  const records = await readTopic(kafka, topic);
  return new Map(records.map((r) => [r.key.toString(), r]));
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Tributary's store options over one of the Kafka Connect worker's internal topics. */
function overConnect(topic: string, partitions: number): KafkaStoreOptions {
  return { topic: { topic, partitions, replicationFactor: 1 }, bootstrapBrokers: kafka.brokers, clientId: uniqueName('tributary-store'), timeoutMs: 20_000, logger: quiet };
}

const connectorState = (name: string) => connectorStateOf(connect, name);

describe('Kafka Connect 4.3 + Debezium 3.6.1 as the reference for the internal topics', () => {
  it("decodes a FileStreamSource connector's offsets, configs and statuses, byte for byte", async () => {
    const name = uniqueName('file-source');
    const input = join(files.path, `${name}.txt`);
    writeFileSync(input, 'first line\nsecond line\n');
    const topic = uniqueName('file-lines');
    await connect.request('POST', '/connectors', {
      name, config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: input, topic },
    });
    await eventually(async () => (await connectorState(name)).tasks[0] === 'RUNNING' || undefined, 60_000, 'the file source task running');

    // offsets: ["<connector>",{"filename":...}] -> {"position":N}, on murmur2(key) % partitions
    const admin = adminFor(kafka);
    const offsetPartitions = (await admin.metadata({ topics: [connect.topics.offsets] })).topics.get(connect.topics.offsets)!.partitionsCount;
    await admin.close();
    assert.equal(offsetPartitions, 25, "Kafka Connect's default offset.storage.partitions");
    const offsetRecord = await eventually(async () => {
      const records = await readTopic(kafka, connect.topics.offsets);
      return records.find((r) => decodeOffsetKey(r.key)?.connector === name && decodeOffsetValue(r.value)?.position === 23);
    }, 30_000, 'the file source offset of both lines');
    const key = decodeOffsetKey(offsetRecord.key)!;
    assert.deepEqual(key.partition, { filename: input });
    assert.deepEqual(encodeOffsetKey(name, { filename: input }), offsetRecord.key, 'Tributary writes the same key bytes');
    assert.deepEqual(encodeOffsetValue({ position: 23 }), offsetRecord.value, 'and the same value bytes');
    assert.equal(offsetRecord.partition, offsetKeyPartition(offsetRecord.key, offsetPartitions), 'on the same partition');

    // stop it: a STOPPED target state (v1 form) and STOPPED statuses
    await connect.request('PUT', `/connectors/${name}/stop`);
    await eventually(async () => (await connectorState(name)).connector === 'STOPPED' || undefined, 30_000, 'the connector stopped');

    const configs = await latestByKey(connect.topics.configs);
    const decoded = new Map<string, ConfigRecord>([...configs].map(([k, r]) => [k, decodeConfigRecord(k, r.value)]));
    for (const [k, record] of decoded) assert.notEqual(record.kind, 'ignored', `${k}: ${JSON.stringify(record)}`);
    assert.deepEqual(decoded.get(`connector-${name}`), {
      kind: 'connector', connector: name,
      properties: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: input, topic, name },
    });
    const task = decoded.get(`task-${name}-0`);
    assert.equal(task?.kind === 'task' && task.properties?.['task.class'], 'org.apache.kafka.connect.file.FileStreamSourceTask');
    // stopping a connector (KIP-875) writes an empty set of task configs: a second commit, of 0 tasks
    const commits = (await readTopic(kafka, connect.topics.configs)).filter((r) => r.key.toString() === `commit-${name}`);
    assert.deepEqual(commits.map((r) => decodeConfigRecord(r.key.toString(), r.value)), [
      { kind: 'commit', connector: name, tasks: 1 }, { kind: 'commit', connector: name, tasks: 0 },
    ]);
    assert.deepEqual(decoded.get(`target-state-${name}`), { kind: 'target-state', connector: name, state: 'STOPPED' });
    assert.equal(configs.get(`target-state-${name}`)!.value.toString(), '{"state":"PAUSED","state.v2":"STOPPED"}');
    assert.equal(decoded.get('session-key')?.kind, 'session-key', 'the leader distributes a session key');

    const statuses = await eventually(async () => {
      const latest = await latestByKey(connect.topics.status);
      const connector = latest.get(`status-connector-${name}`);
      const state = connector ? decodeStatusRecord(`status-connector-${name}`, connector.value) : undefined;
      return state?.kind === 'connector' && state.status?.state === 'STOPPED' ? latest : undefined;
    }, 30_000, 'a STOPPED status record');
    const decodedStatuses = [...statuses].map(([k, r]) => [k, decodeStatusRecord(k, r.value)] as [string, StatusRecord]);
    for (const [k, record] of decodedStatuses) assert.notEqual(record.kind, 'ignored', `${k}: ${JSON.stringify(record)}`);
    const connectorStatus = decodedStatuses.find(([k]) => k === `status-connector-${name}`)![1];
    assert.ok(connectorStatus.kind === 'connector' && connectorStatus.status);
    assert.match(connectorStatus.status.workerId, /^127\.0\.0\.1:\d+$/);
    assert.ok(connectorStatus.status.generation >= 0);
    assert.ok(decodedStatuses.some(([, r]) => r.kind === 'topic' && r.topic === topic && r.connector === name), 'KIP-558 topic status');
  });

  it("Tributary's stores read a FileStreamSource connector's offsets, configs and statuses, and hear its stop", async (t) => {
    const name = uniqueName('store-read');
    const input = join(files.path, `${name}.txt`);
    writeFileSync(input, 'one\ntwo\nthree\n');
    const topic = uniqueName('store-lines');
    await connect.request('POST', '/connectors', { name, config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: input, topic } });
    await eventually(async () => (await connectorState(name)).tasks[0] === 'RUNNING' || undefined, 60_000, 'the file source task running');

    const offsets = new KafkaOffsetStore(overConnect(connect.topics.offsets, 25));
    const configs = new KafkaConfigStore(overConnect(connect.topics.configs, 1));
    const statuses = new KafkaStatusStore(overConnect(connect.topics.status, 5));
    await Promise.all([offsets.start(), configs.start(), statuses.start()]);
    t.after(() => Promise.all([offsets.stop(), configs.stop(), statuses.stop()]).then(() => undefined));

    await eventually(async () => {
      await offsets.refresh();
      return (await offsets.get(name, { filename: input }))?.position === 14 || undefined;
    }, 30_000, 'the offset of all three lines');
    assert.deepEqual(await offsets.connectorOffsets(name), [{ partition: { filename: input }, offset: { position: 14 } }]);
    const stored = configs.connectors().find((c) => c.name === name);
    assert.deepEqual(stored, { name, targetState: 'RUNNING', config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: input, topic, name } });
    assert.equal(configs.taskConfigs(name)?.length, 1);
    assert.equal(configs.taskConfigs(name)![0]['task.class'], 'org.apache.kafka.connect.file.FileStreamSourceTask');
    const status = statuses.get(name);
    assert.equal(status?.connector.state, 'RUNNING');
    assert.match(status!.connector.workerId, /^127\.0\.0\.1:\d+$/);
    assert.equal(status?.tasks.get(0)?.state, 'RUNNING');

    // Kafka Connect stops it (KIP-875): the config store hears a new target state and zero tasks
    const heard: ConfigChange[] = [];
    configs.onChange((c) => { if (c.name === name) heard.push(c); });
    await connect.request('PUT', `/connectors/${name}/stop`);
    await eventually(async () => {
      await configs.refresh();
      return configs.connectors().find((c) => c.name === name)?.targetState === 'STOPPED' && configs.taskConfigs(name)?.length === 0 || undefined;
    }, 30_000, 'the STOPPED target state and an empty task set');
    assert.ok(heard.some((c) => c.kind === 'connector'), `heard ${JSON.stringify(heard)}`);
    assert.ok(heard.some((c) => c.kind === 'tasks'));
    await eventually(async () => {
      await statuses.flush();
      return statuses.get(name)?.connector.state === 'STOPPED' || undefined;
    }, 30_000, 'the STOPPED status');
  });

  it("reads offsets that Tributary's offset store wrote into its offsets topic (KIP-875 GET /connectors/{name}/offsets), and their reset", async (t) => {
    const name = uniqueName('tributary-written');
    const input = join(files.path, `${name}.txt`);
    writeFileSync(input, '');
    await connect.request('POST', '/connectors', {
      name, config: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', 'tasks.max': '1', file: input, topic: uniqueName('unused') },
      initial_state: 'STOPPED',
    });
    const store = new KafkaOffsetStore(overConnect(connect.topics.offsets, 25));
    await store.start();
    t.after(() => store.stop());
    // Kafka Connect reads its offsets topic in the background: wait until it lists what is expected
    let shown: unknown;
    const listed = (expected: unknown) => eventually(async () => {
      shown = (await connect.request<{ offsets: { partition: unknown; offset: unknown }[] }>('GET', `/connectors/${name}/offsets`)).offsets;
      return JSON.stringify(shown) === JSON.stringify(expected) || undefined;
    }, 30_000, `Kafka Connect to list ${JSON.stringify(expected)}`).catch(() => assert.deepEqual(shown, expected));

    await store.set([{ connector: name, partition: { filename: `${input}.old` }, offset: { position: 1 } }]);
    await listed([{ partition: { filename: `${input}.old` }, offset: { position: 1 } }]);
    await store.set([{ connector: name, partition: { filename: input }, offset: { position: 1234 } }], { reset: [name] });
    // the reset tombstoned the other partition
    await listed([{ partition: { filename: input }, offset: { position: 1234 } }]);

    // resumed, the task starts reading the file at the position Tributary stored
    appendFileSync(input, 'x'.repeat(1300) + '\n');
    await connect.request('PUT', `/connectors/${name}/resume`);
    await eventually(async () => (await connectorState(name)).tasks[0] === 'RUNNING' || undefined, 30_000, 'the task running');
  });

  it("decodes a Debezium Postgres connector's offsets and re-encodes them byte for byte", async (t) => {
    const db = await postgres.createDatabase('dbz_interop');
    await postgres.query(db, 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await postgres.query(db, "INSERT INTO orders VALUES (1, 'snapshot row')");
    const name = uniqueName('dbz-pg');
    const prefix = uniqueName('dbserver').replace(/-/g, '_');
    const slot = `slot_${prefix}`.toLowerCase();
    t.after(() => deleteConnectorAndSlot(connect, name, postgres, db, slot));
    await connect.request('POST', '/connectors', { name, config: debeziumPostgresConfig(postgres, db, prefix, { 'table.include.list': 'public.orders' }) });
    await eventually(async () => (await connectorState(name)).tasks[0] === 'RUNNING' || undefined, 60_000, 'the Debezium task running');
    // a streamed change: its offset carries lsn_proc / lsn_commit as well as lsn and txId
    await eventually(async () => {
      await postgres.query(db, `INSERT INTO orders VALUES (${Date.now() % 1_000_000 + 2}, 'streamed row') ON CONFLICT DO NOTHING`);
      const records = await readTopic(kafka, connect.topics.offsets);
      return records.find((r) => decodeOffsetKey(r.key)?.connector === name && decodeOffsetValue(r.value)?.lsn_proc !== undefined);
    }, 60_000, 'a streaming offset from Debezium');

    const records = (await readTopic(kafka, connect.topics.offsets)).filter((r) => decodeOffsetKey(r.key)?.connector === name);
    assert.ok(records.length > 0);
    for (const record of records) {
      const key = decodeOffsetKey(record.key)!;
      assert.deepEqual(key.partition, { server: prefix });
      assert.deepEqual(encodeOffsetKey(key.connector, key.partition), record.key);
      assert.equal(record.partition, offsetKeyPartition(record.key, 25));
      const value = decodeOffsetValue(record.value)!;
      assert.equal(typeof value.lsn, 'number', `lsn in ${record.value.toString()}`);
      assert.equal(typeof value.txId, 'number');
      assert.deepEqual(encodeOffsetValue(value), record.value, `re-encoded ${record.value.toString()}`);
    }
    console.log(`# debezium offset: ${records.at(-1)!.key.toString()} -> ${records.at(-1)!.value.toString()}`);

    // Tributary's offset store, on Kafka Connect's topic, holds the latest of them for the connector
    const store = new KafkaOffsetStore(overConnect(connect.topics.offsets, 25));
    await store.start();
    t.after(() => store.stop());
    // Debezium may still be flushing the offsets of the last inserts, and a loaded machine can end
    // a topic read early: compare until both views settle on the same latest offset
    let expected: unknown;
    let held: unknown;
    await eventually(async () => {
      const latest = decodeOffsetValue((await readTopic(kafka, connect.topics.offsets)).filter((r) => decodeOffsetKey(r.key)?.connector === name).at(-1)!.value);
      expected = [{ partition: { server: prefix }, offset: latest }];
      held = await store.connectorOffsets(name);
      return JSON.stringify(held) === JSON.stringify(expected) || undefined;
    }, 30_000, "the store to hold the connector's latest offset").catch(() => assert.deepEqual(held, expected));

    // a `tributary distributed` worker on Kafka Connect's own topics: once Kafka Connect has
    // stopped the connector (KIP-875), Tributary's GET .../offsets shows Debezium's offsets
    await connect.request('PUT', `/connectors/${name}/stop`);
    await eventually(async () => (await connectorState(name)).connector === 'STOPPED' || undefined, 30_000, 'the Debezium connector stopped');
    const tributary = await startDistributed({
      workerProps: {
        'bootstrap.servers': kafka.bootstrapServers, 'group.id': uniqueName('tributary-over-connect'),
        'config.storage.topic': connect.topics.configs, 'offset.storage.topic': connect.topics.offsets, 'status.storage.topic': connect.topics.status,
        'config.storage.replication.factor': '1', 'offset.storage.replication.factor': '1', 'status.storage.replication.factor': '1',
        listeners: 'http://127.0.0.1:0', 'log.level': 'silent',
      },
    });
    t.after(() => tributary.stop());
    const res = await fetch(`${tributary.url}/connectors/${name}/offsets`);
    assert.equal(res.status, 200, await res.clone().text());
    const shown = (await res.json()) as { offsets: unknown[] };
    const latest = decodeOffsetValue((await readTopic(kafka, connect.topics.offsets)).filter((r) => decodeOffsetKey(r.key)?.connector === name).at(-1)!.value);
    assert.deepEqual(shown.offsets, [{ partition: { server: prefix }, offset: latest }]);
  });
});
