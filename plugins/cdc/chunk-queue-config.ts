import { hostname } from 'node:os';
import { prop, type IssueReporter } from '../api/index.js';
import { chunkQueueName, type ChunkQueueSettings } from './chunk-queue.js';

/**
 * The chunk queue's properties, the same for every source built on the toolkit (PostgreSQL,
 * MySQL/MariaDB): one name, one meaning, one check. A source spreads them into its config spec
 * and calls `checkChunkQueue` from its cross-field rules.
 */
export const chunkQueueProperties = {
  'snapshot.queue.redis.url': prop.password({ group: 'Snapshot', doc: 'A Redis (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS) through which an incremental snapshot\'s chunks are spread over the connector\'s tasks, across workers in distributed mode (a BullMQ queue per connector). With it the connector runs `tasks.max` tasks: task 0 streams, writes the watermarks and emits every record, and puts the key ranges of each chunk window (`snapshot.max.threads` of them) in the queue; every task (task 0 too) reads ranges on a connection of its own and hands the rows back through Redis. A reader that dies loses its lease (`snapshot.queue.lease.ms`) and another reads its range; each range is taken once. Needs `snapshot.max.threads` above 1. Unset: the ranges are read inside task 0 on `snapshot.max.threads` connections, and the connector has one task.' }),
  'snapshot.queue.lease.ms': prop.int({ default: 15_000, min: 1_000, max: 600_000, group: 'Snapshot', doc: 'How long a chunk reader holds a range of the chunk queue without renewing its lease (BullMQ\'s job lock, renewed at half of it while the reader lives). A range whose reader died (worker killed, network lost) goes to another reader after at most about twice this.' }),
};

/** What a source's parsed config holds of the chunk queue and the snapshot settings it depends on. */
export interface ChunkQueueConfig {
  readonly 'snapshot.queue.redis.url'?: string;
  readonly 'snapshot.queue.lease.ms': number;
  readonly 'snapshot.max.threads': number;
  readonly 'incremental.snapshot.chunk.size': number;
  readonly 'snapshot.max.rows.per.second': number;
}

/** The cross-field rules of the chunk queue (a config spec's `superRefine`). */
export function checkChunkQueue(values: ChunkQueueConfig, issues: IssueReporter): void {
  const url = values['snapshot.queue.redis.url'];
  if (!url) return;
  // the queue carries the ranges of a window, and one chunk per window has none to spread
  if (values['snapshot.max.threads'] <= 1) issues.add('snapshot.queue.redis.url', 'needs snapshot.max.threads above 1: the queue spreads the chunks of a window, and with 1 a window has one chunk');
  if (!/^rediss?:\/\/[^/]+/.test(url)) issues.add('snapshot.queue.redis.url', 'must be a redis:// or rediss:// URL');
}

/** The chunk queue of the connector, or null when `snapshot.queue.redis.url` is not set (the in-process pool then). */
export function chunkQueueSettings(config: ChunkQueueConfig, connector: string): ChunkQueueSettings | null {
  const url = config['snapshot.queue.redis.url'];
  if (!url) return null;
  return {
    url, name: chunkQueueName(connector), leaseMs: config['snapshot.queue.lease.ms'],
    chunkSize: config['incremental.snapshot.chunk.size'], maxRowsPerSecond: config['snapshot.max.rows.per.second'],
  };
}

/** The connector's task configs: `tasks.max` copies with a chunk queue (task 0 streams, the others read ranges), one without. */
export function chunkQueueTaskConfigs(config: ChunkQueueConfig, raw: Readonly<Record<string, string>>, maxTasks: number): Record<string, string>[] {
  return config['snapshot.queue.redis.url'] ? Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...raw })) : [{ ...raw }];
}

/** A reader's name in the queue and in the coordinator's metrics: which host, process and task read a range. */
export function chunkReaderName(connector: string, taskId: number): string {
  return `${hostname()}/${process.pid}/${connector}-${taskId}`;
}
