import { defineConnector } from '../../../plugins/api/index.js';
import { datagenConfigSpec } from './datagen-config.js';
import { DatagenSourceTask, TASK_COUNT, TASK_INDEX } from './datagen-source-task.js';

/**
 * A deterministic change generator, for demos, tests and benchmarks. `tasks.max` tasks share the
 * sequence: task i of n emits seq i+1, i+1+n, … (datagen-source-task.ts), so together they emit
 * what one task would.
 */
export default defineConnector({
  name: 'datagen',
  kind: 'source',
  aliases: ['io.tributary.connect.datagen.DatagenConnector'],
  version: '0.1.0',
  apiVersion: 1,
  description: 'Generates a deterministic stream of inserts, updates and deletes with Debezium envelopes.',
  configSpec: datagenConfigSpec,
  taskConfigs: (_config, raw, maxTasks) => (maxTasks <= 1 ? [raw] : Array.from({ length: maxTasks }, (_, i) => ({ ...raw, [TASK_INDEX]: String(i), [TASK_COUNT]: String(maxTasks) }))),
  createTask: () => new DatagenSourceTask(),
});
