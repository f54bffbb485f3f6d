/** The REST API: an express app over a Herder, and the HTTP servers that serve it. */
export { createRestApp, DEFAULT_MAX_BODY_BYTES, type RestAppOptions } from './app.js';
export { startRestServer, parseListener, type RestServer, type RestServerOptions, type Listener } from './server.js';
export { type RestAuth } from './auth.js';
export { type AdvertisedAddress } from './advertised-url.js';
export { LOG_LEVELS, normalizeLogLevel, type LoggerAdmin, type LogLevel } from './logger-admin.js';
export { type MetricsSource } from './routes/metrics-routes.js';
export { type PluginResolver } from './routes/connector-plugins-routes.js';
export { errorBody, type ErrorBody } from './error-handler.js';
export { type ClusterRouting } from './cluster-routing.js';
