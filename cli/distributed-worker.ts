import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { builtinConnectors } from '../connectors/index.js';
import type { TributaryError } from '../plugins/api/index.js';
import { PluginRegistry } from '../plugins/registry.js';
import { KafkaBus } from '../runtime/bus/kafka/kafka-bus.js';
import { loadDistributedWorkerConfig, type LoadedDistributedWorkerConfig } from '../runtime/config/distributed-worker-config.js';
import { parseListener } from '../runtime/config/listeners.js';
import { DistributedHerder } from '../runtime/herder/distributed-herder.js';
import { coordinatorConnections } from '../runtime/herder/group/coordinator-connections.js';
import { registerGroupMetrics } from '../runtime/herder/group/group-metrics.js';
import { membershipTimings } from '../runtime/herder/group/membership-timings.js';
import { LogRegistry } from '../runtime/logging/log-registry.js';
import { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { startKafkaBackingStores } from '../runtime/storage/kafka-backing-stores.js';
import { Worker } from '../runtime/worker/worker.js';
import { defaultWorkerId, internalAuthorization, startCommitTimer, startWorkerRest } from './worker-rest.js';

export interface DistributedOptions {
  /** worker properties as read from a file (environment overrides are applied here) */
  workerProps: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** where JSON logs go (default stderr) */
  logDestination?: NodeJS.WritableStream;
  /** the worker cannot take part in its group any more (refused by the coordinator); default: logged */
  onFatal?: (error: TributaryError) => void;
}

export interface DistributedRuntime {
  readonly loaded: LoadedDistributedWorkerConfig;
  readonly herder: DistributedHerder;
  readonly worker: Worker;
  readonly metrics: WorkerMetrics;
  /** the REST base URL, when REST is enabled */
  readonly url: string | undefined;
  /** graceful stop: REST closed, the work handed over (flushed, committed, the group left), the stores' clients closed */
  stop(): Promise<void>;
}

/**
 * Assembles a distributed worker, as connect-distributed: validated worker config → logs,
 * metrics, plugins → the Kafka-backed config, offset and status stores (internal topics created
 * or checked, read to their ends) → Kafka bus → worker → distributed herder (the worker group's
 * membership) → REST. An invalid config throws `worker.config_invalid` before anything connects;
 * a cluster that cannot be reached throws `kafka.unavailable` within `worker.startup.timeout.ms`.
 * The worker joins its group in the background: GET /health answers 200 once its first
 * assignment runs.
 */
export async function startDistributed(options: DistributedOptions): Promise<DistributedRuntime> {
  const loaded = loadDistributedWorkerConfig(options.workerProps, options.env ?? process.env);
  const { config } = loaded;
  const logs = new LogRegistry({ level: config['log.level'], destination: options.logDestination });
  const log = logs.get('runtime.herder');
  for (const w of loaded.warnings) log.warn({ property: w.name, suggestion: w.suggestion }, w.message);
  const timings = membershipTimings({
    sessionTimeoutMs: config['session.timeout.ms'], heartbeatIntervalMs: config['heartbeat.interval.ms'], rebalanceTimeoutMs: config['rebalance.timeout.ms'],
    scheduledRebalanceMaxDelayMs: config['scheduled.rebalance.max.delay.ms'], configSyncTimeoutMs: config['worker.sync.timeout.ms'],
  });
  const registry = new PluginRegistry(builtinConnectors);
  await registry.loadPluginPath(config['plugin.path']);
  // the others reach this worker at its REST address, so a port left to the system is chosen now
  config.listeners = await Promise.all(config.listeners.map(withChosenPort));
  const workerId = config['worker.id'] ?? defaultWorkerId(hostname(), config.listeners);
  const clientId = `tributary-${config['group.id']}-${workerId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const stores = await startKafkaBackingStores(loaded, {
    clientId,
    logger: { offsets: logs.get('runtime.offsets'), configs: logs.get('runtime.configs'), statuses: logs.get('runtime.statuses') },
  });
  const metrics = new WorkerMetrics();
  let herder: DistributedHerder | undefined;
  const worker = new Worker({
    workerId,
    registry,
    offsets: stores.offsets,
    statuses: stores.statuses,
    generation: () => herder?.generation() ?? -1,
    bus: new KafkaBus({
      bootstrapBrokers: loaded.kafka.bootstrapBrokers, security: loaded.kafka.security, clientId, worker: loaded.raw, logger: logs.get('runtime.bus'),
      ...(config['exactly.once.source.support'] === 'enabled' ? { exactlyOnce: { groupId: config['group.id'], offsets: stores.offsets } } : {}),
    }),
    logs,
    metrics,
    shutdownTimeoutMs: config['task.shutdown.graceful.timeout.ms'],
    flushTimeoutMs: config['offset.flush.timeout.ms'],
  });
  herder = new DistributedHerder({
    worker, registry, configs: stores.configs, offsets: stores.offsets, statuses: stores.statuses, logger: log,
    topicTracking: { enabled: config['topic.tracking.enable'], allowReset: config['topic.tracking.allow.reset'] },
    group: {
      restUrl: advertisedUrl(config),
      groupInstanceId: config['group.instance.id'],
      timings,
      connect: coordinatorConnections({ bootstrapBrokers: loaded.kafka.bootstrapBrokers, groupId: config['group.id'], clientId, security: loaded.kafka.security, timings }),
    },
    internalAuthorization: internalAuthorization(config),
    requestTimeoutMs: config['rest.request.timeout.ms'],
    sessionKeyTtlMs: config['inter.worker.key.ttl.ms'],
    ...(config['exactly.once.source.support'] === 'enabled' ? { leaderTransactionalId: `connect-cluster-${config['group.id']}` } : {}),
    onFatal: options.onFatal ?? ((error) => log.error({ err: error }, 'this worker cannot take part in its group; stop it and fix the cause')),
  });
  const running = herder;
  registerGroupMetrics(metrics.registry, { rebalance: () => running.rebalanceMetrics(), counts: () => worker.counts(), isLeader: () => running.isLeader() });
  let rest;
  try {
    rest = await startWorkerRest(config, { herder: running, registry, metrics, logs }, {
      requestTimeoutMs: config['rest.request.timeout.ms'],
      retryAfterSeconds: Math.max(1, Math.ceil(config['heartbeat.interval.ms'] / 1000)),
      afterForward: () => stores.configs.refresh(),
    });
    await running.start();
  } catch (error) {
    await rest?.close();
    await running.stop().catch(() => undefined);
    await stores.stop();
    throw error;
  }
  const stopCommits = startCommitTimer(() => worker.commitOffsets(), config['offset.flush.interval.ms'], log);
  log.info({ listeners: rest?.urls, workerId, group: config['group.id'], topics: [loaded.topics.config.topic, loaded.topics.offset.topic, loaded.topics.status.topic], plugins: registry.list().map((c) => c.name) }, 'distributed worker started; joining its group');
  let stopping: Promise<void> | undefined;
  return {
    loaded,
    herder: running,
    worker,
    metrics,
    url: rest?.urls[0],
    stop: () =>
      (stopping ??= (async () => {
        stopCommits();
        // the work is handed over first (REST answers meanwhile, forwarding included), then REST closes
        await running.stop();
        await rest?.close();
        await stores.stop();
        log.info('distributed worker stopped');
      })()),
  };
}

/**
 * This worker's REST URL as the others call it: `rest.advertised.*` where given, else the first
 * listener, with this host's name for a listener on every interface.
 */
function advertisedUrl(config: { listeners: readonly string[]; 'rest.advertised.listener'?: string; 'rest.advertised.host.name'?: string; 'rest.advertised.port'?: number }): string {
  const listener = parseListener(config.listeners[0] ?? 'http://127.0.0.1:8083');
  const wildcard = listener.host === undefined || listener.host === '0.0.0.0' || listener.host === '::';
  const host = config['rest.advertised.host.name'] || (wildcard ? hostname() : listener.host!);
  const port = config['rest.advertised.port'] ?? listener.port;
  return `${config['rest.advertised.listener'] ?? 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `http://host:0` with a free port in place of 0 (the port is this worker's address in the group). */
async function withChosenPort(text: string): Promise<string> {
  const listener = parseListener(text);
  if (listener.port !== 0) return text;
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, listener.host ?? '127.0.0.1', () => {
      const { port: chosen } = server.address() as { port: number };
      server.close(() => resolve(chosen));
    });
  });
  return text.trim().replace(/:0\/?$/, `:${port}`);
}
