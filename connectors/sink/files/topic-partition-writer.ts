import type { Logger, Schema, SinkRecord } from '../../../plugins/api/index.js';
import { fileName } from './file-namer.js';
import type { RecordWriter, RecordWriterFactory } from './format/record-writer.js';
import type { Partitioner } from './partitioner/partitioner.js';
import type { ZonedClock } from './partitioner/zoned-clock.js';
import type { RowShape, Shaper } from './row-shaper.js';
import { mergeSchemas, projection } from './schema-projection.js';
import type { SinkMetrics } from './sink-metrics.js';
import type { OutputFile, Storage } from './storage/storage.js';

export interface RotationSettings {
  /** records per file, 0 = no limit */
  readonly flushSize: number;
  readonly rotateSizeBytes: number;
  /** record time; 0 = off */
  readonly rotateIntervalMs: number;
  /** wall clock, aligned in `clock`'s zone; 0 = off */
  readonly rotateScheduleIntervalMs: number;
}

export interface WriterContext {
  readonly storage: Storage;
  readonly format: RecordWriterFactory;
  readonly partitioner: Partitioner;
  readonly shaper: Shaper;
  readonly rotation: RotationSettings;
  readonly topicsDir: string;
  readonly clock: ZonedClock;
  readonly now: () => number;
  /** the time used for rotate.interval.ms and the time partitioner */
  readonly timestampOf: (record: SinkRecord) => number;
  readonly metrics: SinkMetrics;
  readonly logger: Logger;
  /** a record that cannot be written goes to the runtime's error policy (DLQ or task failure) */
  readonly reportErrant: (record: SinkRecord, error: unknown) => Promise<void>;
  /**
   * The open files were completed: every record of the topic partition below `offset` is durable,
   * the last of them at `lastPosition`. Resolves once the runtime has recorded it.
   */
  readonly onCompleted: (topic: string, partition: number, offset: number, lastPosition: string) => Promise<void>;
}

interface OpenFile {
  readonly encodedPartition: string;
  readonly out: OutputFile;
  readonly writer: RecordWriter;
  readonly schema: Schema;
  /** per record shape: file column → shape value index (−1 = null), or null if it does not fit */
  readonly projections: Map<RowShape, readonly number[] | null>;
  readonly firstOffset: number;
  readonly firstPosition: string;
  readonly firstTimestamp: number;
  /** the wall-clock time at which rotate.schedule.interval.ms closes this file */
  readonly scheduledClose: number;
  records: number;
  oldestRecordTime: number;
  /** wall-clock time of the last record written */
  lastWriteAt: number;
}

/**
 * How long a file must have received nothing before the idle rule may close it. Without it a
 * sink catching up on old records (whose time is long past) would close a file each time it
 * briefly drained the queue.
 */
const IDLE_GRACE_MS = 10_000;

/**
 * The committer of one topic partition: routes records to one open file per encoded partition,
 * rolls files on the configured limits and on schema changes, completes them through the
 * storage layer, and knows which offset is safe to commit (the first offset of its oldest open
 * file). Calls are never concurrent: the task awaits each one.
 *
 * Files of one topic partition are completed together, as Confluent's S3 sink commits them:
 * when one file must close (full, due, idle, or a schema it lacks), every open file of the topic
 * partition closes with it, and the runtime records them durable before any further file can
 * complete. So at any moment no completed file holds a record above the durable bound, and a
 * replay after a crash never rewrites a completed file — rewriting one could end it elsewhere
 * and overlap the next (the replay may differ: the idle rule depends on wall-clock time, and a
 * resumed snapshot reads another MVCC snapshot). The price is a shorter file in the other
 * encoded partitions when one closes, and an offset-file write per completion.
 */
export class TopicPartitionWriter {
  readonly #ctx: WriterContext;
  readonly #open = new Map<string, OpenFile>();
  /** the widest schema seen per directory, so interleaved schema versions share one file */
  readonly #lastSchema = new Map<string, Schema>();
  /** the last record written to a file or handed to the error policy: what a completion covers */
  #lastHandled: SinkRecord | undefined;

  constructor(readonly topic: string, readonly partition: number, ctx: WriterContext) {
    this.#ctx = ctx;
  }

  get openFiles(): number {
    return this.#open.size;
  }

