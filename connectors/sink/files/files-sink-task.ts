import {
  TributaryError,
  type SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartitionOffset,
} from '../../../plugins/api/index.js';
import { parseRowGroupSize, resolveFormat, resolvePartitioner, type FilesSinkConfig } from './files-sink-config.js';
import { csvWriterFactory } from './format/csv-record-writer.js';
import { jsonWriterFactory } from './format/json-record-writer.js';
import { offloadedParquetWriterFactory } from './format/offload/offloaded-parquet-writer.js';
import { offloadedCsvWriterFactory, offloadedJsonWriterFactory } from './format/offload/offloaded-text-writer.js';
import { parquetWriterFactory } from './format/parquet-record-writer.js';
import type { RecordWriterFactory } from './format/record-writer.js';
import { createPartitioner } from './partitioner/partitioner.js';
import { ZonedClock } from './partitioner/zoned-clock.js';
import { RowShaper, type Shaper } from './row-shaper.js';
import { SinkMetrics } from './sink-metrics.js';
import { createStorage } from './storage/storage-factory.js';
import type { Storage } from './storage/storage.js';
import { timestampExtractor } from './timestamp-extractor.js';
import { TopicPartitionWriter, type WriterContext } from './topic-partition-writer.js';

export const VERSION = '0.1.0';

/** What the dlq sink changes in the files sink: its row shape, format and metric names. */
export interface SinkVariant {
  shaper?: Shaper;
  format?: (config: FilesSinkConfig) => RecordWriterFactory;
  metricsPrefix?: string;
}

/**
 * The files sink task: one TopicPartitionWriter (the committer) per topic partition over shared
 * storage, format and partitioner. `preCommit` reports, per topic partition, the first offset of
 * its oldest open file and that record's position, so the runtime commits source offsets only
 * over completed files and knows exactly which records a replay must not hand over again.
 */
export class FilesSinkTask implements SinkTask<FilesSinkConfig> {
  readonly #variant: SinkVariant;
  #context!: SinkTaskContext<FilesSinkConfig>;
  #storage!: Storage;
  #writerContext!: WriterContext;
  #metrics!: SinkMetrics;
  readonly #writers = new Map<string, TopicPartitionWriter>();
  #last: TopicPartitionWriter | undefined;
  #stopped = false;
  /** for tests and the benchmark: a clock to drive time-based rotation */
  readonly now: () => number;

  constructor(variant: SinkVariant = {}, now: () => number = Date.now) {
    this.#variant = variant;
    this.now = now;
  }

