import { Command } from 'commander';
import { readConfigFile } from '../runtime/config/config-file.js';
import { exitOnStartFailure, stopOnSignals } from './process-lifecycle.js';
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
      const runtime = await (async () => startStandalone({ workerProps: readConfigFile(workerFile), connectorFiles }))().catch(exitOnStartFailure);
      if (runtime.url) process.stderr.write(`tributary: worker pid ${process.pid} listening on ${runtime.url}\n`);
      stopOnSignals(runtime, runtime.config['task.shutdown.graceful.timeout.ms']);
    });
}
