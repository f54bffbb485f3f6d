import { defineConnector } from '../../../plugins/api/index.js';
import { stdoutConfigSpec } from './stdout-config.js';
import { StdoutSinkTask } from './stdout-sink-task.js';

/** Prints records as JSON lines: the simplest sink, for demos and debugging. */
export default defineConnector({
  name: 'stdout',
  kind: 'sink',
  aliases: ['io.tributary.connect.stdout.StdoutSinkConnector', 'org.apache.kafka.connect.file.FileStreamSinkConnector'],
  version: '0.1.0',
  apiVersion: 1,
  description: 'Prints every record as a JSON line on standard output.',
  configSpec: stdoutConfigSpec,
  taskConfigs: (_config, raw, maxTasks) => Array.from({ length: maxTasks }, () => ({ ...raw })),
  createTask: () => new StdoutSinkTask(),
});
