import type pg from 'pg';
import { TributaryError, type Logger, type TaskMetrics } from '../../../plugins/api/index.js';
import { ChunkQueueReader, chunkReaderName, type ChunkQueueSettings } from '../../../plugins/cdc/index.js';
import type { EventSettings } from './change-event-builder.js';
import { PostgresChunks, type PgChunkTable, type StreamPoint } from './incremental-chunks.js';
import { typeMappingOptions } from './pg-type-mapper.js';
import type { PostgresConfig } from './postgres-config-spec.js';
import { postgresTableFilter } from './table-filter.js';
import { TypeRegistry } from './type-registry.js';

export interface ChunkReaderContext {
  readonly config: PostgresConfig;
  readonly connectorName: string;
  readonly taskId: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly signal: AbortSignal;
  /** a connection of its own for reading ranges */
  readonly connect: () => Promise<pg.Client>;
  readonly degraded?: (error: unknown) => void;
}

/**
 * A reader of the connector's chunk queue on the PostgreSQL side: PostgresChunks (its reads and
 * codec, on a connection of the reader's own) behind a ChunkQueueReader. Tasks 1.. of a connector
 * with `snapshot.queue.redis.url` are nothing else; task 0 runs one beside the stream.
 */
export function postgresChunkReader(context: ChunkReaderContext, queue: ChunkQueueSettings): ChunkQueueReader<PgChunkTable, (string | null)[], StreamPoint> {
  const config = context.config;
  const events: EventSettings = {
    serverName: config['topic.prefix'], db: config['database.dbname'], tombstones: config['tombstones.on.delete'],
    placeholder: config['unavailable.value.placeholder'], heartbeatTopic: `${config['heartbeat.topics.prefix']}.${config['topic.prefix']}`,
  };
  const noWatermarks = {
    query: () => Promise.reject(new TributaryError('internal', 'a chunk reader writes no watermarks')),
  };
  const dialect = new PostgresChunks({
    topicPrefix: config['topic.prefix'], events, filter: postgresTableFilter(config), mapping: typeMappingOptions(config, context.logger), registry: new TypeRegistry(),
    admin: noWatermarks as never, connect: context.connect, slot: config['slot.name'], messages: true, logger: context.logger, signal: context.signal,
  });
  return new ChunkQueueReader({
    ...queue, dialect, codec: dialect.codec, readerName: chunkReaderName(context.connectorName, context.taskId),
    logger: context.logger, metrics: context.metrics, degraded: context.degraded,
  });
}
