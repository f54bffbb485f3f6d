import { Command } from 'commander';
import { describeError } from '../plugins/api/index.js';
import { startStandalone } from '../runtime/standalone.js';

/**
 * `tributary quickstart`: the README's first command. A standalone worker on an embedded default
 * (no database needed): datagen's change stream → stdout, REST on 127.0.0.1:8083, until Ctrl-C.
 */
export function quickstartCommand(): Command {
  return new Command('quickstart')
    .description('Run a demo pipeline on an embedded default: datagen changes printed as JSON lines, REST on :8083.')
    .option('--port <port>', 'REST port', '8083')
    .option('--rate <rows>', 'changes per second', '5')
    .option('--state-dir <dir>', 'worker state folder', '.tributary/quickstart')
    .action(async (options: { port: string; rate: string; stateDir: string }) => {
      const runtime = await startStandalone({
        workerProps: { 'state.dir': options.stateDir, listeners: `http://127.0.0.1:${options.port}`, 'offset.flush.interval.ms': '5000', 'log.level': 'warn' },
        connectors: [
          { name: 'quickstart-stdout', 'connector.class': 'stdout', topics: 'quickstart.orders', 'print.key': 'true' },
          { name: 'quickstart-datagen', 'connector.class': 'datagen', topic: 'quickstart.orders', ops: 'cdc', keys: '20', 'rows.per.second': options.rate },
        ],
      }).catch((error: unknown) => {
        process.stderr.write(`tributary: ${describeError(error)}\n`);
        process.exit(1);
      });
      process.stderr.write(`tributary quickstart: datagen → stdout; REST at ${runtime.url} (try: curl ${runtime.url}/connectors?expand=status). Ctrl-C stops.\n`);
      const stop = () => {
        process.stderr.write('tributary quickstart: stopping (flush, commit)\n');
        runtime.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
