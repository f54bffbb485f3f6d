import { parseConfig, type Connector, type RawConfig } from '../../plugins/api/index.js';
import type { Bus, SinkFeed } from '../bus/bus.js';
import { ErrorPolicy } from '../errors/error-policy.js';
import type { LogRegistry } from '../logging/log-registry.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import { buildTransformChain } from '../transforms/transform-chain.js';
import { fullSpecOf } from './connector-validator.js';
import { SinkTaskRunner, type DeadLetterReplay } from './sink-task-runner.js';
import { SourceTaskRunner } from './source-task-runner.js';
import type { TaskRuntime } from './task-context.js';

export interface TaskFactoryDeps {
  bus: Bus;
  offsets: OffsetBackingStore;
  logs: LogRegistry;
  metrics: WorkerMetrics;
  /** an offset commit soon (a source asked for one) */
  requestCommit: () => void;
}

/**
 * Builds a task's runner from its (provider-resolved) task config: the task's own parsed config,
 * its error policy, its transform chain and its logger, all from that one config.
 */
export function createTaskRunner(deps: TaskFactoryDeps, connector: Connector, name: string, taskId: number, taskConfig: RawConfig, sink?: { feed: SinkFeed; deadLetterReplay: Map<string, DeadLetterReplay> }): SourceTaskRunner | SinkTaskRunner {
  const spec = fullSpecOf(connector);
  const parsed = parseConfig(spec, taskConfig).value as Record<string, unknown>;
  const labels = { connector: name, task: String(taskId) };
  const logger = deps.logs.get(`connectors.${name}`, { connector: name, task: taskId });
  const errors = new ErrorPolicy(
    {
      retryTimeoutMs: Number(parsed['errors.retry.timeout'] ?? 0),
      retryDelayMaxMs: Number(parsed['errors.retry.delay.max.ms'] ?? 60000),
      tolerance: (parsed['errors.tolerance'] as 'none' | 'all') ?? 'none',
      logEnable: Boolean(parsed['errors.log.enable']),
      logIncludeMessages: Boolean(parsed['errors.log.include.messages']),
    },
    logger,
    deps.metrics,
    labels,
  );
  const { chain } = buildTransformChain(taskConfig);
  const runtime: TaskRuntime = {
    connector: name,
    taskId,
    rawConfig: taskConfig,
    parsedConfig: parsed,
    logger,
    metrics: deps.metrics,
    taskMetrics: deps.metrics.forTask(name, taskId),
    bus: deps.bus,
    errors,
    transforms: chain,
    deadLetterTopic: errors.tolerateAll ? String(parsed['errors.deadletterqueue.topic.name'] ?? '') : '',
    deadLetterHeaders: parsed['errors.deadletterqueue.context.headers.enable'] !== false,
    labels,
  };
  if (connector.kind === 'source') return new SourceTaskRunner(runtime, connector.createTask(), deps.offsets, deps.requestCommit);
  if (!sink) throw new Error(`sink task ${name}/${taskId} needs a feed`);
  return new SinkTaskRunner(runtime, connector.createTask(), sink.feed, Number(parsed['consumer.max.poll.records'] ?? 2000), sink.deadLetterReplay);
}

/** Kafka Connect's sink subscription: `topics` by name, or `topics.regex` matching the whole name. */
export function topicMatcher(config: Record<string, unknown>): (topic: string) => boolean {
  const topics = (config.topics as string[] | undefined) ?? [];
  if (topics.length > 0) {
    const set = new Set(topics);
    return (t) => set.has(t);
  }
  const regex = new RegExp(`^(?:${String(config['topics.regex'])})$`);
  return (t) => regex.test(t);
}
