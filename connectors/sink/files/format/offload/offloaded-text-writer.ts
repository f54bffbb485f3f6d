import type { Field, Schema } from '../../../../../plugins/api/index.js';
import type { OutputFile } from '../../storage/storage.js';
import type { CsvOptions } from '../csv-record-writer.js';
import type { JsonOptions } from '../json-record-writer.js';
import type { RecordWriter, RecordWriterFactory } from '../record-writer.js';
import { variableScaleDecimalText } from '../value-conversions.js';
import type { TextFileSpec } from './encoder-protocol.js';
import { EncoderThreadClient } from './encoder-thread-client.js';
import { OrderedOutput } from './ordered-output.js';

/** rows per message: a structured clone costs about 0.3 µs a row here, the JSON text 2 µs */
const BATCH_ROWS = 4096;
/** estimated characters of one file sent but not yet written before `write` makes the caller wait */
const IN_FLIGHT_CHARS = 8 * 1024 * 1024;

/**
 * JSON and CSV files written in the encoder thread: rows are structured-cloned to it in batches
 * and the format's own writer (JsonRecordWriter, CsvRecordWriter) turns them into text there,
 * so the files are the same byte for byte. A row must still fail on the task's thread if the
 * text would fail: the only values the text writers reject are bad VariableScaleDecimal structs
 * and invalid Dates, so those are checked here before the row is kept (an invalid Date nested
 * in a struct or list is not: it fails the task, through the thread, with its trace).
 */
export class OffloadedTextWriter implements RecordWriter {
  readonly #client: EncoderThreadClient;
  readonly #file: number;
  readonly #out: OutputFile;
  readonly #output: OrderedOutput;
  readonly #checks: ((v: unknown) => void)[];
  readonly #rowOverhead: number;
  #rows: (readonly unknown[])[] = [];
  #chars = 0;

  constructor(client: EncoderThreadClient, out: OutputFile, spec: TextFileSpec) {
    this.#client = client;
    this.#out = out;
    this.#output = new OrderedOutput(out, IN_FLIGHT_CHARS);
    this.#checks = (spec.schema.fields ?? []).map(checkFor);
    this.#rowOverhead = (spec.schema.fields ?? []).reduce((n, f) => n + (spec.format === 'json' ? f.name.length + 4 : 1), 2);
    this.#file = client.newFile();
    void this.#output.track(client.request({ type: 'open', file: this.#file, spec }), 0);
  }

  get estimatedBytes(): number {
    return this.#output.estimatedSize(this.#chars);
  }

  write(values: readonly unknown[]): void | Promise<void> {
    const failure = this.#client.failure ?? this.#output.failure;
    if (failure) return Promise.reject(failure);
    // a rough size of the row's text; estimatedSize scales it by what the thread reports
    let chars = this.#rowOverhead;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      this.#checks[i](v);
      chars += typeof v === 'string' ? v.length + 2 : typeof v === 'number' ? (v < 1e6 && v > -1e5 ? 6 : 16) : 5;
    }
    // the row arrays are the shaper's own (one per record), so they are kept, not copied
    this.#rows.push(values);
    this.#chars += chars;
    if (this.#rows.length >= BATCH_ROWS) return this.#send();
  }

  async finish(): Promise<void> {
    if (this.#rows.length > 0) await this.#send();
    void this.#output.track(this.#client.request({ type: 'finish', file: this.#file }), 0);
    await this.#output.drained();
  }

  abort(): void {
    this.#client.abort(this.#file);
  }

  #send(): void | Promise<void> {
    const rows = this.#rows;
    const chars = this.#chars;
    this.#rows = [];
    this.#chars = 0;
    return this.#output.track(this.#client.request({ type: 'rows', file: this.#file, rows }), chars);
  }
}

/** The check a column's values need on the task's thread (see OffloadedTextWriter). */
function checkFor(field: Field): (v: unknown) => void {
  const schema: Schema = field.schema;
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return (v) => v != null && void variableScaleDecimalText(v);
  return (v) => {
    // the only other value the text writers throw on (toISOString); nested ones fail the task
    if (v instanceof Date && Number.isNaN(v.getTime())) throw new RangeError(`column ${field.name}: invalid date`);
  };
}

export function offloadedJsonWriterFactory(options: JsonOptions): RecordWriterFactory {
  const client = new EncoderThreadClient();
  return {
    extension: options.gzip ? 'json.gz' : 'json',
    open: (out, schema) => new OffloadedTextWriter(client, out, { format: 'json', schema, options }),
    close: () => client.close(),
  };
}

export function offloadedCsvWriterFactory(options: CsvOptions): RecordWriterFactory {
  const client = new EncoderThreadClient();
  return { extension: 'csv', open: (out, schema) => new OffloadedTextWriter(client, out, { format: 'csv', schema, options }), close: () => client.close() };
}
