import { defineConnector } from '../../../plugins/api/index.js';
import { datagenConfigSpec } from './datagen-config.js';
import { DatagenSourceTask } from './datagen-source-task.js';

/** A deterministic change generator, for demos, tests and benchmarks. One task: seq is global. */
export default defineConnector({
  name: 'datagen',
  kind: 'source',
  aliases: ['io.tributary.connect.datagen.DatagenConnector'],
  version: '0.1.0',
  apiVersion: 1,
  description: 'Generates a deterministic stream of inserts, updates and deletes with Debezium envelopes.',
  configSpec: datagenConfigSpec,
  taskConfigs: (_config, raw) => [raw],
  createTask: () => new DatagenSourceTask(),
});
