import type { Schema } from '../../../../plugins/api/index.js';
import type { OutputFile } from '../storage/storage.js';

/**
 * Writes the rows of one file in one format. Rows arrive as value arrays in the order of the
 * struct schema the writer was opened with (see RowShape). A row that cannot be converted makes
 * `write` throw before anything of it is buffered, so the caller can route that one record to
 * the dead-letter queue and go on with the same file.
 */
export interface RecordWriter {
  /** may await the output (backpressure) when a row group or chunk is flushed */
  write(values: readonly unknown[]): void | Promise<void>;
  /** bytes written to the output plus an estimate of what is still buffered */
  readonly estimatedBytes: number;
  /** writes what is buffered and the format's trailer; the caller then commits the output */
  finish(): Promise<void>;
  /** the file is dropped (its output aborted): release what the writer holds elsewhere (an encoder thread's state) */
  abort?(): void;
}

/** What a file says about its records beyond their columns (formats with a footer keep it there). */
export interface FileDescription {
  /**
   * the record key's field names, in key order: `[]` when the records carry no key (a keyless
   * table), null when the key is not a struct (then nothing is recorded). Readers rebuilding a
   * table's current state partition by these (`tributary lake query`).
   */
  readonly keyFields: readonly string[] | null;
}

export interface RecordWriterFactory {
  /** file name extension without the dot, e.g. `parquet` or `json.gz` */
  readonly extension: string;
  open(out: OutputFile, schema: Schema, description?: FileDescription): RecordWriter;
  /** the task stops: release what the factory's writers share (an encoder thread) */
  close?(): Promise<void>;
}