  /**
   * Writes one record. Returns a promise only when it has to wait (a file to open or close, a
   * row group or chunk going out, an errant record being reported): the common case stays
   * synchronous, which matters at a few hundred thousand records a second.
   */
  write(record: SinkRecord): void | Promise<void> {
    let shape: RowShape;
    let values: unknown[];
    let ts: number;
    let encoded: string;
    try {
      shape = this.#ctx.shaper.shape(record);
      values = shape.values(record);
      ts = this.#ctx.timestampOf(record);
      encoded = this.#ctx.partitioner.encodePartition(record, ts);
    } catch (error) {
      return this.#errant(record, error);
    }
    const file = this.#open.get(encoded);
    const now = this.#ctx.now();
    const mapping = file && !this.#dueBeforeWrite(file, ts, now) ? this.#projection(file, shape) : null;
    if (!file || !mapping) return this.#rollAndWrite(file, encoded, record, ts, shape, values);
    return this.#append(file, mapping, record, values, now);
  }

  /** Closes the file that cannot take the record (due, or a schema it lacks), opens the next. */
  async #rollAndWrite(file: OpenFile | undefined, encoded: string, record: SinkRecord, ts: number, shape: RowShape, values: unknown[]): Promise<void> {
    // due by time, or a column the file lacks (or a changed type): the next file has the wider schema
    if (file) await this.#completeAll();
    const next = await this.#openFile(encoded, record, ts, shape);
    await this.#append(next, this.#projection(next, shape)!, record, values, this.#ctx.now());
  }

  #append(file: OpenFile, mapping: readonly number[], record: SinkRecord, values: unknown[], now: number): void | Promise<void> {
    const row = isIdentity(mapping, values.length) ? values : mapping.map((i) => (i < 0 ? null : values[i]));
    let pending: void | Promise<void>;
    try {
      pending = file.writer.write(row);
    } catch (error) {
      // a synchronous throw is a conversion failure: writers convert the whole row before
      // buffering any of it, so the file is intact and only this record is errant
      return this.#errant(record, error);
    }
    // only now does a completion cover this record (a roll completes the files before it)
    this.#lastHandled = record;
    file.records++;
    file.lastWriteAt = now;
    if (record.timestamp < file.oldestRecordTime) file.oldestRecordTime = record.timestamp;
    // a rejection of `pending` is the output failing after retries: it fails the task
    if (pending) return pending.then(() => this.#closeIfFull(file));
    return this.#closeIfFull(file);
  }

  #closeIfFull(file: OpenFile): void | Promise<void> {
    const { flushSize, rotateSizeBytes } = this.#ctx.rotation;
    if ((flushSize > 0 && file.records >= flushSize) || file.writer.estimatedBytes >= rotateSizeBytes) return this.#completeAll();
  }

  /**
   * Called after every `put`: closes files whose wall-clock schedule is due, and idle files
   * (nothing written for min(rotate.interval.ms, 10 s)) whose record-time interval has passed on
   * the wall clock, so an idle topic still lands its data.
   */
  async tick(): Promise<void> {
    const now = this.#ctx.now();
    const { rotateIntervalMs } = this.#ctx.rotation;
    const grace = Math.min(rotateIntervalMs, IDLE_GRACE_MS);
    for (const file of this.#open.values()) {
      const idleDue = rotateIntervalMs > 0 && now >= file.firstTimestamp + rotateIntervalMs && now - file.lastWriteAt >= grace;
      if (idleDue || now >= file.scheduledClose) return this.#completeAll();
    }
  }

  /**
   * The offset below which every record is in a completed file, and — when that is the first
   * record of an open file — its position, so the runtime knows exactly what is durable.
   */
  safeOffset(current: number): { offset: number; position?: string } {
    let oldest: OpenFile | undefined;
    for (const f of this.#open.values()) if (f.firstOffset < (oldest?.firstOffset ?? current)) oldest = f;
    return oldest ? { offset: oldest.firstOffset, position: oldest.firstPosition } : { offset: current };
  }

  /** Drops open files without completing them: their records are replayed after a restart. */
  async abortAll(): Promise<void> {
    for (const file of this.#open.values()) await abortFile(file);
    this.#open.clear();
  }

  /** Completes every open file (flush on a graceful stop; tools and the benchmark). */
  closeAll(): Promise<void> {
    return this.#completeAll();
  }

  #dueBeforeWrite(file: OpenFile, ts: number, now: number): boolean {
    const { rotateIntervalMs } = this.#ctx.rotation;
    return (rotateIntervalMs > 0 && ts - file.firstTimestamp >= rotateIntervalMs) || now >= file.scheduledClose;
  }

  #projection(file: OpenFile, shape: RowShape): readonly number[] | null {
    let p = file.projections.get(shape);
    if (p === undefined) {
      p = projection(file.schema, shape.schema);
      file.projections.set(shape, p);
    }
    return p;
  }

  async #openFile(encoded: string, record: SinkRecord, ts: number, shape: RowShape): Promise<OpenFile> {
    const previous = this.#lastSchema.get(encoded);
    const schema = previous ? mergeSchemas(previous, shape.schema) : shape.schema;
    this.#lastSchema.set(encoded, schema);
    const path = fileName({
      topicsDir: this.#ctx.topicsDir,
      topic: this.topic,
      encodedPartition: encoded,
      partition: this.partition,
      startPosition: record.position,
      startTimestamp: ts,
      extension: this.#ctx.format.extension,
    });
    const out = await this.#ctx.storage.create(path);
    const { rotateScheduleIntervalMs } = this.#ctx.rotation;
    const file: OpenFile = {
      encodedPartition: encoded,
      out,
      writer: this.#ctx.format.open(out, schema, { keyFields: keyFieldsOf(record) }),
      schema,
      projections: new Map(),
      firstOffset: record.offset,
      firstPosition: record.position,
      firstTimestamp: ts,
      scheduledClose: rotateScheduleIntervalMs > 0 ? this.#ctx.clock.nextBoundary(this.#ctx.now(), rotateScheduleIntervalMs) : Number.POSITIVE_INFINITY,
      records: 0,
      oldestRecordTime: record.timestamp,
      lastWriteAt: this.#ctx.now(),
    };
    this.#open.set(encoded, file);
    this.#ctx.metrics.fileOpened(this.topic);
    return file;
  }

  /** An errant record is handled once the error policy took it (dead-letter queue, or a task failure). */
  async #errant(record: SinkRecord, error: unknown): Promise<void> {
    await this.#ctx.reportErrant(record, error);
    this.#lastHandled = record;
  }

  /** Completes every open file, then has the runtime record everything handled so far as durable. */
  async #completeAll(): Promise<void> {
    const files = [...this.#open.values()];
    this.#open.clear();
    let completed = 0;
    for (let i = 0; i < files.length; i++) {
      try {
        if (await this.#complete(files[i])) completed++;
      } catch (error) {
        // the files not completed yet are dropped (their records are replayed)
        for (const rest of files.slice(i + 1)) await abortFile(rest);
        throw error;
      }
    }
    const last = this.#lastHandled;
    if (completed > 0 && last) await this.#ctx.onCompleted(this.topic, this.partition, last.offset + 1, last.position);
  }

  /** Finishes and commits one file; false when it had no records (then nothing is left behind). */
  async #complete(file: OpenFile): Promise<boolean> {
    if (file.records === 0) {
      // its only records were errant: an empty file would carry a misleading name
      await abortFile(file);
      return false;
    }
    try {
      await file.writer.finish();
      await file.out.commit();
    } catch (error) {
      await abortFile(file);
      throw error;
    }
    this.#ctx.metrics.fileClosed(this.topic, file.out.bytesWritten, file.records, this.#ctx.now() - file.oldestRecordTime);
    this.#ctx.logger.debug({ file: file.out.path, records: file.records, bytes: file.out.bytesWritten }, 'file completed');
    return true;
  }
}

/** Drops an open file: its output, and what its writer holds beside it. */
function abortFile(file: OpenFile): Promise<void> {
  file.writer.abort?.();
  return file.out.abort();
}

/** The key's field names (see FileDescription): from the key schema, else from a schemaless key object. */
function keyFieldsOf(record: SinkRecord): readonly string[] | null {
  if (record.keySchema) return record.keySchema.type === 'struct' ? (record.keySchema.fields ?? []).map((f) => f.name) : null;
  if (record.key === null || record.key === undefined) return [];
  return typeof record.key === 'object' && !Array.isArray(record.key) && !(record.key instanceof Uint8Array) ? Object.keys(record.key) : null;
}

const identities = new WeakMap<readonly number[], boolean>();

/** Whether a projection keeps every value in place (the common case: no schema change). */
function isIdentity(mapping: readonly number[], length: number): boolean {
  let known = identities.get(mapping);
  if (known === undefined) {
    known = mapping.length === length && mapping.every((v, i) => v === i);
    identities.set(mapping, known);
  }
  return known;
}
