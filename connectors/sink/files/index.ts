import { defineConnector } from '../../../plugins/api/index.js';
import { filesSinkSpec } from './files-sink-config.js';
import { FilesSinkTask, VERSION } from './files-sink-task.js';
import { checkStore } from './storage/store-check.js';
import { splitTopics } from './split-topics.js';

/** Rolling Parquet / JSON / CSV files on local disk or S3, named so that replays overwrite. */
export default defineConnector({
  name: 'files',
  kind: 'sink',
  aliases: ['io.confluent.connect.s3.S3SinkConnector', 'io.confluent.connect.storage.LocalStorageSinkConnector', 'io.tributary.connect.files.FilesSinkConnector'],
  version: VERSION,
  apiVersion: 1,
  description: 'Lands change events as rolling Parquet, JSON or CSV files on local disk or S3, with time or field partitioning and exactly-once file names.',
  configSpec: filesSinkSpec,
  validate: (config) => checkStore(config),
  taskConfigs: (config, raw, maxTasks) => splitTopics(config.topics, raw, maxTasks),
  createTask: () => new FilesSinkTask(),
});
