import { defineConnector } from '../../../plugins/api/index.js';
import { splitTopics } from '../files/split-topics.js';
import { connect } from './clickhouse-connection.js';
import { serverMessage } from './clickhouse-errors.js';
import { clickhouseSinkSpec } from './clickhouse-sink-config.js';
import { ClickHouseSinkTask, VERSION } from './clickhouse-sink-task.js';

/** Change events and event streams into ClickHouse tables: latest state per key, or every event once. */
export default defineConnector({
  name: 'clickhouse',
  kind: 'sink',
  aliases: ['com.clickhouse.kafka.connect.ClickHouseSinkConnector'],
  version: VERSION,
  apiVersion: 1,
  description: 'Writes change events into ClickHouse: ReplacingMergeTree tables holding the latest state per key (upsert), or every event once (append), with exactly-once replays.',
  configSpec: clickhouseSinkSpec,
  validate: async (config): Promise<Record<string, string[]>> => {
    try {
      const connection = await connect(config);
      await connection.close();
      return {};
    } catch (error) {
      return { hostname: [`Cannot reach ClickHouse at ${config.hostname}:${config.port}: ${serverMessage(error)}`] };
    }
  },
  taskConfigs: (config, raw, maxTasks) => splitTopics(config.topics, raw, maxTasks),
  createTask: () => new ClickHouseSinkTask(),
});
