import { API_VERSION, defineConnector } from '../../../plugins/api/index.js';
import { chunkQueueTaskConfigs } from '../../../plugins/cdc/index.js';
import { checkPostgresOffsets } from './offset-check.js';
import { postgresConfigSpec } from './postgres-config-spec.js';
import { PostgresSourceTask } from './postgres-source-task.js';
import { validatePostgres } from './postgres-validator.js';
import { CONNECTOR_VERSION } from './source-info.js';

/**
 * The PostgreSQL CDC source: a consistent snapshot, then pgoutput logical replication. One task
 * streams: a replication slot has a single consumer. With a chunk queue
 * (`snapshot.queue.redis.url`) the connector has `tasks.max` tasks, and tasks 1.. read
 * incremental-snapshot chunk ranges for task 0 (chunk-reader.ts).
 */
export const postgresConnector = defineConnector({
  name: 'postgres',
  aliases: ['io.debezium.connector.postgresql.PostgresConnector', 'postgresql'],
  kind: 'source',
  version: CONNECTOR_VERSION,
  apiVersion: API_VERSION,
  description: 'PostgreSQL change data capture: consistent snapshot plus pgoutput logical replication, Debezium-compatible events and properties.',
  configSpec: postgresConfigSpec,
  validate: (config) => validatePostgres(config),
  alterOffsets: (config, _raw, offsets) => checkPostgresOffsets(config, offsets),
  taskConfigs: (config, raw, maxTasks) => chunkQueueTaskConfigs(config, raw, maxTasks),
  createTask: () => new PostgresSourceTask(),
});

export default postgresConnector;
