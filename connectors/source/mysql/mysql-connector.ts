import { API_VERSION, defineConnector, type Connector } from '../../../plugins/api/index.js';
import { chunkQueueTaskConfigs } from '../../../plugins/cdc/index.js';
import { checkMySqlOffsets } from './offset-check.js';
import { mysqlConfigSpec } from './mysql-config-spec.js';
import { MySqlSourceTask } from './mysql-source-task.js';
import { validateMySql } from './mysql-validator.js';
import { CONNECTOR_VERSION } from './source-info.js';

/**
 * The MySQL / MariaDB CDC source: a snapshot consistent with the binlog position, then the
 * binlog read as a replica. One task streams: a binlog stream is read in order by one reader.
 * With a chunk queue (`snapshot.queue.redis.url`) the connector has `tasks.max` tasks, and tasks
 * 1.. read incremental-snapshot chunk ranges for task 0 (chunk-reader.ts). Two
 * registrations, as Debezium has two connectors: `mysql` (MySqlConnector) and `mariadb`
 * (MariaDbConnector), which differ only in the `source.connector` name they write.
 */
export const mysqlConnector: Connector = defineConnector({
  name: 'mysql',
  aliases: ['io.debezium.connector.mysql.MySqlConnector'],
  kind: 'source',
  version: CONNECTOR_VERSION,
  apiVersion: API_VERSION,
  description: 'MySQL / MariaDB change data capture: a snapshot consistent with the binlog position, then binlog streaming (GTID or file/position offsets), Debezium-compatible events and properties.',
  configSpec: mysqlConfigSpec,
  validate: (config) => validateMySql(config),
  alterOffsets: (config, _raw, offsets) => checkMySqlOffsets(config, offsets),
  taskConfigs: (config, raw, maxTasks) => chunkQueueTaskConfigs(config, raw, maxTasks),
  createTask: () => new MySqlSourceTask('mysql'),
});

export const mariadbConnector: Connector = defineConnector({
  name: 'mariadb',
  aliases: ['io.debezium.connector.mariadb.MariaDbConnector'],
  kind: 'source',
  version: CONNECTOR_VERSION,
  apiVersion: API_VERSION,
  description: 'MariaDB change data capture (the mysql source, writing `source.connector = mariadb` as Debezium\'s MariaDbConnector does).',
  configSpec: mysqlConfigSpec,
  validate: (config) => validateMySql(config),
  alterOffsets: (config, _raw, offsets) => checkMySqlOffsets(config, offsets),
  taskConfigs: (config, raw, maxTasks) => chunkQueueTaskConfigs(config, raw, maxTasks),
  createTask: () => new MySqlSourceTask('mariadb'),
});

export default mysqlConnector;
