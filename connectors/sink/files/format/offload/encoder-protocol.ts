import type { KeyValue, SchemaElement } from 'hyparquet';
import type { ParquetCodec } from '../parquet-record-writer.js';
import type { ColumnBatch } from './column-batch.js';

/**
 * Messages between a sink task's files and its encoder thread. Every message names its file;
 * messages of one file are handled in the order sent (one port), and every request but `abort`
 * gets exactly one reply, so the task side can count what is in flight.
 */
export interface ParquetFileSpec {
  readonly elements: SchemaElement[];
  /** top-level column names, in field order */
  readonly names: string[];
  /** columns written without min/max statistics (JSON documents) */
  readonly noStatistics: string[];
  readonly codec: ParquetCodec;
  readonly createdBy: string;
  readonly kvMetadata?: KeyValue[];
}

export type EncoderRequest =
  | { readonly type: 'open'; readonly file: number; readonly spec: ParquetFileSpec }
  | { readonly type: 'batch'; readonly file: number; readonly batch: ColumnBatch }
  | { readonly type: 'finish'; readonly file: number }
  | { readonly type: 'abort'; readonly file: number };

export type EncoderReply =
  /** the request was handled; `chunks` are encoded bytes to append to the file, in order */
  | { readonly type: 'done'; readonly file: number; readonly chunks: Uint8Array[] }
  /** the request failed: the thread is no longer trusted (the task fails with this trace) */
  | { readonly type: 'failed'; readonly file: number; readonly message: string; readonly stack: string };
