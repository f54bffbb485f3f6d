import { Command } from 'commander';
import { describeError, TributaryError } from '../plugins/api/index.js';
import { readConfigFile } from '../runtime/config/config-file.js';
import { startStandalone } from './standalone-worker.js';

/**
 * `tributary standalone worker.properties [connector.properties|.json ...]`, as Kafka Connect's
 * connect-standalone. SIGTERM/SIGINT stop it gracefully (last commit, tasks stopped) within the
 * shutdown timeout; a second signal exits at once.
 */
export function standaloneCommand(): Command {
  return new Command('standalone')
    .description('Run a standalone worker with the given worker config and connector configs.')
    .argument('<worker-config>', 'worker .properties or .json file')
    .argument('[connector-configs...]', 'connector .properties or .json files to create or replace at start-up; connectors of an earlier command line not named here are not started')
    .action(async (workerFile: string, connectorFiles: string[]) => {
      let runtime;
      try {
        const workerProps = readConfigFile(workerFile);
        runtime = await startStandalone({ workerProps, connectorFiles });
      } catch (error) {
        process.stderr.write(`tributary: ${error instanceof TributaryError ? error.message : describeError(error)}\n`);
        process.exit(error instanceof TributaryError && error.code === 'worker.config_invalid' ? 2 : 1);
      }
      const started = runtime;
      if (started.url) process.stderr.write(`tributary: worker ${VERSION_LINE()} listening on ${started.url}\n`);
      let signals = 0;
      const shutdown = (signal: string) => {
        if (++signals > 1) process.exit(130);
        process.stderr.write(`tributary: ${signal} received, stopping gracefully\n`);
        const deadline = setTimeout(() => {
          process.stderr.write('tributary: graceful stop timed out; exiting\n');
          process.exit(1);
        }, started.config['task.shutdown.graceful.timeout.ms'] + 5000);
        deadline.unref();
        started.stop().then(() => process.exit(0), (error: unknown) => {
          process.stderr.write(`tributary: stop failed: ${describeError(error)}\n`);
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}

function VERSION_LINE(): string {
  return `pid ${process.pid}`;
}
