import { defineConfigSpec, mergeSpecs, prop, type ConfigSpec } from '../../plugins/api/index.js';
import type { PluginInfo } from '../../runtime/herder/herder.js';

/**
 * The two connector plugins the contract suite may rely on, with the properties the real
 * `datagen` and `stdout` connectors declare, plus the framework properties every connector
 * accepts. Only their specs matter here: the fake herder validates with them and runs nothing.
 */
export interface FakePlugin {
  readonly name: string;
  readonly className: string;
  readonly kind: 'source' | 'sink';
  readonly version: string;
  readonly spec: ConfigSpec;
}

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const frameworkSpec = defineConfigSpec({
  name: prop.string({ doc: 'Globally unique name of the connector.', required: true, pattern: NO_CONTROL_CHARS, patternHint: 'must not contain control characters' }),
  'connector.class': prop.className({ doc: 'The connector plugin: short name, alias or class name.', required: true }),
  'tasks.max': prop.int({ doc: 'Maximum number of tasks.', default: 1, min: 1 }),
  'errors.tolerance': prop.enum(['none', 'all'], { doc: 'Whether bad records fail the task or go to the dead-letter queue.', default: 'none' }),
  'errors.retry.timeout': prop.long({ doc: 'How long to retry a failed operation, in ms (-1 forever).', default: 0, min: -1 }),
  'errors.deadletterqueue.topic.name': prop.string({ doc: 'Dead-letter queue topic.', default: '' }),
  transforms: prop.list({ doc: 'Aliases of the transforms to apply, in order.', default: [] }),
  predicates: prop.list({ doc: 'Aliases of the predicates used by transforms.', default: [] }),
}, undefined, { accepted: ['key.converter', 'value.converter', 'key.converter.', 'value.converter.', 'producer.override.', 'consumer.override.'] });

const datagenSpec = defineConfigSpec({
  topic: prop.string({ doc: 'Topic the generated records go to.', required: true }),
  'rows.per.second': prop.int({ doc: 'Rows generated per second per task (0 = as fast as possible).', default: 10, min: 0 }),
  'max.records': prop.long({ doc: 'Stop after this many records (0 = no limit).', default: 0, min: 0 }),
  keys: prop.int({ doc: 'Number of distinct keys.', default: 100, min: 1 }),
  ops: prop.enum(['insert', 'cdc'], { doc: 'Inserts only, or inserts, updates and deletes.', default: 'insert' }),
  seed: prop.long({ doc: 'Random seed.', default: 0 }),
});

const stdoutSpec = defineConfigSpec(
  {
    topics: prop.list({ doc: 'Topics to consume.' }),
    'topics.regex': prop.string({ doc: 'Regular expression of topics to consume.' }),
  },
  // A sink with neither would consume nothing; Kafka Connect refuses it the same way.
  (values, issues) => {
    if ((values.topics ?? []).length === 0 && (values['topics.regex'] ?? '') === '') issues.add('topics', 'Must configure one of topics or topics.regex');
  },
);

export const fakePlugins: readonly FakePlugin[] = [
  { name: 'datagen', className: 'io.tributary.connect.datagen.DatagenConnector', kind: 'source', version: '0.1.0', spec: datagenSpec },
  { name: 'stdout', className: 'io.tributary.connect.stdout.StdoutSinkConnector', kind: 'sink', version: '0.1.0', spec: stdoutSpec },
];

export const fakeTransformPlugins: readonly PluginInfo[] = [
  { class: 'org.apache.kafka.connect.transforms.InsertField$Value', type: 'transformation', version: '0.1.0' },
  { class: 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches', type: 'predicate', version: '0.1.0' },
  { class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter', version: '0.1.0' },
];

/** Resolves as the real registry does: name, class name, or the last class-name segment. */
export function findFakePlugin(connectorClass: string): FakePlugin | undefined {
  const key = connectorClass.trim().toLowerCase();
  const last = key.split('.').pop()!;
  return fakePlugins.find((p) => [p.name, p.className.toLowerCase()].includes(key) || p.name === last || p.name === last.replace(/connector$/, ''));
}

export function fullSpec(plugin: FakePlugin | undefined): ConfigSpec {
  return plugin ? mergeSpecs(frameworkSpec, plugin.spec) : frameworkSpec;
}
