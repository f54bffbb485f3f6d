import { join } from 'node:path';
import {
  defineConfigSpec, parseConfig, prop, TributaryError, unknownPropertyWarnings,
  type ConfigOf, type ConfigSpec, type ConfigWarning, type IssueReporter, type PropertyMap,
} from '../../plugins/api/index.js';
import { parseListener } from './listeners.js';
import { resolveConfigProviders } from './config-providers.js';

/**
 * The properties every worker has, standalone or distributed: commits, REST, plugins, task
 * shutdown, worker id, topic tracking, logging (Kafka Connect's names where they exist). Both
 * worker specs spread these in, and check them with `checkSharedWorkerProperties`.
 */
export const sharedWorkerProperties = {
  'offset.flush.interval.ms': prop.long({ doc: 'How often sinks are asked what is durable and source offsets are committed.', default: 60000, min: 1 }),
  'offset.flush.timeout.ms': prop.long({ doc: 'How long a commit waits for sinks to answer before it is retried at the next interval.', default: 5000, min: 1 }),
  listeners: prop.list({ doc: 'REST listeners, e.g. http://127.0.0.1:8083 (use port 0 for any free port).', default: ['http://127.0.0.1:8083'] }),
  'rest.port': prop.int({ doc: 'Deprecated Kafka Connect shorthand: overrides the port of listeners.', min: 0, max: 65535, importance: 'low' }),
  'rest.host.name': prop.string({ doc: 'Deprecated Kafka Connect shorthand: overrides the host of listeners.', importance: 'low' }),
  'rest.advertised.host.name': prop.string({ doc: 'The host name clients are given in absolute URLs (the Location of a created connector); default: the host the request was sent to.', importance: 'low' }),
  'rest.advertised.port': prop.int({ doc: 'The port clients are given in absolute URLs; default: the port the request was sent to (with rest.advertised.host.name: the listener\'s port).', min: 1, max: 65535, importance: 'low' }),
  'rest.advertised.listener': prop.enum(['http', 'https'] as const, { doc: 'The scheme clients are given in absolute URLs, https behind a TLS-terminating proxy; default: the request\'s (http).', caseInsensitive: true, importance: 'low' }),
  'rest.enabled': prop.boolean({ doc: 'Serve the REST API (embedded uses may turn it off).', default: true, importance: 'low' }),
  'rest.auth.type': prop.enum(['none', 'basic', 'bearer'] as const, { doc: 'REST authentication.', default: 'none' }),
  'rest.auth.basic.users': prop.password({ doc: 'Basic-auth users as user:password pairs separated by commas.' }),
  'rest.auth.bearer.token': prop.password({ doc: 'The bearer token REST clients must send.' }),
  'rest.max.body.bytes': prop.int({ doc: 'Largest accepted request body; larger ones get 413.', default: 1048576, min: 1024 }),
  'plugin.path': prop.list({ doc: 'Folders or files with external connector plugins.', default: [] }),
  'task.shutdown.graceful.timeout.ms': prop.long({ doc: 'How long a stopping task may take before it is abandoned.', default: 10000, min: 0 }),
  'worker.id': prop.string({ doc: 'The worker id shown in statuses; defaults to the REST host:port.' }),
  'topic.tracking.enable': prop.boolean({ doc: 'Track the topics each connector uses (KIP-558: GET /connectors/{name}/topics).', default: true, importance: 'low' }),
  'topic.tracking.allow.reset': prop.boolean({ doc: 'Allow PUT /connectors/{name}/topics/reset to empty a connector\'s set of active topics.', default: true, importance: 'low' }),
  'log.level': prop.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, { doc: 'Root log level.', default: 'info' }),
} as const;

type SharedWorkerValues = Partial<ConfigOf<typeof sharedWorkerProperties>>;

/** The cross-field rules of the shared properties. */
export function checkSharedWorkerProperties(values: SharedWorkerValues, issues: IssueReporter): void {
  // An auth type without its credentials would lock everyone out or let everyone in.
  if (values['rest.auth.type'] === 'basic' && !values['rest.auth.basic.users']) issues.add('rest.auth.basic.users', 'rest.auth.type=basic needs rest.auth.basic.users');
  if (values['rest.auth.type'] === 'bearer' && !values['rest.auth.bearer.token']) issues.add('rest.auth.bearer.token', 'rest.auth.type=bearer needs rest.auth.bearer.token');
  // The same parser the REST server uses, so a listener it would refuse is refused here, at load.
  for (const l of values.listeners ?? []) {
    try {
      parseListener(l);
    } catch (error) {
      issues.add('listeners', (error as Error).message);
    }
  }
}

