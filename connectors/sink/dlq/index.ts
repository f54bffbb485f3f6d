import { defineConnector, type SinkTask } from '../../../plugins/api/index.js';
import { jsonWriterFactory } from '../files/format/json-record-writer.js';
import { FilesSinkTask, VERSION } from '../files/files-sink-task.js';
import { checkStore } from '../files/storage/store-check.js';
import { splitTopics } from '../files/split-topics.js';
import { dlqShaper } from './dlq-row-shaper.js';
import { dlqSinkSpec, type DlqSinkConfig } from './dlq-sink-config.js';

/**
 * Lands dead-letter records as JSON lines with their error context, on the files sink's storage
 * layer (local disk or S3) with the same rolling, naming and exactly-once rules.
 */
export default defineConnector({
  name: 'dlq',
  kind: 'sink',
  aliases: ['io.tributary.connect.dlq.DeadLetterSinkConnector'],
  version: VERSION,
  apiVersion: 1,
  description: 'Writes dead-letter records as JSON lines with their error context to local disk or S3.',
  configSpec: dlqSinkSpec,
  validate: (config) => checkStore(config),
  taskConfigs: (config, raw, maxTasks) => splitTopics(config.topics, raw, maxTasks),
  createTask: (): SinkTask<DlqSinkConfig> => createDlqTask(),
});

export function createDlqTask(now?: () => number): SinkTask<DlqSinkConfig> {
  const task = new FilesSinkTask({ shaper: dlqShaper, format: (c) => jsonWriterFactory({ gzip: c['json.compression'] === 'gzip', decimalAs: 'number' }), metricsPrefix: 'dlq_sink' }, now);
  return task as unknown as SinkTask<DlqSinkConfig>;
}
