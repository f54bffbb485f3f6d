import type { ConfigOf, Logger } from '../plugins/api/index.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { startRestServer, type RestAuth, type RestServer } from '../rest/index.js';
import type { sharedWorkerProperties } from '../runtime/config/worker-config.js';
import type { Herder } from '../runtime/herder/herder.js';
import type { LogRegistry } from '../runtime/logging/log-registry.js';
import type { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { VERSION } from '../runtime/version.js';

/** The REST properties both worker kinds have (runtime/config/worker-config.ts). */
type RestProperties = ConfigOf<typeof sharedWorkerProperties>;

/** The worker's REST API on its listeners, or undefined when `rest.enabled=false`. */
export async function startWorkerRest(config: RestProperties, deps: { herder: Herder; registry: PluginRegistry; metrics: WorkerMetrics; logs: LogRegistry }): Promise<RestServer | undefined> {
  if (!config['rest.enabled']) return undefined;
  return startRestServer({
    listeners: config.listeners,
    herder: deps.herder,
    metrics: deps.metrics.registry,
    loggers: deps.logs,
    version: VERSION,
    auth: restAuth(config),
    maxBodyBytes: config['rest.max.body.bytes'],
    advertised: { protocol: config['rest.advertised.listener'], host: config['rest.advertised.host.name'] || undefined, port: config['rest.advertised.port'] },
    resolvePlugin: (c) => deps.registry.find(c)?.name,
    logger: deps.logs.get('rest'),
  });
}

/** The worker id when `worker.id` is not set: Kafka Connect's `host:port` of the first listener. */
export function defaultWorkerId(hostName: string, listeners: readonly string[]): string {
  const first = listeners[0] ?? 'http://127.0.0.1:8083';
  return `${hostName}:${new URL(first).port || 8083}`;
}

/** Runs a commit cycle every `offset.flush.interval.ms`; returns its stop. */
export function startCommitTimer(commit: () => Promise<void>, intervalMs: number, log: Logger): () => void {
  const timer = setInterval(() => commit().catch((error: unknown) => log.warn({ err: error }, 'offset commit failed; retried at the next interval')), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function restAuth(config: RestProperties): RestAuth {
  if (config['rest.auth.type'] === 'bearer') return { type: 'bearer', token: config['rest.auth.bearer.token']! };
  if (config['rest.auth.type'] === 'basic') {
    const users = Object.fromEntries(config['rest.auth.basic.users']!.split(',').map((pair) => {
      const i = pair.indexOf(':');
      return [pair.slice(0, i).trim(), pair.slice(i + 1)];
    }));
    return { type: 'basic', users };
  }
  return { type: 'none' };
}
