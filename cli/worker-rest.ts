import type { ConfigOf, Logger } from '../plugins/api/index.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { startRestServer, type RestAppOptions, type RestAuth, type RestServer } from '../rest/index.js';
import type { sharedWorkerProperties } from '../runtime/config/worker-config.js';
import type { Herder } from '../runtime/herder/herder.js';
import type { LogRegistry } from '../runtime/logging/log-registry.js';
import type { WorkerMetrics } from '../runtime/metrics/worker-metrics.js';
import { VERSION } from '../runtime/version.js';

/** The REST properties both worker kinds have (runtime/config/worker-config.ts). */
type RestProperties = ConfigOf<typeof sharedWorkerProperties>;

/**
 * The worker's REST API on its listeners, or undefined when `rest.enabled=false`. `cluster`: a
 * worker of a group, which forwards requests meant for another worker and retries during a
 * rebalance (rest/cluster-routing.ts).
 */
export async function startWorkerRest(config: RestProperties, deps: { herder: Herder; registry: PluginRegistry; metrics: WorkerMetrics; logs: LogRegistry }, cluster?: RestAppOptions['cluster']): Promise<RestServer | undefined> {
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
    cluster,
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

/**
 * The Authorization header a worker sends with its requests to the other workers of its group
 * (forwarded requests carry the client's own): its own REST credentials, the same on every worker
 * of a group — the bearer token, or the first basic-auth user. Undefined without REST auth.
 */
export function internalAuthorization(config: RestProperties): string | undefined {
  const auth = restAuth(config);
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  if (auth.type === 'basic') {
    const [user, password] = Object.entries(auth.users)[0] ?? [];
    return user === undefined ? undefined : `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  return undefined;
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
