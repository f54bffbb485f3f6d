import { defineConfigSpec, prop, TributaryError, type ConfigOf, type ConfigWarning, type IssueReporter } from '../../plugins/api/index.js';
import { kafkaConnectionSecurity, kafkaSecurityProperties, type KafkaConnectionSecurity } from './kafka-security.js';
import { applyListenerShorthands, checkSharedWorkerProperties, loadWorkerProperties, sharedWorkerProperties } from './worker-config.js';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

/** Kafka Connect's rule for partitions and replication factors: positive, or -1 for the broker's default. */
function positiveOrBrokerDefault(name: string, value: number | undefined, issues: IssueReporter): void {
  if (value !== undefined && value !== -1 && value < 1) issues.add(name, `${name} must be at least 1, or -1 for the broker's default`);
}

/**
 * A distributed worker's properties (`tributary distributed worker.properties`), with Kafka
 * Connect's names and defaults (`DistributedConfig`, `WorkerConfig`), plus the properties both
 * workers share (worker-config.ts). Internal-topic settings other than their name, partitions and
 * replication factor go under the topic's prefix (`offset.storage.min.insync.replicas=2`), as in
 * Kafka Connect; `producer.*`, `consumer.*` and `admin.*` are passed to the clients of tasks.
 */
export const distributedWorkerConfigSpec = defineConfigSpec(
  {
    'bootstrap.servers': prop.list({ doc: 'Kafka brokers to connect to first, as host:port pairs.', required: true, importance: 'high', group: 'Kafka' }),
    'group.id': prop.string({ doc: 'The worker group this worker joins; workers with the same group.id share connectors and tasks.', required: true, importance: 'high', group: 'Kafka' }),
    'config.storage.topic': prop.string({ doc: 'The compacted topic of connector and task configurations (one partition), e.g. connect-configs.', required: true, importance: 'high', group: 'Internal topics' }),
    'config.storage.replication.factor': prop.int({ doc: 'Replication factor of the config topic if it is created (-1: the broker\'s default).', default: 3, min: -1, group: 'Internal topics' }),
    'offset.storage.topic': prop.string({ doc: 'The compacted topic of source connector offsets, e.g. connect-offsets.', required: true, importance: 'high', group: 'Internal topics' }),
    'offset.storage.partitions': prop.int({ doc: 'Partitions of the offsets topic if it is created (-1: the broker\'s default).', default: 25, min: -1, group: 'Internal topics' }),
    'offset.storage.replication.factor': prop.int({ doc: 'Replication factor of the offsets topic if it is created (-1: the broker\'s default).', default: 3, min: -1, group: 'Internal topics' }),
    'status.storage.topic': prop.string({ doc: 'The compacted topic of connector and task statuses, e.g. connect-status.', required: true, importance: 'high', group: 'Internal topics' }),
    'status.storage.partitions': prop.int({ doc: 'Partitions of the status topic if it is created (-1: the broker\'s default).', default: 5, min: -1, group: 'Internal topics' }),
    'status.storage.replication.factor': prop.int({ doc: 'Replication factor of the status topic if it is created (-1: the broker\'s default).', default: 3, min: -1, group: 'Internal topics' }),
    'worker.startup.timeout.ms': prop.long({ doc: 'How long the worker may take to reach the Kafka cluster, create or check its internal topics and read them to the end before it gives up; also bounds each later write to them.', default: 30000, min: 1, group: 'Kafka' }),
    'worker.sync.timeout.ms': prop.long({ doc: 'How long a worker that is behind the config topic waits to catch up before it leaves the group (Kafka Connect\'s meaning).', default: 3000, min: 1, group: 'Group' }),
    'session.timeout.ms': prop.int({ doc: 'The group coordinator drops a worker it has had no heartbeat from for this long; a worker that has had no heartbeat answered for four fifths of it stops its tasks first (self-fencing). 6 s is the broker\'s smallest (group.min.session.timeout.ms); Kafka Connect: 10 s.', default: 6000, min: 1, group: 'Group' }),
    'heartbeat.interval.ms': prop.int({ doc: 'How often a worker heartbeats to the group coordinator; the others hear of a rebalance within one interval, twice on the way to a dead worker\'s failover. Kafka Connect: 3 s.', default: 1000, min: 1, group: 'Group' }),
    'rebalance.timeout.ms': prop.int({ doc: 'How long each worker may take to rejoin the group in a rebalance (stopping what it gives up included).', default: 60000, min: 1, group: 'Group' }),
    'scheduled.rebalance.max.delay.ms': prop.int({ doc: 'How long a worker that left without a word (crash, kill -9, partition) has its work held back, counted from its last heartbeat, in case it returns; then the others get it. Must be longer than session.timeout.ms. Kafka Connect: 5 minutes.', default: 8000, min: 1, group: 'Group' }),
    'group.instance.id': prop.string({ doc: 'Static membership (KIP-345): a worker restarted under the same id within session.timeout.ms gets its work back without a rebalance. Unique per worker.', group: 'Group' }),
    'inter.worker.key.ttl.ms': prop.long({ doc: 'How long the leader\'s session key signs internal requests (task configs sent to the leader) before it writes a new one to the config topic.', default: 3600000, min: 1, group: 'Group' }),
    'rest.request.timeout.ms': prop.long({ doc: 'How long a REST call may wait while the worker group rebalances, or for the worker it was forwarded to (the leader, or the worker running a task), before it is answered 503 with Retry-After.', default: 15000, min: 1, group: 'Group' }),
    'exactly.once.source.support': prop.enum(['disabled', 'preparing', 'enabled'] as const, { doc: 'KIP-618. enabled: each source task writes its records and its offsets in Kafka transactions of its own (transactional id <group.id>-<connector>-<task>; a task started elsewhere fences the old one), and sinks read read_committed unless consumer.isolation.level says otherwise. preparing is accepted for Kafka Connect\'s rolling upgrade and behaves as disabled.', default: 'disabled', caseInsensitive: true, group: 'Kafka' }),
    'topic.creation.enable': prop.boolean({ doc: 'Let source connectors create their topics with topic.creation.* properties (KIP-158).', default: true, group: 'Kafka' }),
    'key.converter': prop.className({ doc: 'Converter of record keys on the wire (connectors may override it).', default: JSON_CONVERTER, importance: 'high', group: 'Converters' }),
    'key.converter.schemas.enable': prop.boolean({ doc: 'JsonConverter: write and expect the {"schema","payload"} envelope for keys.', default: true, group: 'Converters' }),
    'value.converter': prop.className({ doc: 'Converter of record values on the wire (connectors may override it).', default: JSON_CONVERTER, importance: 'high', group: 'Converters' }),
    'value.converter.schemas.enable': prop.boolean({ doc: 'JsonConverter: write and expect the {"schema","payload"} envelope for values.', default: true, group: 'Converters' }),
    ...sharedWorkerProperties,
    ...kafkaSecurityProperties,
  },
  (values, issues, raw) => {
    checkSharedWorkerProperties(values, issues);
    for (const server of values['bootstrap.servers'] ?? []) {
      if (!parseBootstrapServer(server)) issues.add('bootstrap.servers', `"${server}" is not a host:port pair (IPv6 literals are not supported: use a host name)`);
    }
    if (values['bootstrap.servers']?.length === 0) issues.add('bootstrap.servers', 'bootstrap.servers names no broker');
    for (const name of ['config.storage.replication.factor', 'offset.storage.partitions', 'offset.storage.replication.factor', 'status.storage.partitions', 'status.storage.replication.factor'] as const) {
      positiveOrBrokerDefault(name, values[name], issues);
    }
    // Three roles on one topic would mix their records: each store would read the others' as its own.
    const topics = (['config.storage.topic', 'offset.storage.topic', 'status.storage.topic'] as const).filter((n) => values[n] !== undefined);
    for (const [i, a] of topics.entries()) {
      for (const b of topics.slice(i + 1)) if (values[a] === values[b]) issues.add(b, `${b} and ${a} name the same topic "${values[a]}"; each internal topic must be its own`);
    }
    if (values['heartbeat.interval.ms'] !== undefined && values['session.timeout.ms'] !== undefined && values['heartbeat.interval.ms'] >= values['session.timeout.ms']) {
      issues.add('heartbeat.interval.ms', 'heartbeat.interval.ms must be lower than session.timeout.ms (a third of it is usual)');
    }
    // a restarting worker is gone for about a session timeout: a shorter delay hands out work that is coming back
    if (values['scheduled.rebalance.max.delay.ms'] !== undefined && values['session.timeout.ms'] !== undefined && values['scheduled.rebalance.max.delay.ms'] <= values['session.timeout.ms']) {
      issues.add('scheduled.rebalance.max.delay.ms', `scheduled.rebalance.max.delay.ms (${values['scheduled.rebalance.max.delay.ms']}) must be longer than session.timeout.ms (${values['session.timeout.ms']})`);
    }
    // A deleting cleanup policy would lose offsets and configs once retention passes.
    for (const role of INTERNAL_TOPICS) {
      const policy = raw[`${role.prefix}cleanup.policy`];
      if (policy !== undefined && policy.trim() !== 'compact') issues.add(`${role.prefix}cleanup.policy`, `internal topics must have cleanup.policy=compact, not ${policy}`);
    }
    for (const [property, message] of kafkaConnectionSecurity(values, raw).problems) issues.add(property, message);
  },
  {
    accepted: [
      'config.providers', 'config.providers.', 'producer.', 'consumer.', 'admin.', 'key.converter.', 'value.converter.',
      // topic configs of the internal topics (see internalTopicSettings)
      'config.storage.', 'offset.storage.', 'status.storage.',
    ],
  },
);

