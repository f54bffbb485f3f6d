import type { Logger, TaskMetrics } from '../../../plugins/api/index.js';
import { ChunkQueueReader, chunkReaderName, type ChunkQueueSettings } from '../../../plugins/cdc/index.js';
import { MySqlChunks, type BinlogPoint, type MySqlChunkTable } from './incremental-chunks.js';
import type { MySqlClient } from './mysql-connection.js';
import type { MySqlConfig } from './mysql-config-spec.js';
import { mysqlTableFilter } from './mysql-table-filter.js';
import { recordSettings } from './record-settings.js';
import type { ConnectorFlavour } from './source-info.js';

export interface MySqlChunkReaderContext {
  readonly config: MySqlConfig;
  readonly flavour: ConnectorFlavour;
  readonly connectorName: string;
  readonly taskId: number;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly signal: AbortSignal;
  /** a connection of its own for reading ranges */
  readonly connect: () => Promise<MySqlClient>;
  readonly degraded?: (error: unknown) => void;
}

type Row = Record<string, unknown>;

/**
 * A reader of the connector's chunk queue on the MySQL / MariaDB side: MySqlChunks (its keyset
 * reads and codec, on a connection of the reader's own; no watermarks) behind a
 * ChunkQueueReader. Tasks 1.. of a connector with `snapshot.queue.redis.url` are nothing else;
 * task 0 runs one beside the stream. A reader builds no records, so the source server's id
 * (only in records) is not asked for.
 */
export function mysqlChunkReader(context: MySqlChunkReaderContext, queue: ChunkQueueSettings): ChunkQueueReader<MySqlChunkTable, Row, BinlogPoint> {
  const config = context.config;
  const dialect = new MySqlChunks({
    settings: recordSettings(config, context.flavour, 0), filter: mysqlTableFilter(config), mapping: config,
    signalTable: null, connect: context.connect, signal: context.signal, readsOnly: true,
  });
  return new ChunkQueueReader({
    ...queue, dialect, codec: dialect.codec, readerName: chunkReaderName(context.connectorName, context.taskId),
    logger: context.logger, metrics: context.metrics, degraded: context.degraded,
  });
}
