import { Command } from 'commander';
import { readConfigFile } from '../runtime/config/config-file.js';
import { startDistributed } from './distributed-worker.js';
import { exitOnStartFailure, stopOnSignals } from './process-lifecycle.js';

/**
 * `tributary distributed worker.properties`, as Kafka Connect's connect-distributed: connectors
 * are created over REST and kept, with their offsets and statuses, in the cluster's internal
 * topics. An invalid config exits with 2, an unreachable cluster with 1 after
 * `worker.startup.timeout.ms`.
 */
export function distributedCommand(): Command {
  return new Command('distributed')
    .description('Run a distributed worker: configs, offsets and statuses in Kafka topics, records through Kafka.')
    .argument('<worker-config>', 'worker .properties or .json file (bootstrap.servers, group.id, the three *.storage.topic)')
    .action(async (workerFile: string) => {
      const runtime = await (async () => startDistributed({ workerProps: readConfigFile(workerFile) }))().catch(exitOnStartFailure);
      if (runtime.url) process.stderr.write(`tributary: distributed worker pid ${process.pid} (group ${runtime.loaded.config['group.id']}) listening on ${runtime.url}\n`);
      stopOnSignals(runtime, runtime.loaded.config['task.shutdown.graceful.timeout.ms']);
    });
}
