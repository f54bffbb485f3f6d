import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { startDistributed, type DistributedRuntime } from '../cli/distributed-worker.js';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import type { Logger } from '../plugins/api/index.js';
import { KafkaConfigStore } from '../runtime/storage/kafka-config-store.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';

/**
 * The distributed herder's contract with its config topic, in process on the real broker: what
 * another process writes to the topic is applied, and the task configs the connector computes
 * are written by the leader (`task-<c>-<n>`, `commit-<c>`) with provider references kept.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

const quiet = new Writable({ write: (_c, _e, done) => done() });
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const running: DistributedRuntime[] = [];
after(async () => { await Promise.all(running.map((r) => r.stop())); });

async function startWorker(group: string): Promise<{ runtime: DistributedRuntime; configs: KafkaConfigStore }> {
  const runtime = await startDistributed({
    workerProps: distributedWorkerProps(kafka, group, { listeners: 'http://127.0.0.1:0', 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'false' }),
    logDestination: process.env.TRIBUTARY_TEST_LOGS ? process.stderr : quiet,
  });
  running.push(runtime);
  // another process's view of the same config topic
  const configs = new KafkaConfigStore({ topic: { topic: `${group}-configs`, partitions: 1, replicationFactor: 1 }, bootstrapBrokers: kafka.brokers, clientId: uniqueName('other'), timeoutMs: 20_000, logger: silent });
  await configs.start();
  after(() => configs.stop());
  await waitFor('the worker has its first assignment', () => (runtime.herder.ready() ? true : undefined), 30_000);
  return { runtime, configs };
}

const datagen = (topic: string) => ({ 'connector.class': 'datagen', topic, 'max.records': '10', 'rows.per.second': '5' });

test('distributed herder: changes another process writes to the config topic are applied', async () => {
  const { runtime: { herder }, configs } = await startWorker(uniqueName('herder'));
  await configs.putConnector({ name: 'elsewhere', targetState: 'RUNNING', config: { name: 'elsewhere', ...datagen(uniqueName('t1')) } });
  await waitFor('the connector written elsewhere runs', async () => {
    const status = await herder.connectorStatus('elsewhere').catch(() => undefined);
    return status?.tasks[0]?.state === 'RUNNING' ? status : undefined;
  }, 20_000);

  const stored = configs.connectors().find((c) => c.name === 'elsewhere')!;
  await configs.putConnector({ ...stored, targetState: 'PAUSED' });
  await waitFor('its pause is applied', async () => ((await herder.connectorStatus('elsewhere')).tasks[0]?.state === 'PAUSED' ? true : undefined), 10_000);

  await configs.removeConnector('elsewhere');
  await waitFor('its removal is applied', async () => ((await herder.connectors()).includes('elsewhere') ? undefined : true), 10_000);
});

test('distributed herder: the leader writes the task configs with provider references kept', async () => {
  process.env.TRIBUTARY_TEST_TOPIC = uniqueName('secret-topic');
  try {
    const { runtime: { herder }, configs } = await startWorker(uniqueName('herder'));
    await herder.putConnectorConfig('gen', { ...datagen('${env:TRIBUTARY_TEST_TOPIC}'), 'tasks.max': '1' }, false);
    const stored = await waitFor('task configs in the config topic', () => configs.taskConfigs('gen'), 20_000);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].topic, '${env:TRIBUTARY_TEST_TOPIC}');
    // the running task got the resolved value
    await waitFor('the task RUNNING', async () => ((await herder.connectorStatus('gen')).tasks[0]?.state === 'RUNNING' ? true : undefined), 20_000);
    // a PUT of the same config changes nothing: no new task configs
    const offset = configs.offset();
    await herder.putConnectorConfig('gen', { ...datagen('${env:TRIBUTARY_TEST_TOPIC}'), 'tasks.max': '1' }, true);
    await configs.refresh();
    assert.equal(configs.offset(), offset, 'nothing written');
  } finally {
    delete process.env.TRIBUTARY_TEST_TOPIC;
  }
});
