import express, { type Express, type RequestHandler } from 'express';
import { pino } from 'pino';
import type { Logger } from '../plugins/api/index.js';
import type { Herder } from '../runtime/herder/herder.js';
import type { AdvertisedAddress } from './advertised-url.js';
import { createAuthMiddleware, type RestAuth } from './auth.js';
import type { ClusterRouting } from './cluster-routing.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { jsonBody } from './json-body.js';
import type { LoggerAdmin } from './logger-admin.js';
import { adminLoggersRoutes } from './routes/admin-loggers-routes.js';
import { connectorControlRoutes } from './routes/connector-control-routes.js';
import { connectorOffsetsRoutes } from './routes/connector-offsets-routes.js';
import { connectorSnapshotsRoutes } from './routes/connector-snapshots-routes.js';
import { connectorTopicsRoutes } from './routes/connector-topics-routes.js';
import { connectorPluginsRoutes, type PluginResolver } from './routes/connector-plugins-routes.js';
import { connectorsRoutes } from './routes/connectors-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoutes, type MetricsSource } from './routes/metrics-routes.js';
import { rootRoutes } from './routes/root-routes.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface RestAppOptions {
  herder: Herder;
  /** a prom-client Registry fits */
  metrics: MetricsSource;
  loggers: LoggerAdmin;
  /** default: no authentication */
  auth?: RestAuth;
  /** request bodies above this are refused with 413 (rest.max.body.bytes); default 1 MiB */
  maxBodyBytes?: number;
  version: string;
  commit?: string;
  /** shown as `kafka_cluster_id` by `GET /`; null (standalone) when absent */
  kafkaClusterId?: string | null;
  /**
   * The plugin registry's lookup (`(c) => registry.find(c)?.name`), so that `config/validate` can
   * tell whether a body's `connector.class` names the plugin in the path when they are spelled
   * differently (alias vs short name). Without it a name-based rule is used.
   */
  resolvePlugin?: PluginResolver;
  /**
   * `rest.advertised.*`: the address put in absolute URLs (`Location`); each part left out comes
   * from the request (protocol, Host header)
   */
  advertised?: AdvertisedAddress;
  /** where request failures are logged; a pino logger named `rest` when absent */
  logger?: Logger;
  /**
   * A worker of a group: requests meant for another worker are forwarded, and ones that find the
   * group rebalancing wait and retry, then answer 503 (cluster-routing.ts). Absent: standalone.
   */
  cluster?: Omit<ClusterRouting, 'advertised'>;
}

/**
 * The REST API as an express app, mapping 1:1 onto Herder calls with Kafka Connect's paths,
 * bodies and status codes. Order matters: `/health` comes before authentication, the body
 * parser after it (no parsing for callers without credentials), the 404 and error handlers last.
 */
export function createRestApp(options: RestAppOptions): Express {
  const logger = options.logger ?? pino({ name: 'rest' });
  const app = express();
  app.disable('x-powered-by');
  // Status is polled; a 304 to a client that sent If-None-Match would only confuse scripts.
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (options.cluster) {
    app.locals.cluster = { ...options.cluster, advertised: options.advertised } satisfies ClusterRouting;
    app.locals.retryAfterSeconds = options.cluster.retryAfterSeconds;
  }

  app.use(accessLog(logger));
  app.use(healthRoutes(options.herder));
  app.use(createAuthMiddleware(options.auth));
  app.use(jsonBody(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));

  app.use(rootRoutes({ version: options.version, commit: options.commit, kafkaClusterId: options.kafkaClusterId }));
  app.use(connectorsRoutes(options.herder, options.advertised));
  app.use(connectorControlRoutes(options.herder));
  app.use(connectorOffsetsRoutes(options.herder));
  app.use(connectorSnapshotsRoutes(options.herder));
  app.use(connectorTopicsRoutes(options.herder));
  app.use(connectorPluginsRoutes(options.herder, options.resolvePlugin));
  app.use(adminLoggersRoutes(options.loggers));
  app.use(metricsRoutes(options.metrics));

  app.use(notFoundHandler);
  app.use(createErrorHandler(logger));
  return app;
}

/** One debug line per request: method, path, status, duration; never bodies, which hold secrets. */
function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'REST request');
    });
    next();
  };
}
