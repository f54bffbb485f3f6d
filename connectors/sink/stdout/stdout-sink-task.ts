import { once } from 'node:events';
import { toJsonText, type ConfigOf, type SinkRecord, type SinkTask, type SinkTaskContext } from '../../../plugins/api/index.js';
import type { stdoutConfigSpec } from './stdout-config.js';

type StdoutConfig = ConfigOf<typeof stdoutConfigSpec.properties>;

/** Writes each record as one JSON line; waits for stdout to drain so backpressure reaches the bus. */
export class StdoutSinkTask implements SinkTask<StdoutConfig> {
  #printKey = false;

  async start(context: SinkTaskContext<StdoutConfig>): Promise<void> {
    this.#printKey = context.config['print.key'];
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    const lines = records.map((r) => {
      const value = toJsonText(r.value, r.valueSchema);
      return this.#printKey ? `{"topic":${JSON.stringify(r.topic)},"key":${toJsonText(r.key, r.keySchema)},"value":${value}}` : value;
    });
    if (!process.stdout.write(lines.join('\n') + '\n')) await once(process.stdout, 'drain');
  }

  async stop(): Promise<void> {}
}
