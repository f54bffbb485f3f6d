import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { builtinConnectors } from '../connectors/index.js';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { PluginRegistry } from '../plugins/registry.js';
import { MemoryBus } from '../runtime/bus/memory-bus.js';
import { DistributedHerder } from '../runtime/herder/distributed-herder.js';
import { LogRegistry } from '../runtime/logging/log-registry.js';
import { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { FileConfigStore } from '../runtime/storage/config-store.js';
import { FileOffsetStore } from '../runtime/storage/file-offset-store.js';
import { MemoryStatusStore } from '../runtime/storage/memory-status-store.js';
import { Worker } from '../runtime/worker/worker.js';

/**
 * The distributed herder's contract with its config store, on in-memory stores (the Kafka stores
 * have their own tests): what another process writes to the store is applied to the worker, and
 * task configs are written back with provider references kept.
 */
async function startHerder() {
  const logs = new LogRegistry({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const registry = new PluginRegistry(builtinConnectors);
  const offsets = new FileOffsetStore(undefined, logs.get('runtime.offsets'));
  await offsets.start();
  const statuses = new MemoryStatusStore();
  const configs = new FileConfigStore(undefined);
  await configs.start();
  const worker = new Worker({
    workerId: 'w1', registry, offsets, statuses, bus: new MemoryBus(), logs, metrics: new WorkerMetrics(), shutdownTimeoutMs: 5000, flushTimeoutMs: 5000,
  });
  const herder = new DistributedHerder({ worker, registry, configs, offsets, statuses, logger: logs.get('runtime.herder') });
  await herder.start();
  return { herder, configs };
}

const datagen = (topic: string) => ({ 'connector.class': 'datagen', topic, 'max.records': '10' });

test('distributed herder: changes another process writes to the config store are applied', async () => {
  const { herder, configs } = await startHerder();
  try {
    await configs.putConnector({ name: 'elsewhere', origin: { type: 'rest' }, targetState: 'RUNNING', config: { name: 'elsewhere', ...datagen('t1') } });
    await waitFor('the connector written elsewhere runs', async () => {
      const status = await herder.connectorStatus('elsewhere').catch(() => undefined);
      return status?.tasks[0]?.state === 'RUNNING' ? status : undefined;
    }, 10_000);

    await configs.putConnector({ name: 'elsewhere', origin: { type: 'rest' }, targetState: 'PAUSED', config: { name: 'elsewhere', ...datagen('t1') } });
    await waitFor('its pause is applied', async () => ((await herder.connectorStatus('elsewhere')).tasks[0]?.state === 'PAUSED' ? true : undefined), 10_000);

    await configs.removeConnector('elsewhere');
    await waitFor('its removal is applied', async () => ((await herder.connectors()).includes('elsewhere') ? undefined : true), 10_000);
  } finally {
    await herder.stop();
  }
});

test('distributed herder: task configs are written to the config store with provider references kept', async () => {
  process.env.TRIBUTARY_TEST_TOPIC = 'secret-topic';
  const { herder, configs } = await startHerder();
  try {
    await herder.putConnectorConfig('gen', { ...datagen('${env:TRIBUTARY_TEST_TOPIC}'), 'tasks.max': '1' }, false);
    const stored = await waitFor('task configs in the store', () => configs.taskConfigs('gen'), 10_000);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].topic, '${env:TRIBUTARY_TEST_TOPIC}');
    // the running task got the resolved value
    assert.equal((await herder.connectorStatus('gen')).tasks[0]?.state, 'RUNNING');
    // a PUT of the same config changes nothing: no restart, no new task configs
    const before = configs.taskConfigs('gen');
    await herder.putConnectorConfig('gen', { ...datagen('${env:TRIBUTARY_TEST_TOPIC}'), 'tasks.max': '1' }, true);
    assert.equal(configs.taskConfigs('gen'), before);
  } finally {
    await herder.stop();
    delete process.env.TRIBUTARY_TEST_TOPIC;
  }
});
