import { Command } from 'commander';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { describeError } from '../plugins/api/index.js';
import { readConfigFile } from '../runtime/config/config-file.js';
import { startStandalone, type StandaloneRuntime } from '../runtime/standalone.js';
import { createDemoSchema, startDemoWorkload } from './quickstart/demo-workload.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './quickstart/embedded-database.js';
import { landedFiles, latestStateQuery, topicFolders } from './quickstart/lake-files.js';
import { sinkConfig, sourceConfig, SOURCE_NAME } from './quickstart/pipeline-configs.js';
import { startProgressDisplay } from './quickstart/progress-display.js';
import { checkSource, parseSourceUrl, SetupProblem } from './quickstart/source-preflight.js';

interface QuickstartOptions {
  source?: string;
  port: string;
  lake: string;
  rate: string;
  stateDir: string;
}

/**
 * `tributary quickstart`: the README's first command. Starts an embedded PostgreSQL with a small
 * shop schema and a steady workload (or uses `--source`), and a standalone worker capturing it
 * into Parquet under ./lake with time partitioning; REST on :8083. Ctrl-C flushes, commits, stops
 * PostgreSQL and prints a DuckDB query for the current state of each table.
 */
export function quickstartCommand(): Command {
  return new Command('quickstart')
    .description('Capture changes from an embedded PostgreSQL (or --source) into Parquet files under ./lake.')
    .option('--source <url-or-file>', 'an existing database (postgres://user:password@host:5432/db) or a Postgres connector config file')
    .option('--port <port>', 'REST port', '8083')
    .option('--lake <dir>', 'where the Parquet files land', 'lake')
    .option('--rate <statements>', 'demo workload statements per second', '20')
    .option('--state-dir <dir>', 'worker and embedded database state', '.tributary/quickstart')
    .action(async (options: QuickstartOptions) => {
      try {
        await runQuickstart(options);
      } catch (error) {
        if (error instanceof SetupProblem) {
          process.stderr.write(`tributary quickstart: ${error.message}\n`);
          process.exit(2);
        }
        process.stderr.write(`tributary quickstart: ${describeError(error)}\n`);
        process.exit(1);
      }
    });
}

async function runQuickstart(options: QuickstartOptions): Promise<void> {
  const lakeDir = resolve(options.lake);
  const stateDir = resolve(options.stateDir);
  let database: EmbeddedDatabase | undefined;
  let workload: ReturnType<typeof startDemoWorkload> | undefined;
  let source: Record<string, string>;
  if (options.source && /\.(properties|json)$/.test(options.source)) {
    source = { ...readConfigFile(options.source), name: SOURCE_NAME, 'topic.prefix': 'quickstart' };
  } else if (options.source) {
    const connection = parseSourceUrl(options.source);
    await checkSource(connection);
    source = sourceConfig(connection, undefined);
  } else {
    process.stderr.write('tributary quickstart: starting an embedded PostgreSQL…\n');
    database = await startEmbeddedDatabase(join(stateDir, 'pgdata'), await freePort());
    await createDemoSchema(database.connection);
    source = sourceConfig(database.connection, 'public.customers,public.orders');
  }
  let runtime: StandaloneRuntime;
  try {
    runtime = await startStandalone({
      workerProps: { 'state.dir': join(stateDir, 'worker'), listeners: `http://127.0.0.1:${options.port}`, 'offset.flush.interval.ms': '5000', 'log.level': 'warn' },
      connectors: [sinkConfig(lakeDir), source],
    });
  } catch (error) {
    // The embedded server must not outlive a failed start.
    await database?.stop();
    throw error;
  }
  if (database) workload = startDemoWorkload(database.connection, Number(options.rate));
  process.stderr.write(`tributary quickstart: capturing ${database ? 'the demo shop database' : options.source} into ${relative(process.cwd(), lakeDir) || '.'}/ — REST at ${runtime.url}. Ctrl-C stops.\n`);
  const progress = startProgressDisplay(runtime, lakeDir);
  await new Promise<void>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal());
    process.once('SIGTERM', () => resolveSignal());
  });
  process.once('SIGINT', () => process.exit(130));
  progress.stop();
  process.stderr.write('tributary quickstart: stopping — draining the last changes, flushing files, committing offsets…\n');
  await workload?.stop();
  await drain(runtime);
  await runtime.stop();
  await database?.stop();
  printSummary(lakeDir);
  process.exit(0);
}

/** Waits until the source has read everything (no new records for 2 s), at most 20 s. */
async function drain(runtime: StandaloneRuntime): Promise<void> {
  const metric = runtime.metrics.registry.getSingleMetric('tributary_source_record_poll_total');
  const total = async () => ((await metric?.get())?.values ?? []).filter((v) => v.labels.connector === SOURCE_NAME).reduce((n, v) => n + v.value, 0);
  const deadline = Date.now() + 20_000;
  let last = await total();
  let stableSince = Date.now();
  while (Date.now() < deadline && Date.now() - stableSince < 2000) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await total();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}

function printSummary(lakeDir: string): void {
  const shown = relative(process.cwd(), lakeDir) || '.';
  const files = landedFiles(lakeDir);
  const lines = [`\nStopped. ${files.count} Parquet file(s) under ${shown}/.`];
  const topics = topicFolders(lakeDir);
  if (topics.length > 0) {
    lines.push('The current state of each table, rebuilt from its change files (run with the duckdb CLI):', '');
    for (const topic of topics) lines.push(`duckdb -c "${latestStateQuery(shown, topic)}"`, '');
  }
  process.stdout.write(lines.join('\n') + '\n');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no free port'))));
    });
  });
}
