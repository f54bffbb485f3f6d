import { Command, Option } from 'commander';
import { TributaryError } from '../plugins/api/index.js';
import { openLake, type LocalLake } from './lake-query/lake-location.js';
// DuckDB (60 MB of native code in every process that imports it) loads only when a lake command runs
import type { LakeSession } from './lake-query/lake-session.js';
import { formatResult, type OutputFormat } from './lake-query/result-table.js';

interface LakeOptions {
  topicsDir: string;
  s3Endpoint?: string;
  s3Region?: string;
}

interface QueryOptions extends LakeOptions {
  table?: string;
  changes?: boolean;
  format: OutputFormat;
  maxRows: string;
}

/**
 * `tributary lake query <dir|s3://bucket/prefix> "<SQL>"` and `tributary lake tables <lake>`:
 * DuckDB (the npm package, nothing to install) over what the files sink landed, with every topic
 * a view of its table's current state, so nobody needs a DuckDB CLI or to write the
 * rebuild-from-changes query by hand.
 */
export function lakeCommand(): Command {
  const lake = new Command('lake').description('Query the files a files sink landed (Parquet), with DuckDB.');
  lake.addCommand(withLakeOptions(new Command('query'))
    .description('Run SQL over a lake. Each topic is a view named after it (quickstart.public.orders) holding the table\'s current state, rebuilt from its change files.')
    .argument('<lake>', 'the folder the files sink writes to (its store.url), or s3://bucket/prefix')
    .argument('[sql]', 'the query; with --table it may be left out')
    .option('--table <topic>', 'print the current state of one table (its change rows with --changes)')
    .option('--changes', 'views hold the change rows as they landed (with __op and __source_pos) instead of the current state')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .option('--max-rows <n>', 'rows a table shows at most (0 = all)', '100')
    .action(async (location: string, sql: string | undefined, options: QueryOptions) => {
      await withLake(location, options, async (session) => {
        if (!sql && !options.table) throw new TributaryError('config.invalid', `Give a query or --table <topic>; the lake holds ${topicList(session)}.`);
        if (options.table && !session.topic(options.table)) throw new TributaryError('config.invalid', `No topic ${options.table} in the lake; it holds ${topicList(session)}.`);
        const text = sql ?? `SELECT * FROM ${session.viewNameOf(options.table!)}`;
        for (const [topic, note] of session.notes) if (mentions(text, topic)) process.stderr.write(`note: ${note}\n`);
        const result = await session.query(text);
        process.stdout.write(formatResult(result, options.format, Number(options.maxRows)));
      });
    }));
  lake.addCommand(withLakeOptions(new Command('tables'))
    .description('List the topics of a lake: the view name to query, files, row layout and key columns.')
    .argument('<lake>', 'the folder the files sink writes to (its store.url), or s3://bucket/prefix')
    .action(async (location: string, options: LakeOptions) => {
      await withLake(location, options, async (session) => {
        const rows = session.catalog.topics.map((t) => [
          session.displayName(t.topic), t.fileCount, t.layout,
          t.layout === 'rows' ? '-' : t.keyFields === null ? 'unknown' : t.keyFields.length === 0 ? '(none: keyless)' : t.keyFields.join(', '),
        ]);
        process.stdout.write(formatResult({ columns: ['view', 'files', 'layout', 'key'], rows }, 'table', 0));
        for (const s of session.catalog.skipped) process.stderr.write(`note: ${s}\n`);
      });
    }));
  return lake;
}

function withLakeOptions(command: Command): Command {
  return command
    .option('--topics-dir <dir>', 'the files sink\'s topics.dir', 'topics')
    .option('--s3-endpoint <url>', 'an S3-compatible server (MinIO, s3rver); credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS profile')
    .option('--s3-region <region>', 'the bucket\'s region (default AWS_REGION or us-east-1)');
}

async function withLake(location: string, options: LakeOptions, run: (session: LakeSession) => Promise<void>): Promise<void> {
  let lake: LocalLake | undefined;
  let session: LakeSession | undefined;
  try {
    lake = await openLake(location, options.topicsDir, { endpoint: options.s3Endpoint, region: options.s3Region });
    const { LakeSession } = await import('./lake-query/lake-session.js');
    session = await LakeSession.open(lake.root, options.topicsDir, { changes: (options as QueryOptions).changes });
    if (session.catalog.topics.length === 0) throw new TributaryError('config.invalid', `${location} holds no Parquet files under ${options.topicsDir}/ (is it the files sink's store.url, and is topics.dir ${options.topicsDir}?).`);
    await run(session);
  } catch (error) {
    process.stderr.write(`tributary lake: ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    session?.close();
    lake?.release();
  }
}

function topicList(session: LakeSession): string {
  return session.catalog.topics.map((t) => t.topic).join(', ');
}

/** Whether a query names a topic's view (its last part is enough to be worth a note). */
function mentions(sql: string, topic: string): boolean {
  const last = topic.split('.').pop() ?? topic;
  return sql.toLowerCase().includes(last.toLowerCase());
}