export type DistributedWorkerConfig = ConfigOf<typeof distributedWorkerConfigSpec.properties>;

/** Where and how one internal topic is created if it is missing. */
export interface InternalTopicSettings {
  readonly topic: string;
  /** -1: the broker's default */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** topic configs from `<role>.storage.*` (cleanup.policy is always compact) */
  readonly configs: Readonly<Record<string, string>>;
  /** the worker property naming the topic, for error messages */
  readonly property: string;
}

export interface InternalTopics {
  readonly config: InternalTopicSettings;
  readonly offset: InternalTopicSettings;
  readonly status: InternalTopicSettings;
}

export interface LoadedDistributedWorkerConfig {
  readonly config: DistributedWorkerConfig;
  /** every property after environment overrides and config providers (client passthrough included) */
  readonly raw: Readonly<Record<string, string>>;
  /** names of the properties nothing reads */
  readonly unknown: readonly string[];
  /** the same, each with a message and a suggested name where one is close */
  readonly warnings: readonly ConfigWarning[];
  readonly topics: InternalTopics;
  /** what the Kafka clients of the worker are given */
  readonly kafka: KafkaClientSettings;
}

export interface KafkaClientSettings {
  readonly bootstrapBrokers: readonly string[];
  readonly security: KafkaConnectionSecurity;
  readonly timeoutMs: number;
}

