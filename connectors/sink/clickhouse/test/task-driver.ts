import { TributaryError, type SinkRecord } from '../../../../plugins/api/index.js';
import { sinkContext, type TestContext } from '../../files/test/sink-fixtures.js';
import { clickhouseSinkSpec, type ClickHouseSinkConfig } from '../clickhouse-sink-config.js';
import { ClickHouseSinkTask } from '../clickhouse-sink-task.js';

/** A ClickHouse sink task on a test context (errors.tolerance=all unless `tolerance: 'none'`). */
export async function startSinkTask(url: string, database: string, overrides: Record<string, string> = {}, options: { tolerance?: 'none' | 'all' } = {}): Promise<{ task: ClickHouseSinkTask; context: TestContext<ClickHouseSinkConfig> }> {
  const { hostname, port } = new URL(url);
  const raw = { topics: 't', hostname, port, database, 'auto.create': 'true', 'linger.ms': '0', 'errors.tolerance': options.tolerance ?? 'all', ...overrides };
  const context = sinkContext<ClickHouseSinkConfig>(clickhouseSinkSpec, raw, 'clickhouse-test');
  if (options.tolerance === 'none') {
    Object.assign(context, { reportErrant: async (_record: SinkRecord, error: unknown) => { throw new TributaryError('task.failed', `tolerance none: ${(error as Error).message}`, { cause: error }); } });
  }
  const task = new ClickHouseSinkTask();
  await task.start(context);
  return { task, context };
}

/** put in slices of `size`, then flush: what the runtime does for a stream of batches ending in a clean stop */
export async function putAll(task: ClickHouseSinkTask, records: readonly SinkRecord[], size = 1000): Promise<void> {
  for (let i = 0; i < records.length; i += size) await task.put(records.slice(i, i + size));
  await task.flush();
}