  async start(context: SinkTaskContext<FilesSinkConfig>): Promise<void> {
    this.#context = context;
    const c = context.config;
    this.#metrics = new SinkMetrics(context.metrics, this.#variant.metricsPrefix);
    this.#storage = createStorage(c, `${context.connectorName}-${context.taskId}`, {
      signal: context.signal,
      onRetry: (error, attempt, what) => {
        this.#metrics.uploadRetry();
        context.logger.warn({ err: error, attempt, what }, 'storage call failed; retrying');
        context.reportDegraded(new TributaryError('sink.unavailable', `${what} failed (${(error as Error).message ?? String(error)}); retrying with backoff (attempt ${attempt})`, { cause: error }));
      },
      onRecovered: (what, attempts) => {
        context.logger.info({ what, attempts }, 'storage call succeeded after retries');
        context.reportDegraded(null);
      },
    });
    await this.#storage.start();
    const clock = new ZonedClock(c.timezone);
    this.#writerContext = {
      storage: this.#storage,
      format: (this.#variant.format ?? formatFactory)(c),
      partitioner: createPartitioner({
        kind: resolvePartitioner(c['partitioner.class'], c.partitioner) ?? 'default',
        pathFormat: c['path.format'],
        timezone: c.timezone,
        durationMs: c['partition.duration.ms'],
        fieldNames: c['partition.field.name'] ?? [],
      }),
      shaper: this.#variant.shaper ?? new RowShaper(c['value.layout']),
      rotation: {
        flushSize: c['flush.size'],
        rotateSizeBytes: c['rotate.size.bytes'],
        rotateIntervalMs: c['rotate.interval.ms'],
        rotateScheduleIntervalMs: c['rotate.schedule.interval.ms'],
      },
      topicsDir: c['topics.dir'],
      clock,
      now: this.now,
      timestampOf: timestampExtractor(c['timestamp.extractor'], c['timestamp.field'], this.now),
      metrics: this.#metrics,
      logger: context.logger,
      reportErrant: (record, error) => context.reportErrant(record, error),
      onCompleted: async (topic, partition, offset, lastPosition) => {
        await context.commitDurable([{ topic, partition, offset, lastPosition }]);
        context.requestCommit();
      },
    };
    context.logger.info({ store: this.#storage.url }, 'files sink started');
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    for (const record of records) {
      // stopped while this put waited (on storage, or on a commit): the open files are discarded,
      // so a file begun now would start past records that are gone
      if (this.#stopped) throw stoppedError(this.#context);
      if (record.value === null || record.value === undefined) {
        if (this.#context.config['behavior.on.null.values'] === 'fail') {
          throw new TributaryError('record.rejected', `Record ${record.id} on ${record.topic} is a tombstone (null value) and behavior.on.null.values=fail. Set it to ignore to skip tombstones.`);
        }
        continue;
      }
      const pending = this.#writer(record.topic, record.partition).write(record);
      if (pending) await pending;
    }
    let open = 0;
    for (const writer of this.#writers.values()) {
      await writer.tick();
      open += writer.openFiles;
    }
    this.#metrics.openFiles(open);
  }

  async preCommit(current: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    return current.map((tp) => {
      const writer = this.#writers.get(key(tp.topic, tp.partition));
      return writer ? { ...tp, ...writer.safeOffset(tp.offset) } : tp;
    });
  }

  /**
   * Completes every open file. The runtime calls it on a graceful stop, right before the last
   * preCommit, so a clean stop leaves nothing to replay. A replay after a crash between the two
   * rewrites the same first file with at least the same records, so no record lands twice.
   */
  async flush(_current?: readonly TopicPartitionOffset[]): Promise<void> {
    await this.closeAll();
  }

  /** Completes every open file (flush; also used by tools and the benchmark). */
  async closeAll(): Promise<void> {
    for (const writer of this.#writers.values()) await writer.closeAll();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const writer of this.#writers.values()) await writer.abortAll();
    this.#writers.clear();
    this.#last = undefined;
    await this.#writerContext?.format.close?.();
    await this.#storage?.close();
  }

  #writer(topic: string, partition: number): TopicPartitionWriter {
    // records come in runs of one topic partition: skip the map lookup for the same one
    const last = this.#last;
    if (last && last.topic === topic && last.partition === partition) return last;
    const k = key(topic, partition);
    let writer = this.#writers.get(k);
    if (!writer) {
      writer = new TopicPartitionWriter(topic, partition, this.#writerContext);
      this.#writers.set(k, writer);
    }
    this.#last = writer;
    return writer;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function formatFactory(c: FilesSinkConfig): RecordWriterFactory {
  const format = resolveFormat(c['format.class'], c.format) ?? 'parquet';
  const thread = c['format.encoder.thread'];
  if (format === 'json') {
    const json = { gzip: c['json.compression'] === 'gzip', decimalAs: c['json.decimal.format'] === 'NUMERIC' ? 'number' as const : 'string' as const };
    return thread ? offloadedJsonWriterFactory(json) : jsonWriterFactory(json);
  }
  if (format === 'csv') {
    const csv = { delimiter: c['csv.delimiter'], nullValue: c['csv.null.value'], header: c['csv.header'] };
    return thread ? offloadedCsvWriterFactory(csv) : csvWriterFactory(csv);
  }
  const size = parseRowGroupSize(c['parquet.row.group.size']);
  const options = { codec: c['parquet.codec'], encoder: c['parquet.encoder'], rowGroupRows: size.rows, rowGroupBytes: size.bytes, createdBy: `tributary files sink ${VERSION}` };
  return thread ? offloadedParquetWriterFactory(options) : parquetWriterFactory(options);
}

function stoppedError(context: SinkTaskContext<FilesSinkConfig>): TributaryError {
  return new TributaryError('task.stopped', `Files sink task ${context.connectorName}-${context.taskId} was stopped: it writes nothing more (its records replay in the next task).`);
}
