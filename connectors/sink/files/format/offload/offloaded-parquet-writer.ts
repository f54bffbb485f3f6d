import type { Schema } from '../../../../../plugins/api/index.js';
import type { OutputFile } from '../../storage/storage.js';
import { keyValueMetadata, type ParquetOptions } from '../parquet-record-writer.js';
import { parquetColumns, type Converter } from '../parquet-schema.js';
import type { FileDescription, RecordWriter, RecordWriterFactory } from '../record-writer.js';
import { ColumnPacker, columnKind, fitsKind, topLevelElements, type ColumnKind } from './column-batch.js';
import { EncoderThreadClient, PARQUET_THREAD_LIMITS } from './encoder-thread-client.js';
import { OrderedOutput } from './ordered-output.js';

/** rows per batch sent to the thread: large enough to amortise a message, small enough to overlap */
const BATCH_ROWS = 4096;
/** ... and at most this many estimated bytes (wide rows), which bounds the packing buffers */
const BATCH_BYTES = 1 << 20;
/**
 * How much of one file may be sent but not yet written to storage before `write` makes the
 * caller wait: one row group's worth (estimated bytes) beside the one the thread is gathering,
 * so the task converts the next row group while the thread encodes one.
 */
const IN_FLIGHT_ROW_GROUPS = 1;
const IN_FLIGHT_CAP_BYTES = 64 * 1024 * 1024;
const DEFAULT_GROUP_BYTES = 8 * 1024 * 1024;

/**
 * Parquet files encoded and compressed in a worker thread (one per sink task, see
 * EncoderThreadClient). On the task's thread a row is converted exactly as ParquetRecordWriter
 * does — so a bad value still throws from `write` before anything of the row is kept, and that
 * one record goes to the error policy — then packed into columnar buffers; full batches are
 * transferred to the thread, which encodes row groups and returns their bytes, written here to
 * the output in order (OrderedOutput). About two row groups per file are out at most: the
 * backpressure that bounds memory. `finish` resolves once the footer is written, so the caller's commit (and with
 * it preCommit's report) still comes after every byte.
 */
export class OffloadedParquetWriter implements RecordWriter {
  readonly #client: EncoderThreadClient;
  readonly #file: number;
  readonly #out: OutputFile;
  readonly #output: OrderedOutput;
  readonly #names: string[];
  readonly #converters: Converter[];
  readonly #kinds: ColumnKind[];
  readonly #fixed: number[];
  readonly #packers: ColumnPacker[];
  readonly #scratch: unknown[];
  readonly #maxRows: number;
  readonly #maxBytes: number;
  #batchRows = 0;
  /** the part of the current row group's bytes already sent */
  #sentGroupBytes = 0;
  #groupRows = 0;
  #groupBytes = 0;

  constructor(client: EncoderThreadClient, out: OutputFile, schema: Schema, options: ParquetOptions, description?: FileDescription) {
    this.#client = client;
    this.#out = out;
    this.#output = new OrderedOutput(out, Math.min(IN_FLIGHT_CAP_BYTES, IN_FLIGHT_ROW_GROUPS * (options.rowGroupBytes ?? DEFAULT_GROUP_BYTES)));
    const { elements, converters } = parquetColumns(schema, { packed: true });
    const top = topLevelElements(elements);
    this.#names = top.map((e) => e.name);
    this.#converters = converters;
    this.#kinds = top.map(columnKind);
    this.#fixed = top.map((e) => e.type_length ?? 0);
    this.#packers = top.map((e, i) => new ColumnPacker(this.#kinds[i], e.repetition_type !== 'REQUIRED', this.#fixed[i]));
    this.#scratch = new Array<unknown>(top.length);
    this.#maxRows = options.rowGroupRows ?? Number.MAX_SAFE_INTEGER;
    this.#maxBytes = options.rowGroupBytes ?? Number.MAX_SAFE_INTEGER;
    this.#file = client.newFile();
    void this.#output.track(client.request({
      type: 'open',
      file: this.#file,
      spec: {
        format: 'parquet',
        elements,
        names: this.#names,
        // JSON documents make poor min/max statistics (kept whole, never truncated): skip them
        noStatistics: top.filter((e) => e.logical_type?.type === 'JSON').map((e) => e.name),
        codec: options.codec,
        encoder: options.encoder ?? 'tributary',
        createdBy: options.createdBy,
        kvMetadata: keyValueMetadata(description),
      },
    }), 0);
  }

  get estimatedBytes(): number {
    return this.#out.bytesWritten + (this.#output.inFlightBytes + this.#groupBytes - this.#sentGroupBytes) / 4;
  }

  write(values: readonly unknown[]): void | Promise<void> {
    // a failed thread or output fails the task through the returned promise, never as a throw
    // (a throw means this record is bad)
    const failure = this.#client.failure ?? this.#output.failure;
    if (failure) return Promise.reject(failure);
    const n = this.#converters.length;
    const row = this.#scratch;
    let size = 0;
    // convert and check the whole row first: a bad value then leaves the batch untouched
    for (let i = 0; i < n; i++) {
      const v = this.#converters[i](values[i]);
      if (!fitsKind(this.#kinds[i], v, this.#fixed[i])) throw new TypeError(`column ${this.#names[i]}: a ${typeof v} does not fit its Parquet type`);
      row[i] = v;
      size += typeof v === 'string' ? v.length + 4 : v instanceof Uint8Array ? v.length + 4 : 8;
    }
    for (let i = 0; i < n; i++) this.#packers[i].push(row[i]);
    this.#batchRows++;
    this.#groupRows++;
    this.#groupBytes += size;
    if (this.#groupRows >= this.#maxRows || this.#groupBytes >= this.#maxBytes) return this.#send(true);
    if (this.#batchRows >= BATCH_ROWS || this.#groupBytes - this.#sentGroupBytes >= BATCH_BYTES) return this.#send(false);
  }

  async finish(): Promise<void> {
    if (this.#batchRows > 0 || this.#groupRows > 0) await this.#send(true);
    void this.#output.track(this.#client.request({ type: 'finish', file: this.#file }), 0);
    await this.#output.drained();
  }

  abort(): void {
    this.#client.abort(this.#file);
  }

  #send(endRowGroup: boolean): void | Promise<void> {
    const batch = { rows: this.#batchRows, columns: this.#packers.map((p) => p.take()), endRowGroup };
    const bytes = this.#groupBytes - this.#sentGroupBytes;
    this.#batchRows = 0;
    if (endRowGroup) {
      this.#groupRows = 0;
      this.#groupBytes = 0;
      this.#sentGroupBytes = 0;
    } else this.#sentGroupBytes = this.#groupBytes;
    return this.#output.track(this.#client.request({ type: 'batch', file: this.#file, batch }), bytes);
  }
}

/** Parquet through an encoder thread per sink task; `close` ends the thread (the task's stop). */
export function offloadedParquetWriterFactory(options: ParquetOptions): RecordWriterFactory {
  const client = new EncoderThreadClient(PARQUET_THREAD_LIMITS);
  return {
    extension: 'parquet',
    open: (out, schema, description) => new OffloadedParquetWriter(client, out, schema, options, description),
    close: () => client.close(),
  };
}
