import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { builtinConnectors } from '../connectors/index.js';
import type { RawConfig } from '../plugins/api/index.js';
import { PluginRegistry } from '../plugins/registry.js';
import { readConfigFile } from '../runtime/config/config-file.js';
import { loadWorkerConfig, type WorkerConfig } from '../runtime/config/worker-config.js';
import { StandaloneHerder } from '../runtime/herder/standalone-herder.js';
import type { StartupConnector } from '../runtime/herder/startup-connectors.js';
import type { Bus } from '../runtime/bus/bus.js';
import { MemoryBus } from '../runtime/bus/memory-bus.js';
import { LogRegistry } from '../runtime/logging/log-registry.js';
import { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { FileConfigStore } from '../runtime/storage/config-store.js';
import { FileOffsetStore } from '../runtime/storage/file-offset-store.js';
import { MemoryStatusStore } from '../runtime/storage/memory-status-store.js';
import { Worker } from '../runtime/worker/worker.js';
import { defaultWorkerId, startCommitTimer, startWorkerRest } from './worker-rest.js';

export interface StandaloneOptions {
  /** worker properties as read from a file (environment overrides are applied here) */
  workerProps: Record<string, string>;
  /**
   * connector config files named on the command line, created or replaced at start-up; a stored
   * connector of an earlier command line that is not named again is not started
   * (docs/operations.md, "Connectors from the command line and from REST")
   */
  connectorFiles?: string[];
  /** connector configs given by an embedding program; treated as the command line's, without a file */
  connectors?: RawConfig[];
  env?: NodeJS.ProcessEnv;
  /** another bus than the memory bus (tests run the standalone worker on the Kafka bus) */
  bus?: (config: WorkerConfig, logs: LogRegistry) => Bus;
  /** where JSON logs go (default stderr) */
  logDestination?: NodeJS.WritableStream;
}

export interface StandaloneRuntime {
  readonly config: WorkerConfig;
  readonly herder: StandaloneHerder;
  readonly worker: Worker;
  readonly metrics: WorkerMetrics;
  readonly logs: LogRegistry;
  /** the REST base URL, when REST is enabled */
  readonly url: string | undefined;
  /** graceful stop: REST closed, a last commit, tasks stopped */
  stop(): Promise<void>;
}

/**
 * Assembles a standalone worker: validated worker config → logs, metrics, offset and config
 * stores, plugin registry (built-ins + plugin.path) → worker → herder → REST. An invalid worker
 * config or an unreadable offset file throws before anything starts.
 */
export async function startStandalone(options: StandaloneOptions): Promise<StandaloneRuntime> {
  const given: StartupConnector[] = [
    ...(options.connectorFiles ?? []).map((file) => ({ config: readConfigFile(file), file: resolve(file) })),
    ...(options.connectors ?? []).map((config) => ({ config })),
  ];
  const { config, unknown } = loadWorkerConfig(options.workerProps, options.env ?? process.env);
  const logs = new LogRegistry({ level: config['log.level'], destination: options.logDestination });
  const log = logs.get('runtime.herder');
  if (unknown.length > 0) log.warn({ properties: unknown }, 'unknown worker properties are ignored');
  const registry = new PluginRegistry(builtinConnectors);
  await registry.loadPluginPath(config['plugin.path']);
  const offsets = new FileOffsetStore(config['offset.storage.file.filename'], logs.get('runtime.offsets'));
  await offsets.start();
  const metrics = new WorkerMetrics();
  const statuses = new MemoryStatusStore();
  const worker = new Worker({
    workerId: config['worker.id'] ?? defaultWorkerId(hostname(), config.listeners),
    registry,
    offsets,
    statuses,
    // standalone: records move in memory, and sinks' durable bounds live in the offset file
    bus: options.bus?.(config, logs) ?? new MemoryBus({ bufferBatches: config['bus.buffer.batches'], bounds: offsets }),
    logs,
    metrics,
    shutdownTimeoutMs: config['task.shutdown.graceful.timeout.ms'],
    flushTimeoutMs: config['offset.flush.timeout.ms'],
  });
  const herder = new StandaloneHerder({
    worker, registry, configs: new FileConfigStore(config['state.dir']), offsets, statuses, logger: log,
    topicTracking: { enabled: config['topic.tracking.enable'], allowReset: config['topic.tracking.allow.reset'] },
  });
  const rest = await startWorkerRest(config, { herder, registry, metrics, logs });
  await herder.start(given);
  const stopCommits = startCommitTimer(() => worker.commitOffsets(), config['offset.flush.interval.ms'], log);
  log.info({ listeners: rest?.urls, offsets: config['offset.storage.file.filename'], plugins: registry.list().map((c) => c.name) }, 'standalone worker started');
  let stopping: Promise<void> | undefined;
  return {
    config,
    herder,
    worker,
    metrics,
    logs,
    url: rest?.urls[0],
    stop: () =>
      (stopping ??= (async () => {
        stopCommits();
        await rest?.close();
        await herder.stop();
        log.info('standalone worker stopped');
      })()),
  };
}
