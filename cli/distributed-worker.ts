import { hostname } from 'node:os';
import { builtinConnectors } from '../connectors/index.js';
import { PluginRegistry } from '../plugins/registry.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { loadDistributedWorkerConfig, type LoadedDistributedWorkerConfig } from '../runtime/config/distributed-worker-config.js';
import { DistributedHerder } from '../runtime/herder/distributed-herder.js';
import { LogRegistry } from '../runtime/logging/log-registry.js';
import { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { startKafkaBackingStores } from '../runtime/storage/kafka-backing-stores.js';
import { Worker } from '../runtime/worker/worker.js';
import { defaultWorkerId, startCommitTimer, startWorkerRest } from './worker-rest.js';

export interface DistributedOptions {
  /** worker properties as read from a file (environment overrides are applied here) */
  workerProps: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** where JSON logs go (default stderr) */
  logDestination?: NodeJS.WritableStream;
}

export interface DistributedRuntime {
  readonly loaded: LoadedDistributedWorkerConfig;
  readonly herder: DistributedHerder;
  readonly worker: Worker;
  readonly metrics: WorkerMetrics;
  /** the REST base URL, when REST is enabled */
  readonly url: string | undefined;
  /** graceful stop: REST closed, a last commit, tasks stopped, the stores' clients closed */
  stop(): Promise<void>;
}

/**
 * Assembles a distributed worker, as connect-distributed: validated worker config → logs,
 * metrics, plugins → the Kafka-backed config, offset and status stores (internal topics created
 * or checked, read to their ends) → Kafka bus → worker → distributed herder → REST. An invalid
 * config throws `worker.config_invalid` before anything connects; a cluster that cannot be
 * reached throws `kafka.unavailable` within `worker.startup.timeout.ms`.
 */
export async function startDistributed(options: DistributedOptions): Promise<DistributedRuntime> {
  const loaded = loadDistributedWorkerConfig(options.workerProps, options.env ?? process.env);
  const { config } = loaded;
  const logs = new LogRegistry({ level: config['log.level'], destination: options.logDestination });
  const log = logs.get('runtime.herder');
  for (const w of loaded.warnings) log.warn({ property: w.name, suggestion: w.suggestion }, w.message);
  const registry = new PluginRegistry(builtinConnectors);
  await registry.loadPluginPath(config['plugin.path']);
  const workerId = config['worker.id'] ?? defaultWorkerId(hostname(), config.listeners);
  const clientId = `tributary-${config['group.id']}-${workerId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const stores = await startKafkaBackingStores(loaded, {
    clientId,
    logger: { offsets: logs.get('runtime.offsets'), configs: logs.get('runtime.configs'), statuses: logs.get('runtime.statuses') },
  });
  const metrics = new WorkerMetrics();
  const worker = new Worker({
    workerId,
    registry,
    offsets: stores.offsets,
    statuses: stores.statuses,
    bus: new KafkaBus({ bootstrapBrokers: loaded.kafka.bootstrapBrokers, security: loaded.kafka.security, clientId, worker: loaded.raw, logger: logs.get('runtime.bus') }),
    logs,
    metrics,
    shutdownTimeoutMs: config['task.shutdown.graceful.timeout.ms'],
    flushTimeoutMs: config['offset.flush.timeout.ms'],
  });
  const herder = new DistributedHerder({
    worker, registry, configs: stores.configs, offsets: stores.offsets, statuses: stores.statuses, logger: log,
    topicTracking: { enabled: config['topic.tracking.enable'], allowReset: config['topic.tracking.allow.reset'] },
  });
  let rest;
  try {
    rest = await startWorkerRest(config, { herder, registry, metrics, logs });
    await herder.start();
  } catch (error) {
    await rest?.close();
    await herder.stop().catch(() => undefined);
    await stores.stop();
    throw error;
  }
  const stopCommits = startCommitTimer(() => worker.commitOffsets(), config['offset.flush.interval.ms'], log);
  log.info({ listeners: rest?.urls, group: config['group.id'], topics: [loaded.topics.config.topic, loaded.topics.offset.topic, loaded.topics.status.topic], plugins: registry.list().map((c) => c.name) }, 'distributed worker started');
  let stopping: Promise<void> | undefined;
  return {
    loaded,
    herder,
    worker,
    metrics,
    url: rest?.urls[0],
    stop: () =>
      (stopping ??= (async () => {
        stopCommits();
        await rest?.close();
        await herder.stop();
        await stores.stop();
        log.info('distributed worker stopped');
      })()),
  };
}