const INTERNAL_TOPICS = [
  { role: 'config', prefix: 'config.storage.', partitions: undefined },
  { role: 'offset', prefix: 'offset.storage.', partitions: 'offset.storage.partitions' },
  { role: 'status', prefix: 'status.storage.', partitions: 'status.storage.partitions' },
] as const;

/**
 * `host:port` (a `SCHEME://` in front is tolerated, as the Java client does). IPv6 literals are
 * not: the client splits a broker string at its first colon.
 */
export function parseBootstrapServer(text: string): string | undefined {
  const match = /^(?:[A-Za-z_]+:\/\/)?([^:/[\]\s]+):(\d{1,5})$/.exec(text.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) return undefined;
  return `${match[1]}:${match[2]}`;
}

/** Topic configs of one internal topic: `<prefix><config>` minus the worker's own settings. */
function topicConfigs(raw: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const own = new Set(['topic', 'partitions', 'replication.factor', 'file.filename']);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!k.startsWith(prefix)) continue;
    const name = k.slice(prefix.length);
    if (!own.has(name)) out[name] = v;
  }
  return out;
}

/** The properties of `raw` under `prefix` (`producer.`, `consumer.`, `admin.`), without it. */
export function clientOverrides(raw: Readonly<Record<string, string>>, prefix: 'producer.' | 'consumer.' | 'admin.'): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith(prefix) && k.length > prefix.length).map(([k, v]) => [k.slice(prefix.length), v]));
}

/**
 * Builds a distributed worker's config: file properties, TRIBUTARY_* environment overrides,
 * config providers; throws `worker.config_invalid` listing every problem. Unknown properties are
 * returned as warnings for the caller to log.
 */
export function loadDistributedWorkerConfig(fileProps: Record<string, string>, env: NodeJS.ProcessEnv = process.env): LoadedDistributedWorkerConfig {
  const { config, raw, unknown, warnings } = loadWorkerProperties(distributedWorkerConfigSpec, fileProps, env);
  applyListenerShorthands(config);
  const settings = (role: (typeof INTERNAL_TOPICS)[number]): InternalTopicSettings => ({
    topic: config[`${role.role}.storage.topic`],
    // the config topic always has exactly one partition: its records are read in one order
    partitions: role.partitions === undefined ? 1 : config[role.partitions],
    replicationFactor: config[`${role.role}.storage.replication.factor`],
    configs: topicConfigs(raw, role.prefix),
    property: `${role.role}.storage.topic`,
  });
  const [configTopic, offsetTopic, statusTopic] = INTERNAL_TOPICS.map(settings);
  const { security, problems } = kafkaConnectionSecurity(config, raw);
  // the spec's rule already reported these; a file that vanished in between is the only way here
  if (problems.length > 0) throw new TributaryError('worker.config_invalid', `The worker configuration is invalid:\n${problems.map(([p, m]) => `  - ${p}: ${m}`).join('\n')}`, { details: problems.map(([p, m]) => `${p}: ${m}`) });
  return {
    config, raw, unknown, warnings,
    topics: { config: configTopic, offset: offsetTopic, status: statusTopic },
    kafka: { bootstrapBrokers: config['bootstrap.servers'].map((s) => parseBootstrapServer(s)!), security, timeoutMs: config['worker.startup.timeout.ms'] },
  };
}