/** Worker properties of the standalone worker. */
export const workerConfigSpec = defineConfigSpec(
  {
    'state.dir': prop.string({ doc: 'Folder for the worker state: connector configs created over REST, and the default offset file.', default: '.tributary', importance: 'high' }),
    'offset.storage.file.filename': prop.string({ doc: 'Standalone offset file; defaults to <state.dir>/connect.offsets. Three generations are kept (.1, .2).', importance: 'high' }),
    ...sharedWorkerProperties,
    'bus.buffer.batches': prop.int({ doc: 'Batches each sink task may have queued before sources wait (backpressure).', default: 16, min: 1 }),
    'key.converter': prop.string({ doc: 'Accepted for Kafka Connect compatibility; embedded mode passes records without converting.', importance: 'low' }),
    'value.converter': prop.string({ doc: 'Accepted for Kafka Connect compatibility; embedded mode passes records without converting.', importance: 'low' }),
    'bootstrap.servers': prop.list({ doc: 'Kafka brokers (distributed mode; ignored by the standalone worker).', default: [], importance: 'low' }),
    'group.id': prop.string({ doc: 'Worker group (distributed mode; ignored by the standalone worker).', importance: 'low' }),
  },
  (values, issues) => checkSharedWorkerProperties(values, issues),
  // client and provider settings other components read
  { accepted: ['config.providers', 'config.providers.', 'consumer.', 'producer.'] },
);

export type WorkerConfig = ConfigOf<typeof workerConfigSpec.properties>;

/** `offset.flush.interval.ms` → `TRIBUTARY_OFFSET_FLUSH_INTERVAL_MS`. */
export function envNameOf(property: string): string {
  return 'TRIBUTARY_' + property.toUpperCase().replace(/[.-]/g, '_');
}

/**
 * Reads a worker's properties against `spec`: file properties, then environment overrides
 * (TRIBUTARY_* named after each known property), then config providers. Every problem is listed
 * in one `worker.config_invalid` error: a worker with an invalid config does not start. Unknown
 * properties (neither declared nor accepted by the spec) come back as warnings.
 */
export function loadWorkerProperties<P extends PropertyMap>(spec: ConfigSpec<P>, fileProps: Record<string, string>, env: NodeJS.ProcessEnv): { config: ConfigOf<P>; raw: Record<string, string>; unknown: string[]; warnings: ConfigWarning[] } {
  const merged: Record<string, string> = { ...fileProps };
  for (const name of Object.keys(spec.properties)) {
    const value = env[envNameOf(name)];
    if (value !== undefined) merged[name] = value;
  }
  const { config: resolved, errors: providerErrors } = resolveConfigProviders(merged, env);
  const parsed = parseConfig(spec, resolved);
  const errors = { ...parsed.errors };
  for (const [k, v] of Object.entries(providerErrors)) errors[k] = [...(errors[k] ?? []), ...v];
  const details = Object.entries(errors).flatMap(([k, v]) => v.map((m) => `${k}: ${m}`));
  if (!parsed.ok || details.length > 0) {
    throw new TributaryError('worker.config_invalid', `The worker configuration is invalid:\n${details.map((d) => `  - ${d}`).join('\n')}`, { details });
  }
  const warnings = unknownPropertyWarnings(spec, fileProps);
  return { config: parsed.value, raw: resolved, unknown: warnings.map((w) => w.name), warnings };
}

/** Kafka Connect's deprecated `rest.port` / `rest.host.name` each replace only their part of every listener. */
export function applyListenerShorthands(config: { listeners: string[]; 'rest.port'?: number; 'rest.host.name'?: string }): void {
  if (config['rest.port'] === undefined && config['rest.host.name'] === undefined) return;
  config.listeners = config.listeners.map((l) => {
    const { host, port } = parseListener(l);
    const h = config['rest.host.name'] ?? host ?? '';
    return `http://${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${config['rest.port'] ?? port}`;
  });
}

/** Builds the standalone worker config (see loadWorkerProperties). */
export function loadWorkerConfig(fileProps: Record<string, string>, env: NodeJS.ProcessEnv = process.env): { config: WorkerConfig; raw: Record<string, string>; unknown: string[] } {
  const { config, raw, unknown } = loadWorkerProperties(workerConfigSpec, fileProps, env);
  config['offset.storage.file.filename'] ??= join(config['state.dir'], 'connect.offsets');
  applyListenerShorthands(config);
  return { config, raw, unknown };
}
