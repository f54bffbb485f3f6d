import { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { TributaryError } from '../plugins/api/index.js';
import { startStandalone, type StandaloneRuntime } from './standalone-worker.js';
import { dropCaptureObjects, leftBehindNotice } from './quickstart/capture-objects.js';
import { createDemoSchema, startDemoWorkload } from './quickstart/demo-workload.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './quickstart/embedded-database.js';
import { summaryLines } from './quickstart/exit-summary.js';
import { fileSource } from './quickstart/file-source.js';
import { landedFiles } from './quickstart/lake-files.js';
import { sinkConfig, sourceConfig, SOURCE_NAME, TOPIC_PREFIX } from './quickstart/pipeline-configs.js';
import { startProgressDisplay } from './quickstart/progress-display.js';
import { ensurePortFree, parsePort, portProblem } from './quickstart/rest-port.js';
import { checkSource, parseSourceUrl, SetupProblem, type CaptureObjects } from './quickstart/source-preflight.js';
import { forgivingStderr, StopRequests, tolerateClosedOutput } from './quickstart/stop-requests.js';
import { freePort } from './quickstart/free-port.js';

interface QuickstartOptions {
  source?: string;
  port: string;
  lake: string;
  rate: string;
  stateDir: string;
  dropOnExit?: boolean;
}

/**
 * `tributary quickstart`: the README's first command. Starts an embedded PostgreSQL with a small
 * shop schema and a steady workload (or uses `--source`), and a standalone worker capturing it
 * into Parquet under ./lake with time partitioning; REST on :8083. Ctrl-C flushes, commits, stops
 * PostgreSQL and prints the command that shows each table's current state.
 *
 * Every failure the user can fix is one line with the fix (exit code 2); anything else is one
 * line too (exit code 1), with the stack trace only when TRIBUTARY_TRACE=1.
 */
export function quickstartCommand(): Command {
  return new Command('quickstart')
    .description('Capture changes from an embedded PostgreSQL (or --source) into Parquet files under ./lake.')
    .option('--source <url-or-file>', 'an existing database (postgres://user:password@host:5432/db) or a Postgres connector config file')
    .option('--port <port>', 'REST port (0 = any free port)', '8083')
    .option('--lake <dir>', 'where the Parquet files land', 'lake')
    .option('--rate <statements>', 'demo workload statements per second', '20')
    .option('--state-dir <dir>', 'worker and embedded database state', '.tributary/quickstart')
    .option('--drop-on-exit', 'with --source: drop the replication slot and publication at exit (the next run starts over with a new snapshot)')
    .action(async (options: QuickstartOptions) => {
      try {
        await runQuickstart(options);
      } catch (error) {
        const problem = portProblem(Number(options.port), error) ?? error;
        if (process.env.TRIBUTARY_TRACE) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
        process.stderr.write(`tributary quickstart: ${oneLine(problem)}\n`);
        process.exit(problem instanceof SetupProblem || (problem instanceof TributaryError && problem.code === 'config.invalid') ? 2 : 1);
      }
    });
}

function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = error instanceof TributaryError && error.details.length > 0 ? `: ${error.details.join('; ')}` : '';
  return `${error.message.split('\n')[0]}${details}`;
}

async function runQuickstart(options: QuickstartOptions): Promise<void> {
  const output = tolerateClosedOutput();
  const say = (line: string) => process.stderr.write(`tributary quickstart: ${line}\n`);
  const lakeDir = resolve(options.lake);
  const stateDir = resolve(options.stateDir);
  const workerDir = join(stateDir, 'worker');
  const port = parsePort(options.port);
  if (options.dropOnExit && !options.source) throw new SetupProblem('--drop-on-exit applies to --source only (the embedded database is private: remove the state folder to start over)');
  await ensurePortFree(port);

  let database: EmbeddedDatabase | undefined;
  let objects: CaptureObjects | undefined;
  let source: Record<string, string>;
  let topicPrefix = TOPIC_PREFIX;
  // Whatever way the process ends from here, the embedded server is told to stop.
  process.on('exit', () => database?.requestStop());
  const stop = new StopRequests(say, () => process.exit(130));
  if (options.source) {
    let raw: Record<string, string>;
    let origin = '--source';
    if (/\.(properties|json)$/.test(options.source)) {
      const file = fileSource(options.source);
      file.notices.forEach(say);
      raw = file.config;
      topicPrefix = file.topicPrefix;
      origin = options.source;
    } else raw = sourceConfig(parseSourceUrl(options.source));
    const plan = await checkSource(raw, origin);
    plan.notices.forEach(say);
    source = plan.config;
    objects = plan.objects;
  } else {
    say('starting an embedded PostgreSQL…');
    database = await startEmbeddedDatabase(join(stateDir, 'pgdata'), await freePort());
    await createDemoSchema(database.connection);
    source = sourceConfig(database.connection, ['public\\.customers', 'public\\.orders']);
  }
  if (!existsSync(workerDir) && landedFiles(lakeDir).count > 0) {
    say(`${relative(process.cwd(), lakeDir) || '.'}/ holds files of an earlier run whose worker state is gone: this run snapshots again, and rows deleted in between still show in the rebuilt state. Remove it to start over.`);
  }
  let runtime: StandaloneRuntime;
  try {
    runtime = await startStandalone({
      workerProps: { 'state.dir': workerDir, listeners: `http://127.0.0.1:${port}`, 'offset.flush.interval.ms': '5000', 'log.level': 'warn' },
      connectors: [sinkConfig(lakeDir, topicPrefix), source],
      logDestination: forgivingStderr(),
    });
  } catch (error) {
    // The embedded server must not outlive a failed start.
    await database?.stop();
    throw error;
  }
  const workload = database ? startDemoWorkload(database.connection, Number(options.rate)) : undefined;
  say(`capturing ${database ? 'the demo shop database' : objects!.where} into ${relative(process.cwd(), lakeDir) || '.'}/ — REST at ${runtime.url}. Ctrl-C stops.`);
  const progress = startProgressDisplay(runtime, lakeDir);

  await stop.requested;
  progress.stop();
  say('stopping — draining the last changes, flushing files, committing offsets… (Ctrl-C again to stop sooner)');
  try {
    await workload?.stop();
    await Promise.race([drain(runtime), stop.hurried]);
    await runtime.stop();
  } finally {
    await database?.stop();
  }
  const lines = ['', ...summaryLines(lakeDir)];
  if (objects && options.dropOnExit) {
    const done = await dropCaptureObjects(objects);
    rmSync(workerDir, { recursive: true, force: true });
    lines.push('', `On ${objects.where}: ${done.length > 0 ? done.join(', ') : 'nothing was left to drop'}; the worker state is removed, so the next run takes a new snapshot.`);
  } else if (objects) lines.push('', ...leftBehindNotice(objects, relative(process.cwd(), stateDir) || stateDir));
  await writeSummary(lines.join('\n') + '\n', output.stdoutClosed());
  process.exit(0);
}

/** The summary on stdout, or on stderr when stdout is gone (known already, or found by this write failing). */
function writeSummary(text: string, stdoutClosed: boolean): Promise<void> {
  return new Promise((resolveWrite) => {
    const toStderr = () => (process.stderr.destroyed ? resolveWrite() : process.stderr.write(text, () => resolveWrite()));
    if (stdoutClosed) return toStderr();
    process.stdout.write(text, (error) => (error ? toStderr() : resolveWrite()));
  });
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
