import { debeziumRenamedProperties, defineConfigSpec, prop } from '../../plugins/api/index.js';

/**
 * Kafka Connect properties a connector config may carry for components Tributary does not run
 * or reads elsewhere: converter settings, Kafka client overrides, topic creation (KIP-158), the
 * reload action, exactly-once source settings (KIP-618) and the offsets topic. They are accepted
 * without a warning and otherwise ignored. From apache/kafka's ConnectorConfig and
 * SourceConnectorConfig (3.9); `errors.*` properties are all declared instead, by name, so that
 * a typo among them is still caught.
 */
const OTHER_COMPONENTS = [
  'key.converter.', 'value.converter.', 'header.converter.',
  'producer.override.', 'consumer.override.', 'admin.override.',
  'topic.creation.',
  'config.action.reload', 'tasks.max.enforce',
  'exactly.once.support', 'transaction.boundary', 'transaction.boundary.interval.ms', 'offsets.storage.topic',
];

/** Properties every connector accepts: Kafka Connect's ConnectorConfig, plus automatic restarts. */
export const commonConnectorSpec = defineConfigSpec({
  name: prop.string({ doc: 'Globally unique connector name.', required: true, importance: 'high' }),
  'connector.class': prop.className({ doc: 'The connector: a short name (datagen, postgres, files) or a Kafka Connect / Debezium class name.', required: true, importance: 'high' }),
  'tasks.max': prop.int({ doc: 'Most tasks the connector may use.', default: 1, min: 1, importance: 'high' }),
  'key.converter': prop.string({ doc: 'Accepted for compatibility; records stay typed inside the worker.', group: 'Converters', importance: 'low' }),
  'value.converter': prop.string({ doc: 'Accepted for compatibility; records stay typed inside the worker.', group: 'Converters', importance: 'low' }),
  'header.converter': prop.string({ doc: 'Accepted for compatibility.', group: 'Converters', importance: 'low' }),
  transforms: prop.list({ doc: 'Aliases of the transforms applied to each record, in order.', default: [], group: 'Transforms' }),
  predicates: prop.list({ doc: 'Aliases of the predicates transforms may refer to.', default: [], group: 'Predicates' }),
  'errors.retry.timeout': prop.long({ doc: 'How long a failed operation is retried, in ms; 0 no retries, -1 forever.', default: 0, min: -1, group: 'Error Handling' }),
  'errors.retry.delay.max.ms': prop.long({ doc: 'Longest wait between retries.', default: 60000, min: 1, group: 'Error Handling' }),
  'errors.tolerance': prop.enum(['none', 'all'] as const, { doc: '`none` fails the task on a bad record; `all` skips it (to the dead-letter queue when one is named).', default: 'none', group: 'Error Handling' }),
  'errors.log.enable': prop.boolean({ doc: 'Log each record error.', default: false, group: 'Error Handling' }),
  'errors.log.include.messages': prop.boolean({ doc: 'Include the record (topic, position, key) in error logs.', default: false, group: 'Error Handling' }),
  'errors.deadletterqueue.topic.name': prop.string({ doc: 'Topic failed records are sent to with errors.tolerance=all; empty means none.', default: '', group: 'Error Handling' }),
  'errors.deadletterqueue.context.headers.enable': prop.boolean({ doc: 'Add __connect.errors.* headers with the error context to dead-letter records. Tributary defaults to true (Kafka Connect to false): a dead letter without its reason is hard to act on.', default: true, group: 'Error Handling' }),
  'task.restart.auto.enabled': prop.boolean({ doc: 'Restart a FAILED task by itself with exponential backoff (shown as RESTARTING meanwhile).', default: true, group: 'Restarts' }),
  'task.restart.backoff.initial.ms': prop.long({ doc: 'Wait before the first automatic restart; doubles with each consecutive failure.', default: 1000, min: 0, group: 'Restarts' }),
  'task.restart.backoff.max.ms': prop.long({ doc: 'Longest wait between automatic restarts; a task that runs this long without failing has its backoff reset.', default: 60000, min: 0, group: 'Restarts' }),
  'task.restart.max.attempts': prop.int({ doc: 'Consecutive automatic restarts before the task stays FAILED, for failures a retry is not expected to heal; retriable ones (a source or store unavailable, a lost connection) restart with backoff until the outage ends. -1 for no limit.', default: 10, min: -1, group: 'Restarts' }),
}, undefined, { accepted: OTHER_COMPONENTS, renamed: debeziumRenamedProperties });

/**
 * Source connectors also take the hand-off retry policy (runtime/bus/handoff-retry.ts). Names of
 * the OceanBase seed pipeline's "retried 3 times, 2 s apart": a count and an interval, which
 * Kafka Connect's `errors.retry.timeout` (a time budget with exponential backoff, for the poll
 * and transforms) cannot say. A connector may declare them again in its own spec with other
 * defaults (OceanBase: 3 and 2000); the runtime reads whichever spec's value wins.
 */
export const commonSourceSpec = defineConfigSpec({
  'handoff.retry.attempts': prop.int({ doc: 'How often a batch of records the bus or Kafka refused for a reason that may pass (a broker unreachable, a timeout, too few in-sync replicas) is handed over again before the task fails with `source.handoff_failed`. Each retry is logged at warn with its number and counted in `tributary_source_handoff_retries_total`. 0: the first refusal fails the task (its automatic restarts then replay from the committed offset). With exactly-once sources a retry aborts the open transaction and sends it again in a new one. Connectors may default it otherwise (OceanBase: 3).', default: 0, min: 0, group: 'Error Handling' }),
  'handoff.retry.interval.ms': prop.int({ doc: 'Wait before each hand-off retry, in ms.', default: 2000, min: 0, group: 'Error Handling' }),
});

/** Sink connectors also take Kafka Connect's SinkConnectorConfig properties. */
export const commonSinkSpec = defineConfigSpec(
  {
    topics: prop.list({ doc: 'Topics to consume.', importance: 'high' }),
    'topics.regex': prop.string({ doc: 'Regular expression of topics to consume (instead of topics).' }),
    'consumer.max.poll.records': prop.int({ doc: 'Most records handed to one put call.', default: 2000, min: 1, importance: 'low' }),
  },
  (values, issues) => {
    // Kafka Connect refuses a sink that names no topics, and one that names them twice over.
    const hasTopics = (values.topics?.length ?? 0) > 0;
    if (!hasTopics && !values['topics.regex']) issues.add('topics', 'Must configure one of topics or topics.regex');
    if (hasTopics && values['topics.regex']) issues.add('topics', 'topics and topics.regex are mutually exclusive');
    if (values['topics.regex']) {
      try {
        new RegExp(values['topics.regex']);
      } catch (e) {
        issues.add('topics.regex', `not a valid regular expression: ${(e as Error).message}`);
      }
    }
  },
  // SinkConnectorConfig's dead-letter topic replication; the embedded bus has no replicas
  { accepted: ['errors.deadletterqueue.topic.replication.factor'] },
);
