import type { KeyValue, SchemaElement } from 'hyparquet';
import type { Schema } from '../../../../../plugins/api/index.js';
import type { CsvOptions } from '../csv-record-writer.js';
import type { JsonOptions } from '../json-record-writer.js';
import type { ParquetCodec, ParquetEncoderName } from '../parquet-record-writer.js';
import type { ColumnBatch } from './column-batch.js';

/**
 * Messages between a sink task's files and its encoder thread. Every message names its file;
 * messages of one file are handled in the order sent (one port), and every request but `abort`
 * gets exactly one reply, so the task side can count what is in flight.
 */
export interface ParquetFileSpec {
  readonly format: 'parquet';
  readonly elements: SchemaElement[];
  /** top-level column names, in field order */
  readonly names: string[];
  /** columns written without min/max statistics (JSON documents) */
  readonly noStatistics: string[];
  readonly codec: ParquetCodec;
  /** `tributary`: the columnar encoder where it covers the file's columns (columnarLeaves), else hyparquet-writer */
  readonly encoder: ParquetEncoderName;
  readonly createdBy: string;
  readonly kvMetadata?: KeyValue[];
}

/** JSON or CSV: the thread runs the format's own RecordWriter on the rows it is sent. */
export type TextFileSpec =
  | { readonly format: 'json'; readonly schema: Schema; readonly options: JsonOptions }
  | { readonly format: 'csv'; readonly schema: Schema; readonly options: CsvOptions };

export type FileSpec = ParquetFileSpec | TextFileSpec;

export type EncoderRequest =
  | { readonly type: 'open'; readonly file: number; readonly spec: FileSpec }
  /** Parquet: converted values, packed column by column (buffers transferred) */
  | { readonly type: 'batch'; readonly file: number; readonly batch: ColumnBatch }
  /** JSON, CSV: the rows' values as they are (structured-cloned) */
  | { readonly type: 'rows'; readonly file: number; readonly rows: readonly (readonly unknown[])[] }
  | { readonly type: 'finish'; readonly file: number }
  | { readonly type: 'abort'; readonly file: number };

/** what a request's reply brings back: bytes to append, and (text files) the writer's own estimatedBytes */
export interface Encoded {
  readonly chunks: Uint8Array[];
  readonly estimatedBytes?: number;
}

export type EncoderReply =
  /** the request was handled; `chunks` are encoded bytes to append to the file, in order */
  | { readonly type: 'done'; readonly file: number; readonly chunks: Uint8Array[]; readonly estimatedBytes?: number }
  /** the request failed: the thread is no longer trusted (the task fails with this trace) */
  | { readonly type: 'failed'; readonly file: number; readonly message: string; readonly stack: string };
